"""Working-hours arithmetic on the work calendar.

Deadlines count working hours: the working periods of a day (``GONGZHI_WORK_PERIODS``, by
default 08:30–12:00 and 13:30–17:30, Asia/Shanghai) on working days. Working days are Monday
to Friday, except public holidays, plus adjusted workdays (调休 Saturdays/Sundays), both kept
as ``Holiday`` rows so each district can enter the State Council's yearly schedule.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from gongzhi.core.refcache import Reference


def _all_holidays() -> dict[datetime.date, bool]:
    from gongzhi.cases.models import Holiday

    return dict(Holiday.objects.values_list("date", "is_workday"))


# A few dozen rows a year, read by every deadline: kept per process (gongzhi/core/refcache.py).
_holidays = Reference("holidays", _all_holidays, "cases.Holiday")


def _periods() -> list[tuple[datetime.time, datetime.time]]:
    periods = []
    for chunk in settings.GONGZHI_WORK_PERIODS.split(","):
        start, end = chunk.strip().split("-")
        periods.append((datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)))
    return sorted(periods)


class WorkCalendar:
    """Answers "is this a working day" and does deadline arithmetic.

    ``overrides`` maps a date to True (an adjusted workday) or False (a holiday); when not
    given, they are ``Holiday``'s rows, read once per calendar (or from the process's copy).
    """

    def __init__(self, overrides: dict[datetime.date, bool] | None = None):
        self._overrides = overrides
        self._from_db: dict[datetime.date, bool] | None = None
        self.periods = _periods()
        self.tz = timezone.get_default_timezone()

    def is_workday(self, day: datetime.date) -> bool:
        if self._overrides is not None:
            if day in self._overrides:
                return self._overrides[day]
        else:
            if self._from_db is None:
                self._from_db = _holidays.get()
            if day in self._from_db:
                return self._from_db[day]
        return day.weekday() < 5

    def _day_periods(self, day: datetime.date) -> Iterable[tuple[datetime.datetime, datetime.datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (
                datetime.datetime.combine(day, start, tzinfo=self.tz),
                datetime.datetime.combine(day, end, tzinfo=self.tz),
            )
            for start, end in self.periods
        ]

    def add_working_hours(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        """The moment ``hours`` working hours after ``start`` (which may be outside hours)."""
        remaining = datetime.timedelta(hours=hours)
        current = start.astimezone(self.tz)
        day = current.date()
        for _ in range(3660):  # ten years of days: a guard, never reached with sane limits
            for period_start, period_end in self._day_periods(day):
                if current >= period_end:
                    continue
                begin = max(current, period_start)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                current = period_end
            day += datetime.timedelta(days=1)
            current = datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz)
        raise ValueError("working-hour limit too large")

    def working_hours_between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """Working hours from ``start`` to ``end`` (0 if end is not after start)."""
        if end <= start:
            return 0.0
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = datetime.timedelta()
        day = start.date()
        while day <= end.date():
            for period_start, period_end in self._day_periods(day):
                begin, finish = max(start, period_start), min(end, period_end)
                if finish > begin:
                    total += finish - begin
            day += datetime.timedelta(days=1)
        return total.total_seconds() / 3600
