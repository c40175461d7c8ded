from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.rulebook import RulebookError
from scoring.staff_points import (
    DEFAULT_RULEBOOK,
    PointRecord,
    Restoration,
    SanctionKind,
    Status,
    add_months,
    compute_standing,
    load_rulebook,
)

RB = load_rulebook()


def standing(points, as_of=date(2026, 6, 30), restorations=(), start=date(2026, 3, 2)):
    records = [
        PointRecord(i + 1, start.replace(day=start.day + i), p) for i, p in enumerate(points)
    ]
    return compute_standing(records, list(restorations), as_of, RB)


def test_points_table_from_rulebook():
    assert RB.points_for("minor", "general") == 1
    assert RB.points_for("moderate", "main") == 6
    assert RB.points_for("serious", "important") == 8
    assert RB.points_for("gravest", "main") == 12
    with pytest.raises(ValueError):
        RB.points_for("minor", "unknown")


@pytest.mark.parametrize(
    ("total", "status", "kinds", "months"),
    [
        (5, Status.NORMAL, [], None),
        (6, Status.NORMAL, [SanctionKind.WARNING_TALK], None),
        (8, Status.NORMAL, [SanctionKind.WARNING_TALK], None),
        (9, Status.SUSPENDED, [SanctionKind.WARNING_TALK, SanctionKind.SUSPEND], 1),
        (10, Status.SUSPENDED, [SanctionKind.WARNING_TALK, SanctionKind.SUSPEND], 3),
        (11, Status.SUSPENDED, [SanctionKind.WARNING_TALK, SanctionKind.SUSPEND], 6),
    ],
)
def test_threshold_boundaries(total, status, kinds, months):
    # Two records: 3 points first, then the rest, decided on 2 and 3 March.
    result = standing([3, total - 3], as_of=date(2026, 3, 4))
    assert result.total == total
    assert result.status is status
    assert [s.kind for s in result.sanctions] == kinds
    if months:
        suspension = result.current
        assert suspension.start == date(2026, 3, 3)
        assert suspension.end == add_months(date(2026, 3, 3), months)


def test_suspension_ends_after_its_months():
    result = standing([3, 6], as_of=date(2026, 4, 3))  # 9 points: 1 month from 3 March
    assert result.status is Status.NORMAL
    assert standing([3, 6], as_of=date(2026, 4, 2)).status is Status.SUSPENDED


def test_accumulated_twelve_terminates_with_one_year_bar():
    result = standing([6, 6], as_of=date(2026, 12, 1))
    assert result.status is Status.TERMINATED
    assert result.current.reason == "accumulated"
    assert result.barred_until == date(2027, 3, 3)
    # The bar outlives the cycle: still terminated in the next year until it ends.
    later = compute_standing(
        [PointRecord(1, date(2026, 3, 2), 6), PointRecord(2, date(2026, 3, 3), 6)],
        [],
        date(2027, 3, 2),
        RB,
    )
    assert later.status is Status.TERMINATED and later.total == 0
    assert (
        compute_standing(
            [PointRecord(1, date(2026, 3, 2), 6), PointRecord(2, date(2026, 3, 3), 6)],
            [],
            date(2027, 3, 3),
            RB,
        ).status
        is Status.NORMAL
    )


def test_twelve_in_one_record_bars_three_years():
    result = standing([12], as_of=date(2026, 3, 2))
    assert result.status is Status.TERMINATED
    assert result.current.reason == "single_record"
    assert result.barred_until == date(2029, 3, 2)


def test_cycle_restarts_on_first_of_january():
    records = [PointRecord(1, date(2026, 12, 31), 5), PointRecord(2, date(2027, 1, 1), 4)]
    on_31 = compute_standing(records, [], date(2026, 12, 31), RB)
    on_1 = compute_standing(records, [], date(2027, 1, 1), RB)
    assert on_31.cycle == 2026 and on_31.total == 5
    assert on_1.cycle == 2027 and on_1.total == 4
    # 5 + 4 across the boundary never reaches the 9-point suspension.
    assert on_1.status is Status.NORMAL
    assert not [s for s in on_1.sanctions if s.kind is SanctionKind.SUSPEND]


def test_suspension_from_december_runs_into_january():
    records = [PointRecord(1, date(2026, 12, 20), 10)]
    result = compute_standing(records, [], date(2027, 1, 10), RB)
    assert result.total == 0
    assert result.status is Status.SUSPENDED
    assert result.current.end == date(2027, 3, 20)


def test_restoration_capped_per_cycle_and_never_negative():
    restorations = [Restoration(i, date(2026, 5, i), 1) for i in range(1, 7)]
    result = standing([8], restorations=restorations)
    assert result.restored == RB.restore_max_per_cycle == 4
    assert result.total == 4
    small = standing([2], restorations=restorations)
    assert small.total == 0 and small.restored == 2


def test_restoration_does_not_lift_a_sanction_already_imposed():
    result = standing(
        [3, 6], as_of=date(2026, 3, 10), restorations=[Restoration(1, date(2026, 3, 5))]
    )
    assert result.total == 8
    assert result.status is Status.SUSPENDED


def test_revoked_record_lifts_the_sanction_it_caused():
    records = [PointRecord(1, date(2026, 3, 2), 3), PointRecord(2, date(2026, 3, 3), 7)]
    assert compute_standing(records, [], date(2026, 3, 4), RB).status is Status.SUSPENDED
    records[1] = PointRecord(2, date(2026, 3, 3), 7, revoked=True)
    result = compute_standing(records, [], date(2026, 3, 4), RB)
    assert result.status is Status.NORMAL
    assert result.total == 3
    assert result.sanctions == ()


def test_duplicate_record_ids_are_refused():
    with pytest.raises(ValueError, match="twice"):
        compute_standing([PointRecord(1, date(2026, 3, 2), 3)] * 2, [], date(2026, 4, 1), RB)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_bad_rulebook_names_the_entry(tmp_path):
    text = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace(
            "points = { general = 7, important = 8, main = 9 }",
            "points = { general = 7, important = 6, main = 9 }",
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulebookError, match=r"severity\.serious.*points"):
        load_rulebook(bad)
    bad.write_text(
        text.replace('action = "suspend"\nmonths = 3', 'action = "suspend"\nmonths = "3"', 1),
        encoding="utf-8",
    )
    with pytest.raises(RulebookError, match=r"thresholds\[2\]\.months"):
        load_rulebook(bad)
    bad.write_text(text.replace('note = "上海细则', 'remark = "上海细则'), encoding="utf-8")
    with pytest.raises(RulebookError, match=r"appeal\.note: missing"):
        load_rulebook(bad)


records_strategy = st.lists(
    st.tuples(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.integers(0, 12), st.booleans()),
    max_size=15,
)
restorations_strategy = st.lists(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=8)


@given(records_strategy, restorations_strategy, st.dates(date(2025, 1, 1), date(2028, 6, 30)))
def test_properties(raw_records, raw_restorations, as_of):
    records = [PointRecord(i, d, p, revoked) for i, (d, p, revoked) in enumerate(raw_records)]
    restorations = [Restoration(i, d) for i, d in enumerate(raw_restorations)]
    result = compute_standing(records, restorations, as_of, RB)
    # Deterministic.
    assert compute_standing(list(reversed(records)), restorations, as_of, RB) == result
    # Never negative; no record counts twice: recorded is exactly the live records of the cycle.
    assert result.total >= 0
    expected = sum(
        r.points
        for r in records
        if not r.revoked and r.decided_on.year == as_of.year and r.decided_on <= as_of
    )
    assert result.recorded == expected
    assert result.total == result.recorded - result.restored
    assert 0 <= result.restored <= RB.restore_max_per_cycle
    # Revoking every record leaves nothing in force.
    cleared = compute_standing(
        [PointRecord(r.id, r.decided_on, r.points, True) for r in records], restorations, as_of, RB
    )
    assert cleared.status is Status.NORMAL and cleared.total == 0
