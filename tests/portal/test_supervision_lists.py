"""The key-supervision lists: facilities of the key grades, termination candidates (the
worst grade in each counted completed cycle) and those at risk in the cycle under way;
a facility whose agreement is terminated is on none."""

from __future__ import annotations

from portal.credit_queries import (
    key_supervision_stmt,
    termination_cycles,
    worst_streak_risk_stmt,
    worst_streak_stmt,
)
from portal.models.enums import FacilityStatus
from portal.operations.credit import recompute_grade
from portal.operations.credit_workflow import decide_adjustment, propose_adjustment
from portal.operations.registry import update_facility
from tests.credit_helpers import TODAY, graded_in_cycle


def _graded_now(people, facility, grade):
    """``facility`` graded ``grade`` in the cycle under way (an approved adjustment)."""
    adjustment = propose_adjustment(
        people["officer"], facility, grade=grade, reason="测试", evidence="文号"
    )
    decide_adjustment(people["approver"], adjustment, approve=True, note="同意", today=TODAY)


def _supervision_world(db, make_facility, people) -> None:
    """Facilities graded over the cycles 2024 to 2026 (the cycle under way at TODAY)."""
    good, poor, bad, bad_twice, ended_d, d_throughout = (
        make_facility(name=n) for n in ("甲", "乙", "丙", "丁", "戊", "己")
    )
    for facility, grade in ((poor, "C"), (bad, "D"), (bad_twice, "D"), (d_throughout, "D")):
        _graded_now(people, facility, grade)
    for facility in (good, ended_d):
        recompute_grade(facility, "manual", today=TODAY)
    # Last cycle: bad_twice ended on D, bad ended on B after a D earlier that year.
    graded_in_cycle(bad_twice, 2025, "B", "D")
    graded_in_cycle(bad, 2025, "D", "B")
    # D in both completed cycles: ended_d is graded A in the cycle under way.
    for facility in (ended_d, d_throughout):
        graded_in_cycle(facility, 2024, "D")
        graded_in_cycle(facility, 2025, "D")


def _names(db, stmt) -> set[str]:
    return {f.name for f in db.session.scalars(stmt)}


def test_key_supervision_and_worst_streak(db, make_facility, people):
    """Termination counts completed cycles only (2024 and 2025 at TODAY): D in the cycle
    under way and the one before is a risk, not yet a candidate."""
    _supervision_world(db, make_facility, people)
    assert termination_cycles(TODAY.year) == (2024, 2025)
    assert _names(db, key_supervision_stmt()) == {"乙", "丙", "丁", "己"}
    assert _names(db, worst_streak_stmt(TODAY.year)) == {"戊", "己"}
    # 己 is D in the cycle under way too, but is a candidate already: on that list only.
    assert _names(db, worst_streak_risk_stmt(TODAY.year)) == {"丁"}
    assert _names(db, worst_streak_risk_stmt(TODAY.year, q="甲")) == set()


def test_worst_streak_of_a_single_cycle(db, make_facility, people, monkeypatch):
    """With termination after one D cycle, the candidates are those that ended the last
    cycle on D; the facilities D so far in the cycle under way are at risk."""
    import dataclasses

    from portal import credit_queries
    from portal.rules import credit_rulebook

    one = dataclasses.replace(credit_rulebook(), d_cycles_for_termination=1)
    monkeypatch.setattr(credit_queries, "credit_rulebook", lambda: one)
    _supervision_world(db, make_facility, people)
    assert termination_cycles(TODAY.year) == (2025,)
    assert _names(db, worst_streak_stmt(TODAY.year)) == {"丁", "戊", "己"}
    assert _names(db, worst_streak_risk_stmt(TODAY.year)) == {"丙"}


def _terminate(people, facility, monkeypatch):
    """Terminate ``facility``'s agreement in the registry at TODAY (its grade capped at D)."""
    monkeypatch.setattr("portal.web.china_today", lambda: TODAY)
    update_facility(people["admin"], facility, {"status": FacilityStatus.TERMINATED})
    assert facility.credit_grade == "D"


def test_a_terminated_facility_is_on_no_supervision_list(db, make_facility, people, monkeypatch):
    """A terminated agreement ends supervision as a designated facility: the grade capped
    at D puts it on no key-supervision, termination-candidate or at-risk list. A suspended
    agreement does not."""
    ended, ending, suspended, risky = (
        make_facility(name=n) for n in ("解除两年D", "解除一年D", "暂停D", "风险D")
    )
    for facility in (ended, suspended):
        graded_in_cycle(facility, 2024, "D")
    for facility in (ended, ending, suspended, risky):
        graded_in_cycle(facility, 2025, "D")
    for facility in (ended, ending):
        _terminate(people, facility, monkeypatch)
    for facility in (suspended, risky):
        _graded_now(people, facility, "D")
    update_facility(people["admin"], suspended, {"status": FacilityStatus.SUSPENDED})
    assert _names(db, key_supervision_stmt()) == {"暂停D", "风险D"}
    assert _names(db, worst_streak_stmt(TODAY.year)) == {"暂停D"}
    assert _names(db, worst_streak_risk_stmt(TODAY.year)) == {"风险D"}
