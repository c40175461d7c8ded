from datetime import date

import pytest

from scoring.workdays import CalendarError, WorkdayCalendar, default_calendar


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


def test_year_without_schedule_is_refused():
    cal = default_calendar()
    with pytest.raises(CalendarError, match="2031"):
        cal.is_workday(date(2031, 3, 3))
    with pytest.raises(CalendarError):
        cal.add_workdays(date(2026, 12, 28), 10)


def test_bad_calendar_file_names_the_entry(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text("[years.2026]\nholidays = [2025-01-01]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="years.2026.holidays"):
        WorkdayCalendar.load(path)
