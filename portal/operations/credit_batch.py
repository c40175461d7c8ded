"""Recomputing many facilities: bulk reads and writes per batch (COPY and one UPDATE on
PostgreSQL), and every facility in batches, shared with forked workers on PostgreSQL.

``recompute_batch`` is ``portal.operations.credit.recompute_grade`` for a batch: the same
history rows, stored breakdowns and current columns, with a fixed handful of queries.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from datetime import date

from sqlalchemy import insert, select

from portal.database import utcnow
from portal.extensions import db
from portal.models.credit import CreditGrade
from portal.models.facility import Facility
from portal.operations.bulk import (
    CopyFields,
    array_literal,
    copy_lines,
    in_filters,
    plain_rows,
    quoted_array_literal,
)
from portal.operations.credit import SET_CURRENT, all_facility_ids, dumps
from portal.operations.credit_breakdowns import breakdown_of, store_breakdowns, trim_line_caches
from portal.operations.credit_facts import iter_facts
from portal.rules import credit_rulebook
from scoring.credit import compute_facility_score

#: Facilities per batch (and per transaction), at most. Each batch costs a dozen statements
#: whatever its size (about 10 ms in all with the benchmark's data), so fewer, larger
#: batches are faster: 5,000 measured about 10% faster than 1,000 in one process (and 5%
#: faster than 2,500 in two), and a batch of 5,000 still commits within half a second (its
#: facilities' rows locked meanwhile) with about 11 MiB of Python objects at most.
BATCH_SIZE = 5000
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
        for row in plain_rows(
            select(*FACILITY_COLUMNS).where(where).order_by(Facility.id).with_for_update()
        )
    ]
    if not facilities:
        return 0
    rb = credit_rulebook()
    now = utcnow()
    trigger = trigger[:80]
    # Only what the history needs of each result: its items go once its breakdown is
    # taken, so a batch's memory is reused facility after facility.
    results, by_key = [], {}
    trim_line_caches()
    for f, facts in iter_facts(facilities, as_of):
        r = compute_facility_score(facts, as_of, rb)
        breakdown = breakdown_of(r)
        key = (f[0], breakdown.digest)
        by_key[key] = breakdown
        results.append((f[0], f[4], f[5], r.cycle, r.as_of, r.graded, r.score, r.grade,
                        r.rulebook_version, r.caps, r.reason, key))  # fmt: skip
    breakdown_ids = store_breakdowns(by_key, now)
    history, current, changed = [], [], 0
    caps_json = {(): "[]"}  # by caps tuple: a handful of distinct ones per batch
    for result in results:
        fid, was_grade, was_score, cycle, on, graded, score, grade, version, caps, reason, key = (
            result
        )
        caps_text = caps_json.get(caps)
        if caps_text is None:
            caps_text = caps_json[caps] = dumps(list(caps))
        history.append(
            (
                fid, cycle, on, now, graded, score, grade, was_grade, was_score, version,
                breakdown_ids[key], caps_text, reason, trigger, None,
            )
        )  # fmt: skip
        if (grade, score) != (was_grade, was_score):
            current.append((fid, grade, score))
            changed += grade != was_grade
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
        copy_lines(cursor, "credit_grade", HISTORY_COLUMNS, _history_lines(history))
        if current:
            ids, grades, scores = zip(*current, strict=True)
            cursor.execute(
                "UPDATE facility SET credit_grade = v.g, credit_score = v.s, graded_at = %s "
                "FROM unnest(%s::integer[], %s::varchar[], %s::numeric[]) AS v(id, g, s) "
                "WHERE facility.id = v.id",
                (now, array_literal(ids), quoted_array_literal(grades), array_literal(scores)),
            )


def _history_lines(history: list[tuple]) -> Iterator[str]:
    """``history`` rows as COPY text lines. Ids are integers; every other column repeats
    its values over a batch (one cycle and time, a few grades and reasons, scores in tenths
    of a point between 0 and the base), so each value's text is made once."""
    # One cache per column, in HISTORY_COLUMNS order, but for the two id columns.
    (cycle, on, computed, graded, score, grade, was_grade, was_score, version, caps, reason,
     trigger, actor) = (CopyFields() for _ in range(13))  # fmt: skip
    for fid, c, o, t, g, s, gr, wg, ws, v, bid, cp, r, tr, a in history:
        yield (
            f"{fid}\t{cycle[c]}\t{on[o]}\t{computed[t]}\t{graded[g]}\t{score[s]}\t{grade[gr]}"
            f"\t{was_grade[wg]}\t{was_score[ws]}\t{version[v]}\t{bid}\t{caps[cp]}\t{reason[r]}"
            f"\t{trigger[tr]}\t{actor[a]}\n"
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

    With ``jobs`` > 1 on PostgreSQL, ``jobs`` processes share the batches: this one and
    ``jobs - 1`` forked workers, each with its own connections; SQLite has a single
    writer, so it runs them here.

    The cyclic garbage collector is paused within a batch: a batch creates hundreds of
    thousands of short-lived tuples and no reference cycles worth collecting, and each
    automatic collection would walk every object of the application as well."""
    ids = list(facility_ids) if facility_ids is not None else all_facility_ids()
    # Workers share batches only where one process would need more than one: a smaller
    # set takes less time than starting a worker and its connection.
    parallel = jobs > 1 and len(ids) > batch_size and db.engine.dialect.name == "postgresql"
    chunks = plan_batches(ids, batch_size, jobs if parallel else 1)
    report = progress if progress is not None else _ignore
    if not parallel:
        changed = 0
        for chunk in chunks:
            changed += _run_batch(chunk, as_of)
            report(len(chunk))
        return len(ids), changed
    return len(ids), _Shared(chunks, as_of, report).run(min(jobs, len(chunks)))


def plan_batches(ids: Sequence[int], batch_size: int, processes: int) -> list[Sequence[int]]:
    """``ids`` in consecutive batches of at most ``batch_size``, as few as that allows,
    their number a multiple of ``processes`` and their sizes as even as can be, so that
    the processes finish together: 12,000 facilities for two processes in batches of at
    most 5,000 are four batches of 3,000, not 5,000, 5,000 and 2,000 (one process idle
    while the other does the last)."""
    if not ids:
        return []
    rounds = -(-len(ids) // (batch_size * processes))
    count = min(len(ids), rounds * processes)
    size, extra = divmod(len(ids), count)
    chunks, start = [], 0
    for k in range(count):
        end = start + size + (k < extra)
        chunks.append(ids[start:end])
        start = end
    return chunks


def _ignore(_size: int) -> None:
    pass


class _Shared:
    """Batches shared between this process and forked workers. Each process takes the
    next batch nobody has taken (a counter in shared memory), so a slow batch holds up no
    one, and this process works too: its connection is open already, where a worker
    starts its own, and it would otherwise only wait. Workers report each batch done
    (size, grades changed) through a pipe, and leave on their own when no batch is left,
    or when this process has gone."""

    def __init__(self, chunks: list[Sequence[int]], as_of: date, report: Callable) -> None:
        self.chunks, self.as_of, self.report = chunks, as_of, report
        self.context = multiprocessing.get_context("fork")
        self.next = self.context.Value("q", 0)
        self.parent = os.getpid()

    def take(self) -> Sequence[int] | None:
        with self.next.get_lock():
            index = self.next.value
            self.next.value = index + 1
        return self.chunks[index] if index < len(self.chunks) else None

    def stop(self) -> None:
        """No more batches for anyone (each process finishes the one it has)."""
        with self.next.get_lock():
            self.next.value = len(self.chunks)

    def run(self, processes: int) -> int:
        # No connection may cross the fork: the session ends here (its connection goes
        # back to this process's pool, for its own batches; workers start a pool each).
        db.session.remove()
        pipes = {}
        for _ in range(processes - 1):
            receive, send = self.context.Pipe(duplex=False)
            worker = self.context.Process(target=self._work, args=(send,), daemon=True)
            worker.start()
            send.close()
            pipes[receive] = worker
        changed = 0
        try:
            while (chunk := self.take()) is not None:
                changed += _run_batch(chunk, self.as_of)
                self.report(len(chunk))
                changed += self._collect(pipes, wait=False)
            changed += self._collect(pipes, wait=True)
        except BaseException:
            self.stop()
            for worker in pipes.values():
                worker.join()
            raise
        return changed

    def _collect(self, pipes: dict, wait: bool) -> int:
        """Grades changed in the batches workers report done; with ``wait``, until every
        worker has left. A worker's error is raised here."""
        changed = 0
        while pipes:
            ready = multiprocessing.connection.wait(list(pipes), None if wait else 0)
            if not ready:
                break
            for pipe in ready:
                try:
                    message = pipe.recv()
                except EOFError:
                    message = "exit"
                except Exception as exc:  # an error that would not unpickle here
                    message = RuntimeError(f"重算信用等级的工作进程出错：{exc}")
                if isinstance(message, tuple):
                    size, batch_changed = message
                    changed += batch_changed
                    self.report(size)
                    continue
                worker = pipes.pop(pipe)
                worker.join()
                pipe.close()
                if message == "exit":  # gone without a word: killed, say
                    message = RuntimeError(
                        f"重算信用等级的工作进程意外退出（退出码 {worker.exitcode}）"
                    )
                if isinstance(message, BaseException):
                    raise message
        return changed

    def _work(self, send) -> None:
        # The pool copied from the parent is dropped without touching its connections.
        db.engine.dispose(close=False)
        # A SIGTERM handler inherited from the parent (a service's, say) must not keep a
        # worker alive when it is told to stop.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            while os.getppid() == self.parent and (chunk := self.take()) is not None:
                send.send((len(chunk), _run_batch(chunk, self.as_of)))
        except BaseException as exc:
            self.stop()
            try:
                send.send(exc)
            except Exception:  # an exception that does not pickle: its text, then
                send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
            raise
        send.send(None)


def _run_batch(chunk: Sequence[int], as_of: date) -> int:
    with _gc_paused():
        try:
            changed = recompute_batch(chunk, as_of)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return changed


@contextlib.contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
