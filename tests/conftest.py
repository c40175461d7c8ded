"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when
``MEDCREDIT_TEST_DATABASE_URL`` is set), rolled back after every test."""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import orm

from portal import create_app
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.models.enums import Role

TEST_PASSWORD = "Test-password-1"
IDENTITY_KEY = Fernet.generate_key().decode("ascii")


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("MEDCREDIT_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_database(engine) -> None:
    """Drop every table (and Alembic's version row) so migrations start from nothing."""
    meta = sa.MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)


def make_app(url: str, instance: str, **extra):
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "IDENTITY_KEY": IDENTITY_KEY,
        "INSTANCE_PATH": instance,
    } | extra
    return create_app(config, env="testing")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = database_url(tmp_path_factory)
    app = make_app(url, str(tmp_path_factory.mktemp("instance")))
    with app.app_context():
        reset_database(_db.engine)
        upgrade()
    return app


@pytest.fixture
def db(app):
    """The database, inside a transaction that is rolled back after the test.

    Code under test may commit: commits release a SAVEPOINT inside the outer transaction.
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = TEST_PASSWORD):
        page = self._client.get("/auth/login")
        token = csrf_token(page.get_data(as_text=True))
        return self._client.post(
            "/auth/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def logout(self):
        page = self._client.get("/auth/account")
        return self._client.post(
            "/auth/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
        )


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def editor(db, client, auth, make_user):
    """A client logged in as an inspector (who may edit the registry)."""
    make_user(Role.INSPECTOR, "registry_editor")
    assert auth.login("registry_editor").status_code == 302
    return client


@pytest.fixture
def storage_root(app, tmp_path):
    """Files stored during the test go to a folder of its own (returned)."""
    previous = app.config.get("STORAGE_ROOT")
    app.config["STORAGE_ROOT"] = str(tmp_path / "files")
    yield tmp_path / "files"
    app.config["STORAGE_ROOT"] = previous


@pytest.fixture
def fake_pdf_render(monkeypatch):
    """Pledge PDFs "rendered" at once as a small valid PDF, without wkhtmltopdf, for tests
    about what is done with them rather than how they look."""
    import pledges.render as pledge_render
    from tests.portal import pledge_helpers

    monkeypatch.setattr(pledge_render, "render_pdf", pledge_helpers.fake_pdf)


@pytest.fixture
def calendar_until_2026(app, tmp_path, monkeypatch):
    """The portal's working-day calendar for this test: the shipped years up to 2026, so
    deadlines reaching into 2027 are those of a year it lacks (tests/calendars.py)."""
    from tests.calendars import calendar_file

    path = calendar_file(tmp_path / "calendar.toml")
    monkeypatch.setitem(app.config, "WORKDAY_CALENDAR", str(path))
    return path


@pytest.fixture
def make_facility(db):
    """Factory: a valid facility with unique codes; keyword arguments override fields."""
    from portal.operations.registry import create_facility
    from tests.factories import facility_data

    counter = iter(range(1, 10_000))

    def make(**overrides):
        return create_facility(None, facility_data(next(counter), **overrides))

    return make


@pytest.fixture
def make_user(db, make_facility):
    """Factory: an account with TEST_PASSWORD; facility users get a facility."""
    from portal.operations.users import create_user

    def make(role: Role, username: str | None = None, facility=None):
        if role is Role.FACILITY and facility is None:
            facility = make_facility()
        return create_user(
            None,
            username=username or f"{role.value}_user",
            display_name=f"测试{role.label}",
            role=role,
            password=TEST_PASSWORD,
            facility=facility,
        )

    return make


@pytest.fixture
def people(make_user):
    """The credit workflow's people by role name: two inspectors, a credit officer, an
    approver and an admin (``tests.credit_helpers.credit_people``)."""
    from tests.credit_helpers import credit_people

    return credit_people(make_user)


@pytest.fixture
def make_staff(db, make_facility):
    from portal.operations.registry import create_staff
    from tests.factories import staff_data

    counter = iter(range(1, 10_000))

    def make(facilities=None, **overrides):
        facilities = facilities if facilities is not None else [make_facility()]
        from datetime import date

        return create_staff(
            None, staff_data(next(counter), facilities, **overrides), date(2026, 1, 5)
        )

    return make


@pytest.fixture
def sample(db, make_facility, make_staff):
    """A facility with one staff member, whose ID number is ``id_number(555, "19880808")``."""
    from tests.factories import id_number

    facility = make_facility(name="南通市安全测试医院")
    staff = make_staff([facility], name="冯安全", id_number=id_number(555, "19880808"))
    return facility, staff


# --- Fresh, throwaway databases (migrations and browser tests) ------------------------------


def _fresh_database_name() -> str:
    import secrets

    return f"medcredit_fresh_{secrets.token_hex(6)}"


class fresh_database:  # noqa: N801  (used like a function: ``with fresh_database(dir) as url``)
    """A new, empty database of the same kind as the test database, removed afterwards.

    SQLite: a file in ``folder``. PostgreSQL (``MEDCREDIT_TEST_DATABASE_URL``): a new
    database on the same server, created and dropped with AUTOCOMMIT, so the session's
    rolled-back test database is never touched.
    """

    def __init__(self, folder):
        self.folder = folder
        self._admin = None
        self._name = None

    def __enter__(self) -> str:
        base = os.environ.get("MEDCREDIT_TEST_DATABASE_URL")
        if not base:
            return f"sqlite:///{self.folder / (_fresh_database_name() + '.sqlite3')}"
        from portal.config import normalise_database_url

        url = sa.make_url(normalise_database_url(base))
        self._name = _fresh_database_name()
        self._admin = sa.create_engine(
            url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self._name}"'))
        return url.set(database=self._name).render_as_string(hide_password=False)

    def __exit__(self, *exc_info) -> None:
        if self._admin is None:
            return
        try:
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
        finally:
            self._admin.dispose()


@pytest.fixture
def fresh_database_url(tmp_path):
    """URL of a new, empty database (see ``fresh_database``); dropped after the test."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session", autouse=True)
def _close_database_connections(app):
    """Close the session database's pooled connections when the run ends, so drivers that
    warn about connections left open (psycopg) do not fail the run under
    ``filterwarnings = error``."""
    yield
    with app.app_context():
        _db.engine.dispose()
