"""The audit trail's labels are complete: every action, object type and summary field the
code records has a Chinese label (read from the source); values formatted for reading and
the filter's name matching. The page itself: ``test_audit_page``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
        # record_decision: the decisions on a facility's requests, and what they decide.
        ("portal/operations/decisions.py", "action"): [
            "points.appeal_decide",
            "credit.appeal_decide",
            "credit.repair_grant",
            "credit.repair_reject",
        ],
        ("portal/operations/decisions.py", "request.__tablename__"): [
            "point_appeal",
            "credit_appeal",
            "credit_repair",
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


def test_each_declared_field_order_is_its_summarys_fields():
    """A type shown in a declared order names each field of its summary once, so none
    falls to the end unnoticed when the summary grows."""
    for object_type, order in FIELD_ORDER.items():
        fields = {k for t, k, _v in _model_summaries() if t == object_type}
        assert fields, object_type
        assert len(order) == len(set(order)) and set(order) == fields, object_type


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


def test_every_decision_recorded_is_among_the_actions_checked(app):
    """The actions ``record_decision`` is called with are the ones listed for it above."""
    with app.app_context():
        listed = set(_dynamic_actions()[("portal/operations/decisions.py", "action")])
    called = {
        action
        for where, tree in _source_files()
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "record_decision"
        for action in _strings(call.args[4], where, {})
    }
    assert called == listed
