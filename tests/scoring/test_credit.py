from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.credit import (
    AdjustmentFact,
    FacilityFacts,
    FindingFact,
    PledgeFact,
    RepairFact,
    StaffSanctionFact,
    TipoffFact,
    base_items_total,
    compute_facility_score,
    finding_deduction,
)
from scoring.credit_outlook import (
    Step,
    cap_lifts_on,
    decay_schedule,
    grade_override,
    outlook,
    repair_eligibility,
)
from scoring.credit_rules import load_credit_rulebook

RB = load_credit_rulebook()
AS_OF = date(2026, 11, 20)


def facts(**kw):
    return FacilityFacts(facility_id=1, agreement_start=date(2020, 1, 1), **kw)


def finding(i, cls="general", day=date(2026, 5, 1), amount=0, self_corrected=False):
    return FindingFact(i, "improper_charging", "分解收费", cls, day, amount, self_corrected)


def test_clean_facility_scores_base_and_top_grade():
    result = compute_facility_score(facts(), AS_OF, RB)
    assert result.score == 100 and result.grade == "A" and result.items == ()
    assert result.rulebook_version == RB.version


def test_rulebook_examples():
    # general 5 + amount 25,000 yuan -> +2; serious 10; pledge not filed 5.
    result = compute_facility_score(
        facts(
            findings=(finding(1, amount=2_500_000), finding(2, "serious")),
            pledge=(PledgeFact(1, "not_filed", date(2026, 6, 1)),),
        ),
        AS_OF,
        RB,
    )
    assert [i.points for i in result.items] == [Decimal(-7), Decimal(-10), Decimal(-5)]
    assert result.score == 78 and result.grade == "C"
    assert [(i.source_type, i.source_id) for i in result.items] == [
        ("finding", 1),
        ("finding", 2),
        ("pledge", 1),
    ]


def test_self_correction_halves_and_amount_extra_is_capped():
    result = compute_facility_score(
        facts(findings=(finding(1, "serious", amount=50_000_000, self_corrected=True),)), AS_OF, RB
    )
    # serious 10 + capped 10 for the amount = 20, halved for self-correction.
    assert result.items[0].points == Decimal(-10)
    assert "自查自纠" in result.items[0].label


def test_older_findings_decay():
    result = compute_facility_score(
        facts(
            findings=(
                finding(1, "serious", day=date(2025, 3, 1)),
                finding(2, "serious", day=date(2024, 3, 1)),
            )
        ),
        AS_OF,
        RB,
    )
    assert [i.points for i in result.items] == [Decimal(-5)]
    assert "2025年度记录按50%计入" in result.items[0].label


def test_fraud_caps_grade_to_d_in_its_cycle_only():
    fraud = FindingFact(1, "fictitious_service", "虚构医疗服务", "fraud", date(2026, 2, 1))
    result = compute_facility_score(facts(findings=(fraud,)), AS_OF, RB)
    assert result.score == 80 and result.grade == "D" and result.caps == ("fraud",)
    next_year = compute_facility_score(facts(findings=(fraud,)), date(2027, 6, 1), RB)
    assert next_year.caps == () and next_year.score == 90 and next_year.grade == "A"


def test_termination_and_blacklist_cap():
    assert compute_facility_score(facts(terminated=True), AS_OF, RB).grade == "D"
    assert compute_facility_score(facts(blacklisted=True), AS_OF, RB).grade == "D"


def test_not_graded_under_six_months_of_agreement():
    young = FacilityFacts(1, agreement_start=date(2026, 6, 1))
    result = compute_facility_score(young, AS_OF, RB)
    assert not result.graded and result.grade is None and "6个月" in result.reason
    assert compute_facility_score(young, date(2026, 12, 1), RB).graded


def test_staff_sanctions_tipoffs_and_adjustments_name_their_source():
    result = compute_facility_score(
        facts(
            staff_sanctions=(
                StaffSanctionFact(7, "D32060200001", "suspend", date(2026, 3, 1)),
                StaffSanctionFact(8, "D32060200002", "terminate", date(2026, 4, 1)),
            ),
            tipoffs=(TipoffFact(3, date(2026, 7, 1)),),
            adjustments=(
                AdjustmentFact(
                    5, date(2026, 8, 1), "复核更正", "王审", "李批", points=Decimal("4")
                ),
            ),
        ),
        AS_OF,
        RB,
    )
    by_rule = {i.rule: i for i in result.items}
    assert by_rule["staff.suspend"].source_id == 7 and by_rule["staff.suspend"].points == -2
    assert by_rule["staff.terminate"].points == -5
    assert by_rule["tipoff"].points == -3
    assert by_rule["adjustment"].points == 4 and "王审" in by_rule["adjustment"].label
    assert "李批" in by_rule["adjustment"].label
    assert result.score == 94


def test_grade_adjustment_cannot_lift_a_cap():
    fraud = FindingFact(1, "card_misuse", "盗刷社保卡", "fraud", date(2026, 2, 1))
    adj = AdjustmentFact(2, date(2026, 9, 1), "复核", "甲", "乙", grade="A")
    assert (
        compute_facility_score(facts(findings=(fraud,), adjustments=(adj,)), AS_OF, RB).grade == "D"
    )
    assert (
        compute_facility_score(
            facts(findings=(finding(3, "serious"),), adjustments=(adj,)), AS_OF, RB
        ).grade
        == "A"
    )


def test_of_grade_adjustments_approved_the_same_day_the_last_approved_counts():
    from datetime import UTC, datetime

    day = date(2026, 9, 1)
    first = AdjustmentFact(9, day, "先批", "甲", "乙", grade="D",
                           approved_at=datetime(2026, 9, 1, 1, tzinfo=UTC))  # fmt: skip
    later = AdjustmentFact(3, day, "后批", "甲", "乙", grade="B",
                           approved_at=datetime(2026, 9, 1, 2, tzinfo=UTC))  # fmt: skip
    result = compute_facility_score(facts(adjustments=(later, first)), AS_OF, RB)
    assert result.grade == "B" and [a.id for a in result.adjustments] == [9, 3]
    # Without approval times (as the tests of old build them): by id.
    untimed = (AdjustmentFact(9, day, "a", "甲", "乙", grade="D"),
               AdjustmentFact(3, day, "b", "甲", "乙", grade="B"))  # fmt: skip
    assert compute_facility_score(facts(adjustments=untimed), AS_OF, RB).grade == "D"


def test_repair_stops_old_findings_from_the_next_cycle():
    old = finding(1, "serious", day=date(2025, 3, 1))
    repaired = facts(findings=(old,), repairs=(RepairFact(1, date(2025, 11, 1)),))
    assert compute_facility_score(repaired, AS_OF, RB).score == 100
    # Granted this cycle: takes effect only from the next one.
    late = facts(findings=(old,), repairs=(RepairFact(1, date(2026, 2, 1)),))
    assert compute_facility_score(late, AS_OF, RB).score == 95
    # Decided before the grant but confirmed only after it: not covered.
    unseen = facts(findings=(old,), repairs=(RepairFact(1, date(2025, 11, 1), frozenset({1})),))
    assert compute_facility_score(unseen, AS_OF, RB) == compute_facility_score(
        facts(findings=(old,)), AS_OF, RB
    )


def test_score_floor_keeps_breakdown_summing():
    many = tuple(finding(i, "fraud", amount=99_000_000) for i in range(1, 6))
    result = compute_facility_score(facts(findings=many), AS_OF, RB)
    assert result.score == 0
    assert result.items[-1].rule == "bounds"
    assert base_items_total(result, RB) == result.score


def test_outlook_names_expiring_items_and_next_grade():
    result_facts = facts(findings=(finding(1, "serious"), finding(2, "general")))
    result = compute_facility_score(result_facts, AS_OF, RB)
    assert result.grade == "B"
    view = outlook(result_facts, result, RB)
    assert view.next_grade == "A" and view.points_needed == 5
    assert {i.source_id for i in view.expiring} == {1, 2}
    assert view.next_cycle_score == Decimal("92.5") and view.next_cycle_grade == "A"


def test_repair_eligibility():
    f = facts(findings=(finding(1, day=date(2026, 5, 10)),))
    early = repair_eligibility(f, date(2026, 10, 1), RB, pledge_signed_on=date(2026, 6, 1))
    assert not early.eligible and early.earliest == date(2026, 11, 10)
    no_pledge = repair_eligibility(f, date(2026, 11, 20), RB, pledge_signed_on=date(2026, 5, 1))
    assert not no_pledge.eligible and any("承诺书" in r for r in no_pledge.reasons)
    ok = repair_eligibility(f, date(2026, 11, 20), RB, pledge_signed_on=date(2026, 6, 1))
    assert ok.eligible and ok.reasons == ()
    # Once granted, the same findings are repaired: nothing left to apply for.
    repaired = facts(findings=f.findings, repairs=(RepairFact(1, date(2026, 11, 25)),))
    again = repair_eligibility(repaired, date(2026, 12, 1), RB, pledge_signed_on=date(2026, 6, 1))
    assert again.reasons == ("违规认定均已纳入2026-11-25准予的信用修复，无需再次申请",)
    # A finding the repair does not cover (confirmed after it) may be repaired in turn.
    uncovered = facts(
        findings=f.findings, repairs=(RepairFact(1, date(2026, 11, 25), frozenset({1})),)
    )
    assert repair_eligibility(uncovered, date(2026, 12, 1), RB, date(2026, 6, 1)).eligible


classes = st.sampled_from(["minor", "general", "serious", "fraud"])
findings_st = st.lists(
    st.builds(
        FindingFact,
        id=st.integers(1, 10_000),
        category=st.just("x"),
        category_label=st.just("违规"),
        cls=classes,
        decided_on=st.dates(date(2023, 1, 1), date(2026, 11, 20)),
        amount_fen=st.integers(0, 100_000_000),
        self_corrected=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda f: f.id,
)
pledge_st = st.lists(
    st.builds(
        PledgeFact,
        id=st.integers(1, 1000),
        kind=st.sampled_from(["not_filed", "not_posted"]),
        on=st.dates(date(2025, 1, 1), date(2026, 11, 20)),
    ),
    max_size=3,
    unique_by=lambda p: p.id,
)


@settings(max_examples=150)
@given(
    findings_st,
    pledge_st,
    st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    classes,
    st.integers(0, 50_000_000),
    st.booleans(),
)
def test_properties(findings, pledges, as_of, new_cls, amount, corrected):
    base = facts(findings=tuple(findings), pledge=tuple(pledges))
    result = compute_facility_score(base, as_of, RB)
    # Deterministic, order-independent.
    shuffled = base._replace(findings=tuple(reversed(findings)))
    assert compute_facility_score(shuffled, as_of, RB) == result
    # Bounds, and the breakdown sums to the score.
    assert 0 <= result.score <= RB.base
    assert base_items_total(result, RB) == result.score
    assert result.grade in {b.grade for b in RB.grades}
    # Adding a confirmed finding never raises the score (nor improves the grade) ...
    new = FindingFact(99_999, "x", "违规", new_cls, as_of, amount, corrected)
    worse = compute_facility_score(base._replace(findings=(*findings, new)), as_of, RB)
    assert worse.score <= result.score
    assert RB.grade_rank(worse.grade) >= RB.grade_rank(result.grade)
    # ... and revoking it (dropping it from the confirmed facts) restores the score.
    assert compute_facility_score(base, as_of, RB) == result


# --- When findings are reduced and stop counting ------------------------------------------


def test_current_year_finding_counts_half_next_year_and_stops_the_year_after():
    # decay.percents = [100, 50, 0]: a 2026 finding counts in full in 2026, at 50% through
    # 2027, and stops counting on 2028-01-01 (not 2027-01-01, the next change only).
    assert RB.decay_percents == (100, 50, 0)
    assert decay_schedule(date(2026, 5, 1), 2026, RB) == (
        Step(date(2027, 1, 1), 50),
        Step(date(2028, 1, 1), 0),
    )
    result = compute_facility_score(facts(findings=(finding(1, "serious"),)), AS_OF, RB)
    assert result.items[0].changes_on == date(2027, 1, 1)  # the stored next change


def test_previous_year_finding_stops_next_year():
    assert decay_schedule(date(2025, 3, 1), 2026, RB) == (Step(date(2027, 1, 1), 0),)
    # Not counted any more: nothing to say.
    assert decay_schedule(date(2024, 3, 1), 2026, RB) == ()


def test_self_corrected_finding_schedule_carries_its_halved_points():
    f = finding(1, "serious", self_corrected=True)  # 10 halved: -5
    base = facts(findings=(f,))
    result = compute_facility_score(base, AS_OF, RB)
    view = outlook(base, result, RB)
    assert view.expiring[0].points == Decimal(-5)
    assert view.schedules == (
        (Step(date(2027, 1, 1), 50, Decimal("-2.5")), Step(date(2028, 1, 1), 0, Decimal(0))),
    )


def test_repair_granted_this_cycle_ends_the_schedule_next_cycle():
    f = finding(1, "serious", day=date(2026, 2, 1))
    base = facts(findings=(f,), repairs=(RepairFact(1, date(2026, 9, 1)),))
    result = compute_facility_score(base, AS_OF, RB)
    assert outlook(base, result, RB).schedules == ((Step(date(2027, 1, 1), 0, Decimal(0)),),)


def test_schedule_skips_years_without_a_change():
    rb = replace(RB, decay_percents=(100, 100, 50))
    assert decay_schedule(date(2026, 5, 1), 2026, rb) == (
        Step(date(2028, 1, 1), 50),
        Step(date(2029, 1, 1), 0),
    )
    assert decay_schedule(date(2025, 5, 1), 2026, rb) == (
        Step(date(2027, 1, 1), 50),
        Step(date(2028, 1, 1), 0),
    )


@settings(max_examples=100)
@given(
    st.lists(st.integers(0, 100), min_size=0, max_size=4).map(
        lambda rest: (100, *sorted(rest, reverse=True))
    ),
    st.dates(date(2022, 1, 1), date(2026, 11, 20)),
    classes,
    st.booleans(),
)
def test_schedule_agrees_with_the_engine_in_every_later_cycle(percents, decided, cls, corrected):
    rb = replace(RB, decay_percents=percents)
    f = FindingFact(1, "x", "违规", cls, decided, 0, corrected)
    base = facts(findings=(f,))
    steps = decay_schedule(decided, AS_OF.year, rb)
    counted = {s.on.year: s.percent for s in steps}
    full = finding_deduction(f, rb)[0]
    age = AS_OF.year - decided.year
    percent = percents[age] if age < len(percents) else 0
    for year in range(AS_OF.year + 1, AS_OF.year + len(percents) + 2):
        percent = counted.get(year, percent)
        items = compute_facility_score(base, date(year, 1, 1), rb).items
        points = sum((i.points for i in items), Decimal(0))
        assert points == (full * percent / 100).quantize(Decimal("0.1"), "ROUND_HALF_UP")
    if steps:
        assert steps[-1].percent == 0


# --- Caps and grade adjustments in the outlook -------------------------------------------


def test_outlook_under_a_fraud_cap_names_no_points_and_the_day_it_lifts():
    fraud = FindingFact(1, "fictitious_service", "虚构医疗服务", "fraud", date(2026, 2, 1))
    base = facts(findings=(fraud,))
    result = compute_facility_score(base, AS_OF, RB)
    view = outlook(base, result, RB)
    assert result.grade == "D" and view.score_grade == "B"
    assert view.points_needed is None  # no score lifts the grade this cycle
    assert view.cap_lifts == (("fraud", date(2027, 1, 1)),)
    terminated = facts(terminated=True)
    view = outlook(terminated, compute_facility_score(terminated, AS_OF, RB), RB)
    assert view.cap_lifts == (("terminated", None),) and view.points_needed is None


def test_outlook_names_the_grade_adjustment_in_force():
    adj = AdjustmentFact(2, date(2026, 9, 1), "复核", "甲", "乙", grade="C")
    base = facts(adjustments=(adj,))
    result = compute_facility_score(base, AS_OF, RB)
    view = outlook(base, result, RB)
    assert result.grade == "C" and view.score_grade == "A"
    assert grade_override(result) == adj and view.override == adj
    assert view.points_needed is None
    assert cap_lifts_on("fraud", 2026) == date(2027, 1, 1)
    assert cap_lifts_on("blacklisted", 2026) is None
