"""The audit page speaks Chinese: every recorded action, object type and summary field has a
label; money in yuan, yes/no, enum labels; the filter takes Chinese names. Display only."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import portal
from portal.audit_display import format_value, matching_actions
from portal.audit_fields import (
    ENUM_FIELDS,
    FIELD_LABELS,
    FIELD_LABELS_BY_TYPE,
    FIELD_ORDER,
    NESTED_TYPES,
)
from portal.audit_labels import (
    ACTION_GROUPS,
    ACTION_LABELS,
    NOTE_LABELS,
    OBJECT_LABELS,
)
from portal.models.audit import AuditLog
from portal.models.enums import Role
from portal.models.inspections import InspectionKind
from portal.operations.audit import record_audit, verify_chain
from portal.operations.credit_workflow import decide_adjustment, propose_adjustment
from portal.operations.findings import add_finding
from portal.operations.inspections import update_inspection
from tests.credit_helpers import TODAY, finding_data, inspection, two_inspectors

PORTAL = Path(portal.__file__).parent

# --- What the code records, read from the source ---------------------------------------------


def _dynamic_actions():
    from portal.imports import IMPORT_KINDS
    from portal.operations.credit_deadlines import _waiting

    return {
        ("portal/imports.py", "f'import.{kind}'"): [f"import.{k}" for k in IMPORT_KINDS],
        ("portal/operations/credit_deadlines.py", "action"): [a for _m, a, *_ in _waiting()],
        ("portal/operations/credit_deadlines.py", "model.__tablename__"): [
            m.__tablename__ for m, *_ in _waiting()
        ],
    }


#: Audit object types that are not the table name of the model whose summary they carry.
OBJECT_TYPE_OF_TABLE = {"staff_member": "staff", "user_account": "user"}


def _source_files():
    for path in sorted(PORTAL.rglob("*.py")):
        yield path.relative_to(PORTAL.parent).as_posix(), ast.parse(path.read_text("utf-8"))


def _strings(node, where: str, dynamic: dict) -> list[str]:
    """The strings an argument expression can be: constants, both arms of ``a if c else b``,
    or the values a known dynamic expression takes (``dynamic``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, where, dynamic) + _strings(node.orelse, where, dynamic)
    key = (where, ast.unparse(node))
    if key not in dynamic:
        pytest.fail(
            f"{where}: record_audit is given {key[1]!r}; teach this test which values it "
            "takes (_dynamic_actions) so their labels are checked"
        )
    return dynamic[key]


def _audit_calls(dynamic: dict):
    """(file, actions, object types, dict literals passed as before/after, note) for each
    ``record_audit(...)`` call in the portal package."""
    calls = []
    for where, tree in _source_files():
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            assigned: dict[str, list[ast.AST]] = {}
            for node in ast.walk(func):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
            for call in ast.walk(func):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "record_audit"
                ):
                    continue
                kwargs = {k.arg: k.value for k in call.keywords}
                dicts = []
                for name in ("before", "after"):
                    value = kwargs.get(name)
                    sources = [value] if value is not None else []
                    if isinstance(value, ast.Name):
                        sources += assigned.get(value.id, [])
                    for source in sources:
                        dicts += [n for n in ast.walk(source) if isinstance(n, ast.Dict)]
                calls.append(
                    (
                        where,
                        _strings(call.args[1], where, dynamic),
                        _strings(call.args[2], where, dynamic),
                        dicts,
                        kwargs.get("note"),
                    )
                )
    return calls


def _keys(node: ast.Dict):
    """(key, value node) of a dict literal's constant string keys."""
    return [
        (k.value, v)
        for k, v in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    ]


def _uses_enum_value(node) -> bool:
    """``x.status.value`` and the like: the stored value is an enum member's."""
    return any(isinstance(n, ast.Attribute) and n.attr == "value" for n in ast.walk(node))


def _model_summaries():
    """(object type, key, value node) of every ``audit_summary`` a model defines."""
    out = []
    for where, tree in _source_files():
        if not where.startswith("portal/models/"):
            continue
        for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            table = next(
                (
                    s.value.value
                    for s in cls.body
                    if isinstance(s, ast.Assign)
                    and any(getattr(t, "id", None) == "__tablename__" for t in s.targets)
                ),
                None,
            )
            for method in cls.body:
                if isinstance(method, ast.FunctionDef) and method.name == "audit_summary":
                    object_type = OBJECT_TYPE_OF_TABLE.get(table, table)
                    for node in ast.walk(method):
                        if isinstance(node, ast.Dict):
                            out += [(object_type, k, v) for k, v in _keys(node)]
    return out


@pytest.fixture(scope="module")
def recorded(app):
    with app.app_context():
        return _audit_calls(_dynamic_actions())


def test_the_source_scan_finds_every_record_audit_call(recorded):
    """Guard for the tests below: the scan must see all calls, not silently none."""
    text_calls = sum(
        path.read_text("utf-8").count("record_audit(") for path in PORTAL.rglob("*.py")
    )
    assert len(recorded) == text_calls - 1  # less the definition
    assert len(recorded) > 40
    assert len(_model_summaries()) > 60


def test_every_recorded_action_has_a_chinese_label(recorded):
    actions = {a for _w, actions, *_ in recorded for a in actions}
    assert {"credit.adjust_approve", "import.staff", "credit.repair_deadline"} <= actions
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_every_object_type_has_a_chinese_label(recorded):
    types = {t for _w, _a, types, *_ in recorded for t in types}
    types |= {t for t, _k, _v in _model_summaries()} - {None}
    types |= set(NESTED_TYPES.values())
    assert "credit_appeal" in types and "staff" in types
    labelled = set(OBJECT_LABELS) | {t for t, _k in FIELD_LABELS_BY_TYPE}
    assert sorted(types - labelled) == []


def test_every_summary_field_has_a_chinese_label(recorded):
    fields = {k for _w, _a, _t, dicts, _n in recorded for d in dicts for k, _v in _keys(d)}
    fields |= {k for _t, k, _v in _model_summaries()}
    assert {"amount_involved_fen", "self_corrected", "deadline", "upload", "created"} <= fields
    assert sorted(fields - set(FIELD_LABELS)) == []


def test_every_enum_valued_field_is_shown_by_its_label(recorded):
    """A summary value taken from an enum (``.value``) must map to that enum for display."""
    enum_fields = {(t, k) for t, k, v in _model_summaries() if _uses_enum_value(v)}
    for _w, _a, types, dicts, _n in recorded:
        for d in dicts:
            enum_fields |= {(t, k) for k, v in _keys(d) if _uses_enum_value(v) for t in types}
    assert ("finding", "status") in enum_fields and ("point_restoration", "kind") in enum_fields
    assert sorted(enum_fields - set(ENUM_FIELDS)) == []


def test_every_fixed_english_note_has_a_chinese_label(recorded):
    notes = {
        n.value
        for *_rest, n in recorded
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.isascii()
    }
    assert "password changed" in notes
    assert sorted(notes - set(NOTE_LABELS)) == []


def test_action_groups_cover_their_codes_once():
    """The grouped filter: each code under the one group whose prefix it has; names unique, so
    a name typed in the filter means one action."""
    for group in ACTION_GROUPS:
        for code in group.actions:
            owners = [g for g in ACTION_GROUPS if code.startswith(g.prefix)]
            assert owners == [group], code
    labels = [str(label) for label in ACTION_LABELS.values()]
    assert len(labels) == len(set(labels))
    assert sum(len(g.actions) for g in ACTION_GROUPS) == len(ACTION_LABELS)


def test_matching_actions_by_name_or_group_name(app):
    with app.app_context():
        assert set(matching_actions("调整")) == {
            "credit.adjust_propose",
            "credit.adjust_approve",
            "credit.adjust_reject",
        }
        assert "finding.revoke" in matching_actions("违规认定")  # the group's name
        assert matching_actions("  ") == [] and matching_actions("不存在的操作") == []


def test_values_are_formatted_for_reading(app):
    with app.app_context():
        assert format_value("finding", "amount_involved_fen", 1_000_050) == "10,000.50 元"
        assert format_value("finding", "fine_fen", -5) == "-0.05 元"
        assert format_value("finding", "self_corrected", True) == "是"
        assert format_value("user", "active", False) == "否"
        assert format_value("finding", "status", "confirmed") == "已认定"
        assert format_value("credit_adjustment", "status", "approved") == "已批准"
        assert format_value("credit_repair", "status", "rejected") == "不予修复"
        assert format_value("pledge_campaign", "target_kinds", ["pharmacy"]) == "定点零售药店"
        assert format_value("finding", "status", "unknown") == "unknown"
        assert format_value("finding", "results", []) == "—"
        assert format_value("finding", "decision_date", None) == "—"
        assert format_value("finding", "legal_article", "38") == "第38条"
        assert format_value("x", "at", "2026-03-01T16:30:00+00:00") == "2026-03-02 00:30:00"
        assert format_value("credit_appeal", "deadline", "2027-01-12") == "2027-01-12"
        upload = {"version": 2, "size": 12345, "late": True}
        assert format_value("pledge", "upload", upload) == (
            "上传版本：2；文件大小：12,345 字节；逾期上传：是"
        )


# --- The page --------------------------------------------------------------------------------


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


def test_each_declared_field_order_is_its_summarys_fields():
    """A type shown in a declared order names each field of its summary once, so none
    falls to the end unnoticed when the summary grows."""
    for object_type, order in FIELD_ORDER.items():
        fields = {k for t, k, _v in _model_summaries() if t == object_type}
        assert fields, object_type
        assert len(order) == len(set(order)) and set(order) == fields, object_type


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


def test_every_stored_facility_is_a_site_code(recorded):
    """The audit page names a summary's ``facility`` by looking its value up as a site
    code (REFERENCE_FIELDS): every summary must store it so."""
    values = [v for _t, k, v in _model_summaries() if k == "facility"]
    values += [
        v
        for _w, _a, _t, dicts, _n in recorded
        for d in dicts
        for k, v in _keys(d)
        if k == "facility"
    ]
    assert len(values) >= 6
    for value in values:
        assert "site_code" in ast.unparse(value), ast.unparse(value)
