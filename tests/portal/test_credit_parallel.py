"""Recomputing in worker processes (PostgreSQL): the same grades and history as one
process, and the workers end on their own once the work is done. On SQLite the same calls
run in-process."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models.credit import CreditBreakdown, CreditGrade
from portal.models.enums import Role
from portal.models.facility import Facility
from portal.operations.credit_batch import plan_batches, recompute_all
from portal.operations.users import create_user
from tests.conftest import TEST_PASSWORD, make_app
from tests.credit_helpers import TODAY, confirmed_finding, inspection
from tests.factories import facility_data


def _seven_facilities_four_with_findings() -> None:
    facilities = [Facility(**facility_data(i)) for i in range(7)]
    _db.session.add_all(facilities)
    _db.session.flush()
    users = [create_user(None, username=f"p_insp_{k}", display_name=k, role=Role.INSPECTOR,
                         password=TEST_PASSWORD) for k in ("a", "b")]  # fmt: skip
    for facility in facilities[:4]:
        confirmed_finding(users[0], inspection(users[0], facility, users))
    _db.session.commit()


def test_parallel_recompute_matches_sequential(fresh_database_url, tmp_path):
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        _seven_facilities_four_with_findings()
        expected = {}
        for jobs in (1, 2):
            if jobs == 1:
                assert recompute_all(TODAY, batch_size=2, jobs=1) == (7, 3)
            else:  # through the command, as cron runs it
                result = app.test_cli_runner().invoke(args=[
                    "grades", "recompute", "--as-of", TODAY.isoformat(), "--batch-size", "2",
                    "--jobs", "2"])  # fmt: skip
                assert result.exit_code == 0, result.output
                assert "共 7 家机构，0 家等级发生变化" in result.output
            rows = _db.session.execute(
                select(
                    CreditGrade.facility_id,
                    CreditGrade.score,
                    CreditGrade.grade,
                    CreditGrade.breakdown_id,
                )
                .where(CreditGrade.trigger == "batch")
                .order_by(CreditGrade.id)  # fmt: skip
            ).all()
            latest = {f: (s, g, b) for f, s, g, b in rows}
            assert len(rows) == 7 * jobs
            expected.setdefault("latest", latest)
            assert latest == expected["latest"]
        count = select(func.count()).select_from(CreditBreakdown)
        assert _db.session.scalar(count) == 7
        _db.session.remove()
        _db.engine.dispose()


class _Hung(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: int):
    def hung(*_args):
        # Fail rather than hang: the stuck workers would keep this process from exiting.
        for child in multiprocessing.active_children():
            child.kill()
        raise _Hung(f"recompute still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_workers_end_on_their_own(fresh_database_url, tmp_path):
    """A process that ignores SIGTERM (or handles it its own way, as a service may) still
    gets its workers back: they leave when the work is done rather than being terminated
    by signal, which such a handler could swallow, leaving the run waiting forever. (The
    hang needed a worker still waiting for work when the pool was torn down, so it did not
    happen every time: hence several runs.)"""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        _seven_facilities_four_with_findings()
        previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            # Whether a terminated pool hangs depends on timing: try a few times.
            for changed in (3, 0, 0, 0, 0):
                with _deadline(60):
                    assert recompute_all(TODAY, batch_size=2, jobs=2) == (7, changed)
        finally:
            signal.signal(signal.SIGTERM, previous)
        _db.session.remove()
        _db.engine.dispose()


def _batch_rows(facility_ids=None) -> int:
    query = select(func.count()).select_from(CreditGrade).where(CreditGrade.trigger == "batch")
    if facility_ids is not None:
        query = query.where(CreditGrade.facility_id.in_(facility_ids))
    return _db.session.scalar(query)


def _fail_batches(where: str, monkeypatch, record=None) -> None:
    """Batches fail in this process (``here``) or in the workers (``worker``, where
    without ``record`` the worker exits at once, as if killed); the ids of each failed
    batch are appended to the file ``record``, one line per batch. Batches meant to
    succeed here take a while, so that a worker starts before this process has done them
    all."""
    from portal.operations import credit_batch

    parent, real = os.getpid(), credit_batch.recompute_batch

    def batch(chunk, as_of, *args, **kwargs):
        if (os.getpid() == parent) == (where == "here"):
            if record is None:
                os._exit(3)
            with open(record, "a") as out:
                out.write(" ".join(map(str, chunk)) + "\n")
            raise ValueError(f"批次 {list(chunk)} 失败")
        if os.getpid() == parent:
            time.sleep(0.05)
        return real(chunk, as_of, *args, **kwargs)

    monkeypatch.setattr(credit_batch, "recompute_batch", batch)


def _failed_ids(record) -> list[int]:
    return [int(i) for i in record.read_text().split()]


def test_a_batch_failing_in_a_worker_is_raised_here(fresh_database_url, tmp_path, monkeypatch):
    """The error of a batch that fails in a worker is raised by the call, the batch is
    rolled back and the workers are gone. (On SQLite the batches run here: the first one
    fails.)"""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    record = tmp_path / "failed"
    with app.app_context():
        upgrade()
        _seven_facilities_four_with_findings()
        parallel = _db.engine.dialect.name == "postgresql"
        _fail_batches("worker" if parallel else "here", monkeypatch, record)
        with _deadline(60), pytest.raises(ValueError, match="失败"):
            recompute_all(TODAY, batch_size=1, jobs=2)
        assert multiprocessing.active_children() == []
        failed = _failed_ids(record)
        assert len(failed) == 1
        assert _batch_rows(failed) == 0
        _db.session.remove()
        _db.engine.dispose()


def test_a_batch_failing_here_stops_the_workers(fresh_database_url, tmp_path, monkeypatch):
    """A batch failing in this process stops the run: workers finish the batch they have
    (at most the one taken while this process was failing) and take no other."""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    record = tmp_path / "failed"
    with app.app_context():
        upgrade()
        _seven_facilities_four_with_findings()
        _fail_batches("here", monkeypatch, record)
        with _deadline(60), pytest.raises(ValueError, match="失败"):
            recompute_all(TODAY, batch_size=1, jobs=2)
        assert multiprocessing.active_children() == []
        assert len(_failed_ids(record)) == 1
        assert _batch_rows() <= 1
        _db.session.remove()
        _db.engine.dispose()


def test_a_worker_gone_without_a_word_is_an_error(fresh_database_url, tmp_path, monkeypatch):
    """A worker that dies (killed, say) fails the run with its exit code rather than
    leaving its batches unreported. (On SQLite there are no workers: every batch runs
    here.)"""
    app = make_app(fresh_database_url, str(tmp_path / "instance"))
    with app.app_context():
        upgrade()
        _seven_facilities_four_with_findings()
        _fail_batches("worker", monkeypatch)
        if _db.engine.dialect.name == "postgresql":
            with _deadline(60), pytest.raises(RuntimeError, match="意外退出（退出码 3）"):
                recompute_all(TODAY, batch_size=1, jobs=2)
        else:
            assert recompute_all(TODAY, batch_size=1, jobs=2) == (7, 3)
        assert multiprocessing.active_children() == []
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.parametrize(
    ("count", "size", "processes", "sizes"),
    [
        (10_000, 5000, 2, [5000, 5000]),
        (12_000, 5000, 2, [3000] * 4),
        (10_001, 5000, 2, [2501, 2500, 2500, 2500]),
        (12_000, 5000, 1, [4000] * 3),
        (50_000, 5000, 2, [5000] * 10),
        (7, 2, 2, [2, 2, 2, 1]),
        (3, 5000, 4, [1, 1, 1]),
        (0, 5000, 2, []),
    ],
)
def test_batches_are_even_and_a_multiple_of_the_processes(count, size, processes, sizes):
    """Every facility once, in order, in as few batches of at most ``size`` as shares them
    evenly between the processes."""
    ids = list(range(100, 100 + count))
    chunks = plan_batches(ids, size, processes)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [i for chunk in chunks for i in chunk] == ids
