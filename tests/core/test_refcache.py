"""A process's copy of reference rows (gongzhi/core/refcache.py): read once while fresh, read
again once stale, dropped at once when this process saves or deletes one of the rows."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.cases.calendar import WorkCalendar, _holidays
from gongzhi.cases.models import Holiday
from gongzhi.core import refcache

pytestmark = pytest.mark.django_db

NATIONAL_DAY = datetime.date(2026, 10, 1)  # a Thursday


@pytest.fixture
def cached(settings):
    settings.GONGZHI_REFERENCE_CACHE_SECONDS = 30
    _holidays.clear()
    yield _holidays
    _holidays.clear()


def test_a_fresh_copy_is_read_once(cached, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert WorkCalendar().is_workday(NATIONAL_DAY)
    with django_assert_num_queries(0):
        assert WorkCalendar().is_workday(NATIONAL_DAY)


def test_a_save_or_delete_in_this_process_is_seen_at_once(cached):
    assert WorkCalendar().is_workday(NATIONAL_DAY)
    holiday = Holiday.objects.create(date=NATIONAL_DAY, name="国庆节")
    assert not WorkCalendar().is_workday(NATIONAL_DAY)
    holiday.delete()
    assert WorkCalendar().is_workday(NATIONAL_DAY)


def test_a_change_elsewhere_is_seen_once_the_copy_is_stale(cached, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(refcache.time, "monotonic", lambda: clock[0])
    assert WorkCalendar().is_workday(NATIONAL_DAY)
    # Another process's edit: no signal here (a queryset update sends none).
    Holiday.objects.bulk_create([Holiday(date=NATIONAL_DAY, name="国庆节")])
    clock[0] += 29
    assert WorkCalendar().is_workday(NATIONAL_DAY)  # still the copy
    clock[0] += 1
    assert not WorkCalendar().is_workday(NATIONAL_DAY)


def test_with_zero_seconds_every_read_goes_to_the_database(settings, django_assert_num_queries):
    settings.GONGZHI_REFERENCE_CACHE_SECONDS = 0
    for _ in range(2):
        with django_assert_num_queries(1):
            WorkCalendar().is_workday(NATIONAL_DAY)
