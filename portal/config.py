"""Configuration classes, filled from the environment and validated at start-up.

The embedded default (SQLite in the instance folder) generates and keeps its own secrets;
production refuses to start without ``SECRET_KEY``, ``DATABASE_URL``,
``MEDCREDIT_IDENTITY_KEY`` and ``PUBLIC_BASE_URL``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed log-ins before an account is locked, and for how long (minutes).
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    #: A log-in session ends after this many minutes without a request.
    SESSION_IDLE_MINUTES = 60
    #: werkzeug password hash method (scrypt: memory-hard KDF).
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a KDF name)
    PAGE_SIZE = 20
    IMPORT_MAX_ROWS = 20000
    #: Each signed pledge scan, inspection photo or evidence file: size limit in bytes, PDF
    #: pages.
    PLEDGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    PLEDGE_UPLOAD_MAX_PAGES = 20
    #: Evidence files one manual adjustment or objection may carry, each within
    #: PLEDGE_UPLOAD_MAX_BYTES.
    CREDIT_ATTACHMENT_MAX_FILES = 5
    #: A CSV/XLSX import file, in bytes.
    IMPORT_MAX_BYTES = 20 * 1024 * 1024
    #: Room in a request for the form's other fields and the multipart framing, in bytes.
    UPLOAD_FORM_MARGIN_BYTES = 1024 * 1024
    #: Request size limits, derived from the file limits above unless set explicitly
    #: (see :meth:`BaseConfig._derive_request_limits` and ``portal.request_limits``):
    #: any request (at most one scan or photo), an adjustment or objection with all its
    #: evidence files, and an import.
    MAX_CONTENT_LENGTH: int | None = None
    CREDIT_REQUEST_MAX_BYTES: int | None = None
    IMPORT_REQUEST_MAX_BYTES: int | None = None
    #: Where uploaded and rendered files go: "filesystem" under STORAGE_ROOT (default
    #: ``<instance>/files``). The storage interface leaves room for an S3 backend.
    STORAGE_BACKEND = "filesystem"
    STORAGE_ROOT: str | None = None
    #: Absolute address of the public site (e.g. https://ybj.example.gov.cn) for the QR
    #: codes printed on pledges; without it the address of the current request is used.
    PUBLIC_BASE_URL: str | None = None
    #: Production needs the address: taken from the request, any visitor naming another
    #: Host would have a pledge PDF rendered and stored with a QR code leading there.
    REQUIRE_PUBLIC_BASE_URL = False
    #: Seconds a worker may reuse its lookup of a public pledge PDF link (0: look up
    #: every request). The PDF itself is always the cached rendering of the current data.
    PLEDGE_PUBLIC_CACHE_SECONDS = 5
    #: Issuing authority printed on pledges.
    BUREAU_NAME = "南通市医疗保障局"
    #: Outgoing email (pledge reminders); nothing is sent unless MAIL_SERVER is set.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "noreply@localhost"
    MAIL_TIMEOUT = 10

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
        self._read_optional_env(env)
        for key, value in (overrides or {}).items():
            setattr(self, key, value)
        self._fill_defaults()
        self.validate()
        self._derive_request_limits()

    #: Optional settings read from the environment, with their types.
    OPTIONAL_ENV = {
        # Rulebooks and data files a bureau replaces with its own (paths).
        "STAFF_POINTS_RULEBOOK": str,
        "CREDIT_RULEBOOK": str,
        "PENALTY_RULEBOOK": str,
        "VIOLATION_TAXONOMY": str,
        "HANDLING_RESULTS": str,
        "WORKDAY_CALENDAR": str,
        "REGIONS_FILE": str,
        "PLEDGE_UPLOAD_MAX_BYTES": int,
        "PLEDGE_UPLOAD_MAX_PAGES": int,
        "CREDIT_ATTACHMENT_MAX_FILES": int,
        "IMPORT_MAX_BYTES": int,
        "UPLOAD_FORM_MARGIN_BYTES": int,
        "PLEDGE_PUBLIC_CACHE_SECONDS": int,
        "STORAGE_BACKEND": str,
        "STORAGE_ROOT": str,
        "PUBLIC_BASE_URL": str,
        "BUREAU_NAME": str,
        "MAIL_SERVER": str,
        "MAIL_PORT": int,
        "MAIL_USE_TLS": bool,
        "MAIL_USE_SSL": bool,
        "MAIL_USERNAME": str,
        "MAIL_PASSWORD": str,
        "MAIL_SENDER": str,
        "MAIL_TIMEOUT": int,
        "SESSION_IDLE_MINUTES": int,
    }

    def _read_optional_env(self, env) -> None:
        for name, kind in self.OPTIONAL_ENV.items():
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            if kind is bool:
                value = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                try:
                    value = kind(raw)
                except ValueError as exc:
                    raise ConfigError(f"{name} must be {kind.__name__}, got {raw!r}") from exc
            setattr(self, name, value)

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
                ("PUBLIC_BASE_URL", self.PUBLIC_BASE_URL or not self.REQUIRE_PUBLIC_BASE_URL),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"{self.ENV_NAME} configuration needs these environment variables: "
                + ", ".join(missing)
            )
        if self.PUBLIC_BASE_URL:
            parts = urlsplit(self.PUBLIC_BASE_URL)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(
                    "PUBLIC_BASE_URL must be an absolute http(s) address, "
                    "e.g. https://ybj.example.gov.cn"
                )
        if self.STORAGE_BACKEND != "filesystem":
            raise ConfigError("STORAGE_BACKEND must be 'filesystem' (the only backend so far)")
        for name, least in (
            ("PLEDGE_UPLOAD_MAX_BYTES", 1),
            ("CREDIT_ATTACHMENT_MAX_FILES", 1),
            ("IMPORT_MAX_BYTES", 1),
            ("UPLOAD_FORM_MARGIN_BYTES", 0),
            ("SESSION_IDLE_MINUTES", 1),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                kind = "a positive" if least else "a non-negative"
                raise ConfigError(f"{name} must be {kind} whole number")
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

    def _derive_request_limits(self) -> None:
        """Fill the request size limits not set explicitly from the file limits, so a form
        whose files are each within their limit is never refused as a whole (413)."""
        margin = self.UPLOAD_FORM_MARGIN_BYTES
        if self.MAX_CONTENT_LENGTH is None:
            self.MAX_CONTENT_LENGTH = self.PLEDGE_UPLOAD_MAX_BYTES + margin
        if self.CREDIT_REQUEST_MAX_BYTES is None:
            self.CREDIT_REQUEST_MAX_BYTES = (
                self.CREDIT_ATTACHMENT_MAX_FILES * self.PLEDGE_UPLOAD_MAX_BYTES + margin
            )
        if self.IMPORT_REQUEST_MAX_BYTES is None:
            self.IMPORT_REQUEST_MAX_BYTES = self.IMPORT_MAX_BYTES + margin

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
    #: Tests reuse site codes across rolled-back facilities: no remembered lookups.
    PLEDGE_PUBLIC_CACHE_SECONDS = 0


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    GENERATE_SECRETS = False
    REQUIRE_PUBLIC_BASE_URL = True
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
