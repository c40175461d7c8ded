"""Declarative base, naming convention and shared column types."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, has_request_context, request
from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Requests that only read: on SQLite their transactions begin without the write lock.
READ_METHODS = ("GET", "HEAD", "OPTIONS")
_WRITE_NEXT = "medcredit_write_next"


def begin_writing() -> None:
    """Call before a request that reads (GET) writes something: the first download of a
    pledge, a PDF rendered on first view, an API token's last use. On SQLite the reading
    transaction ends here (it has written nothing) and the next one takes the write lock
    as it begins, so that it waits for a writer at work rather than failing at once as the
    database being locked (a reader that has read may not take the write lock while
    another holds it). Objects read before are read again. Elsewhere it does nothing:
    PostgreSQL locks rows, not the database."""
    from portal.extensions import db

    if not has_request_context() or request.method not in READ_METHODS:
        return
    if db.engine.dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.commit()
    setattr(g, _WRITE_NEXT, True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    Naive datetimes are refused on the way in (they are ambiguous); values come back
    aware in UTC even from SQLite, which keeps no zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store UTC-aware times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def install_sqlite_pragmas(engine) -> None:
    """On SQLite: enforce foreign keys and let SQLAlchemy own transactions, so that
    SAVEPOINT (used for per-test rollback and nested work) behaves as on PostgreSQL.

    Every transaction but a page being read (GET) begins IMMEDIATE, taking the database's
    write lock at once: a transaction that reads, then writes (nearly every form sent)
    cannot then find another writer in its way, which SQLite answers with "database is
    locked" at once rather than waiting (two reading transactions would each wait for the
    other to end). The second of two requests at once waits for the first to commit, up to
    the busy timeout, and then sees what it did, as a row lock makes it on PostgreSQL.
    SQLite has one writer at a time in any case; the embedded database serves a handful of
    users. Code that waits on something else (a mail server, worker processes) ends its
    transaction first; a page being read that then writes calls ``begin_writing``."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A page being read takes no write lock: it reads beside a writer (rollback
        # journal: until that writer commits) and queues no one; unless it is about to
        # write (``begin_writing``).
        if (
            has_request_context()
            and request.method in READ_METHODS
            and not g.pop(_WRITE_NEXT, False)
        ):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
