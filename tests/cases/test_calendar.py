"""The work calendar: deadlines count working hours (08:30–12:00 and 13:30–17:30, Asia/Shanghai)
on working days — Monday to Friday, minus public holidays, plus adjusted workdays (调休).

Holiday rows used here (test data, laid out like the State Council's yearly schedule):
National Day 2026-10-01 (Thu) … 2026-10-07 (Wed) off; Sunday 2026-09-27 and Saturday
2026-10-10 are adjusted workdays; New Year's Day 2027-01-01 (Fri) off.
"""

from __future__ import annotations

import datetime

import pytest

from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Holiday
from gongzhi.cases.services import register_case, report_case
from tests.cases.conftest import G1_POINT, SHANGHAI

pytestmark = pytest.mark.django_db


def at(day: str, clock: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def national_day(db):
    days = [datetime.date(2026, 10, d) for d in range(1, 8)]
    Holiday.objects.bulk_create(
        [Holiday(date=day, is_workday=False, name="国庆节") for day in days]
        + [
            Holiday(date=datetime.date(2026, 9, 27), is_workday=True, name="国庆节调休上班"),
            Holiday(date=datetime.date(2026, 10, 10), is_workday=True, name="国庆节调休上班"),
            Holiday(date=datetime.date(2027, 1, 1), is_workday=False, name="元旦"),
        ]
    )


# --- weekends, lunch, outside hours ----------------------------------------------------------


def test_deadline_across_a_weekend_resumes_on_monday():
    # Friday 16:00–17:30 gives 1.5 h; the other 2.5 h run from Monday 08:30.
    assert WorkCalendar().add_working_hours(at("2026-11-20", "16:00"), 4) == at("2026-11-23", "11:00")


def test_deadline_skips_the_lunch_break():
    # 11:00–12:00 is one hour; the second starts at 13:30.
    assert WorkCalendar().add_working_hours(at("2026-11-23", "11:00"), 2) == at("2026-11-23", "14:30")


def test_deadline_ending_exactly_at_noon_stays_before_lunch():
    assert WorkCalendar().add_working_hours(at("2026-11-23", "11:00"), 1) == at("2026-11-23", "12:00")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at("2026-11-23", "07:00"), at("2026-11-23", "09:30")),  # before work: from 08:30
        (at("2026-11-23", "12:30"), at("2026-11-23", "14:30")),  # at lunch: from 13:30
        (at("2026-11-23", "20:00"), at("2026-11-24", "09:30")),  # evening: next morning
        (at("2026-11-21", "10:00"), at("2026-11-23", "09:30")),  # Saturday: Monday
        (at("2026-11-20", "17:30"), at("2026-11-23", "09:30")),  # Friday at closing time
    ],
)
def test_deadline_starting_outside_hours_counts_from_the_next_working_moment(start, expected):
    assert WorkCalendar().add_working_hours(start, 1) == expected


def test_deadline_of_a_full_week_is_five_working_days_later():
    # 7.5 working hours a day: 37.5 h from Monday 08:30 ends Friday 17:30.
    assert WorkCalendar().add_working_hours(at("2026-11-23", "08:30"), 37.5) == at("2026-11-27", "17:30")


def test_deadline_accepts_fractions_of_an_hour():
    # 1.6 h (the yellow share of 2 h) from 16:00: 1.5 h on Friday, 6 minutes on Monday.
    assert WorkCalendar().add_working_hours(at("2026-11-20", "16:00"), 1.6) == at("2026-11-23", "08:36")


def test_deadline_in_another_time_zone_is_the_same_moment():
    start_utc = at("2026-11-20", "16:00").astimezone(datetime.UTC)

    assert WorkCalendar().add_working_hours(start_utc, 4) == at("2026-11-23", "11:00")


# --- holidays and adjusted workdays ----------------------------------------------------------


def test_deadline_across_national_day_resumes_after_the_holiday(national_day):
    # Wednesday 30 September 16:00: 1.5 h that day, then 1–7 October off, Thursday the 8th.
    assert WorkCalendar().add_working_hours(at("2026-09-30", "16:00"), 4) == at("2026-10-08", "11:00")


def test_adjusted_sunday_is_a_working_day(national_day):
    # Friday 25 September 17:00: half an hour, Saturday off, Sunday the 27th is worked.
    assert WorkCalendar().add_working_hours(at("2026-09-25", "17:00"), 2) == at("2026-09-27", "10:00")


def test_adjusted_saturday_is_a_working_day(national_day):
    assert WorkCalendar().add_working_hours(at("2026-10-09", "17:00"), 1) == at("2026-10-10", "09:00")


def test_holiday_rows_of_the_next_year_are_read_when_the_deadline_gets_there(national_day):
    # Thursday 31 December 17:00: half an hour, New Year's Day (Friday) off, then Monday.
    assert WorkCalendar().add_working_hours(at("2026-12-31", "17:00"), 1) == at("2027-01-04", "09:00")


def test_is_workday_follows_weekdays_holidays_and_adjusted_days(national_day):
    calendar = WorkCalendar()

    assert [calendar.is_workday(datetime.date(2026, 9, d)) for d in (25, 26, 27, 28)] == [
        True,
        False,
        True,
        True,
    ]
    assert [calendar.is_workday(datetime.date(2026, 10, d)) for d in (1, 7, 8, 10, 11)] == [
        False,
        False,
        True,
        True,
        False,
    ]


def test_overrides_replace_the_holiday_table(national_day):
    # A calendar given its own overrides does not read Holiday rows at all.
    calendar = WorkCalendar(overrides={datetime.date(2026, 11, 23): False})

    assert calendar.is_workday(datetime.date(2026, 10, 1)) is True
    assert calendar.add_working_hours(at("2026-11-20", "17:00"), 1) == at("2026-11-24", "09:00")


# --- working_hours_between -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at("2026-11-20", "16:00"), at("2026-11-23", "11:00"), 4.0),  # over a weekend
        (at("2026-11-23", "11:00"), at("2026-11-23", "14:30"), 2.0),  # over lunch
        (at("2026-11-23", "06:00"), at("2026-11-23", "22:00"), 7.5),  # a whole day
        (at("2026-11-21", "09:00"), at("2026-11-22", "17:00"), 0.0),  # a weekend
        (at("2026-11-23", "12:10"), at("2026-11-23", "13:20"), 0.0),  # inside lunch
        (at("2026-11-23", "14:00"), at("2026-11-23", "09:00"), 0.0),  # end before start
        (at("2026-09-30", "16:00"), at("2026-10-08", "11:00"), 4.0),  # over National Day
        (at("2026-09-25", "17:00"), at("2026-09-27", "10:00"), 2.0),  # into an adjusted Sunday
    ],
)
def test_working_hours_between(national_day, start, end, hours):
    assert WorkCalendar().working_hours_between(start, end) == pytest.approx(hours)


@pytest.mark.parametrize("hours", [0.25, 1, 3.5, 7.5, 8, 24, 40, 80])
def test_working_hours_between_undoes_add_working_hours(national_day, hours):
    calendar = WorkCalendar()
    start = at("2026-09-24", "10:15")

    assert calendar.working_hours_between(start, calendar.add_working_hours(start, hours)) == pytest.approx(
        hours
    )


# --- the services use it ---------------------------------------------------------------------


def test_case_reported_on_friday_afternoon_is_due_for_registration_on_monday(
    categories, grids, grid_member, media
):
    # 占道堆物: 2 h to register; yellow at 80 % of the limit (1.6 h).
    case = report_case(
        category=categories["clutter"],
        description="人行道堆放装修垃圾",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        now=at("2026-11-20", "16:00"),
    )

    assert case.stage_deadline == at("2026-11-23", "09:00")
    assert case.yellow_at == at("2026-11-23", "08:36")
    assert case.due_at is None


def test_registered_case_gets_dispatch_and_close_deadlines_in_working_hours(
    categories, grids, grid_member, community_worker, media
):
    case = report_case(
        category=categories["clutter"],
        description="人行道堆放装修垃圾",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        now=at("2026-11-20", "16:00"),
    )

    case = register_case(case, by=community_worker, now=at("2026-11-23", "09:00"))

    # Dispatch within 2 h; close within dispatch + accept + handle + verify = 2+2+8+4 = 16 h:
    # Monday 7 h (09:00–12:00, 13:30–17:30), Tuesday 7.5 h, Wednesday 08:30 + 1.5 h.
    assert (case.stage_deadline, case.dispatch_deadline) == (
        at("2026-11-23", "11:00"),
        at("2026-11-23", "11:00"),
    )
    assert case.due_at == at("2026-11-25", "10:00")


def test_case_reported_before_national_day_is_due_after_it(
    categories, grids, grid_member, media, national_day
):
    case = report_case(
        category=categories["clutter"],
        description="绿化带内堆放杂物",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        now=at("2026-09-30", "16:00"),
    )

    assert case.stage_deadline == at("2026-10-08", "09:00")
