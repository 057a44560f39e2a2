"""Every indicator through ``/api/v1/stats/`` on a small data set computed by hand.

The last 40 days (``START``–``TODAY``) on the tree of tests/conftest.py, every row made by the
services of its app (G1 1,200 residents, G2 800, G3 500):

  organizations  红领之家 and 夕阳红服务社 filed in C1; 灵峰公益 registered in C2; a foundation
                 registered on the district itself; a draft in C1 (not counted)
  volunteers     安娜 (party member), 鲍勃, 卡尔 in G1; 丁丁 (probationary member) in G3
  activities     红领之家 in C1 3 days ago; 灵峰公益 in C2 4 days ago; one 60 days ago (outside)
  records        安娜 2.5 h, 鲍勃 1.5 h adjusted by −0.5 h (C1); 丁丁 1 h (C2); 卡尔 3 h still
                 pending; 安娜 4 h 60 days ago (outside)
  projects       银龄助餐 (elderly, C1): 30,000 government + 5,000 donation, served 20/40 and
                 10/15 people/person-times, plus 99/99 60 days ago (outside); 灵峰助学
                 (education, C2): 20,000 government (+5,000 allocated and reversed), served 7/7;
                 a draft with 10,000, a cancelled one and one three years old (none counted)
  cases          A G1 resolved on site; B G2 escalated to the community and closed there;
                 F G1 handling, past its deadlines; H G1 reported, not registered; X G3 resolved
                 on site; Y G1 resolved on site 60 days ago (outside)
  wishes         two posted in C1 (one fulfilled), one in C2
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.accounts.services import assign_role
from gongzhi.cases import services as cases
from gongzhi.cases.choices import CaseSource
from gongzhi.organizations import services as organizations
from gongzhi.projects import services as projects
from gongzhi.stats.indicators import INDICATORS
from gongzhi.volunteers import services as volunteers
from tests.cases.conftest import categories, grids, handler, photo, unit  # noqa: F401
from tests.factories import UserFactory, make_person
from tests.projects.conftest import childcare_project, credit_code, make_org  # noqa: F401
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"
TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=40)
PERIOD = {"from": START.isoformat(), "to": TODAY.isoformat()}

# Where each indicator sits in the overview answer.
OVERVIEW_KEYS = {
    "population": ("population",),
    "organizations_registered": ("organizations", "registered"),
    "organizations_filed": ("organizations", "filed"),
    "organizations_total": ("organizations", "total"),
    "organizations_per_10k": ("organizations", "per_10k"),
    "organizations_serving": ("organizations_serving",),
    "projects": ("projects", "count"),
    "project_funds": ("projects", "funds", "total"),
    "participants": ("participants",),
    "person_times_served": ("person_times_served",),
    "volunteers": ("volunteers", "total"),
    "volunteers_party_members": ("volunteers", "party_members"),
    "activities": ("activities",),
    "service_records": ("service_records",),
    "service_hours": ("service_hours",),
    "cases_reported": ("cases", "reported"),
    "cases_closed": ("cases", "closed"),
    "grid_resolution_rate": ("cases", "grid_resolution_rate"),
    "street_resolution_rate": ("cases", "street_resolution_rate"),
    "on_time_close_rate": ("cases", "on_time_close_rate"),
    "cases_overdue": ("cases", "overdue"),
    "wishes_posted": ("wishes", "posted"),
    "wishes_fulfilled": ("wishes", "fulfilled"),
}
# Indicators counted by the day of an event: the months of a period add up to the period.
# (Snapshots, projects counted by their year and organizations counted once however often
# they served do not.)
BY_EVENT_DATE = (
    "participants",
    "person_times_served",
    "activities",
    "service_records",
    "service_hours",
    "cases_reported",
    "cases_closed",
    "wishes_posted",
    "wishes_fulfilled",
)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def number(value) -> Decimal:
    return Decimal(str(value))


def pick(body: dict, keys: tuple[str, ...]):
    for key in keys:
        body = body[key]
    return body


def get(client, what: str, **params):
    response = client.get(f"{STATS}{what}/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def _user(username: str, role: str, area):
    user = UserFactory(username=username)
    assign_role(user, role=role, area=area)
    return user


# ---------------------------------------------------------------------------------------------
# The data set


def _organizations(tree, street_admin, district_admin, s2_leader):
    lingfeng = make_org(tree["C2"], "灵峰公益", status="registered", leader_user=s2_leader)
    organizations.register_organization(
        by=district_admin,
        legal_form="foundation",
        credit_code=credit_code(),
        registering_authority="北仑区民政局",
        registered_on=days(-400),
        name="北仑港城慈善基金会",
        area=tree["D"],
    )
    organizations.create_organization(name="尚在筹备的读书会", area=tree["C1"], by=street_admin)
    return lingfeng


def _volunteering(tree, club, leader, lingfeng, s2_leader, district_admin, ann, bob, carl):
    dan_person = make_person(grid=tree["G3"], name="丁丁", political_status="probationary")
    dan = volunteers.register_volunteer(dan_person, by=district_admin, organizations=[lingfeng])

    def activity(organizer, by, area, day, title):
        return volunteers.create_activity(
            by=by,
            organizer=organizer,
            title=title,
            category="elder_care",
            area=area,
            place="活动室",
            starts_at=at(day, 9),
            ends_at=at(day, 11),
            capacity=10,
            signup_opens_at=at(day - 5, 9),
            signup_closes_at=at(day, 9),
        )

    activity(club, leader, tree["C1"], -3, "敬老理发")
    activity(lingfeng, s2_leader, tree["C2"], -4, "助学辅导")
    activity(club, leader, tree["C1"], -60, "旧活动")

    def record(volunteer, organization, by, day, hours, *, approve=True):
        made = volunteers.add_manual_record(
            volunteer,
            by=by,
            organization=organization,
            served_on=days(day),
            hours=hours,
            content="服务",
            reason="补录",
        )
        return volunteers.approve_record(made, by=by) if approve else made

    record(ann, club, leader, -1, "2.5")
    bobs = record(bob, club, leader, -10, "1.5")
    volunteers.adjust_record(bobs, by=leader, hours="-0.5", reason="多记了半小时")
    record(carl, club, leader, -2, "3", approve=False)
    record(ann, club, leader, -60, "4")
    record(dan, lingfeng, s2_leader, -3, "1")


def _projects(
    tree, district_admin, gov_fund, donation, org, org_leader, lingfeng, s2_leader, elderly, childcare
):
    def run(project, organization, leader):
        projects.claim_project(project, organization=organization, by=leader)
        return projects.start_project(project, by=leader)

    def deliver(project, leader, day, people, times):
        projects.report_delivery(
            project, by=leader, title="服务", held_on=days(day), beneficiaries=people, person_times=times
        )

    projects.allocate(elderly, source=gov_fund, amount="30000", by=district_admin)
    projects.allocate(elderly, source=donation, amount="5000", by=district_admin)
    elderly = run(elderly, org, org_leader)
    deliver(elderly, org_leader, -5, 20, 40)
    deliver(elderly, org_leader, -2, 10, 15)
    deliver(elderly, org_leader, -60, 99, 99)

    study = projects.create_project(
        title="灵峰助学", lifecycle_category="education", area=tree["C2"], by=district_admin
    )
    study = projects.publish_project(study, by=district_admin)
    projects.allocate(study, source=gov_fund, amount="20000", by=district_admin)
    twice = projects.allocate(study, source=gov_fund, amount="5000", by=district_admin)
    projects.reverse_allocation(twice, by=district_admin, reason="重复分配")
    study = run(study, lingfeng, s2_leader)
    deliver(study, s2_leader, -3, 7, 7)

    projects.allocate(childcare, source=gov_fund, amount="10000", by=district_admin)
    cancelled = projects.create_project(
        title="健康讲座", lifecycle_category="health", area=tree["C1"], by=district_admin
    )
    projects.cancel_project(
        projects.publish_project(cancelled, by=district_admin), by=district_admin, reason="场地取消"
    )
    old = projects.create_project(
        title="往年项目",
        lifecycle_category="elderly",
        area=tree["C1"],
        by=district_admin,
        year=TODAY.year - 3,
    )
    projects.publish_project(old, by=district_admin)


def _cases(tree, grid_member, community_worker, fixtures):
    clutter = fixtures["categories"]["clutter"]
    team, worker, picture = fixtures["unit"], fixtures["handler"], fixtures["photo"]
    g3_member = _user("g3_member", "grid_member", tree["G3"])

    def report(grid, when, by=grid_member):
        return cases.report_case(
            category=clutter,
            description="人行道堆放杂物",
            source=CaseSource.GRID_MEMBER,
            by=by,
            grid=grid,
            now=when,
        )

    a = report(tree["G1"], at(-20, 9))
    cases.resolve_on_site(a, by=grid_member, note="已清理", photos=[picture()], now=at(-20, 9, 30))

    b = report(tree["G2"], at(-15, 9), by=community_worker)
    cases.escalate_case(b, by=community_worker, note="涉及多户，需社区协调", now=at(-15, 9, 30))
    cases.dispatch_case(b, to=team, by=community_worker, now=at(-15, 10))
    cases.accept_case(b, by=worker, now=at(-15, 10, 30))
    cases.feedback_case(b, by=worker, result="已协调清理", now=at(-15, 11))
    cases.verify_case(b, by=community_worker, now=at(-15, 11, 30))

    f = report(tree["G1"], at(-20, 9))
    cases.register_case(f, by=community_worker, now=at(-20, 9, 30))
    cases.dispatch_case(f, to=team, by=community_worker, now=at(-20, 10))
    cases.accept_case(f, by=worker, now=at(-20, 10, 30))

    report(tree["G1"], at(-5, 10))  # H

    x = report(tree["G3"], at(-15, 9), by=g3_member)
    cases.resolve_on_site(x, by=g3_member, note="已清理", photos=[picture()], now=at(-15, 9, 30))

    y = report(tree["G1"], at(-60, 9))
    cases.resolve_on_site(y, by=grid_member, note="已清理", photos=[picture()], now=at(-60, 9, 30))


def _wishes(tree, community_worker, ann):
    c2_worker = _user("c2_worker", "community_worker", tree["C2"])

    def post(by, grid, name):
        return volunteers.post_wish(
            by=by,
            beneficiary=make_person(grid=grid, name=name),
            title="一件棉大衣",
            category="festival",
            estimated_value="300",
            expires_on=days(30),
        )

    first = post(community_worker, tree["G1"], "老兵王")
    first = volunteers.claim_wish(first, by=ann.person.user, claimer_kind="volunteer")
    volunteers.fulfil_wish(first, by=ann.person.user, proof="已送到老人家中")
    post(community_worker, tree["G2"], "李奶奶")
    post(c2_worker, tree["G3"], "张爷爷")


@pytest.fixture
def dataset(
    tree,
    district_admin,
    street_admin,
    community_worker,
    grid_member,
    club,
    leader,
    ann,
    bob,
    carl,
    org,
    org_leader,
    gov_fund,
    donation,
    elderly_project,
    media,
    request,
):
    # Fixtures imported from other conftest modules are fetched by name (an argument named
    # like an imported fixture would shadow the import).
    fixtures = {
        name: request.getfixturevalue(name)
        for name in ("grids", "categories", "unit", "handler", "photo", "childcare_project")
    }
    s2_leader = _user("s2_leader", "org_leader", tree["S2"])
    lingfeng = _organizations(tree, street_admin, district_admin, s2_leader)
    _volunteering(tree, club, leader, lingfeng, s2_leader, district_admin, ann, bob, carl)
    _projects(
        tree,
        district_admin,
        gov_fund,
        donation,
        org,
        org_leader,
        lingfeng,
        s2_leader,
        elderly_project,
        fixtures["childcare_project"],
    )
    _cases(tree, grid_member, community_worker, fixtures)
    _wishes(tree, community_worker, ann)
    return tree


# ---------------------------------------------------------------------------------------------
# Each indicator, by hand


def money(by_kind: dict[str, str]) -> dict[str, str]:
    funds = {
        "government_purchase": "0.00",
        "welfare_lottery": "0.00",
        "corporate_donation": "0.00",
        "other": "0.00",
    }
    funds.update(by_kind)
    funds["total"] = str(sum(Decimal(v) for v in funds.values()))
    return funds


def lifecycle(**counts: int) -> dict[str, int]:
    zero = dict.fromkeys(
        ("childcare", "education", "employment", "health", "elderly", "housing", "vulnerable"), 0
    )
    return {**zero, **counts}


def test_the_districts_overview_is_the_hand_count(dataset, api, district_admin):
    body = get(api(district_admin), "overview", area="D", **PERIOD)

    assert body == {
        "area": "D",
        "from": START.isoformat(),
        "to": TODAY.isoformat(),
        "population": 2500,
        "organizations": {"registered": 2, "filed": 2, "total": 4, "per_10k": 16.0},
        "organizations_serving": 3,
        "projects": {
            "count": 2,
            "by_lifecycle": lifecycle(elderly=1, education=1),
            "funds": money({"government_purchase": "50000.00", "corporate_donation": "5000.00"}),
        },
        "participants": 37,
        "person_times_served": 62,
        "volunteers": {"total": 4, "party_members": 2},
        "activities": 2,
        "service_records": 3,
        "service_hours": "4.50",
        "cases": {
            "reported": 5,
            "closed": 3,
            "grid_resolution_rate": 2 / 3,
            "street_resolution_rate": 1.0,
            "on_time_close_rate": 3 / 4,
            "overdue": 2,
        },
        "wishes": {"posted": 3, "fulfilled": 1},
    }
    assert body["projects"]["funds"]["total"] == "55000.00"


def test_each_streets_overview_is_the_hand_count(dataset, api, district_admin):
    s1 = get(api(district_admin), "overview", area="S1", **PERIOD)
    s2 = get(api(district_admin), "overview", area="S2", **PERIOD)

    assert (s1["population"], s1["organizations"], s1["organizations_serving"]) == (
        2000,
        {"registered": 0, "filed": 2, "total": 2, "per_10k": 10.0},
        2,
    )
    assert s1["projects"] == {
        "count": 1,
        "by_lifecycle": lifecycle(elderly=1),
        "funds": money({"government_purchase": "30000.00", "corporate_donation": "5000.00"}),
    }
    assert (s1["participants"], s1["person_times_served"], s1["volunteers"]) == (
        30,
        55,
        {"total": 3, "party_members": 1},
    )
    assert (s1["activities"], s1["service_records"], s1["service_hours"]) == (1, 2, "3.50")
    assert s1["cases"] == {
        "reported": 4,
        "closed": 2,
        "grid_resolution_rate": 0.5,
        "street_resolution_rate": 1.0,
        "on_time_close_rate": 2 / 3,
        "overdue": 2,
    }
    assert s1["wishes"] == {"posted": 2, "fulfilled": 1}

    assert (s2["population"], s2["organizations"], s2["organizations_serving"]) == (
        500,
        {"registered": 1, "filed": 0, "total": 1, "per_10k": 20.0},
        1,
    )
    assert s2["projects"] == {
        "count": 1,
        "by_lifecycle": lifecycle(education=1),
        "funds": money({"government_purchase": "20000.00"}),
    }
    assert (s2["participants"], s2["person_times_served"], s2["volunteers"]) == (
        7,
        7,
        {"total": 1, "party_members": 1},
    )
    assert (s2["activities"], s2["service_records"], s2["service_hours"]) == (1, 1, "1.00")
    assert s2["cases"] == {
        "reported": 1,
        "closed": 1,
        "grid_resolution_rate": 1.0,
        "street_resolution_rate": 1.0,
        "on_time_close_rate": 1.0,
        "overdue": 0,
    }
    assert s2["wishes"] == {"posted": 1, "fulfilled": 0}


def test_a_period_with_no_cases_has_no_rates(dataset, api, district_admin):
    old = {"from": days(-400).isoformat(), "to": days(-300).isoformat()}

    cases_then = get(api(district_admin), "overview", area="S1", **old)["cases"]

    assert cases_then == {
        "reported": 0,
        "closed": 0,
        "grid_resolution_rate": None,
        "street_resolution_rate": None,
        "on_time_close_rate": None,
        "overdue": 2,  # a snapshot: overdue now, whatever the period
    }


def test_every_indicator_is_in_the_overview():
    assert set(OVERVIEW_KEYS) == set(INDICATORS)


# ---------------------------------------------------------------------------------------------
# Drill-down, categories and months


@pytest.mark.parametrize("code", ["D", "S1", "C1"])
def test_an_areas_value_is_the_sum_of_its_breakdown_rows(dataset, api, district_admin, code):
    client = api(district_admin)
    overview = get(client, "overview", area=code, **PERIOD)

    for name, indicator in INDICATORS.items():
        if not indicator.additive:
            continue
        rows = get(client, "breakdown", area=code, indicator=name, by="child", **PERIOD)
        total = sum((number(r["value"]) for r in rows), Decimal(0))
        assert total == number(pick(overview, OVERVIEW_KEYS[name])), name


def test_breakdown_rows_name_the_areas_and_link_to_the_records(dataset, api, district_admin):
    rows = get(api(district_admin), "breakdown", area="D", indicator="organizations_total", **PERIOD)

    assert rows == [
        {"code": "S1", "name": "新碶街道", "level": "street", "value": 2, "own": False,
         "records": "/organizations/?under=S1"},
        {"code": "S2", "name": "大碶街道", "level": "street", "value": 1, "own": False,
         "records": "/organizations/?under=S2"},
        {"code": "D", "name": "北仑区", "level": "district", "value": 1, "own": True,
         "records": "/organizations/?under=D"},
    ]  # fmt: skip


def test_money_and_hours_break_down_as_decimal_strings(dataset, api, district_admin):
    hours = get(api(district_admin), "breakdown", area="D", indicator="service_hours", **PERIOD)
    rates = get(api(district_admin), "breakdown", area="D", indicator="grid_resolution_rate", **PERIOD)

    assert [(r["code"], r["value"]) for r in hours] == [("S1", "3.50"), ("S2", "1.00")]
    # A rate is not additive: one row per street, no row for the district itself.
    assert [(r["code"], r["value"], r["own"]) for r in rates] == [("S1", 0.5, False), ("S2", 1.0, False)]


def test_projects_and_funds_break_down_by_category(dataset, api, district_admin):
    client = api(district_admin)

    by_category = get(client, "breakdown", area="D", indicator="projects", by="category", **PERIOD)
    funds = get(client, "breakdown", area="D", indicator="project_funds", by="category", **PERIOD)

    assert [(r["category"], r["label"], r["value"]) for r in by_category if r["value"]] == [
        ("education", "学有所教", 1),
        ("elderly", "老有所养", 1),
    ]
    assert len(by_category) == 7
    assert {r["category"]: r["value"] for r in funds} == {
        "government_purchase": "50000.00",
        "welfare_lottery": "0.00",
        "corporate_donation": "5000.00",
        "other": "0.00",
    }


def test_the_months_add_up_to_the_period(dataset, api, district_admin):
    client = api(district_admin)
    overview = get(client, "overview", area="D", **PERIOD)

    for name in BY_EVENT_DATE:
        months = get(client, "timeseries", area="D", indicator=name, interval="month", **PERIOD)
        assert months[0]["from"] == START.isoformat()
        assert months[-1]["to"] == TODAY.isoformat()
        total = sum((number(m["value"]) for m in months), Decimal(0))
        assert total == number(pick(overview, OVERVIEW_KEYS[name])), name


def test_a_series_has_one_point_per_calendar_month(dataset, api, district_admin):
    year = TODAY.year - 1

    months = get(
        api(district_admin),
        "timeseries",
        area="S1",
        indicator="population",
        **{"from": f"{year}-01-15", "to": f"{year}-03-31"},
    )

    assert months == [
        {"from": f"{year}-01-15", "to": f"{year}-01-31", "value": 2000},
        {"from": f"{year}-02-01", "to": f"{year}-02-{28 + (year % 4 == 0)}", "value": 2000},
        {"from": f"{year}-03-01", "to": f"{year}-03-31", "value": 2000},
    ]


# ---------------------------------------------------------------------------------------------
# Cost


def test_the_overviews_queries_do_not_grow_with_the_records(tree, api, district_admin, club, leader):
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            volunteer = make_volunteer(tree, club, f"v{i}", f"志愿者{i}")
            record = volunteers.add_manual_record(
                volunteer,
                by=leader,
                organization=club,
                served_on=days(-1),
                hours="1",
                content="服务",
                reason="补录",
            )
            volunteers.approve_record(record, by=leader)

    def queries() -> int:
        user = get_user_model().objects.get(pk=district_admin.pk)  # no per-request caches
        with CaptureQueriesContext(connection) as captured:
            body = get(api(user), "overview", area="D", **PERIOD)
        return len(captured), body["volunteers"]["total"], body["service_records"]

    add(3, 0)
    few = queries()
    add(27, 3)
    many = queries()

    assert (few[1:], many[1:]) == ((3, 3), (30, 30))
    assert many[0] == few[0]
