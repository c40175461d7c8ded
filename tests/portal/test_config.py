"""Configuration from the environment: production refuses to start without its secrets;
the embedded default generates and keeps its own."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from portal import create_app
from portal.config import (
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    load_config,
    normalise_database_url,
)

SECRET = "s" * 48
IDENTITY_KEY = Fernet.generate_key().decode("ascii")
PG_URL = "postgresql+psycopg://medcredit:pw@db.internal:5432/medcredit"
PUBLIC = "https://ybj.example.gov.cn"
REQUIRED = ("SECRET_KEY", "DATABASE_URL", "MEDCREDIT_IDENTITY_KEY", "PUBLIC_BASE_URL")


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """A clean environment whose instance folder is a fresh (not yet created) directory."""
    folder = tmp_path / "instance"
    for name in (*REQUIRED, "MEDCREDIT_ENV", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MEDCREDIT_INSTANCE", str(folder))
    return folder


@pytest.fixture
def production_env(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    monkeypatch.setenv("MEDCREDIT_IDENTITY_KEY", IDENTITY_KEY)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    return instance


def test_production_refuses_to_start_without_any_secret(instance):
    with pytest.raises(ConfigError) as excinfo:
        load_config("production")
    message = str(excinfo.value)
    for name in REQUIRED:
        assert name in message
    assert "production" in message
    # Nothing is generated in production: secrets must come from the operator.
    assert not (instance / "secret_key").exists()
    assert not (instance / "identity_key").exists()
    assert not (instance / "medcredit.sqlite3").exists()


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_each_missing_variable(production_env, monkeypatch, missing):
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError) as excinfo:
        load_config("production")
    message = str(excinfo.value)
    assert missing in message
    for other in set(REQUIRED) - {missing}:
        assert other not in message


def test_production_selected_by_medcredit_env(instance, monkeypatch):
    monkeypatch.setenv("MEDCREDIT_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_unknown_environment_is_refused(instance, monkeypatch):
    monkeypatch.setenv("MEDCREDIT_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        load_config()


@pytest.mark.parametrize(
    "bad_key",
    ["not-a-key", "too-short", Fernet.generate_key().decode("ascii")[:-4], "é" * 44],
)
def test_bad_identity_key_is_refused(production_env, monkeypatch, bad_key):
    monkeypatch.setenv("MEDCREDIT_IDENTITY_KEY", bad_key)
    with pytest.raises(ConfigError, match="MEDCREDIT_IDENTITY_KEY"):
        load_config("production")


@pytest.mark.parametrize(
    "bad_url", ["ybj.example.gov.cn", "ftp://ybj.example.gov.cn", "https://", "/v"]
)
def test_public_base_url_must_be_an_absolute_web_address(production_env, monkeypatch, bad_url):
    monkeypatch.setenv("PUBLIC_BASE_URL", bad_url)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL must be an absolute"):
        load_config("production")


def test_short_secret_key_is_refused(production_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config("production")


def test_production_with_everything_set(production_env):
    config = load_config("production")
    assert isinstance(config, ProductionConfig)
    assert config.SECRET_KEY == SECRET
    assert config.IDENTITY_KEY == IDENTITY_KEY
    assert config.SQLALCHEMY_DATABASE_URI == PG_URL
    assert config.PUBLIC_BASE_URL == PUBLIC
    assert str(production_env) == config.INSTANCE_PATH


def test_production_sets_secure_cookies(production_env):
    config = load_config("production")
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.REMEMBER_COOKIE_HTTPONLY is True
    assert config.PREFERRED_URL_SCHEME == "https"

    app = create_app(env="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == SECRET


def test_development_cookies_work_over_plain_http(instance):
    config = load_config("development")
    assert not getattr(config, "SESSION_COOKIE_SECURE", False)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_development_generates_secrets_in_instance_folder(instance):
    config = load_config("development")
    assert isinstance(config, DevelopmentConfig)
    secret_file = instance / "secret_key"
    identity_file = instance / "identity_key"
    assert secret_file.read_text(encoding="ascii").strip() == config.SECRET_KEY
    assert identity_file.read_text(encoding="ascii").strip() == config.IDENTITY_KEY
    assert _mode(secret_file) == 0o600
    assert _mode(identity_file) == 0o600
    assert len(config.SECRET_KEY) >= 32
    Fernet(config.IDENTITY_KEY.encode("ascii"))  # a usable key
    assert f"sqlite:///{instance / 'medcredit.sqlite3'}" == config.SQLALCHEMY_DATABASE_URI
    assert str(instance) == config.INSTANCE_PATH


def test_development_reuses_generated_secrets(instance):
    first = load_config("development")
    second = load_config("development")
    assert second.SECRET_KEY == first.SECRET_KEY
    assert second.IDENTITY_KEY == first.IDENTITY_KEY
    assert sorted(p.name for p in instance.iterdir()) == ["identity_key", "secret_key"]


def test_development_prefers_environment_over_generated_files(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("MEDCREDIT_IDENTITY_KEY", IDENTITY_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/medcredit")
    config = load_config("development")
    assert config.SECRET_KEY == SECRET
    assert config.IDENTITY_KEY == IDENTITY_KEY
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@localhost/medcredit"
    assert not (instance / "secret_key").exists()
    assert not (instance / "identity_key").exists()


def test_development_refuses_a_bad_identity_key_file(instance):
    instance.mkdir()
    (instance / "identity_key").write_text("garbage", encoding="ascii")
    with pytest.raises(ConfigError, match="MEDCREDIT_IDENTITY_KEY"):
        load_config("development")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u:p@h/db?sslmode=require", "postgresql+psycopg://u:p@h/db?sslmode=require"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        (
            "sqlite:////srv/medcredit/medcredit.sqlite3",
            "sqlite:////srv/medcredit/medcredit.sqlite3",
        ),
        (None, None),
    ],
)
def test_database_urls_are_normalised(url, expected):
    assert normalise_database_url(url) == expected


def test_production_normalises_postgres_url_from_environment(production_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://medcredit:pw@db.internal/medcredit")
    config = load_config("production")
    assert (
        config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://medcredit:pw@db.internal/medcredit"
    )


def test_rate_limit_storage_from_environment(production_env, monkeypatch):
    assert load_config("production").RATELIMIT_STORAGE_URI == "memory://"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    assert load_config("production").RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"


def test_overrides_win_over_environment(production_env):
    config = load_config("production", {"SECRET_KEY": "o" * 40})
    assert config.SECRET_KEY == "o" * 40


MB = 1024 * 1024
UPLOAD_SETTINGS = (
    "PLEDGE_UPLOAD_MAX_BYTES",
    "CREDIT_ATTACHMENT_MAX_FILES",
    "IMPORT_MAX_BYTES",
    "UPLOAD_FORM_MARGIN_BYTES",
)


@pytest.fixture
def upload_env(production_env, monkeypatch):
    for name in UPLOAD_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_request_limits_fit_every_file_at_its_limit(upload_env):
    config = load_config("production")
    # An adjustment or objection with five 10 MB files is not refused as a whole (413).
    assert config.CREDIT_REQUEST_MAX_BYTES == 5 * 10 * MB + 1 * MB
    # Everything else carries at most one scan or photo; an import one CSV/XLSX file.
    assert config.MAX_CONTENT_LENGTH == 10 * MB + 1 * MB
    assert config.IMPORT_REQUEST_MAX_BYTES == 20 * MB + 1 * MB


def test_request_limits_follow_the_environment(upload_env):
    upload_env.setenv("PLEDGE_UPLOAD_MAX_BYTES", str(4 * MB))
    upload_env.setenv("CREDIT_ATTACHMENT_MAX_FILES", "3")
    upload_env.setenv("IMPORT_MAX_BYTES", str(8 * MB))
    upload_env.setenv("UPLOAD_FORM_MARGIN_BYTES", "65536")
    config = load_config("production")
    assert config.CREDIT_REQUEST_MAX_BYTES == 3 * 4 * MB + 65536
    assert config.MAX_CONTENT_LENGTH == 4 * MB + 65536
    assert config.IMPORT_REQUEST_MAX_BYTES == 8 * MB + 65536
    # A limit set explicitly is kept as it is.
    assert load_config("production", {"MAX_CONTENT_LENGTH": 123}).MAX_CONTENT_LENGTH == 123


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CREDIT_ATTACHMENT_MAX_FILES", "0"),
        ("IMPORT_MAX_BYTES", "-1"),
        ("UPLOAD_FORM_MARGIN_BYTES", "-1"),
        ("PLEDGE_UPLOAD_MAX_BYTES", "10MB"),
    ],
)
def test_bad_upload_limits_are_refused(upload_env, name, value):
    upload_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config("production")


def test_the_session_idle_limit_is_a_setting(instance, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    assert load_config().SESSION_IDLE_MINUTES == 15
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ConfigError, match="SESSION_IDLE_MINUTES"):
        load_config()
