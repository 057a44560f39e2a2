"""The case list's hot path (bench R2): the plain-dict serializer gives exactly DRF's JSON, and
a page costs the same number of queries whatever its size and whatever the cases refer to."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from gongzhi.cases.api import case_list_queryset, with_photo_counts
from gongzhi.cases.choices import CaseSource, UnitKind
from gongzhi.cases.models import Campaign, Case, HandlingUnit, PhotoPhase
from gongzhi.cases.photos import process_photos, store_photo
from gongzhi.cases.serializers import CaseListSerializer
from gongzhi.cases.services import report_case
from tests.cases.conftest import categories, grids, media, photo  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_cases(categories, grids, street_admin):  # noqa: F811 - fixtures
    """Twelve cases in S1; every third one has a handling unit, every fourth a campaign."""
    unit = HandlingUnit.objects.create(name="百合社区环卫队", kind=UnitKind.COMMUNITY_TEAM, area=grids["C1"])
    campaign = Campaign.objects.create(
        name="背街小巷整治", area=grids["S1"], start_date=datetime.date(2026, 1, 1), created_by=street_admin
    )
    made = []
    for i in range(12):
        case = report_case(
            category=categories["zombie"] if i % 2 else categories["clutter"],
            description=f"事件 {i}",
            source=CaseSource.INSPECTION,
            by=street_admin,
            grid=grids["G1"] if i % 3 else grids["G2"],
        )
        Case.objects.filter(pk=case.pk).update(
            handling_unit=unit if i % 3 == 0 else None, campaign=campaign if i % 4 == 0 else None
        )
        made.append(case)
    return made


def test_plain_dict_path_gives_drfs_json(many_cases, street_admin):
    request = APIRequestFactory().get("/api/v1/cases/")
    request.user = street_admin
    rows = with_photo_counts(case_list_queryset(Case.objects.all()))
    fast = CaseListSerializer(rows, many=True, context={"request": request}).data
    serializer = CaseListSerializer(context={"request": request})
    # DRF's own path: ModelSerializer.to_representation, field by field.
    slow = [super(CaseListSerializer, serializer).to_representation(case) for case in rows]
    assert len(fast) == 12
    assert any(row["handling_unit"] for row in fast)
    assert any(row["campaign"] for row in fast)
    assert json.loads(JSONRenderer().render(fast)) == json.loads(JSONRenderer().render(slow))
    assert [list(row) for row in fast] == [list(row) for row in slow]  # same key order


def test_value_rows_give_drfs_json(many_cases, street_admin, photo_on):
    """The API list's path: ``.values()`` rows turned into dicts equal DRF's own output."""
    request = APIRequestFactory().get("/api/v1/cases/")
    request.user = street_admin
    queryset = with_photo_counts(case_list_queryset(Case.objects.all()))
    fast = CaseListSerializer.rows(list(queryset.values(*CaseListSerializer.VALUES)), request)
    serializer = CaseListSerializer(context={"request": request})
    slow = [super(CaseListSerializer, serializer).to_representation(case) for case in queryset]
    assert len(fast) == 12
    assert any(row["thumbnail_url"] for row in fast)
    assert any(row["is_overdue"] for row in fast)
    assert any(row["handling_unit"] for row in fast)
    assert any(row["campaign"] for row in fast)
    assert json.loads(JSONRenderer().render(fast)) == json.loads(JSONRenderer().render(slow))
    assert [list(row) for row in fast] == [list(row) for row in slow]  # same key order


@pytest.fixture
def photo_on(many_cases, media, photo):  # noqa: F811 - fixtures
    """The first case gets a report photo (a thumbnail URL); the second is overdue."""
    first, second = many_cases[0], many_cases[1]
    [processed] = process_photos([photo("a.jpg")])
    store_photo(processed, case=first, event=first.events.first(), phase=PhotoPhase.REPORT, uploaded_by=None)
    Case.objects.filter(pk=second.pk).update(
        stage_deadline=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )


def test_a_page_costs_the_same_queries_at_any_size(many_cases, street_admin, api):
    client = api(street_admin)
    client.get("/api/v1/cases/?under=S1&page_size=1")  # the token's first use is stamped once
    counts = {}
    for size in (1, 5, 12, 50):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"/api/v1/cases/?under=S1&page_size={size}")
        assert answer.status_code == 200
        results = answer.json()["results"]
        assert len(results) == min(size, 12)
        # The names of the page's campaigns are read by one more query, only for a page that
        # has any (a join for them doubled the page query's planning).
        counts[size] = len(queries) - any(row["campaign"] for row in results)
    assert len(set(counts.values())) == 1, counts
