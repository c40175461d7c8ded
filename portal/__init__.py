"""The medical-insurance credit supervision portal (医保基金信用监管与信息公开平台)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, env: str | None = None) -> Flask:
    """Build the application. ``config`` overrides values after the environment is read."""
    settings = load_config(env, config)
    app = Flask(
        __name__,
        instance_path=settings.INSTANCE_PATH,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(settings.as_dict())
    register_request_limits(app)
    init_extensions(app)
    load_rules(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_security(app)
    register_errors(app)
    register_cli(app)
    return app


def init_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (registers the tables)
    from portal.auth.session import init_login
    from portal.database import install_sqlite_pragmas
    from portal.extensions import babel, csrf, db, limiter, migrate

    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "zh_CN", timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    init_login(app)


def register_request_limits(app: Flask) -> None:
    from portal.request_limits import init_request_limits

    init_request_limits(app)


def load_rules(app: Flask) -> None:
    from portal.rules import load_all_rules

    with app.app_context():
        load_all_rules()


def register_blueprints(app: Flask) -> None:
    from portal.api import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.bureau import bp as bureau_bp
    from portal.facility import bp as facility_bp
    from portal.public import bp as public_bp
    from portal.web import IdConverter

    app.url_map.converters["int"] = IdConverter
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(facility_bp, url_prefix="/facility")
    app.register_blueprint(bureau_bp, url_prefix="/bureau")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_template_helpers(app: Flask) -> None:
    from portal.web import init_template_helpers

    init_template_helpers(app)


def register_security(app: Flask) -> None:
    from portal.security import init_security

    init_security(app)


def register_errors(app: Flask) -> None:
    from portal.errors import init_errors

    init_errors(app)


def register_cli(app: Flask) -> None:
    from portal.cli.commands import register_commands

    register_commands(app)
