"""Credit breakdowns as stored: each computation's items, once per facility and distinct
content (``CreditBreakdown``, found by digest), each distinct line once
(``CreditBreakdownLine``), a breakdown holding its lines' ids and the records they name.
A recompute that finds the same facts finds the breakdown stored before and writes
nothing more of it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from operator import add, itemgetter
from typing import NamedTuple

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models.credit import CreditBreakdown, CreditBreakdownLine, item_json
from portal.operations.bulk import (
    CHUNK,
    array_literal,
    copy_field,
    copy_lines,
    quoted_array_literal,
    run_core,
)
from scoring.credit import CreditResult, Item


def breakdown_json(result: CreditResult) -> list[dict]:
    """The result's items as stored (``CreditBreakdown.items``): they sum to score minus
    base; a grade set by an approved adjustment appears as a zero-point item naming it."""
    return [item_json(*item) for item in stored_items(result)]


def stored_items(result: CreditResult) -> tuple[Item, ...]:
    """The result's items, then the zero-point items naming each approved adjustment that
    set the grade (the stored breakdown ends with them): the last one approved is in
    force, and each one before it says which one took its place."""
    setting = [a for a in result.adjustments if a.grade is not None]
    if not setting:
        return result.items
    items = []
    for a in setting:
        who = f"{a.proposer}提出，{a.approver}批准"
        rule, changes_on = "adjustment.grade", date(result.cycle + 1, 1, 1)
        if a is not setting[-1]:
            who += f"；已由其后批准的调整 #{setting[-1].id} 取代"
            rule, changes_on = SUPERSEDED_RULE, None
        label = f"人工调整等级为{a.grade}：{a.reason}（{who}）"
        items.append(Item(Decimal(0), rule, "adjustment", a.id, label, changes_on))
    return result.items + tuple(items)


#: A grade adjustment a later approved one took the place of (its line stays, as history).
SUPERSEDED_RULE = "adjustment.grade_superseded"
#: The keys of a stored item that make its line (all but ``source_id``).
_LINE_KEYS = ("points", "rule", "source_type", "label", "changes_on")
#: Digest tokens of breakdown lines, by line (an item but its source id), and the lines by
#: token: lines repeat across facilities. ``trim_line_caches`` keeps them in bounds.
_LINE_TOKENS: dict[tuple, bytes] = {}
_TOKEN_LINES: dict[bytes, tuple] = {}
_LINE_CACHE_MAX = 50_000


def trim_line_caches() -> None:
    """Start the line caches over when full (adjustment labels are free text). Called
    before a recompute, never during one: a breakdown's tokens must still find their
    lines when it is stored."""
    if len(_LINE_TOKENS) >= _LINE_CACHE_MAX:
        _LINE_TOKENS.clear()
        _TOKEN_LINES.clear()


def _token_of(line: tuple) -> bytes:
    """The digest token of ``line`` (points, rule, source type, label, change date)."""
    token = _LINE_TOKENS.get(line)
    if token is None:
        points, rule, source_type, label, changes_on = line
        token = _LINE_TOKENS[line] = _line_token(
            points, rule, source_type, label, changes_on.isoformat() if changes_on else None
        )
        _TOKEN_LINES[token] = line
    return token


#: An item's line (all but its source id) and its source id, taken by C-level maps: the
#: batch recompute runs these over hundreds of thousands of items.
_line_of = itemgetter(0, 1, 2, 4, 5)
_source_of = itemgetter(3)


class Breakdown(NamedTuple):
    """A computation's breakdown as it is stored: its digest, and each item's line (by
    digest token) and source id, in order."""

    digest: str
    tokens: list[bytes]
    sources: list[int | None]


def breakdown_of(result: CreditResult) -> Breakdown:
    """The breakdown of ``result``, its digest as ``items_digest`` gives it for
    ``breakdown_json(result)``, without building the items: a recompute that finds the
    breakdown already stored (the daily run, for nearly every facility) writes nothing
    more of it."""
    items = stored_items(result)
    tokens = list(map(_LINE_TOKENS.get, map(_line_of, items)))
    if None in tokens:  # lines not seen yet
        tokens = [_token_of(line) for line in map(_line_of, items)]
    sources = list(map(_source_of, items))
    return Breakdown(_digest(tokens, sources), tokens, sources)


def items_digest(items: list[dict]) -> str:
    """Digest of stored breakdown items: each item's line (everything but its source id)
    hashed on its own, then the lines' hashes in order with the source ids. Migrations 0009
    and 0017 hold a copy of this definition."""
    tokens = [_line_token(*(item[k] for k in _LINE_KEYS)) for item in items]
    return _digest(tokens, [item["source_id"] for item in items])


def _line_token(points: float, rule, source_type, label, changes_on) -> bytes:
    text = json.dumps([float(points), rule, source_type, label, changes_on], ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _digest(tokens: list[bytes], sources: list[int | None]) -> str:
    # The source ids as Python writes the list, e.g. "[12, 13, None]".
    data = b"".join(tokens) + repr(sources).encode("ascii")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def store_breakdowns(
    breakdowns: dict[tuple[int, str], Breakdown], now
) -> dict[tuple[int, str], int]:
    """Ids of the breakdowns keyed (facility id, digest), storing those not stored yet."""
    ids: dict[tuple[int, str], int] = {}
    connection = db.session.connection()
    keys = sorted(breakdowns)
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        # One probe of the unique (facility, digest) index per key.
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT b.facility_id, b.digest, b.id FROM credit_breakdown b "
                "JOIN unnest(%s::integer[], %s::varchar[]) AS k(f, d) "
                "ON b.facility_id = k.f AND b.digest = k.d",
                (array_literal(f for f, _d in keys), array_literal(d for _f, d in keys)),
            )
            ids.update(((f, d), i) for f, d, i in cursor.fetchall())
    else:
        pair = tuple_(CreditBreakdown.facility_id, CreditBreakdown.digest)
        for start in range(0, len(keys), CHUNK):
            for f, d, i in run_core(
                select(
                    CreditBreakdown.facility_id, CreditBreakdown.digest, CreditBreakdown.id
                ).where(pair.in_(keys[start : start + CHUNK]))
            ):
                ids[(f, d)] = i
    new = [key for key in breakdowns if key not in ids]
    if not new:
        return ids
    texts = _lines_texts([breakdowns[key] for key in new])
    if postgresql:
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                (_breakdown_sequence(connection), len(new)),
            )
            new_ids = [i for (i,) in cursor.fetchall()]
            # Digests are hexadecimal and lines texts digits, colons and spaces: fields as
            # they are.
            created = copy_field(now)
            copy_lines(
                cursor,
                "credit_breakdown",
                ("id", "facility_id", "digest", "lines", "created_at"),
                (
                    f"{bid}\t{fid}\t{digest}\t{text}\t{created}\n"
                    for (fid, digest), bid, text in zip(new, new_ids, texts, strict=True)
                ),
            )
        ids.update(zip(new, new_ids, strict=True))
        return ids
    table = CreditBreakdown.__table__
    for key, text in zip(new, texts, strict=True):
        ids[key] = connection.execute(
            insert(table)
            .values(facility_id=key[0], digest=key[1], lines=text, created_at=now)
            .returning(table.c.id)
        ).scalar_one()
    return ids


def _lines_texts(breakdowns: list[Breakdown]) -> list[str]:
    """The ``lines`` text of each breakdown (``CreditBreakdown.lines``), storing the lines
    not stored yet."""
    tokens = set()
    for breakdown in breakdowns:
        tokens.update(breakdown.tokens)
    # "<line id>:" once per line; then each item adds its source id ("None" for none,
    # taken out after: the text has digits, colons and spaces only).
    heads = {token: f"{line_id}:" for token, line_id in _line_ids(tokens).items()}
    return [
        " ".join(map(add, map(heads.__getitem__, b.tokens), map(str, b.sources))).replace(
            ":None", ":"
        )
        for b in breakdowns
    ]


def _line_ids(tokens: set[bytes]) -> dict[bytes, int]:
    """Ids of the lines with digest ``tokens``, storing those not stored yet (their
    content from the line cache, which holds every line of the recompute under way).

    On PostgreSQL new lines are stored and committed at once on a connection of their
    own: a line is shared, and two batches in the same transaction as their lines would
    wait for each other's whole batch over the first line both add. A line stored for a
    batch that then fails stays, unused (lines are content, never changed)."""
    by_hex = {token.hex(): token for token in tokens}
    connection = db.session.connection()
    found = _line_ids_of(connection, list(by_hex))
    missing = sorted(key for key in by_hex if key not in found)
    if missing:
        lines = [_TOKEN_LINES[by_hex[key]] for key in missing]
        if connection.dialect.name == "postgresql":
            # One statement for them all, in token order (two batches adding the same lines
            # add them in the same order, so neither waits on a line the other waits for).
            points, rules, source_types, labels, changes_on = zip(*lines, strict=True)
            with db.engine.begin() as own:
                own.exec_driver_sql(
                    "INSERT INTO credit_breakdown_line "
                    "(token, points, rule, source_type, label, changes_on) "
                    "SELECT * FROM unnest(%s::varchar[], %s::numeric[], %s::varchar[], "
                    "%s::varchar[], %s::text[], %s::date[]) ORDER BY 1 "
                    "ON CONFLICT (token) DO NOTHING",
                    (
                        array_literal(missing), array_literal(points),
                        quoted_array_literal(rules), quoted_array_literal(source_types),
                        quoted_array_literal(labels), array_literal(changes_on),
                    ),
                )  # fmt: skip
                found.update(_line_ids_of(own, missing))
        else:
            connection.execute(
                sqlite_insert(CreditBreakdownLine.__table__).on_conflict_do_nothing(
                    index_elements=["token"]
                ),
                [
                    dict(zip(("token", *_LINE_KEYS), (key, *line), strict=True))
                    for key, line in zip(missing, lines, strict=True)
                ],
            )
            found.update(_line_ids_of(connection, missing))
    return {token: found[key] for key, token in by_hex.items()}


def _line_ids_of(connection, tokens: list[str]) -> dict[str, int]:
    """Ids of the stored lines among ``tokens`` (hex), by token."""
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute(
                "SELECT token, id FROM credit_breakdown_line WHERE token = ANY(%s::varchar[])",
                (array_literal(tokens),),
            )
            return dict(cursor.fetchall())
    token = CreditBreakdownLine.__table__.c.token
    line_id = CreditBreakdownLine.__table__.c.id
    return {
        t: i
        for start in range(0, len(tokens), CHUNK)
        for t, i in connection.execute(
            select(token, line_id).where(token.in_(tokens[start : start + CHUNK]))
        )
    }


def _breakdown_sequence(connection) -> str:
    """The sequence of ``credit_breakdown.id``, looked up once per connection: looked up
    in the statement that draws the ids, it was looked up again for every id (five times
    the cost of drawing them)."""
    name = connection.info.get("credit_breakdown_sequence")
    if name is None:
        name = connection.info["credit_breakdown_sequence"] = connection.exec_driver_sql(
            "SELECT pg_get_serial_sequence('credit_breakdown', 'id')"
        ).scalar_one()
    return name
