from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.workdays import CalendarError, WorkdayCalendar, default_calendar
from tests.calendars import calendar_file


def test_national_day_2026_is_skipped_and_make_up_saturday_counts():
    cal = default_calendar()
    # 2026-09-30 (Wed): 1 Oct to 7 Oct are holidays, 10 Oct (Sat) is a make-up working day.
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.is_workday(date(2026, 10, 10))
    assert not cal.is_workday(date(2026, 10, 1))


def test_spring_festival_2026():
    cal = default_calendar()
    assert cal.is_workday(date(2026, 2, 14))  # Saturday before the holiday
    assert not cal.is_workday(date(2026, 2, 17))
    # Ten working days from 2026-02-12 (Thu): 13, 14(Sat), 24, 25, 26, 27, 28(Sat), 2 Mar, 3, 4.
    assert cal.add_workdays(date(2026, 2, 12), 10) == date(2026, 3, 4)


def test_ordinary_weekend_and_counting():
    cal = default_calendar()
    assert cal.add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Fri -> Mon
    assert cal.workdays_between(date(2026, 11, 20), date(2026, 11, 27)) == 5
    assert cal.workdays_between(date(2026, 11, 27), date(2026, 11, 20)) == 0
    with pytest.raises(ValueError):
        cal.add_workdays(date(2026, 11, 20), 0)


def test_year_without_schedule_is_refused(tmp_path):
    cal = WorkdayCalendar.load(calendar_file(tmp_path / "cal.toml"))
    with pytest.raises(CalendarError, match="2027"):
        cal.is_workday(date(2027, 3, 3))
    with pytest.raises(CalendarError):
        cal.add_workdays(date(2026, 12, 28), 10)


def test_bad_calendar_file_names_the_entry(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text("[years.2026]\nholidays = [2025-01-01]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="years.2026.holidays"):
        WorkdayCalendar.load(path)


def test_a_filing_in_a_known_year_is_answered_though_the_deadline_is_not_known(tmp_path):
    cal = WorkdayCalendar.load(calendar_file(tmp_path / "cal.toml"))
    # Ten working days from 2026-12-21 (Mon) end in January 2027, which the calendar lacks.
    with pytest.raises(CalendarError):
        cal.add_workdays(date(2026, 12, 21), 10)
    assert cal.within_workdays(date(2026, 12, 21), 10, date(2026, 12, 31))
    # Two working days from 2026-12-29 (Tue): 30 and 31 December; 1 January is past it.
    assert not cal.within_workdays(date(2026, 12, 29), 2, date(2027, 1, 1))
    with pytest.raises(CalendarError, match="2027"):
        cal.within_workdays(date(2026, 12, 21), 10, date(2027, 1, 4))


@given(
    start=st.dates(date(2024, 1, 1), date(2026, 11, 30)),
    count=st.integers(1, 20),
    offset=st.integers(0, 40),
)
def test_within_workdays_agrees_with_the_deadline(start, count, offset):
    cal = default_calendar()
    day = start + timedelta(days=offset)
    try:
        deadline = cal.add_workdays(start, count)
    except CalendarError:
        deadline = None  # in a year the calendar lacks: the test above
    if deadline is not None:
        assert cal.within_workdays(start, count, day) == (day <= deadline)
