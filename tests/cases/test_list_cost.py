"""What a page of the case list costs through the door API clients use (a token): the same
queries whatever the page size or area, the token and the caller's roles in one of them, and
the narrow list rows giving the same JSON as full rows (bench R2)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import issue_token
from gongzhi.cases.api import case_list_queryset, with_photo_counts
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Case
from gongzhi.cases.serializers import CaseListSerializer
from gongzhi.cases.services import report_case
from tests.cases.conftest import categories, grids  # noqa: F401 - fixtures
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(categories, grids, district_admin):  # noqa: F811 - fixtures
    """Nine cases in S1 (three in G1, six in G2) and three in S2 (G3), an hour apart."""
    start = timezone.now() - datetime.timedelta(days=2)
    made = []
    for i in range(12):
        grid = grids["G3"] if i % 4 == 3 else grids["G1"] if i % 2 else grids["G2"]
        case = report_case(
            category=categories["clutter"],
            description=f"事件 {i}",
            source=CaseSource.INSPECTION,
            by=district_admin,
            grid=grid,
        )
        Case.objects.filter(pk=case.pk).update(reported_at=start + datetime.timedelta(hours=i))
        made.append(case)
    return made


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, name='test').key}")
    return client


def numbers(client, url: str) -> list[str]:
    found = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        found += [row["number"] for row in answer.json()["results"]]
        url = answer.json()["next"]
    return found


def test_a_page_costs_four_queries_at_any_size_and_area(cases, street_admin):
    client = token_client(street_admin)
    client.get("/api/v1/cases/?page_size=1")  # the token's first use is stamped once
    counts = {}
    for query in ("under=S1&page_size=1", "under=S1&page_size=50", "under=G1&page_size=50", "under=C1"):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"/api/v1/cases/?{query}")
        assert answer.status_code == 200
        counts[query] = len(queries)
    # The token with its user and roles; the area asked for; the page; its cases' photos.
    assert set(counts.values()) == {4}, counts


def test_under_a_grid_lists_exactly_that_grids_cases_newest_first(cases, street_admin):
    client = token_client(street_admin)
    expected = [c.number for c in Case.objects.filter(grid__code="G1").order_by("-reported_at", "-pk")]
    assert len(expected) == 3
    assert numbers(client, "/api/v1/cases/?under=G1&page_size=3") == expected
    in_street = numbers(client, "/api/v1/cases/?under=S1&page_size=4")
    assert in_street == [
        c.number for c in Case.objects.exclude(grid__code="G3").order_by("-reported_at", "-pk")
    ]


def test_narrow_list_rows_give_the_json_of_full_rows(cases, street_admin):
    client = token_client(street_admin)
    listed = client.get("/api/v1/cases/?page_size=50").json()["results"]
    request = APIRequestFactory().get("/api/v1/cases/")
    request.user = street_admin
    full = with_photo_counts(case_list_queryset(Case.objects.visible_to(street_admin)))
    expected = CaseListSerializer(full, many=True, context={"request": request}).data
    assert len(listed) == 9
    assert [row["number"] for row in listed] == [row["number"] for row in expected]
    for row, want in zip(listed, expected, strict=True):
        assert set(row) == set(want)
        for key in ("category", "grid", "responsible_area", "status_display", "warning", "version"):
            assert row[key] == want[key]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)),  # ended
        (datetime.date(2099, 1, 1), None),  # not started
    ],
)
def test_a_token_carries_only_active_roles(cases, grids, start, end):  # noqa: F811 - fixtures
    user = UserFactory()
    RoleAssignment.objects.create(
        user=user, role=Role.STREET_ADMIN, area=grids["S1"], start_date=start, end_date=end
    )
    client = token_client(user)
    assert client.get("/api/v1/cases/?under=S1").json()["results"] == []
    assert client.get("/api/v1/cases/kpis/?under=S1&from=2026-01-01&to=2026-12-31").status_code == 403


def test_a_token_carries_every_active_role(cases, grids):  # noqa: F811 - fixtures
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.GRID_MEMBER, area=grids["G1"])
    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_WORKER, area=grids["C2"])
    client = token_client(user)
    seen = {row["grid"]["code"] for row in client.get("/api/v1/cases/?page_size=50").json()["results"]}
    assert seen == {"G1", "G3"}
    # view_kpis comes with the community worker's role only.
    assert client.get("/api/v1/cases/kpis/?under=C2&from=2026-01-01&to=2026-12-31").status_code == 200


def test_under_an_area_of_the_jurisdiction_lists_the_same_cases(cases, grids, district_admin):  # noqa: F811
    """Inside the caller's jurisdiction ``?under=`` alone scopes the page (no visibility
    condition to plan); outside it, the caller still sees only what they reported or were
    dispatched, and nothing else."""
    grid_member = UserFactory()
    RoleAssignment.objects.create(user=grid_member, role=Role.GRID_MEMBER, area=grids["G1"])
    own = report_case(
        category=cases[0].category,
        description="网格员在网格外看到的问题",
        source=CaseSource.RESIDENT,
        by=grid_member,
        grid=grids["G3"],
    )
    client = token_client(grid_member)
    in_g1 = numbers(client, "/api/v1/cases/?under=G1&page_size=2")
    assert in_g1 == [c.number for c in sorted(cases, key=lambda c: -c.pk) if c.grid_id == grids["G1"].pk]
    # S1 and S2 lie outside a G1 grid member's jurisdiction: G1's cases and their own report.
    assert sorted(numbers(client, "/api/v1/cases/?under=S1")) == sorted(in_g1)
    assert numbers(client, "/api/v1/cases/?under=S2") == [own.number]
    assert numbers(client, "/api/v1/cases/?under=nowhere") == []
