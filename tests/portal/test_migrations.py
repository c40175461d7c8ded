"""Models and migrations agree, and every migration can be undone and redone."""

from __future__ import annotations

import pytest
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


def test_sqlite_migrations_copy_referenced_tables_and_check_keys(tmp_path, capfd):
    """SQLite alters a table by copying it, with foreign keys off while it does; each
    migration is checked with foreign_key_check before it commits, and the keys are on
    again afterwards. An orphan row (stored while keys were off) stops the upgrade."""
    app = make_app(f"sqlite:///{tmp_path / 'portal.db'}", str(tmp_path / "instance"))
    with app.app_context():
        engine = _db.engine
        try:
            upgrade(revision="0010")
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                connection.rollback()  # a pragma on keys is ignored inside a transaction
                raw = connection.connection.driver_connection
                raw.execute("PRAGMA foreign_keys=OFF")
                raw.execute(
                    "INSERT INTO credit_grade (facility_id, cycle, as_of, computed_at, graded, "
                    "rulebook_version, breakdown_id, caps, reason, trigger) VALUES (99, 2026, "
                    "'2026-06-15', '2026-06-15 00:00:00+00', 0, '2026.1', 99, '[]', '', 'x')"
                )
                raw.execute("PRAGMA foreign_keys=ON")
            with pytest.raises(SystemExit):
                upgrade()
            assert "外键不一致" in capfd.readouterr().err
            with engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == "0010"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                connection.execute(sa.text("DELETE FROM credit_grade"))
                connection.commit()
            upgrade()
            with engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == _head(app)
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert schema_diff(app, connection) == []
        finally:
            _db.session.remove()
            engine.dispose()


def test_sqlite_keys_are_on_again_after_a_commit_that_failed(tmp_path):
    """A migration whose COMMIT fails (another connection still reading) leaves no
    connection without foreign keys in the pool."""
    import sqlite3

    path = tmp_path / "portal.db"
    app = make_app(f"sqlite:///{path}", str(tmp_path / "instance"))
    with app.app_context():
        engine = _db.engine
        try:
            upgrade(revision="0010")
            with engine.connect() as connection:  # the pooled connection gives up sooner
                connection.exec_driver_sql("PRAGMA busy_timeout=50")
            reader = sqlite3.connect(path, isolation_level=None)
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM facility").fetchone()
            try:
                with pytest.raises(sa.exc.OperationalError, match="locked"):
                    upgrade()
            finally:
                reader.execute("ROLLBACK")
                reader.close()
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert MigrationContext.configure(connection).get_current_revision() == "0010"
        finally:
            _db.session.remove()
            engine.dispose()


def test_inspection_cancellation_migrates_both_ways(fresh_database_url, tmp_path, capfd):
    """0012 lets the status check take "cancelled"; going back refuses while a cancelled
    inspection exists, which the older schema could not hold, and then takes it away."""
    from portal.models.enums import Role
    from portal.operations.inspection_changes import cancel_inspection
    from portal.operations.registry import create_facility
    from portal.operations.users import create_user
    from tests.credit_helpers import inspection
    from tests.factories import facility_data

    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        engine = _db.engine
        try:
            upgrade()
            people = [
                create_user(
                    None, username=f"mig_{n}", display_name=f"检查员{n}", role=Role.INSPECTOR,
                    password="Test-password-1",
                )
                for n in (1, 2)
            ]  # fmt: skip
            recorded = inspection(people[0], create_facility(None, facility_data(1)), people)
            cancel_inspection(people[0], recorded, "误登记")
            _db.session.commit()
            _db.session.remove()
            # Data recorded through today's models; then back to 0012 to step down from it.
            downgrade(revision="0012")
            with pytest.raises(SystemExit):
                downgrade(revision="0011")
            assert "1条检查记录已撤销" in capfd.readouterr().err
            with engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == "0012"
                connection.execute(sa.text("UPDATE inspection SET status = 'closed'"))
                connection.commit()
            downgrade(revision="0011")
            set_cancelled = sa.text("UPDATE inspection SET status = 'cancelled'")
            with engine.connect() as connection:
                columns = {c["name"] for c in sa.inspect(connection).get_columns("inspection")}
                assert not columns & {"cancel_reason", "cancelled_by_id", "cancelled_at"}
                with pytest.raises(sa.exc.IntegrityError):
                    connection.execute(set_cancelled)
                connection.rollback()
            upgrade()
            with engine.connect() as connection:
                connection.execute(set_cancelled)
                connection.commit()
                assert schema_diff(app, connection) == []
        finally:
            _db.session.remove()
            engine.dispose()
