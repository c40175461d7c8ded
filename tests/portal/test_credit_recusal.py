"""Who may not decide an objection (回避): whoever confirmed the disputed finding, and
whoever proposed or approved a manual adjustment in the disputed grade."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models.credit import CreditAppealStatus
from portal.operations.credit import recompute_grade
from portal.operations.credit_appeals import decide_credit_appeal, file_credit_appeal
from portal.operations.credit_workflow import CreditError, decide_adjustment, propose_adjustment
from tests.credit_helpers import TODAY


def _adjusted(people, make_facility, approved_on: date = TODAY):
    """A facility whose grade holds an adjustment the admin proposed and the approver
    approved on ``approved_on``, and an objection to the grade filed on ``TODAY``."""
    facility = make_facility()
    adjustment = propose_adjustment(
        people["admin"], facility, points="-3", reason="约谈后仍未整改", evidence="约谈记录"
    )
    decide_adjustment(people["approver"], adjustment, approve=True, note="同意", today=approved_on)
    recompute_grade(facility, "manual", today=TODAY)
    appeal = file_credit_appeal(None, facility, finding=None, reason="扣分过重", today=TODAY)
    return facility, adjustment, appeal


@pytest.mark.parametrize("who", ["admin", "approver"])
def test_who_set_the_grade_by_hand_may_not_decide_the_objection_to_it(
    db, make_facility, people, who
):
    _facility, adjustment, appeal = _adjusted(people, make_facility)
    with pytest.raises(CreditError) as refused:
        decide_credit_appeal(people[who], appeal, upheld=False, reason="依据充分", today=TODAY)
    assert f"含有您提出或批准的人工调整 #{adjustment.id}，" in str(refused.value)
    assert appeal.status is CreditAppealStatus.PENDING and appeal.decided_by_id is None
    # Someone who took no part decides it.
    decide_credit_appeal(people["officer"], appeal, upheld=False, reason="依据充分", today=TODAY)
    assert appeal.status is CreditAppealStatus.REJECTED


def test_an_adjustment_of_an_earlier_cycle_is_no_bar(db, make_facility, people):
    """Last cycle's adjustment is not in this cycle's grade: its approver may decide."""
    _facility, _adjustment, appeal = _adjusted(
        people, make_facility, approved_on=date(TODAY.year - 1, 6, 1)
    )
    assert appeal.grade_row.cycle == TODAY.year and appeal.grade_row.score == 100
    decide_credit_appeal(people["approver"], appeal, upheld=False, reason="依据充分", today=TODAY)
    assert appeal.status is CreditAppealStatus.REJECTED


def test_an_adjustment_approved_after_the_grade_objected_to_is_no_bar(db, make_facility, people):
    """Approved later the same day, it is not in the grade the facility objected to."""
    facility = make_facility()
    recompute_grade(facility, "manual", today=TODAY)
    appeal = file_credit_appeal(None, facility, finding=None, reason="扣分过重", today=TODAY)
    adjustment = propose_adjustment(
        people["admin"], facility, points="-5", reason="复核", evidence="记录"
    )
    decide_adjustment(people["approver"], adjustment, approve=True, note="同意", today=TODAY)
    assert adjustment.approved_on == appeal.grade_row.as_of
    decide_credit_appeal(people["approver"], appeal, upheld=False, reason="依据充分", today=TODAY)
    assert appeal.status is CreditAppealStatus.REJECTED
