"""Credit repair (信用修复): application after rectification, eligibility checked against
the rulebook, decision within its working days; a granted repair counts from the next
cycle."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models.credit import CreditRepair, RepairStatus
from portal.models.facility import Facility
from portal.operations.audit import record_audit
from portal.operations.credit import collect_facts, recompute_grade
from portal.operations.credit_workflow import CreditError, working_deadline
from portal.operations.decisions import record_decision
from portal.operations.locks import lock_row
from portal.operations.pledges import latest_pledge_signed_on
from portal.rules import credit_rulebook
from portal.validators import has_visible
from scoring.credit_outlook import RepairEligibility, repair_eligibility


def repair_check(
    facility: Facility, today: date, pledge_signed_on: date | None
) -> RepairEligibility:
    return repair_eligibility(
        collect_facts(facility, today), today, credit_rulebook(), pledge_signed_on
    )


def pledge_basis(repair: CreditRepair, today: date) -> tuple[str, date | None]:
    """What the new-pledge condition rests on: ``("record", day)`` when a pledge scan
    verified in the portal meets it, else ``("claim", day)``, the date the facility
    typed, which someone must check against the original before granting."""
    return _pledge_basis(repair, today, collect_facts(repair.facility, today))


def _pledge_basis(repair: CreditRepair, today: date, facts) -> tuple[str, date | None]:
    on_record = latest_pledge_signed_on(repair.facility_id, today)
    if (
        on_record is not None
        and repair_eligibility(facts, today, credit_rulebook(), on_record).eligible
    ):
        return "record", on_record
    return "claim", repair.pledge_signed_on


def repair_review(
    repair: CreditRepair, today: date
) -> tuple[RepairEligibility, tuple[str, date | None] | None]:
    """The conditions checked today with the facility's pledge date, and what the
    new-pledge condition rests on (None when the rulebook asks for no new pledge): what
    the decider sees and what granting checks, from one reading of the facts."""
    facts = collect_facts(repair.facility, today)
    rb = credit_rulebook()
    check = repair_eligibility(facts, today, rb, repair.pledge_signed_on)
    basis = _pledge_basis(repair, today, facts) if rb.repair_requires_new_pledge else None
    return check, basis


def pending_repair(facility: Facility) -> CreditRepair | None:
    return db.session.scalar(
        select(CreditRepair).where(
            CreditRepair.facility_id == facility.id, CreditRepair.status == RepairStatus.PENDING
        )
    )


def apply_repair(
    actor, facility: Facility, *, statement: str, pledge_signed_on: date | None, today: date
) -> CreditRepair:
    """Apply for credit repair; refused with the reasons when the rulebook's conditions
    are not met."""
    # The facility's row is locked so that an application sent twice at once (a double
    # click) is checked in turn: the second finds the first pending.
    lock_row(Facility, facility.id)
    if pending_repair(facility) is not None:
        raise CreditError(_("已有待决定的信用修复申请"), "statement")
    if not has_visible(statement or ""):
        raise CreditError(_("请填写整改情况说明"), "statement")
    if pledge_signed_on is None or pledge_signed_on > today:
        raise CreditError(_("请填写新签署信用承诺书的日期（不晚于今天）"), "pledge_signed_on")
    check = repair_check(facility, today, pledge_signed_on)
    if not check.eligible:
        # Met with a pledge signed today, the conditions fail on the date typed: the
        # message goes under the date field, not under the statement.
        on_date = repair_check(facility, today, today).eligible
        raise CreditError("；".join(check.reasons), "pledge_signed_on" if on_date else "statement")
    repair = CreditRepair(
        facility=facility,
        statement=statement.strip(),
        pledge_signed_on=pledge_signed_on,
        filed_on=today,
        filed_by_id=getattr(actor, "id", None),
        deadline=working_deadline(today, credit_rulebook().repair_decision_working_days),
        status=RepairStatus.PENDING,
    )
    db.session.add(repair)
    db.session.flush()
    record_audit(
        actor,
        "credit.repair_apply",
        "credit_repair",
        repair.id,
        after={
            "facility": facility.site_code,
            "filed_on": today.isoformat(),
            "pledge_signed_on": pledge_signed_on.isoformat(),
        },
    )
    return repair


def decide_repair(
    actor,
    repair: CreditRepair,
    *,
    grant: bool,
    reason: str,
    today: date,
    original_checked: bool = False,
) -> None:
    """Grant (conditions re-checked today) or refuse; a granted repair counts from the
    next cycle. Where the rulebook asks for a new pledge and no pledge verified in the
    portal meets it, the facility's date is only its word: granting then needs
    ``original_checked``, the decider's statement that they checked the signed original."""
    # Re-read under a row lock (PostgreSQL; SQLite serialises writers): two people deciding
    # at once act one after the other, the second seeing the first's decision.
    db.session.flush()
    db.session.refresh(repair, with_for_update=True)
    if repair.status is not RepairStatus.PENDING:
        raise CreditError(_("该申请已处理"))
    if not has_visible(reason or ""):
        raise CreditError(_("请填写决定理由（将告知机构）"))
    basis = None
    if grant:
        check, pledge = repair_review(repair, today)
        if not check.eligible:
            raise CreditError(_("不符合修复条件：%(r)s", r="；".join(check.reasons)))
        if pledge is not None:
            basis = pledge[0]
            if basis == "claim" and not original_checked:
                raise CreditError(
                    _(
                        "系统中没有该机构在最近一次违规认定后经核验的信用承诺书：请核对其"
                        "新签署承诺书的原件并勾选确认，或不予修复"
                    ),
                    "original_checked",
                )
    if grant:
        repair.granted_on = today
    record_decision(
        actor,
        repair,
        RepairStatus.GRANTED if grant else RepairStatus.REJECTED,
        reason,
        "credit.repair_grant" if grant else "credit.repair_reject",
        **(
            {"pledge_basis": "verified_scan" if basis == "record" else "original_checked"}
            if basis
            else {}
        ),
    )
    recompute_grade(repair.facility, "repair.decide", today=today, actor=actor)
