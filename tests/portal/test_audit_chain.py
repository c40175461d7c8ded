"""The audit hash chain catches tampering, also via `audit verify`; the audit page lists it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models.audit import AuditAnchor
from portal.models.enums import Role
from portal.operations.audit import record_audit, verify_chain
from tests.portal.web_helpers import audit_rows as _rows


@pytest.fixture
def chain(db):
    """Five audit rows appended by the operations layer."""
    for n in range(1, 6):
        record_audit(None, "test.event", "thing", n, after={"n": n, "label": f"第{n}条"})
    db.session.commit()
    return _rows(db)


def _raw(db, sql: str, **params) -> None:
    stmt = sa.text(sql)
    if "summary" in params:
        stmt = stmt.bindparams(sa.bindparam("summary", type_=sa.JSON))
    db.session.execute(stmt, params)
    db.session.commit()
    # Forget what the session holds so the next read sees the database.
    db.session.expire_all()


def test_intact_chain_verifies(db, chain):
    report = verify_chain()
    assert report.ok
    assert report.rows == 5
    assert report.bad_seq is None
    assert [r.seq for r in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == "0" * 64
    for previous, row in zip(chain, chain[1:], strict=False):
        assert row.prev_hash == previous.hash
    anchor = db.session.get(AuditAnchor, 1)
    assert (anchor.last_seq, anchor.last_hash) == (5, chain[-1].hash)


def test_empty_chain_verifies(db):
    assert verify_chain().ok


def test_altered_summary_is_detected(db, chain):
    _raw(
        db,
        "UPDATE audit_log SET summary = :summary WHERE seq = :seq",
        summary={"before": None, "after": {"n": 999, "label": "篡改"}},
        seq=3,
    )
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == 3


def test_altered_actor_is_detected(db, chain):
    _raw(db, "UPDATE audit_log SET actor_name = 'someone' WHERE seq = :seq", seq=2)
    report = verify_chain()
    assert (report.ok, report.bad_seq) == (False, 2)


def test_altered_row_with_recomputed_hash_breaks_the_next_link(db, chain):
    """An attacker who also recomputes the row's own hash is caught by the next row."""
    from portal.operations.audit import _content_hash

    row = chain[1]
    row.summary = {"before": None, "after": {"n": 0}}
    row.hash = _content_hash(row)
    db.session.commit()
    db.session.expire_all()
    report = verify_chain()
    assert (report.ok, report.bad_seq) == (False, 3)


def test_deleted_middle_row_is_detected(db, chain):
    _raw(db, "DELETE FROM audit_log WHERE seq = :seq", seq=3)
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == 3


def test_deleted_last_row_is_detected(db, chain):
    _raw(db, "DELETE FROM audit_log WHERE seq = :seq", seq=5)
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == 5


def test_deleted_first_row_is_detected(db, chain):
    _raw(db, "DELETE FROM audit_log WHERE seq = :seq", seq=1)
    report = verify_chain()
    assert (report.ok, report.bad_seq) == (False, 1)


def test_reordered_rows_are_detected(db, chain):
    """Swap the positions of rows 2 and 4 (sequence numbers exchanged)."""
    _raw(db, "UPDATE audit_log SET seq = -2 WHERE seq = 2")
    _raw(db, "UPDATE audit_log SET seq = 2 WHERE seq = 4")
    _raw(db, "UPDATE audit_log SET seq = 4 WHERE seq = -2")
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == 2


def test_cli_verify_passes_on_an_intact_chain(runner, chain):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "5" in result.output


def test_cli_verify_names_the_first_bad_row(db, runner, chain):
    _raw(
        db,
        "UPDATE audit_log SET summary = :summary WHERE seq = :seq",
        summary={"before": None, "after": {"n": 4, "label": "第4条（改）"}},
        seq=4,
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "seq=4" in result.output


def test_cli_verify_catches_a_deleted_tail(db, runner, chain):
    _raw(db, "DELETE FROM audit_log WHERE seq >= :seq", seq=4)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "seq=4" in result.output


def test_appends_continue_the_chain_after_verification(db, chain):
    row = record_audit(None, "test.more", "thing", 6)
    assert row.seq == 6
    assert row.prev_hash == chain[-1].hash
    assert verify_chain().rows == 6


# --- The bureau audit page -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.AUDITOR, 200),
        (Role.INSPECTOR, 403),
        (Role.CREDIT_OFFICER, 403),
        (Role.APPROVER, 403),
        (Role.TIPOFF_HANDLER, 403),
        (Role.FACILITY, 403),
    ],
)
def test_audit_page_is_for_admin_and_auditor_only(client, auth, make_user, chain, role, status):
    make_user(role, "page_viewer")
    auth.login("page_viewer")
    response = client.get("/bureau/audit")
    assert response.status_code == status
    body = response.get_data(as_text=True)
    if status == 200:
        assert "审计日志" in body and "第3条" in body
    else:
        assert "第3条" not in body


def test_audit_page_filters_by_action_and_actor(client, auth, make_user, make_facility, chain):
    make_facility(name="筛选用医院")
    make_user(Role.AUDITOR, "auditor_one")
    auth.login("auditor_one")
    page = client.get("/bureau/audit?action=facility.").get_data(as_text=True)
    assert "facility.create" in page and "test.event" not in page
    page = client.get("/bureau/audit?actor=nobody_at_all").get_data(as_text=True)
    assert "暂无审计记录" in page
