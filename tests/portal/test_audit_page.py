"""The audit page as an auditor reads it: Chinese labels, money in yuan, a filter that
takes Chinese names, escaped values, and an inspection's corrections in its form's order
with records named. The labels' completeness is held in ``test_audit_labels``."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.enums import Role
from portal.models.inspections import InspectionKind
from portal.models.user import User
from portal.operations.audit import record_audit, verify_chain
from portal.operations.credit_workflow import decide_adjustment, propose_adjustment
from portal.operations.findings import add_finding
from portal.operations.inspection_changes import update_inspection
from tests.credit_helpers import TODAY, finding_data, inspection, two_inspectors


def _text(markup: str) -> str:
    """What a reader sees of ``markup``: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


@pytest.fixture
def auditor_page(client, auth, make_user):
    make_user(Role.AUDITOR, "label_auditor")
    assert auth.login("label_auditor").status_code == 302

    def get(query: str = "", whole: bool = False) -> str:
        """The table of rows (with the pagination under it), or the ``whole`` page."""
        response = client.get("/bureau/audit" + query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return page if whole else page.partition('role="search"')[2].partition("</form>")[2]

    return get


@pytest.fixture
def adjustment_and_finding(db, make_facility, make_user):
    """An approved adjustment and a draft finding, through the audited operations."""
    facility = make_facility(name="审计标签医院")
    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two])
    add_finding(
        one,
        insp,
        finding_data(
            amount_involved_fen=1_000_050,
            amount_refunded_fen=1_000_050,
            fine_fen=500_000,
            self_corrected=True,
        ),
        TODAY,
    )
    officer = make_user(Role.CREDIT_OFFICER, "label_officer")
    approver = make_user(Role.APPROVER, "label_approver")
    adjustment = propose_adjustment(
        officer, facility, points="-4.5", reason="约谈后仍未整改", evidence="约谈记录"
    )
    decide_adjustment(approver, adjustment, approve=True, note="同意", today=TODAY)
    db.session.commit()


def test_audit_page_shows_chinese_labels_and_yuan(db, auditor_page, adjustment_and_finding):
    rows_before = [(r.seq, r.hash) for r in db.session.scalars(select(AuditLog))]
    markup = auditor_page()
    page = _text(markup)
    for text in (
        "批准信用人工调整",
        "信用人工调整",
        "状态：待审批 → 已批准",
        "新建违规发现草稿",
        "涉及金额：10,000.50 元",
        "罚款金额：5,000.00 元",
        "按期自查自纠并足额退回：是",
        "检查类型：专项检查",
        "违规类别：",
    ):
        assert text in page, text
    for raw in ("status: pending", "1000050", "self_corrected: True", "amount_involved_fen:"):
        assert raw not in page, raw
    # The codes stay at hand for technical staff: in grey, and on hover.
    assert "credit.adjust_approve" in page and 'title="credit_adjustment"' in markup
    assert 'title="amount_involved_fen"' in markup
    # Display only: the stored rows are as they were and the chain still verifies.
    assert [(r.seq, r.hash) for r in db.session.scalars(select(AuditLog))] == rows_before
    assert verify_chain().ok


def test_audit_filter_takes_a_chinese_name(auditor_page, adjustment_and_finding):
    page = auditor_page("?action=调整")
    assert "提出信用人工调整" in page and "批准信用人工调整" in page
    assert "新建违规发现草稿" not in page and "暂无审计记录" not in page
    # A group's name, and a code prefix as before.
    page = auditor_page("?action=违规认定")
    assert "新建违规发现草稿" in page and "批准信用人工调整" not in page
    page = auditor_page("?action=credit.adjust")
    assert "提出信用人工调整" in page and "新建违规发现草稿" not in page
    assert "暂无审计记录" in auditor_page("?action=不存在的操作")


def test_audit_select_takes_a_code_or_a_group(db, auditor_page, adjustment_and_finding):
    form = auditor_page(whole=True)
    assert '<optgroup label="信用评价">' in form
    assert '<option value="credit.adjust_approve">批准信用人工调整</option>' in form
    # Exact code: the approval only, not the proposal.
    page = auditor_page("?code=credit.adjust_approve")
    assert "批准信用人工调整" in page and "提出信用人工调整" not in page
    form = auditor_page("?code=credit.adjust_approve", whole=True)
    assert '<option value="credit.adjust_approve" selected>' in form
    # The group: all credit actions.
    page = auditor_page("?code=credit.")
    assert "提出信用人工调整" in page and "新建违规发现草稿" not in page
    # A code that begins another ("points.appeal", "points.appeal_decide") means itself.
    record_audit(None, "points.appeal", "point_appeal", 1, after={"record": 1})
    record_audit(None, "points.appeal_decide", "point_appeal", 1, after={"status": "upheld"})
    db.session.commit()
    page = auditor_page("?code=points.appeal")
    assert "提出记分异议" in page and "处理记分异议" not in page


def test_audit_filter_keeps_its_arguments_across_pages(db, app, auditor_page):
    per_page = app.config["PAGE_SIZE"] * 2
    for n in range(per_page + 1):
        record_audit(None, "credit.recompute", "facility", n, after={"grade": "A"})
    record_audit(None, "user.unlock", "user", 1)
    db.session.commit()
    page = auditor_page("?action=重算&actor=系统")
    assert "解锁账号" not in page
    assert page.count("手动重算信用等级") == per_page
    assert "action=%E9%87%8D%E7%AE%97" in page and "actor=%E7%B3%BB%E7%BB%9F" in page
    page = auditor_page("?action=重算&actor=系统&page=2")
    assert page.count("手动重算信用等级") == 1 and "解锁账号" not in page


def test_audit_page_escapes_what_was_recorded(db, auditor_page):
    record_audit(
        None,
        "facility.update",
        "facility",
        "<b>1</b>",
        before={"name": "<i>旧</i>", "<em>odd</em>": 1},
        after={"name": "<script>alert(1)</script>", "<em>odd</em>": 2},
        note="<img src=x onerror=alert(2)>",
    )
    db.session.commit()
    page = auditor_page()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page and "<em>odd</em>" not in page and "<b>1</b>" not in page
    assert "&lt;i&gt;旧&lt;/i&gt; → &lt;script&gt;" in page
    assert "机构名称：<i>旧</i> → <script>alert(1)</script>" in _text(page)


def test_inspection_changes_read_in_the_forms_order_with_names(
    db, auditor_page, make_facility, make_user
):
    """A correction lists what changed as the form has it, the facility and inspectors by
    name with the stored key beside; rows stored before, and keys no record has now, still
    read."""
    wrong = make_facility(name="误登记医院")
    right = make_facility(name="正确医院")
    one, two = two_inspectors(make_user)
    three = make_user(Role.CREDIT_OFFICER, "officer_c")
    insp = inspection(one, wrong, [one, two])
    update_inspection(
        one,
        insp,
        {
            "facility": right,
            "kind": InspectionKind.FLIGHT,
            "start_date": TODAY,
            "reference": "通医保检〔2026〕2号",
            "inspectors": [one, three],
            "notes": "更正",
        },
        TODAY,
    )
    # An old row: a site code and an account that no longer exist, a key of no order.
    record_audit(
        None,
        "inspection.update",
        "inspection",
        99,
        before={"inspectors": ["left_long_ago"], "facility": "H00000000000", "zz": 1},
        after={"inspectors": [], "facility": "H00000000001", "zz": 2},
    )
    db.session.commit()
    rows = [_text(r) for r in auditor_page().partition("<tbody>")[2].split("<tr>")[1:]]
    old, new = rows[0], next(r for r in rows if "通医保检〔2026〕2号" in r)
    labels = [
        "被检查机构：",
        "检查类型：",
        "开始日期：",
        "检查通知书编号：",
        "检查人员：",
        "备注：",
    ]
    positions = [new.index(label) for label in labels]
    assert positions == sorted(positions), new
    assert f"被检查机构：误登记医院（{wrong.site_code}） → 正确医院（{right.site_code}）" in new
    assert (
        "检查人员：测试检查员（insp_a）、测试检查员（insp_b） → "
        "测试检查员（insp_a）、测试信用评价专员（officer_c）"
    ) in new
    assert "被检查机构：H00000000000 → H00000000001" in old
    assert "检查人员：left_long_ago → —" in old
    assert old.index("被检查机构") < old.index("检查人员") < old.index("zz")


def test_audit_filter_finds_a_person_by_name_or_username(db, auditor_page, adjustment_and_finding):
    """The list shows people by name; the filter takes the name as well as the username."""
    approver = db.session.scalar(select(User).where(User.username == "label_approver"))
    approver.display_name = "陆明辉"
    db.session.commit()
    for typed in ("陆明辉", "label_approver"):
        page = auditor_page(f"?actor={typed}")
        assert "批准信用人工调整" in page and "提出信用人工调整" not in page, typed
    assert "暂无审计记录" in auditor_page("?actor=无此人")
