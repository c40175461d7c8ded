"""Models and migrations agree, and every migration can be undone and redone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal.extensions import db as _db
from tests.conftest import make_app


def schema_diff(app, connection) -> list:
    """What ``flask db migrate`` would generate: Alembic's autogenerate comparison between
    the database behind ``connection`` and the models, with Flask-Migrate's options."""
    options = dict(app.extensions["migrate"].configure_args)
    assert options.get("compare_type") is True
    context = MigrationContext.configure(connection, opts=options)
    return compare_metadata(context, _db.metadata)


def _head(app) -> str:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


def test_models_and_migrations_agree_on_the_test_database(app):
    with app.app_context(), _db.engine.connect() as connection:
        assert schema_diff(app, connection) == []
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == _head(app)


def test_the_comparison_notices_a_difference(app):
    """Guard against a comparison that can never fail: drop an index and look."""
    with app.app_context(), _db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(sa.text("DROP INDEX ix_facility_name"))
            diff = schema_diff(app, connection)
        finally:
            transaction.rollback()
        assert any(d[0] == "add_index" and d[1].name == "ix_facility_name" for d in diff)
        assert schema_diff(app, connection) == []


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_downgrade_to_base_and_upgrade_again(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        engine = _db.engine
        try:
            upgrade()
            model_tables = set(_db.metadata.tables)
            assert model_tables <= _tables(engine)
            with engine.connect() as connection:
                assert schema_diff(app, connection) == []

            downgrade(revision="base")
            assert _tables(engine) - {"alembic_version"} == set()
            with engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() is None

            upgrade()
            assert model_tables <= _tables(engine)
            with engine.connect() as connection:
                assert schema_diff(app, connection) == []
                assert MigrationContext.configure(connection).get_current_revision() == _head(app)
                # The audit chain head is seeded again, so the first append can lock it.
                anchor = connection.execute(
                    sa.text("SELECT last_seq, last_hash FROM audit_anchor WHERE id = 1")
                ).one()
            assert tuple(anchor) == (0, "0" * 64)
        finally:
            _db.session.remove()
            engine.dispose()


def test_each_migration_downgrades_one_step(fresh_database_url, tmp_path):
    """Walk down one revision at a time, checking every step leaves a working schema."""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        engine = _db.engine
        try:
            upgrade()
            steps = 0
            while True:
                with engine.connect() as connection:
                    current = MigrationContext.configure(connection).get_current_revision()
                if current is None:
                    break
                downgrade(revision="-1")
                steps += 1
            assert steps >= 1
            assert _tables(engine) - {"alembic_version"} == set()
            upgrade()
            with engine.connect() as connection:
                assert schema_diff(app, connection) == []
        finally:
            _db.session.remove()
            engine.dispose()
