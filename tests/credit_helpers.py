"""Helpers for the inspection and credit tests: record inspections and findings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.models.enums import Role
from portal.models.inspections import InspectionKind, InspectionTrigger
from portal.operations.findings import add_finding, confirm_finding
from portal.operations.inspections import create_inspection
from scoring.credit import AdjustmentFact, CreditResult, Item

TODAY = date(2026, 6, 15)


def two_inspectors(make_user, prefix: str = "insp"):
    return make_user(Role.INSPECTOR, f"{prefix}_a"), make_user(Role.INSPECTOR, f"{prefix}_b")


def credit_people(make_user) -> dict:
    """Two inspectors, a credit officer, an approver and an admin, by role name."""
    one, two = two_inspectors(make_user)
    return {
        "insp": one,
        "insp2": two,
        "officer": make_user(Role.CREDIT_OFFICER, "officer"),
        "approver": make_user(Role.APPROVER, "approver"),
        "admin": make_user(Role.ADMIN, "admin"),
    }


def inspection(
    actor,
    facility,
    inspectors,
    *,
    start=date(2026, 6, 1),
    today=None,
    confirm_distinct=False,
    **overrides,
):
    """Record an inspection (``create_inspection``). ``confirm_distinct``: another of the
    facility's of the same kind and start, which needs the recorder's confirmation."""
    data = {
        "facility": facility,
        "kind": InspectionKind.SPECIAL,
        "trigger": InspectionTrigger.PLAN,
        "on_site": True,
        "start_date": start,
        "end_date": None,
        "reference": "通医保检〔2026〕1号",
        "notes": "",
        "inspectors": list(inspectors),
    } | overrides
    return create_inspection(actor, data, today, confirm_distinct=confirm_distinct)


def finding_data(**overrides) -> dict:
    return {
        "category": "improper_charging",
        "description": "分解收费、重复收费",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 5, 31),
        "amount_involved_fen": 0,
        "amount_refunded_fen": 0,
        "amount_recovered_fen": 0,
        "legal_article": "38",
        "fine_fen": 0,
        "decision_number": "通医保罚〔2026〕8号",
        "decision_date": TODAY,
        "self_corrected": False,
        "self_inspection": None,
        "staff": [],
        "results": ["talk_rectify"],
    } | overrides


def confirmed_finding(actor, insp, today=TODAY, **overrides):
    finding = add_finding(actor, insp, finding_data(**overrides), today)
    row = confirm_finding(actor, finding, today)
    return finding, row


def finding_decided_on(day: date, make_user, facility):
    """A finding at ``facility`` confirmed on ``day`` (an inspection that day by two new
    inspectors): the finding a facility may object to."""
    one, two = two_inspectors(make_user)
    finding, _row = confirmed_finding(
        one, inspection(one, facility, [one, two], start=day, today=day), today=day,
        decision_date=day, period_start=None, period_end=None,
    )  # fmt: skip
    return finding


def credit_world(db, facility) -> dict:
    """Objects for the access matrix: an open inspection of ``facility`` with a complete
    draft finding, and a pending adjustment, objection and repair application."""
    from portal.models.credit import CreditAppeal, CreditRepair
    from portal.operations.credit_workflow import propose_adjustment
    from portal.operations.users import create_user
    from portal.web import china_today
    from tests.conftest import TEST_PASSWORD

    today = china_today()

    def user(role, name):
        return create_user(
            None, username=name, display_name=name, role=role, password=TEST_PASSWORD
        )

    one, two = user(Role.INSPECTOR, "world_insp_a"), user(Role.INSPECTOR, "world_insp_b")
    insp = inspection(one, facility, [one, two], start=today)
    finding = add_finding(
        one, insp, finding_data(decision_date=today, period_start=None, period_end=None), today
    )
    adjustment = propose_adjustment(
        user(Role.CREDIT_OFFICER, "world_officer"), facility, points="-2", reason="约谈未整改",
        evidence="约谈记录（档案室）",
    )  # fmt: skip
    appeal = CreditAppeal(facility=facility, reason="对评价结果有异议", filed_on=today)
    repair = CreditRepair(
        facility=facility, statement="已整改到位", pledge_signed_on=today, filed_on=today
    )
    db.session.add_all([appeal, repair])
    db.session.flush()
    attachment = attach_evidence(appeal=appeal)
    db.session.commit()
    return {
        "inspection": insp,
        "finding": finding,
        "adjustment": adjustment,
        "credit_appeal": appeal,
        "repair": repair,
        "attachment": attachment,
    }


def attach_evidence(data: bytes | None = None, name: str = "证明材料.pdf", **owner):
    """Store ``data`` (a one-page PDF by default) and attach it to ``adjustment=`` or
    ``appeal=``."""
    from portal.extensions import db
    from portal.models.credit import CreditAttachment
    from portal.storage import get_storage
    from tests.pledges.samples import good_pdf

    data = good_pdf() if data is None else data
    stored = get_storage().store(data)
    row = CreditAttachment(
        file_key=stored.key,
        media_type="application/pdf",
        original_name=name,
        size=len(data),
        **owner,
    )
    db.session.add(row)
    db.session.flush()
    return row


def api_recorder(db, make_facility, make_user):
    """A facility, two inspectors and an API token of the first, committed: the parties of
    ``post_api_inspection``."""
    from portal.operations.users import create_api_token

    one, two = two_inspectors(make_user)
    facility = make_facility()
    token = create_api_token(None, one)
    db.session.commit()
    return facility, (one, two), token


def post_api_inspection(client, token, facility, inspectors, **overrides):
    """POST /api/v1/inspections: an on-site inspection starting today, without findings
    unless ``overrides`` give them."""
    from portal.web import china_today

    body = {
        "facility": facility.site_code,
        "kind": "double_random",
        "trigger": "plan",
        "start_date": china_today().isoformat(),
        "inspectors": [u.username for u in inspectors],
    } | overrides
    return client.post(
        "/api/v1/inspections", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def inspection_begun_today(db, auth, make_user, facility):
    """An open inspection of ``facility`` begun today by two new inspectors, committed, with
    the first of them logged in (``auth``)."""
    from portal.web import china_today

    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two], start=china_today())
    db.session.commit()
    assert auth.login(one.username).status_code == 302
    return insp


def inspection_edit_form(insp, **changes) -> dict:
    """The bureau's edit form of ``insp`` as the page fills it, with ``changes``."""
    form = {
        "site_code": insp.facility.site_code,
        "kind": insp.kind.value,
        "trigger": insp.trigger.value,
        "on_site": "y",
        "start_date": insp.start_date.isoformat(),
        "end_date": "",
        "reference": insp.reference,
        "notes": insp.notes,
        "inspectors": [str(u.id) for u in insp.inspectors],
    }
    return form | changes


def finding_form(token: str | None = None, **overrides) -> dict:
    """The new-finding form's fields for a draft that saves (``overrides`` change any);
    with ``token``, the CSRF token too (``post_form`` brings the page's own)."""
    data = {
        "category": "inflated_charges",
        "description": "虚记耗材费用",
        "amount_involved": "100",
        "amount_refunded": "0",
        "amount_recovered": "0",
        "fine": "0",
        "staff_codes": "",
        "results": ["talk_rectify"],
        "legal_article": "",
        "decision_number": "",
        "self_inspection_id": "0",
    } | overrides
    return data if token is None else {"csrf_token": token} | data


def inspection_seen_by(db, client, auth, make_user, facility, role) -> tuple:
    """An open inspection of ``facility`` begun today, and a new user of ``role`` logged in:
    (the inspection, a CSRF token of the user's session, the inspection's page as seen)."""
    from portal.web import china_today
    from tests.conftest import csrf_token

    one, two = two_inspectors(make_user)
    insp = inspection(one, facility, [one, two], start=china_today())
    make_user(role, "outsider")
    db.session.commit()
    auth.login("outsider")
    token = csrf_token(client.get("/bureau/").get_data(as_text=True))
    return insp, token, client.get(f"/bureau/inspections/{insp.id}").get_data(as_text=True)


def found_in_january(make_facility, make_user):
    """A facility with one confirmed finding, inspected and decided on 5 January 2026."""
    facility = make_facility()
    one, two = two_inspectors(make_user)
    earlier = date(2026, 1, 5)
    confirmed_finding(
        one, inspection(one, facility, [one, two], start=earlier), today=earlier,
        decision_date=earlier, period_start=None, period_end=None,
    )  # fmt: skip
    return facility


#: The self-inspection reports of the first quarter of 2026 are due on 31 October.
REPORT_DATA = {
    "period_start": date(2026, 1, 1),
    "period_end": date(2026, 3, 31),
    "problems": "重复收取治疗费，已退回",
}


def on_time_and_late_reports(user, facility, refunded_fen: int) -> tuple:
    """Two self-inspection reports of ``facility`` filed by ``user`` for the first quarter:
    one on the last day (31 October), one two days late, each with ``refunded_fen``."""
    from portal.operations.self_inspections import file_self_inspection

    data = REPORT_DATA | {"amount_refunded_fen": refunded_fen}
    return (
        file_self_inspection(user, facility, data, date(2026, 10, 31)),
        file_self_inspection(user, facility, data, date(2026, 11, 2)),
    )


def graded_in_cycle(facility, cycle: int, *grades: str, as_of: date | None = None) -> None:
    """History rows of ``facility`` in ``cycle``: a batch computation for each of
    ``grades`` in turn (the last one is the cycle's grade), as of ``as_of`` (the cycle's
    last day by default). The facility's current grade is left as it is."""
    from decimal import Decimal

    from sqlalchemy import select

    from portal.extensions import db
    from portal.models.credit import CreditBreakdown, CreditGrade

    # One empty breakdown a facility, shared by all its rows here (digests are unique).
    digest = "0" * 32
    empty = db.session.scalar(
        select(CreditBreakdown).where(
            CreditBreakdown.facility_id == facility.id, CreditBreakdown.digest == digest
        )
    ) or CreditBreakdown(facility_id=facility.id, digest=digest, lines="")
    for grade in grades:
        db.session.add(CreditGrade(
            facility_id=facility.id, cycle=cycle, as_of=as_of or date(cycle, 12, 31),
            graded=True, score=Decimal(50), grade=grade, rulebook_version="x",
            breakdown_row=empty, caps=[], trigger="batch",
        ))  # fmt: skip
    db.session.flush()


def varied_result(**changes) -> CreditResult:
    """A result whose items try the stored forms: a quoted label, no source, a grade set
    by hand."""
    items = (
        Item(Decimal("-5.0"), "finding", "finding", 12, "分解收费：5分", date(2027, 1, 1)),
        Item(Decimal("-2.5"), "finding", "finding", 13, 'a "quoted" \\ label\n', None),
        Item(Decimal("-3"), "pledge.not_posted", "posting_check", 4, "未张贴", date(2027, 1, 1)),
        Item(Decimal("10.0"), "bounds", None, None, "得分限定在0至100分之间"),
    )
    adjustment = AdjustmentFact(7, date(2026, 3, 1), "复核", "张三", "李四", grade="C")
    values = {"items": items, "adjustments": (adjustment,)} | changes
    return CreditResult(1, 2026, TODAY, "2026.1", True, Decimal("99.5"), "C", **values)
