"""Credit repair (信用修复): eligibility, the decision's deadline in working days, and the
new-pledge condition resting on a verified scan or on the decider checking the original."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models.audit import AuditLog
from portal.models.credit import RepairStatus
from portal.models.enums import Role
from portal.operations.credit import collect_facts
from portal.operations.credit_repair import apply_repair, decide_repair
from portal.operations.credit_workflow import CreditError
from tests.credit_helpers import confirmed_finding, inspection


def test_repair_eligibility_and_deadline(db, make_facility, people):
    facility = make_facility()
    fac_user = people["insp"]
    insp = inspection(fac_user, facility, [people["insp"], people["insp2"]], start=date(2026, 1, 5))
    confirmed_finding(
        fac_user, insp, today=date(2026, 1, 20), decision_date=date(2026, 1, 20),
        period_start=date(2025, 10, 1), period_end=date(2025, 12, 31),
    )  # fmt: skip
    with pytest.raises(CreditError) as exc:
        apply_repair(
            None, facility, statement="已整改", pledge_signed_on=date(2026, 2, 1),
            today=date(2026, 5, 1),
        )  # fmt: skip
    assert "6个月" in str(exc.value)
    with pytest.raises(CreditError) as exc:
        apply_repair(
            None, facility, statement="已整改", pledge_signed_on=date(2026, 1, 10),
            today=date(2026, 8, 3),
        )  # fmt: skip
    assert "承诺书" in str(exc.value)
    repair = apply_repair(
        None,
        facility,
        statement="已整改",
        pledge_signed_on=date(2026, 7, 1),
        today=date(2026, 9, 24),
    )
    # 15 working days from Thu 24 Sep 2026 across Mid-Autumn and National Day (25 Sep and
    # 1–7 Oct off; Sat 10 Oct is a make-up working day).
    assert repair.deadline == date(2026, 10, 22)
    with pytest.raises(CreditError):
        apply_repair(
            None,
            facility,
            statement="再次",
            pledge_signed_on=date(2026, 7, 1),
            today=date(2026, 9, 25),
        )
    # No pledge verified in the portal: the facility's date is its word, checked on paper.
    with pytest.raises(CreditError) as exc:
        decide_repair(
            people["officer"], repair, grant=True, reason="整改到位", today=date(2026, 10, 9)
        )
    assert "原件" in exc.value.errors["original_checked"]
    assert repair.status is RepairStatus.PENDING
    decide_repair(
        people["officer"], repair, grant=True, reason="整改到位", today=date(2026, 10, 9),
        original_checked=True,
    )  # fmt: skip
    granted = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "credit.repair_grant")
    ).one()
    assert granted.summary["after"]["pledge_basis"] == "original_checked"
    assert repair.status is RepairStatus.GRANTED and repair.granted_on == date(2026, 10, 9)
    # Granted this cycle: the finding still counts now, not from 2027 on.
    facts = collect_facts(facility, date(2026, 11, 1))
    assert [r.id for r in facts.repairs] == [repair.id]
    from portal.rules import credit_rulebook
    from scoring.credit import compute_facility_score

    rb = credit_rulebook()
    assert compute_facility_score(facts, date(2026, 11, 1), rb).score == Decimal("95.0")
    assert compute_facility_score(facts, date(2027, 3, 1), rb).score == Decimal("100")


def test_a_pledge_verified_in_the_portal_meets_the_repair_condition(
    db, make_facility, make_user, people, storage_root
):
    """The decider need not check an original when a scan uploaded and verified after
    the last finding is on record; an older verified pledge does not count."""
    from portal.operations.credit_repair import pledge_basis
    from portal.web import china_today
    from tests.portal import pledge_helpers as h

    today = china_today()
    facility = make_facility()
    fac_user = make_user(Role.FACILITY, "fac_r", facility=facility)
    insp = inspection(people["insp"], facility, [people["insp"], people["insp2"]],
                      start=date(2026, 1, 5))  # fmt: skip
    confirmed_finding(
        people["insp"], insp, today=date(2026, 1, 20), decision_date=date(2026, 1, 20),
        period_start=None, period_end=None,
    )  # fmt: skip
    repair = apply_repair(
        fac_user, facility, statement="已整改", pledge_signed_on=today, today=today
    )
    assert pledge_basis(repair, today) == ("claim", today)
    campaign = h.make_campaign()
    pledge = h.pledge_of(db, campaign, facility)
    h.upload(fac_user, pledge)
    h.verify(people["officer"], pledge)
    assert pledge_basis(repair, today) == ("record", today)
    decide_repair(people["officer"], repair, grant=True, reason="整改到位", today=today)
    assert repair.status is RepairStatus.GRANTED
    granted = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "credit.repair_grant")
    ).one()
    assert granted.summary["after"]["pledge_basis"] == "verified_scan"


def test_a_finding_confirmed_after_the_grant_is_not_repaired(db, make_facility, people):
    """A finding decided before the grant day but confirmed after the repair was granted
    was not before the decider: it keeps counting, decaying as any other."""
    from portal.rules import credit_rulebook
    from scoring.credit import compute_facility_score
    from scoring.credit_outlook import finding_schedule

    facility = make_facility()
    two = [people["insp"], people["insp2"]]
    old, _row = confirmed_finding(
        people["insp"], inspection(people["insp"], facility, two, start=date(2026, 1, 5)),
        today=date(2026, 1, 20), decision_date=date(2026, 1, 20),
        period_start=None, period_end=None,
    )  # fmt: skip
    repair = apply_repair(
        None, facility, statement="已整改", pledge_signed_on=date(2026, 7, 21),
        today=date(2026, 7, 21),
    )  # fmt: skip
    decide_repair(
        people["officer"], repair, grant=True, reason="整改到位", today=date(2026, 10, 9),
        original_checked=True,
    )  # fmt: skip
    late, _row = confirmed_finding(
        people["insp"], inspection(people["insp"], facility, two, start=date(2026, 9, 1)),
        today=date(2026, 10, 9), decision_date=date(2026, 10, 1),
        period_start=None, period_end=None,
    )  # fmt: skip
    as_of = date(2027, 3, 1)
    facts = collect_facts(facility, as_of)
    (fact,) = facts.repairs
    assert fact.confirmed_after == frozenset({late.id})
    result = compute_facility_score(facts, as_of, credit_rulebook())
    counted = [i.source_id for i in result.items if i.source_type == "finding"]
    assert counted == [late.id]  # the old one repaired, the late one at its 2027 share
    (late_fact,) = [f for f in facts.findings if f.id == late.id]
    unrepaired = facts._replace(repairs=())
    assert finding_schedule(late_fact, result, facts, credit_rulebook()) == finding_schedule(
        late_fact, result, unrepaired, credit_rulebook()
    )
    # The stored grade's notes (我的信用) read the same: the late finding decays.
    from portal.credit_notes import stored_grade_note
    from portal.operations.credit import latest_grade
    from scoring.credit_outlook import decay_schedule

    current = latest_grade(facility.id)
    note = stored_grade_note(current, current.breakdown)
    by_source = {
        item["source_id"]: schedule
        for item, schedule in zip(current.breakdown, note.schedules, strict=True)
        if item["source_type"] == "finding"
    }
    rb = credit_rulebook()
    assert by_source[late.id] == decay_schedule(date(2026, 10, 1), 2026, rb, repaired=False)
    assert by_source[old.id] == decay_schedule(date(2026, 1, 20), 2026, rb, repaired=True)
