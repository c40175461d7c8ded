"""Recomputing many facilities: bulk reads and writes per batch (COPY and one UPDATE on
PostgreSQL), and every facility in batches, in worker processes on PostgreSQL.

``recompute_batch`` is ``portal.operations.credit.recompute_grade`` for a batch: the same
history rows, stored breakdowns and current columns, with a fixed handful of queries.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import signal
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import insert, select

from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import CreditGrade
from portal.models.facility import Facility
from portal.operations.bulk import in_filters, run_core
from portal.operations.credit import (
    SET_CURRENT,
    all_facility_ids,
    breakdown_digest,
    dumps,
    store_breakdowns,
)
from portal.operations.credit_facts import collect_facts_many
from portal.rules import credit_rulebook
from scoring.credit import compute_facility_score

#: Facilities per batch (and per transaction). Larger batches mean fewer statements; 1,000
#: measured slightly faster than 500 with the benchmark, and a batch still commits well
#: within a second.
BATCH_SIZE = 1000
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
    results, by_key = [], {}
    for f in facilities:
        r = compute_facility_score(facts[f.id], as_of, rb)
        key = (f.id, breakdown_digest(r))
        by_key[key] = r
        results.append((f, r, key))
    breakdown_ids = store_breakdowns(by_key, now)
    history, current, changed = [], [], 0
    caps_json = {(): "[]"}  # by caps tuple: a handful of distinct ones per batch
    for f, r, key in results:
        caps = caps_json.get(r.caps)
        if caps is None:
            caps = caps_json[r.caps] = dumps(list(r.caps))
        history.append(
            (
                r.facility_id, r.cycle, r.as_of, now, r.graded, r.score, r.grade, f.credit_grade,
                f.credit_score, r.rulebook_version, breakdown_ids[key],
                caps, r.reason, trigger, None,
            )
        )  # fmt: skip
        if (r.grade, r.score) != (f.credit_grade, f.credit_score):
            current.append((f.id, r.grade, r.score))
            changed += r.grade != f.credit_grade
    _write_batch(history, current, now)
    # Objects already in the session must not keep stale current-grade values.
    db.session.expire_all()
    return changed


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
                SET_CURRENT, [{"fid": i, "g": g, "s": s, "t": now} for i, g, s in current]
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
                "FROM unnest(%b::integer[], %b::varchar[], %b::numeric[]) AS v(id, g, s) "
                "WHERE facility.id = v.id",
                (now, list(ids), list(grades), list(scores)),
            )


def recompute_all(
    as_of: date,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
    jobs: int = 1,
    facility_ids: Sequence[int] | None = None,
) -> tuple[int, int]:
    """Recompute every facility, committing each batch on its own (``medcredit grades
    recompute`` and the benchmark run exactly this). Returns (facilities, grades changed).
    ``facility_ids`` defaults to every facility.

    With ``jobs`` > 1 on PostgreSQL, batches run in that many worker processes (forked,
    each with its own connections); SQLite has a single writer, so it runs them here.

    The cyclic garbage collector is paused within a batch: a batch creates hundreds of
    thousands of short-lived tuples and no reference cycles worth collecting, and each
    automatic collection would walk every object of the application as well."""
    ids = list(facility_ids) if facility_ids is not None else all_facility_ids()
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
        # Let the workers leave on their own; leaving the block would otherwise terminate
        # them by signal, which may find one waiting on a queue lock the pool holds.
        pool.close()
        pool.join()
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
    # A SIGTERM handler inherited from the parent (a service's, say) must not keep a
    # worker alive when the pool terminates it after an error.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


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
