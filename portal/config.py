"""Configuration classes, filled from the environment and validated at start-up.

The embedded default (SQLite in the instance folder) generates and keeps its own secrets;
production refuses to start without ``SECRET_KEY``, ``DATABASE_URL`` and
``MEDCREDIT_IDENTITY_KEY``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be used; the message says what to set."""


def instance_path() -> Path:
    return Path(os.environ.get("MEDCREDIT_INSTANCE", "instance")).resolve()


def _read_or_create_secret(folder: Path, name: str, factory) -> str:
    """Return the secret kept in ``folder/name``, creating it (mode 0600) on first use."""
    path = folder / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    folder.mkdir(parents=True, exist_ok=True)
    value = factory()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value)
    return value


class BaseConfig:
    ENV_NAME = "base"
    #: Whether missing secrets may be generated into the instance folder.
    GENERATE_SECRETS = True

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    DISPLAY_TIMEZONE = "Asia/Shanghai"
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed log-ins before an account is locked, and for how long (minutes).
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    #: werkzeug password hash method (scrypt: memory-hard KDF).
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a KDF name)
    PAGE_SIZE = 20
    IMPORT_MAX_ROWS = 20000

    def __init__(self, overrides: dict | None = None) -> None:
        self.INSTANCE_PATH = str(instance_path())
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY")
        self.IDENTITY_KEY = env.get("MEDCREDIT_IDENTITY_KEY")
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL")
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        try:
            self.TRUSTED_PROXIES = int(env.get("MEDCREDIT_TRUSTED_PROXIES", "0") or 0)
        except ValueError as exc:
            raise ConfigError("MEDCREDIT_TRUSTED_PROXIES must be a whole number") from exc
        if env.get("RATELIMIT_STORAGE_URI"):
            self.RATELIMIT_STORAGE_URI = env["RATELIMIT_STORAGE_URI"]
        for key, value in (overrides or {}).items():
            setattr(self, key, value)
        self._fill_defaults()
        self.validate()

    def _fill_defaults(self) -> None:
        folder = Path(self.INSTANCE_PATH)
        if not self.SQLALCHEMY_DATABASE_URI:
            if not self.GENERATE_SECRETS:
                return
            folder.mkdir(parents=True, exist_ok=True)
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'medcredit.sqlite3'}"
        if not self.SECRET_KEY and self.GENERATE_SECRETS:
            self.SECRET_KEY = _read_or_create_secret(
                folder, "secret_key", lambda: secrets.token_urlsafe(48)
            )
        if not self.IDENTITY_KEY and self.GENERATE_SECRETS:
            self.IDENTITY_KEY = _read_or_create_secret(
                folder, "identity_key", lambda: Fernet.generate_key().decode("ascii")
            )
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(self.SQLALCHEMY_DATABASE_URI)

    def validate(self) -> None:
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", self.SECRET_KEY),
                ("DATABASE_URL", self.SQLALCHEMY_DATABASE_URI),
                ("MEDCREDIT_IDENTITY_KEY", self.IDENTITY_KEY),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"{self.ENV_NAME} configuration needs these environment variables: "
                + ", ".join(missing)
            )
        if len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        try:
            Fernet(self.IDENTITY_KEY.encode("ascii"))
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "MEDCREDIT_IDENTITY_KEY must be a urlsafe base64 32-byte key "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from exc

    def as_dict(self) -> dict:
        return {
            key: getattr(self, key)
            for key in dir(self)
            if key.isupper() and not key.startswith("_")
        }


def normalise_database_url(url: str | None) -> str | None:
    """Map plain ``postgres://`` / ``postgresql://`` URLs to the psycopg 3 driver."""
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105  (fast KDF for tests only)
    RATELIMIT_ENABLED = True
    PAGE_SIZE = 5


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    GENERATE_SECRETS = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None, overrides: dict | None = None) -> BaseConfig:
    name = name or os.environ.get("MEDCREDIT_ENV", "development")
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(f"unknown MEDCREDIT_ENV {name!r}; use one of {sorted(CONFIGS)}") from exc
    return cls(overrides)
