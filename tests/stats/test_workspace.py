"""The street's workspace (党群服务中心): each queue's count on hand-made data, its link into the
queue page filtered to the area, and the scoping — S2 holds one of everything too, which a
street admin of S1 must never count, and another street's workspace answers 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import Case, CaseCategory
from gongzhi.organizations.models import FilingApplication
from gongzhi.projects.models import Project, ProjectClaim
from gongzhi.stats.workspace import week_of, workspace_counts
from gongzhi.volunteers.models import Activity, ServiceRecord, Wish
from tests.factories import make_person
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

URL = reverse("stats:workspace")


def _case(number: str, grid, *, status: str, deadline_hours: int, category) -> Case:
    now = timezone.now()
    return Case.objects.create(
        number=number,
        category=category,
        description="楼道堆物",
        grid=grid,
        responsible_area=grid.parent,
        status=status,
        source="grid_member",
        reported_at=now - datetime.timedelta(days=2),
        stage_deadline=now + datetime.timedelta(hours=deadline_hours),
    )


def _activity(club, area, starts_at: datetime.datetime, title: str) -> Activity:
    return Activity.objects.create(
        title=title,
        category="elder_care",
        organizer=club,
        area=area,
        place="活动室",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        capacity=5,
        signup_opens_at=starts_at - datetime.timedelta(days=3),
        signup_closes_at=starts_at - datetime.timedelta(hours=1),
    )


def _one_of_everything(tree, street: str, community: str, grid: str, *, suffix: str, club, leader, volunteer):
    """In ``community``: a pending filing, an organization missing last year's report, a new
    case, an overdue dispatched case, a case on time, a completed project, a published project
    with an application, an activity today, a pending service record, an open wish and a
    claimed one past its due date."""
    area, cell = tree[community], tree[grid]
    today = timezone.localdate()
    applicant = make_org(area, f"读书会{suffix}", status="applying")
    FilingApplication.objects.create(organization=applicant, street=tree[street])
    late = make_org(area, f"合唱团{suffix}")
    late.filed_on = datetime.date(today.year - 1, 3, 1)
    late.save(update_fields=["filed_on"])
    category = CaseCategory.objects.get_or_create(code="01", defaults={"name": "市容环境"})[0]
    _case(f"N{suffix}", cell, status="reported", deadline_hours=4, category=category)
    _case(f"R{suffix}", cell, status="dispatched", deadline_hours=-3, category=category)
    _case(f"T{suffix}", cell, status="dispatched", deadline_hours=30, category=category)
    Project.objects.create(
        title=f"银龄助餐{suffix}",
        lifecycle_category="elderly",
        area=area,
        status="completed",
        year=today.year,
    )
    competitive = Project.objects.create(
        title=f"四点半课堂{suffix}",
        lifecycle_category="childcare",
        area=area,
        status="published",
        year=today.year,
        competitive=True,
    )
    ProjectClaim.objects.create(project=competitive, organization=late, kind="apply", status="applied")
    _activity(club, area, timezone.now(), f"敬老理发{suffix}")
    ServiceRecord.objects.create(
        volunteer=volunteer,
        organization=club,
        area=area,
        kind="manual",
        served_on=today,
        hours=Decimal("2.0"),
        content="清扫楼道",
        reason="纸质签到补录",
        created_by=leader,
    )
    beneficiary = make_person(grid=cell, name=f"心愿人{suffix}")
    common = {"category": "daily", "estimated_value": Decimal("50"), "beneficiary": beneficiary, "area": area}
    Wish.objects.create(title=f"一套字典{suffix}", expires_on=today + datetime.timedelta(days=20), **common)
    Wish.objects.create(
        title=f"一台收音机{suffix}",
        status="claimed",
        expires_on=today + datetime.timedelta(days=20),
        fulfil_by=today - datetime.timedelta(days=1),
        **common,
    )


@pytest.fixture
def queues(tree, club, leader, ann):
    _one_of_everything(tree, "S1", "C1", "G1", suffix="一", club=club, leader=leader, volunteer=ann)
    _one_of_everything(tree, "S2", "C2", "G3", suffix="二", club=club, leader=leader, volunteer=ann)
    return tree


def _counts(items) -> dict[str, int]:
    return {item.key: item.count for item in items}


EVERY_QUEUE = [
    "filings",
    "annual_reports_missing",
    "cases_dispatch",
    "cases_supervise",
    "projects_accept",
    "projects_select",
    "activities_week",
    "records_pending",
    "wishes_open",
    "wishes_overdue",
]


def test_workspace_counts_what_waits_in_the_street(queues, street_admin):
    counts = _counts(workspace_counts(street_admin, queues["S1"]))

    assert counts == dict.fromkeys(EVERY_QUEUE, 1)


def test_workspace_counts_add_up_for_the_district(queues, district_admin):
    district = _counts(workspace_counts(district_admin, queues["D"]))
    street = _counts(workspace_counts(district_admin, queues["S2"]))

    assert district == dict.fromkeys(EVERY_QUEUE, 2)
    assert street == dict.fromkeys(EVERY_QUEUE, 1)


def test_workspace_counts_only_rows_the_caller_may_see(queues, street_admin):
    # Asked about the whole district, the S1 admin still counts S1's rows alone.
    counts = _counts(workspace_counts(street_admin, queues["D"]))

    assert counts == dict.fromkeys(EVERY_QUEUE, 1)


def test_workspace_leaves_out_queues_the_caller_cannot_open(queues, grid_member):
    counts = _counts(workspace_counts(grid_member, queues["G1"]))

    # A grid member neither reviews filings, dispatches, supervises, accepts, selects nor
    # approves hours; the activity and the wishes lie on C1, above the grid.
    assert counts == {
        "annual_reports_missing": 0,
        "activities_week": 0,
        "wishes_open": 0,
        "wishes_overdue": 0,
    }


def test_workspace_page_defaults_to_the_callers_street_with_links(queues, street_admin, page):
    response = page(street_admin).get(URL)

    assert response.status_code == 200
    assert response.context["area"] == queues["S1"]
    items = {item.key: item for _group, group_items in response.context["groups"] for item in group_items}
    year = timezone.localdate().year - 1
    assert {key: item.url for key, item in items.items()} == {
        "filings": f"{reverse('organizations:filings')}?area=S1",
        "annual_reports_missing": f"{reverse('organizations:annual_reports')}?area=S1&year={year}&show=missing",
        "cases_dispatch": f"{reverse('cases:queue')}?area=S1",
        "cases_supervise": f"{reverse('cases:board')}?area=S1",
        "projects_accept": f"{reverse('projects:list')}?area=S1&status=completed",
        "projects_select": f"{reverse('projects:list')}?area=S1&status=published",
        "activities_week": f"{reverse('volunteers:activities')}?area=S1",
        "records_pending": f"{reverse('volunteers:records')}?area=S1&tab=pending",
        "wishes_open": f"{reverse('volunteers:wishes')}?area=S1&status=posted",
        "wishes_overdue": f"{reverse('volunteers:wishes')}?area=S1&status=claimed",
    }
    assert response.context["waiting"] == 10
    html = response.content.decode()
    assert "新碶街道党群服务中心工作台" in html
    assert f'href="{reverse("cases:board")}?area=S1"' in html


def test_workspace_links_open_their_queue_pages(queues, street_admin, page):
    client = page(street_admin)
    items = workspace_counts(street_admin, queues["S1"])

    statuses = {item.key: client.get(item.url).status_code for item in items}

    assert statuses == dict.fromkeys(EVERY_QUEUE, 200)


def test_workspace_page_takes_a_visible_area(queues, district_admin, page):
    response = page(district_admin).get(URL, {"area": "S2"})

    assert response.status_code == 200
    assert response.context["area"] == queues["S2"]
    assert response.context["waiting"] == 10


def test_workspace_of_another_street_is_not_found(queues, street_admin, page):
    response = page(street_admin).get(URL, {"area": "S2"})

    assert response.status_code == 404


def test_workspace_without_jurisdiction_is_not_found(queues, outsider, page):
    assert page(outsider).get(URL).status_code == 404
    assert page(outsider).get(URL, {"area": "S1"}).status_code == 404


def test_workspace_asks_an_anonymous_visitor_to_log_in(queues, page):
    response = page().get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_workspace_htmx_refresh_returns_the_counts_alone(queues, street_admin, page):
    response = page(street_admin).get(URL, {"area": "S1"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["stats/workspace_counts.html"]
    assert "<html" not in html
    assert 'id="queue-cases_supervise"' in html


def test_workspace_costs_a_query_per_part(queues, street_admin, page, django_assert_max_num_queries):
    client = page(street_admin)
    client.get(URL)  # warm the session

    with django_assert_max_num_queries(20):
        response = client.get(URL)

    assert response.status_code == 200


def test_week_runs_monday_to_sunday():
    begin, end = week_of(datetime.date(2026, 11, 27))  # a Friday

    assert (timezone.localtime(begin).date(), timezone.localtime(end).date()) == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 30),
    )
    assert timezone.localtime(begin).hour == 0


def test_activity_of_next_week_does_not_count(tree, club, street_admin):
    begin, end = week_of(timezone.localdate())
    _activity(club, tree["C1"], end + datetime.timedelta(hours=9), "下周护绿")
    _activity(club, tree["C1"], end - datetime.timedelta(minutes=31), "周日晚间护绿")
    _activity(club, tree["C1"], begin - datetime.timedelta(minutes=1), "上周护绿")

    counts = _counts(workspace_counts(street_admin, tree["S1"]))

    assert counts["activities_week"] == 1


def test_workspace_of_a_community_worker(queues, community_worker):
    counts = _counts(workspace_counts(community_worker, queues["C1"]))

    # Dispatches in C1 (the new case there) but supervises nowhere; approves hours and reads
    # wishes in C1; no filing review, acceptance or selection.
    assert counts == {
        "annual_reports_missing": 1,
        "cases_dispatch": 1,
        "activities_week": 1,
        "records_pending": 1,
        "wishes_open": 1,
        "wishes_overdue": 1,
    }
