"""Helpers for reading many rows at once: id filters that suit a batch, and plain Core
execution on the session's connection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Integer, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY

from portal.extensions import db

#: Ids per IN list (well inside every driver's parameter limit).
CHUNK = 1000


def run_core(statement):
    """Rows of ``statement``, executed on the session's connection as plain Core: rows are
    tuples, with none of the ORM's per-row work, in the session's transaction. No
    autoflush: flush first."""
    return db.session.connection().execute(statement)


def plain_rows(statement) -> list[tuple]:
    """All rows of ``statement`` as plain tuples, like ``run_core``. On PostgreSQL they come
    straight from the driver, skipping SQLAlchemy's per-row work: only for columns whose
    driver values are final (integers, strings, dates, booleans, numerics), not enums or
    UTC times. On SQLite (dates stored as text) the column types convert them as usual."""
    result = run_core(statement)
    try:
        if result.dialect.name == "postgresql":
            return result.cursor.fetchall()
        return [tuple(row) for row in result]
    finally:
        result.close()


def array_literal(values: Iterable) -> str:
    """A PostgreSQL array literal (``'{1,2,NULL}'``, to cast in the statement) of values
    whose text needs no quoting: integers, decimals, hexadecimal digests; None is NULL.
    Built at C speed: psycopg dumps a list element by element, about 1 µs each, which
    for the arrays of a batch of 5,000 facilities was most of a statement's cost."""
    return "{" + ",".join(["NULL" if v is None else str(v) for v in values]) + "}"


def quoted_array_literal(values: Iterable[str | None]) -> str:
    """``array_literal`` of strings of any content, each quoted."""
    return "{" + ",".join([
        "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for v in values
    ]) + "}"  # fmt: skip


#: Rows converted at a time by ``stream_rows``.
STREAM_CHUNK = 2000


def stream_rows(statement) -> Iterator[tuple]:
    """The rows of ``statement`` as ``plain_rows`` gives them, made as they are iterated
    rather than all at once (``STREAM_CHUNK`` at a time on PostgreSQL)."""
    result = run_core(statement)
    try:
        if result.dialect.name == "postgresql":
            fetch = result.cursor.fetchmany
            while chunk := fetch(STREAM_CHUNK):
                yield from chunk
        else:
            for row in result:
                yield tuple(row)
    finally:
        result.close()


def rows_in(statement, column, values: Iterable) -> list:
    """The ORM rows of ``statement`` whose ``column`` is one of ``values``, read ``CHUNK``
    distinct values at a time: a request may name more values than one statement can bind
    (PostgreSQL takes at most 65,535 parameters; more was a 500 error)."""
    values = list(dict.fromkeys(values))
    return [
        row
        for start in range(0, len(values), CHUNK)
        for row in db.session.scalars(statement.where(column.in_(values[start : start + CHUNK])))
    ]


def in_filters(column, values: Sequence[int]) -> Iterable:
    """WHERE clauses covering exactly ``values`` between them (one query per clause): one
    BETWEEN when the values are every integer of a range (a batch over all facilities),
    else one ``= ANY(array)`` parameter on PostgreSQL (no long placeholder lists to build
    and parse), IN lists of ``CHUNK`` elsewhere."""
    values = sorted(set(values))
    if not values:
        return
    if values[-1] - values[0] + 1 == len(values):
        yield column.between(values[0], values[-1])
        return
    if db.session.get_bind().dialect.name == "postgresql":
        yield column == any_(literal(values, ARRAY(Integer)))
        return
    for start in range(0, len(values), CHUNK):
        yield column.in_(values[start : start + CHUNK])


def id_filters(column, ids: Sequence[int]) -> Iterable:
    """WHERE clauses covering facility ``ids``: one BETWEEN when they are (nearly)
    contiguous, as in a batch over all facilities, else ``in_filters``. Callers drop the
    extra rows a range may bring."""
    if not ids:
        return
    low, high = min(ids), max(ids)
    if high - low + 1 <= 2 * len(ids):
        yield column.between(low, high)
        return
    yield from in_filters(column, ids)
