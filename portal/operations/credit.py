"""Facility credit grades: computing, and keeping the append-only history.

``recompute_grade`` appends a ``CreditGrade`` row (the history is never rewritten) and keeps
the facility's current columns in step, in the caller's transaction. ``recompute_batch``
does the same for many facilities with bulk reads and writes (COPY and one UPDATE on
PostgreSQL); ``recompute_all`` runs batches over every facility, in parallel worker
processes on PostgreSQL. The facts come from ``portal.operations.credit_facts``.

A computation's breakdown is stored once per facility and distinct content
(``CreditBreakdown``, found by digest): a recompute that finds the same facts appends a
small history row pointing at the breakdown it found before. The facility's current
columns change only when the grade or score does, so ``graded_at`` is the time the
current result was first computed; every later confirmation is in the history.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import CreditBreakdown, CreditGrade
from portal.models.facility import Facility
from portal.models.points import PointRecord
from portal.operations.bulk import CHUNK, in_filters, run_core
from portal.operations.credit_facts import (  # noqa: F401  (collect_facts is re-exported)
    collect_facts,
    collect_facts_many,
    findings_horizon,
)
from portal.rules import credit_rulebook
from scoring.credit import CreditResult, compute_facility_score

FACILITY_COLUMNS = (
    Facility.id,
    Facility.agreement_start,
    Facility.status,
    Facility.blacklisted,
    Facility.credit_grade,
    Facility.credit_score,
)
HISTORY_COLUMNS = (
    "facility_id", "cycle", "as_of", "computed_at", "graded", "score", "grade",
    "previous_grade", "previous_score", "rulebook_version", "breakdown_id", "caps", "reason",
    "trigger", "actor_id",
)  # fmt: skip


def breakdown_json(result: CreditResult) -> list[dict]:
    """The result's items as stored: they sum to score minus base; a grade set by an
    approved adjustment appears as a zero-point item naming it."""
    items = [
        {
            "points": float(i.points),
            "rule": i.rule,
            "source_type": i.source_type,
            "source_id": i.source_id,
            "label": i.label,
            "changes_on": i.changes_on.isoformat() if i.changes_on else None,
        }
        for i in result.items
    ]
    for a in result.adjustments:
        if a.grade is not None:
            items.append(
                {
                    "points": 0.0,
                    "rule": "adjustment.grade",
                    "source_type": "adjustment",
                    "source_id": a.id,
                    "label": f"人工调整等级为{a.grade}：{a.reason}"
                    f"（{a.proposer}提出，{a.approver}批准）",
                    "changes_on": date(result.cycle + 1, 1, 1).isoformat(),
                }
            )
    return items


#: JSON text of breakdown lines, split around ``source_id``: lines alike but for the record
#: they name are encoded once. Bounded, as labels of adjustments are free text.
_LINE_JSON: dict[tuple, tuple[str, str]] = {}
_LINE_JSON_MAX = 50_000


def breakdown_text(result: CreditResult) -> str:
    """``json.dumps(breakdown_json(result), ensure_ascii=False)``, built faster for the batch
    recompute (the same text; a test holds them equal)."""
    parts = []
    for i in result.items:
        key = (i.points, i.rule, i.source_type, i.label, i.changes_on)
        fragment = _LINE_JSON.get(key)
        if fragment is None:
            if len(_LINE_JSON) >= _LINE_JSON_MAX:
                _LINE_JSON.clear()
            fragment = _LINE_JSON[key] = (
                f'{{"points": {json.dumps(float(i.points))}, "rule": {_dumps(i.rule)}, '
                f'"source_type": {_dumps(i.source_type)}, "source_id": ',
                f', "label": {_dumps(i.label)}, '
                f'"changes_on": {_dumps(i.changes_on.isoformat() if i.changes_on else None)}}}',
            )
        parts.append(f"{fragment[0]}{'null' if i.source_id is None else i.source_id}{fragment[1]}")
    if any(a.grade is not None for a in result.adjustments):
        grade_lines = breakdown_json(result)[len(result.items) :]
        parts += [_dumps(line) for line in grade_lines]
    return f"[{', '.join(parts)}]"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


_facility_table = Facility.__table__
#: Current-grade columns only; ``updated_at`` is kept, as registry data did not change.
_SET_CURRENT = (
    update(_facility_table)
    .where(_facility_table.c.id == bindparam("fid"))
    .values(
        credit_grade=bindparam("g"),
        credit_score=bindparam("s"),
        graded_at=bindparam("t"),
        updated_at=_facility_table.c.updated_at,
    )
)


def breakdown_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def recompute_grade(facility: Facility, trigger: str, *, today: date, actor=None) -> CreditGrade:
    """Compute the grade on ``today``, append it to the history and update the facility's
    current columns. Flushes, never commits.

    The facility row is locked first (PostgreSQL), so two transactions changing the same
    facility compute one after the other and the later one sees the earlier one's facts."""
    db.session.flush()
    db.session.execute(select(Facility.id).where(Facility.id == facility.id).with_for_update())
    result = compute_facility_score(collect_facts(facility, today), today, credit_rulebook())
    now = utcnow()
    text = breakdown_text(result)
    key = (facility.id, breakdown_digest(text))
    row = CreditGrade(
        facility_id=facility.id,
        cycle=result.cycle,
        as_of=result.as_of,
        computed_at=now,
        graded=result.graded,
        score=result.score,
        grade=result.grade,
        previous_grade=facility.credit_grade,
        previous_score=facility.credit_score,
        rulebook_version=result.rulebook_version,
        breakdown_id=_store_breakdowns({key: text}, now)[key],
        caps=list(result.caps),
        reason=result.reason,
        trigger=trigger[:80],
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    if (result.grade, result.score) != (facility.credit_grade, facility.credit_score):
        db.session.execute(
            _SET_CURRENT, {"fid": facility.id, "g": result.grade, "s": result.score, "t": now}
        )
        set_committed_value(facility, "credit_grade", result.grade)
        set_committed_value(facility, "credit_score", result.score)
        set_committed_value(facility, "graded_at", now)
    return row


def recompute_batch(facility_ids: Sequence[int], as_of: date, trigger: str = "batch") -> int:
    """Recompute many facilities with bulk reads and writes; returns how many grades
    changed. Flushes, never commits (the caller commits per batch).

    The batch's facility rows are locked first, as in ``recompute_grade``: a change to a
    facility made meanwhile waits for this batch, then recomputes on top of it."""
    db.session.flush()
    facilities = [
        row
        for where in in_filters(Facility.id, facility_ids)
        for row in run_core(
            select(*FACILITY_COLUMNS).where(where).order_by(Facility.id).with_for_update()
        )
    ]
    if not facilities:
        return 0
    facts = collect_facts_many(facilities, as_of)
    rb = credit_rulebook()
    now = utcnow()
    trigger = trigger[:80]
    results, texts = [], {}
    for f in facilities:
        r = compute_facility_score(facts[f.id], as_of, rb)
        text = breakdown_text(r)
        key = (f.id, breakdown_digest(text))
        texts[key] = text
        results.append((f, r, key))
    breakdown_ids = _store_breakdowns(texts, now)
    history, current, changed = [], [], 0
    for f, r, key in results:
        history.append(
            (
                r.facility_id, r.cycle, r.as_of, now, r.graded, r.score, r.grade, f.credit_grade,
                f.credit_score, r.rulebook_version, breakdown_ids[key],
                _dumps(list(r.caps)) if r.caps else "[]", r.reason, trigger, None,
            )
        )  # fmt: skip
        if (r.grade, r.score) != (f.credit_grade, f.credit_score):
            current.append((f.id, r.grade, r.score))
            changed += r.grade != f.credit_grade
    _write_batch(history, current, now)
    # Objects already in the session must not keep stale current-grade values.
    db.session.expire_all()
    return changed


def _store_breakdowns(texts: dict[tuple[int, str], str], now) -> dict[tuple[int, str], int]:
    """Ids of the breakdowns keyed (facility id, digest), storing those not stored yet
    (``texts`` holds each one's JSON text)."""
    ids: dict[tuple[int, str], int] = {}
    connection = db.session.connection()
    keys = sorted(texts)
    if connection.dialect.name == "postgresql":
        # One probe of the unique (facility, digest) index per key.
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT b.facility_id, b.digest, b.id FROM credit_breakdown b "
                "JOIN unnest(%s::integer[], %s::varchar[]) AS k(f, d) "
                "ON b.facility_id = k.f AND b.digest = k.d",
                ([f for f, _d in keys], [d for _f, d in keys]),
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
    new = [key for key in texts if key not in ids]
    if not new:
        return ids
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('credit_breakdown', 'id')) "
                "FROM generate_series(1, %s)",
                (len(new),),
            )
            new_ids = [i for (i,) in cursor.fetchall()]
            columns = "id, facility_id, digest, items, created_at"
            with cursor.copy(f"COPY credit_breakdown ({columns}) FROM STDIN") as copy:
                for key, bid in zip(new, new_ids, strict=True):
                    copy.write_row((bid, key[0], key[1], texts[key], now))
        ids.update(zip(new, new_ids, strict=True))
        return ids
    table = CreditBreakdown.__table__
    for key in new:
        ids[key] = connection.execute(
            insert(table)
            .values(facility_id=key[0], digest=key[1], items=json.loads(texts[key]), created_at=now)
            .returning(table.c.id)
        ).scalar_one()
    return ids


def _write_batch(history: list[tuple], current: list[tuple], now) -> None:
    """``history`` rows are in ``HISTORY_COLUMNS`` order (caps as JSON text); ``current``
    holds (facility id, grade, score) of the facilities whose result changed."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        rows = [dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in history]
        for row in rows:
            row["caps"] = json.loads(row["caps"])
        connection.execute(insert(CreditGrade.__table__), rows)
        if current:
            connection.execute(
                _SET_CURRENT, [{"fid": i, "g": g, "s": s, "t": now} for i, g, s in current]
            )
        return
    # PostgreSQL: COPY the history rows and update the changed facilities in one
    # statement, on the session's own connection (same transaction).
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY credit_grade ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as copy:
            for row in history:
                copy.write_row(row)
        if current:
            ids, grades, scores = zip(*current, strict=True)
            cursor.execute(
                "UPDATE facility SET credit_grade = v.g, credit_score = v.s, graded_at = %s "
                "FROM unnest(%s::integer[], %s::varchar[], %s::numeric[]) AS v(id, g, s) "
                "WHERE facility.id = v.id",
                (now, list(ids), list(grades), list(scores)),
            )


def recompute_all(
    as_of: date,
    batch_size: int = 500,
    progress: Callable[[int], object] | None = None,
    jobs: int = 1,
) -> tuple[int, int]:
    """Recompute every facility, committing each batch on its own (``medcredit grades
    recompute`` and the benchmark run exactly this). Returns (facilities, grades changed).

    With ``jobs`` > 1 on PostgreSQL, batches run in that many worker processes (forked,
    each with its own connections); SQLite has a single writer, so it runs them here.

    The cyclic garbage collector is paused within a batch: a batch creates hundreds of
    thousands of short-lived tuples and no reference cycles worth collecting, and each
    automatic collection would walk every object of the application as well."""
    ids = all_facility_ids()
    chunks = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    changed = 0
    parallel = jobs > 1 and len(chunks) > 1 and db.engine.dialect.name == "postgresql"
    if not parallel:
        for chunk in chunks:
            changed += _run_batch(chunk, as_of)
            if progress is not None:
                progress(len(chunk))
        return len(ids), changed
    # Workers inherit the application by fork; no connection may cross the fork, so the
    # session ends here (objects loaded before are detached) and the pool is emptied.
    db.session.remove()
    db.engine.dispose()
    context = multiprocessing.get_context("fork")
    with context.Pool(min(jobs, len(chunks)), initializer=_worker_start) as pool:
        for size, batch_changed in pool.imap_unordered(
            _worker_batch, [(chunk, as_of) for chunk in chunks]
        ):
            changed += batch_changed
            if progress is not None:
                progress(size)
    return len(ids), changed


def _run_batch(chunk: Sequence[int], as_of: date) -> int:
    with _gc_paused():
        try:
            changed = recompute_batch(chunk, as_of)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return changed


def _worker_start() -> None:
    # Drop the pool copied from the parent without touching its connections.
    db.engine.dispose(close=False)


def _worker_batch(task: tuple[Sequence[int], date]) -> tuple[int, int]:
    chunk, as_of = task
    return len(chunk), _run_batch(chunk, as_of)


@contextlib.contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def all_facility_ids() -> list[int]:
    return list(db.session.scalars(select(Facility.id).order_by(Facility.id)))


def recompute_after_points(record: PointRecord, trigger: str, *, today: date, actor=None) -> None:
    """A point record changed: recompute every facility where the person has point records
    in that cycle (a sanction counts where the person's records helped reach it)."""
    year = record.decided_on.year
    facility_ids = set(
        db.session.scalars(
            select(PointRecord.facility_id).where(
                PointRecord.staff_id == record.staff_id,
                PointRecord.decided_on >= date(year, 1, 1),
                PointRecord.decided_on <= date(year, 12, 31),
            )
        )
    ) | {record.facility_id}
    for facility_id in sorted(facility_ids):
        recompute_grade(db.session.get(Facility, facility_id), trigger, today=today, actor=actor)


def latest_grade(facility_id: int) -> CreditGrade | None:
    return db.session.scalar(
        select(CreditGrade)
        .where(CreditGrade.facility_id == facility_id)
        .order_by(CreditGrade.id.desc())
        .limit(1)
    )
