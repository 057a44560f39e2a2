"""What one case report costs (bench R1, issue 9): a bounded number of queries, an answer built
from the rows just written (equal to what the case reads as), and possible duplicates capped
to the nearest few the caller may see."""

from __future__ import annotations

import pytest

from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Case
from gongzhi.cases.services import DUPLICATE_LIMIT
from tests.cases.conftest import G1_POINT, G3_POINT

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"

# 20 in the test settings, which read holidays, time limits and the grid index's stamp afresh
# each time; with a process's copy of them (production) 17 (the test below). Was 22 after the
# first round of issue 9 (a role check that also read the user's and groups' own permissions,
# and a savepoint of report_case's own), and 29 (21 statements and 8 savepoints) before it: a per-request purge of expired
# keys, a look-up of the cases-layer key, 200 duplicate candidates then a visibility query,
# and a read-back of the case with its timeline and photos (5 queries).
MAX_QUERIES_PER_CREATE = 20


def body(**extra):
    return {
        "category": "0101",
        "description": "堆物",
        "lat": G1_POINT[0] + 0.0002,
        "lng": G1_POINT[1],
        **extra,
    }


def test_a_report_with_a_key_costs_a_bounded_number_of_queries(
    api, grid_member, reported, categories, grids, media, django_assert_max_num_queries
):
    client = api(grid_member)
    client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="warm-up")

    with django_assert_max_num_queries(MAX_QUERIES_PER_CREATE):
        response = client.post(URL, body(description="又一处"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201, response.content
    assert [d["id"] for d in response.json()["possible_duplicates"]][-1] == reported.pk


def test_reference_rows_are_not_read_again_for_every_report(
    api, grid_member, reported, categories, grids, media, settings, django_assert_max_num_queries
):
    settings.GONGZHI_REFERENCE_CACHE_SECONDS = 30
    client = api(grid_member)
    client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="warm-up")

    with django_assert_max_num_queries(MAX_QUERIES_PER_CREATE - 3) as captured:
        response = client.post(URL, body(description="又一处"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert response.status_code == 201, response.content
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    for table in ("cases_holiday", "cases_categorytimelimit", 'MAX("areas_area"."updated_at")'):
        assert table not in tables


@pytest.mark.parametrize("with_photos", [False, True])
def test_the_created_answer_is_what_the_case_reads_as(
    api, grid_member, reported, categories, grids, media, photo, with_photos
):
    client = api(grid_member)
    if with_photos:
        sent = {**body(), "photos": [photo("a.jpg"), photo("b.jpg", color=(0, 0, 200))]}
        created = client.post(URL, sent, format="multipart", HTTP_IDEMPOTENCY_KEY="p-1")
    else:
        created = client.post(URL, body(reporter_phone="13812345678"), format="json")
    assert created.status_code == 201, created.content

    answer = created.json()
    duplicates = answer.pop("possible_duplicates")
    detail = client.get(f"{URL}{answer['id']}/").json()

    assert answer == detail
    assert [d["id"] for d in duplicates] == [reported.pk]
    assert len(answer["photos"]) == (2 if with_photos else 0)


def test_a_citizen_sees_the_answer_a_read_gives_them(api, citizen_reporter, categories, grids, media):
    client = api(citizen_reporter)
    created = client.post(URL, body(reporter_name="王小明"), format="json")
    assert created.status_code == 201, created.content

    answer = created.json()
    answer.pop("possible_duplicates")

    assert answer == client.get(f"{URL}{answer['id']}/").json()


@pytest.fixture
def citizen_reporter(tree):
    from gongzhi.accounts.roles import Role
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    user = UserFactory(username="resident", display_name="李阿姨")
    assign_role(user, role=Role.RESIDENT, area=tree["G1"])
    return user


def _report_at(categories, grid_member, lat_offset: float) -> Case:
    return services.report_case(
        category=categories["clutter"],
        description=f"堆物 {lat_offset}",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0] + lat_offset,
        lng=G1_POINT[1],
    )


def test_possible_duplicates_are_the_nearest_few_nearest_first(api, grid_member, categories, grids, media):
    # 14 open cases 0–65 m north of the spot (5 m apart), one beyond the 100 m radius, one far.
    near = [_report_at(categories, grid_member, i * 0.000045) for i in range(14)]
    _report_at(categories, grid_member, 0.0012)  # ~133 m
    services.report_case(
        category=categories["clutter"],
        description="别处",
        source=CaseSource.RESIDENT,
        lat=G3_POINT[0],
        lng=G3_POINT[1],
    )

    answer = (
        api(grid_member)
        .post(
            URL,
            {"category": "0101", "description": "同一处", "lat": G1_POINT[0], "lng": G1_POINT[1]},
            format="json",
        )
        .json()
    )

    listed = answer["possible_duplicates"]
    assert [d["id"] for d in listed] == [c.pk for c in near[:DUPLICATE_LIMIT]]
    assert [d["distance_m"] for d in listed] == sorted(d["distance_m"] for d in listed)
    assert listed[-1]["distance_m"] <= 100


def test_possible_duplicates_are_the_nearest_the_caller_may_see(
    api, grid_member, citizen_reporter, categories, grids, media
):
    # The grid member's cases are nearest; the citizen may only see their own, farther one.
    for i in range(DUPLICATE_LIMIT + 2):
        _report_at(categories, grid_member, i * 0.00001)
    client = api(citizen_reporter)
    own = client.post(URL, body(description="我报的"), format="json").json()

    answer = client.post(
        URL,
        {"category": "0101", "description": "又见", "lat": G1_POINT[0], "lng": G1_POINT[1]},
        format="json",
    ).json()

    assert [d["id"] for d in answer["possible_duplicates"]] == [own["id"]]
