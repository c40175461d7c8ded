"""Alembic environment for Flask-Migrate (Flask-SQLAlchemy 3: ``db.engine``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=get_metadata(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one, which its
            # foreign keys would refuse while other tables' rows refer to it. As SQLite's
            # own procedure for this says: keys off (only possible outside a transaction),
            # and each migration checked with foreign_key_check before it commits.
            conf_args["on_version_apply"] = _sqlite_foreign_key_check
            if _sqlite_keys(connection, "OFF") != 0:
                raise RuntimeError("SQLite 外键检查无法关闭（连接处于事务中），迁移未执行")
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                connection.rollback()
                # A failed COMMIT (a locked database, say) can leave SQLite's transaction
                # open, where the pragma would be ignored: end it first, and never hand a
                # connection without keys back to the pool.
                raw = connection.connection.driver_connection
                if raw.in_transaction:
                    raw.rollback()
                if _sqlite_keys(connection, "ON") != 1:
                    connection.invalidate()


def _sqlite_keys(connection, setting: str) -> int:
    """Set SQLite's foreign_keys pragma on the driver connection; return it as read back."""
    raw = connection.connection.driver_connection
    raw.execute(f"PRAGMA foreign_keys={setting}")
    return raw.execute("PRAGMA foreign_keys").fetchone()[0]


def _sqlite_foreign_key_check(ctx, step, heads, run_args):
    problems = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(
            f"迁移{step.up_revision_id}{'' if step.is_upgrade else '（降级）'}后外键不一致"
            f"（表、行号、被引用表）：{problems[:10]}"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
