"""Credit grades: recompute every facility (as ``medcredit grades recompute`` does) against a
bare SELECT of the same input rows, on PostgreSQL.

Builds 10,000 facilities, 500,000 findings and 100,000 staff members (times ``--scale``)
with COPY in a fresh database, on the server at ``BENCH_DATABASE_URL`` or on a throwaway
server started here (like scripts/with-postgres.sh). Prints the time ratio (goal ≤ 2×) and
the peak memory of the recompute.
"""

from __future__ import annotations

import contextlib
import glob
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from cryptography.fernet import Fernet

AS_OF = date(2026, 11, 20)
FACILITIES, FINDINGS, STAFF = 10_000, 500_000, 100_000


# --- A PostgreSQL server and a fresh database --------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _throwaway_server():
    """Start the newest local PostgreSQL on a free port; yield its URL; stop and delete."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [
        int(x) if x.isdigit() else x for x in p.split("/")])  # fmt: skip
    bins = [b for b in bins if os.access(f"{b}/initdb", os.X_OK)]
    if not bins:
        raise SystemExit("credit: no PostgreSQL found; set BENCH_DATABASE_URL")
    pg = bins[-1]
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    tmp = tempfile.mkdtemp(prefix="medcredit-bench-pg.", dir="/tmp")
    if as_pg:
        shutil.chown(tmp, "postgres")
    data, port = f"{tmp}/data", _free_port()

    def run(*args):
        subprocess.run([*as_pg, *args], check=True, cwd=tmp, capture_output=True)

    try:
        run(f"{pg}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} "
                   f"-c unix_socket_directories='{tmp}' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")  # fmt: skip
        run(f"{pg}/pg_ctl", "-D", data, "-l", f"{tmp}/log", "-o", options, "-w", "start")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(Exception):
            run(f"{pg}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _fresh_database():
    base = os.environ.get("BENCH_DATABASE_URL")
    with contextlib.ExitStack() as stack:
        if not base:
            base = stack.enter_context(_throwaway_server())
        from portal.config import normalise_database_url

        url = sa.make_url(normalise_database_url(base))
        if url.get_backend_name() != "postgresql":
            raise SystemExit("credit: BENCH_DATABASE_URL must be PostgreSQL")
        name = f"medcredit_bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


# --- Data, with COPY ---------------------------------------------------------------------


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _build(conn, scale: float) -> dict:
    from scoring.credit_rules import load_taxonomy

    rng = random.Random(20261120)
    n_fac, n_find, n_staff = (max(10, int(n * scale)) for n in (FACILITIES, FINDINGS, STAFF))
    now = datetime.now(UTC)
    taxonomy = load_taxonomy()
    cats = {
        subject: [c.code for c in taxonomy.values() if c.subject == subject]
        for subject in ("institution", "pharmacy")
    }
    cur = conn.cursor()
    users = [(i, f"bench_user{i}", f"检查员{i}", "x", "inspector", True, 0, now) for i in (1, 2)]
    _copy(cur, "user_account", ("id", "username", "display_name", "password_hash", "role",
                                "active", "failed_logins", "created_at"), users)  # fmt: skip
    pharmacy = [i % 5 == 0 for i in range(n_fac + 1)]

    def facilities():
        for i in range(1, n_fac + 1):
            start = date(2026, 8, 1) if i % 97 == 0 else date(2015 + i % 10, 1 + i % 12, 1)
            yield (i, f"91320600{i:010d}", f"{'P' if pharmacy[i] else 'H'}{i:011d}",
                   f"测试机构{i}", "pharmacy" if pharmacy[i] else "hospital",
                   "unrated" if pharmacy[i] else "secondary", "private", "崇川区",
                   f"测试路{i}号", "张三", start, "terminated" if i % 499 == 0 else "active",
                   "", "", False, now, now)  # fmt: skip

    _copy(cur, "facility", ("id", "credit_code", "site_code", "name", "kind", "level",
                            "ownership", "county", "address", "legal_representative",
                            "agreement_start", "status", "contact_name", "contact_phone",
                            "blacklisted", "created_at", "updated_at"), facilities())  # fmt: skip
    staff_facility = [0] + [rng.randint(1, n_fac) for _ in range(n_staff)]
    _copy(cur, "staff_member", ("id", "staff_code", "name", "id_number_encrypted",
                                "id_number_hash", "id_number_masked", "profession",
                                "created_at", "updated_at"),
          ((i, f"D{i:011d}", f"医生{i}", b"x", f"{i:064x}", "3206**********000X", "doctor",
            now, now) for i in range(1, n_staff + 1)))  # fmt: skip
    _copy(
        cur,
        "staff_practice",
        ("id", "staff_id", "facility_id", "is_primary", "start_date"),
        ((i, i, staff_facility[i], True, date(2020, 1, 1)) for i in range(1, n_staff + 1)),
    )
    n_insp = max(1, n_find // 10)
    _copy(cur, "inspection", ("id", "reference", "kind", "facility_id", "trigger", "on_site",
                              "start_date", "status", "notes", "created_at"),
          ((i, "", "routine", rng.randint(1, n_fac), "plan", True, date(2021, 1, 1), "closed",
            "", now) for i in range(1, n_insp + 1)))  # fmt: skip
    _copy(
        cur,
        "inspection_inspector",
        ("inspection_id", "user_id"),
        ((i, u) for i in range(1, n_insp + 1) for u in (1, 2)),
    )
    cur.execute("SELECT id, facility_id FROM inspection")
    insp_facility = dict(cur.fetchall())
    first_day, days = date(2021, 1, 1), (date(2026, 11, 20) - date(2021, 1, 1)).days

    def findings():
        for i in range(1, n_find + 1):
            insp = rng.randint(1, n_insp)
            fac = insp_facility[insp]
            status = "confirmed" if i % 10 else ("draft" if i % 20 else "revoked")
            decided = first_day + timedelta(days=rng.randint(0, days))
            # Confirmed on the day of the decision (noon in China), drafts not yet.
            confirmed = None if status == "draft" else _noon(decided)
            yield (i, insp, fac, rng.choice(cats["pharmacy" if pharmacy[fac] else "institution"]),
                   "违规事实", rng.choice((0, 0, 50_000, 2_500_000, 30_000_000)), 0, 0, "38",
                   0, "文号", decided, i % 9 == 0, status, now, now, "",
                   confirmed)  # fmt: skip

    _copy(cur, "finding", ("id", "inspection_id", "facility_id", "category", "description",
                           "amount_involved_fen", "amount_refunded_fen", "amount_recovered_fen",
                           "legal_article", "fine_fen", "decision_number", "decision_date",
                           "self_corrected", "status", "created_at", "updated_at",
                           "revoke_reason", "confirmed_at"), findings())  # fmt: skip
    n_points = max(1, n_staff // 5)

    def points():
        for i in range(1, n_points + 1):
            staff = rng.randint(1, n_staff)
            day = date(2026, 1, 1) + timedelta(days=rng.randint(0, 320))
            yield (i, staff, staff_facility[staff], "串换药品", "moderate", "main", 6, "2025.1",
                   day, "finding", "文号", now, "")  # fmt: skip

    _copy(cur, "point_record", ("id", "staff_id", "facility_id", "violation", "severity",
                                "responsibility", "points", "rulebook_version", "decided_on",
                                "source", "reference", "recorded_at", "revoke_reason"),
          points())  # fmt: skip
    n_small = max(1, n_fac // 20)
    _copy(cur, "credit_adjustment", ("id", "facility_id", "points", "reason", "evidence",
                                     "status", "proposed_by_id", "proposed_at", "decided_by_id",
                                     "decided_at", "approved_on", "decision_note"),
          ((i, rng.randint(1, n_fac), -3, "复核", "", "approved", 1, now, 2, now,
            date(2026, 3, 1), "同意") for i in range(1, n_small + 1)))  # fmt: skip
    _copy(cur, "credit_repair", ("id", "facility_id", "statement", "pledge_signed_on",
                                 "filed_on", "status", "decided_at", "granted_on",
                                 "decision_reason", "created_at"),
          ((i, rng.randint(1, n_fac), "已整改", date(2025, 6, 1), date(2025, 7, 1), "granted",
            _noon(date(2025, 7, 20)), date(2025, 7, 20), "准予", now)
           for i in range(1, n_small + 1)))  # fmt: skip
    for table in ("facility", "staff_member", "inspection", "finding", "point_record",
                  "credit_adjustment", "credit_repair", "user_account"):  # fmt: skip
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))")  # fmt: skip
    conn.commit()
    # As autovacuum leaves a database that has been in use (and sets the visibility map that
    # index-only scans rely on); VACUUM cannot run inside a transaction.
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    conn.autocommit = False
    return {"facilities": n_fac, "findings": n_find, "staff": n_staff, "points": n_points}


def _noon(day: date) -> datetime:
    """Noon in China on ``day``, as a UTC time."""
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=4)


# --- The bare SELECT baseline --------------------------------------------------------------

BARE = [
    "SELECT id, agreement_start, status, blacklisted, credit_grade, credit_score FROM facility",
    "SELECT id, facility_id, category, decision_date, amount_involved_fen, self_corrected "
    "FROM finding WHERE status = 'confirmed' AND decision_date >= %(horizon)s "
    "AND decision_date <= %(as_of)s",
    "SELECT staff_id, facility_id, decided_on FROM point_record WHERE revoked_at IS NULL "
    "AND decided_on >= %(cycle)s AND decided_on <= %(as_of)s",
    "SELECT * FROM point_record WHERE staff_id IN (SELECT staff_id FROM point_record "
    "WHERE decided_on >= %(cycle)s)",
    "SELECT * FROM point_restoration",
    "SELECT id, staff_code FROM staff_member WHERE id IN (SELECT staff_id FROM point_record "
    "WHERE decided_on >= %(cycle)s)",
    "SELECT r.id, r.facility_id, r.granted_on, f.id FROM credit_repair r LEFT JOIN finding f "
    "ON f.facility_id = r.facility_id AND f.status = 'confirmed' "
    "AND f.decision_date <= r.granted_on AND f.confirmed_at > r.decided_at "
    "WHERE r.status = 'granted'",
    "SELECT a.id, a.facility_id, a.approved_on, a.reason, p.display_name, d.display_name, "
    "a.points, a.grade, a.decided_at FROM credit_adjustment a "
    "JOIN user_account p ON p.id = a.proposed_by_id "
    "JOIN user_account d ON d.id = a.decided_by_id WHERE a.status = 'approved' "
    "AND a.approved_on >= %(cycle)s",
]


def _bare(engine) -> int:
    from portal.operations.credit_facts import findings_horizon
    from portal.rules import credit_rulebook

    params = {"horizon": findings_horizon(AS_OF, credit_rulebook()),
              "cycle": date(AS_OF.year, 1, 1), "as_of": AS_OF}  # fmt: skip
    rows = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for sql in BARE:
            cur.execute(sql, params)
            rows += len(cur.fetchall())
        raw.rollback()
    finally:
        raw.close()
    return rows


def _recompute(jobs: int) -> int:
    from portal.operations.credit_batch import recompute_all

    return recompute_all(AS_OF, jobs=jobs)[1]


def _forget_grades(engine) -> None:
    """Back to never graded: no history, no stored breakdowns or lines, no current grades
    (the bench has no objections, which would go with them)."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "TRUNCATE credit_grade, credit_breakdown, credit_breakdown_line CASCADE"
        ))  # fmt: skip
        conn.execute(sa.text(
            "UPDATE facility SET credit_grade = NULL, credit_score = NULL, graded_at = NULL"
        ))  # fmt: skip
        conn.execute(sa.text(
            "ANALYZE credit_grade; ANALYZE credit_breakdown; ANALYZE credit_breakdown_line; "
            "ANALYZE facility"
        ))  # fmt: skip


def _timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


def run(rounds: int = 5, scale: float = 1.0) -> None:
    """Two cases, each timed against a bare SELECT just before it: the first recompute
    (no stored grades: every breakdown is new, as after an import or a rulebook change)
    and a repeat recompute on the same facts (the daily run: history rows point at the
    stored breakdowns). Both with the command's default worker count."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.cli.grades import DEFAULT_JOBS
    from portal.extensions import db
    from portal.operations.credit_batch import BATCH_SIZE

    # Each round takes a second or so; the median of five is steadier than of three on a
    # shared machine (one round in a run is often well off the others).
    rounds = max(1, min(rounds, 5))
    jobs = DEFAULT_JOBS
    # A plain SIGTERM must still stop the throwaway server and drop the database.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    with _fresh_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "k" * 40,
             "IDENTITY_KEY": Fernet.generate_key().decode(), "INSTANCE_PATH": tmp},
            env="testing",
        )  # fmt: skip
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            raw = db.engine.raw_connection()
            try:
                sizes = _build(raw.driver_connection, scale)
            finally:
                raw.close()
            built = time.perf_counter() - started
            bare_rows = _bare(db.engine)  # warm the caches for both
            first, repeat = [], []
            for _ in range(rounds):
                _forget_grades(db.engine)
                bare, _rows = _timed(_bare, db.engine)
                took, first_changed = _timed(_recompute, jobs)
                first.append((took, bare))
                bare, _rows = _timed(_bare, db.engine)
                took, repeat_changed = _timed(_recompute, jobs)
                repeat.append((took, bare))
            # Memory of one process doing the whole recompute (each worker does a share).
            tracemalloc.start()
            _recompute(1)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            workers_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            db.engine.dispose()

    def line(name: str, timings, changed) -> str:
        ratios = [t / b for t, b in timings]
        return (
            f"  {name}: recompute {statistics.median(t for t, _ in timings):.2f} s, "
            f"bare SELECT {statistics.median(b for _, b in timings):.2f} s, ratio median "
            f"{statistics.median(ratios):.2f}x (goal <= 2x; rounds "
            f"{', '.join(f'{r:.2f}' for r in ratios)}); {changed:,} grades changed\n"
        )

    print(
        f"credit: recompute all grades vs bare SELECT of the input rows on PostgreSQL "
        f"({sizes['facilities']:,} facilities, {sizes['findings']:,} findings, "
        f"{sizes['staff']:,} staff, {sizes['points']:,} point records; {bare_rows:,} input "
        f"rows; built in {built:.1f} s; batches of {BATCH_SIZE}, {jobs} process(es): the "
        f"recompute's own and {jobs - 1} worker(s))\n"
        + line("first recompute (every breakdown new)", first, first_changed)
        + line("repeat recompute (same facts, daily run)", repeat, repeat_changed)
        + f"  peak memory: Python allocations of one process recomputing everything "
        f"{peak / 2**20:.1f} MiB (tracemalloc); max RSS {rss_mib:.0f} MiB (this process), "
        f"{workers_mib:.0f} MiB (largest worker)"
    )
