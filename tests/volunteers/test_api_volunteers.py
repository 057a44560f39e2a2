"""The volunteer register through the API: self-registration, the caller's own record with
its figures, the list's fields and filters, changing skills, statistics, jurisdiction
isolation and the list's query cap."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.services import assign_role
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Volunteer
from tests.factories import UserFactory, make_person
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db

VOLUNTEERS = "/api/v1/volunteers/"


def error(response):
    return response.json()["error"]


def approved_hours(volunteer, club, leader, hours, days_ago=3):
    record = services.add_manual_record(
        volunteer,
        by=leader,
        organization=club,
        served_on=at(-days_ago).date(),
        hours=hours,
        content="清扫楼道",
        reason="纸质签到补录",
    )
    return services.approve_record(record, by=leader)


@pytest.fixture
def s2_admin(tree):
    user = UserFactory(username="s2_admin")
    assign_role(user, role="street_admin", area=tree["S2"])
    return user


# --- registration -------------------------------------------------------------------------------


def test_a_signed_in_person_registers_themself(api, tree, club):
    user = UserFactory(username="eve")
    person = make_person(grid=tree["G2"], name="伊娃")
    person.user = user
    person.save(update_fields=["user"])

    response = api(user).post(
        VOLUNTEERS,
        {"person": person.pk, "skills": ["急救", "摄影"], "availability": "周末", "organizations": [club.pk]},
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("person", "name", "skills", "availability", "organizations", "status")} == {
        "person": person.pk,
        "name": "伊娃",
        "skills": ["急救", "摄影"],
        "availability": "周末",
        "organizations": [{"id": club.pk, "name": "红领之家", "team": ""}],
        "status": "active",
    }
    assert (body["total_hours"], body["star_level"]) == ("0.00", 0)
    assert body["number"].startswith("ZY")
    assert Volunteer.objects.get(pk=body["id"]).created_by == user


def test_registering_twice_is_a_conflict(api, ann):
    response = api(ann.person.user).post(VOLUNTEERS, {"person": ann.person.pk})

    assert response.status_code == 409
    assert error(response)["code"] == "conflict"


def test_someone_elses_person_is_not_found(api, tree, ann):
    stranger = make_person(grid=tree["G1"], name="路人")

    response = api(ann.person.user).post(VOLUNTEERS, {"person": stranger.pk})

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["person"]
    assert not Volunteer.objects.filter(person=stranger).exists()


def test_unknown_organization_is_named(api, tree):
    user = UserFactory(username="eve")
    person = make_person(grid=tree["G2"], name="伊娃")
    person.user = user
    person.save(update_fields=["user"])

    response = api(user).post(VOLUNTEERS, {"person": person.pk, "organizations": [987654]})

    assert response.status_code == 400
    assert error(response)["fields"] == {"organizations": ["组织 987654 不存在或不是活跃组织。"]}


def test_staff_register_a_resident(api, tree, community_worker):
    resident = make_person(grid=tree["G1"], name="老李")

    response = api(community_worker).post(VOLUNTEERS, {"person": resident.pk, "skills": ["修理"]})

    assert response.status_code == 201
    assert response.json()["name"] == "老李"


# --- the caller's own record --------------------------------------------------------------------


def test_me_shows_own_figures(api, ann, club, leader):
    approved_hours(ann, club, leader, "2.5")

    response = api(ann.person.user).get(f"{VOLUNTEERS}me/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["total_hours"], body["star_level"]) == (ann.pk, "2.50", 0)
    assert body["summary"] == {
        "hours": "2.50",
        "records": 1,
        "pending": 0,
        "star_level": 0,
        "next_threshold": 100,
    }


def test_me_is_404_for_someone_not_registered(api, community_worker):
    response = api(community_worker).get(f"{VOLUNTEERS}me/")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert "注册" in error(response)["message"]


def test_star_level_uses_the_districts_thresholds(api, tree, ann, club, leader, district_admin):
    services.set_policy(tree["D"], by=district_admin, star_thresholds=[2, 4, 6, 8, 10])
    approved_hours(ann, club, leader, "4.5")

    body = api(leader).get(f"{VOLUNTEERS}{ann.pk}/").json()

    assert (body["total_hours"], body["star_level"]) == ("4.50", 2)


def test_patch_changes_skills_and_availability(api, ann, bob):
    response = api(ann.person.user).patch(
        f"{VOLUNTEERS}{ann.pk}/", {"skills": ["理发", "按摩"], "availability": "工作日晚上"}
    )
    refused = api(bob.person.user).patch(f"{VOLUNTEERS}{ann.pk}/", {"skills": []})

    assert response.status_code == 200
    assert (response.json()["skills"], response.json()["availability"]) == (["理发", "按摩"], "工作日晚上")
    # Bob cannot see Ann's record at all.
    assert refused.status_code == 404
    ann.refresh_from_db()
    assert ann.skills == ["理发", "按摩"]


# --- lists and filters --------------------------------------------------------------------------


def test_leader_lists_the_clubs_volunteers(api, leader, ann, bob):
    response = api(leader).get(VOLUNTEERS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["name"] for r in rows] == ["安娜", "鲍勃"]
    assert set(rows[0]) == {
        "id",
        "person",
        "name",
        "number",
        "skills",
        "availability",
        "organizations",
        "total_hours",
        "star_level",
        "registered_on",
        "status",
        "status_display",
    }


def test_a_volunteer_sees_only_themself(api, ann, bob):
    rows = api(ann.person.user).get(VOLUNTEERS).json()["results"]

    assert [r["id"] for r in rows] == [ann.pk]


def test_filters(api, tree, club, community_worker, ann, bob):
    services.update_volunteer(bob, by=bob.person.user, skills=["急救"])
    other = make_volunteer(tree, club, "dan", "丹")
    services.leave_organization(other.affiliations.get(), by=other.person.user)

    def names(**query):
        return [r["name"] for r in api(community_worker).get(VOLUNTEERS, query).json()["results"]]

    assert names(skill="急救") == ["鲍勃"]
    assert names(skill="理发") == ["安娜", "丹"]
    assert names(party_member="true") == ["安娜"]
    assert names(party_member="false") == ["鲍勃", "丹"]
    assert names(organization=club.pk) == ["安娜", "鲍勃"]
    assert names(under="G1") == ["安娜", "鲍勃", "丹"]
    assert names(under="G2") == []


def test_list_query_count_does_not_grow_with_rows(
    api, tree, club, leader, community_worker, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            volunteer = make_volunteer(tree, club, f"v{i}", f"志愿者{i}")
            approved_hours(volunteer, club, leader, "1.5", days_ago=i + 1)

    def measure():
        client = api(get_user_model().objects.get(pk=community_worker.pk))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(VOLUNTEERS)
        return len(ctx.captured_queries), response.json()

    add(3, 0)
    three, _body = measure()
    add(12, 3)
    fifteen, body = measure()

    assert body["count"] == 15
    assert fifteen == three
    assert {(r["total_hours"], len(r["organizations"])) for r in body["results"]} == {("1.50", 1)}
    client = api(get_user_model().objects.get(pk=community_worker.pk))
    with django_assert_max_num_queries(three):
        client.get(VOLUNTEERS)


# --- statistics ---------------------------------------------------------------------------------


def test_stats_for_an_area(api, tree, club, leader, district_admin, ann, bob):
    approved_hours(ann, club, leader, "2")
    approved_hours(bob, club, leader, "3.5")

    response = api(district_admin).get(f"{VOLUNTEERS}stats/", {"under": "C1"})

    assert response.status_code == 200
    assert response.json() == {
        "area": "C1",
        "area_name": "百合社区",
        "volunteers": 2,
        "party_members": 1,
        "activities": 0,
        "service_records": 2,
        "hours": "5.50",
    }


def test_stats_default_to_the_callers_top_area(api, street_admin, ann):
    body = api(street_admin).get(f"{VOLUNTEERS}stats/").json()

    assert (body["area"], body["volunteers"]) == ("S1", 1)


def test_stats_outside_the_jurisdiction_are_not_found(api, s2_admin, ann):
    outside = api(s2_admin).get(f"{VOLUNTEERS}stats/", {"under": "C1"})
    unknown = api(s2_admin).get(f"{VOLUNTEERS}stats/", {"under": "NOPE"})

    assert (outside.status_code, unknown.status_code) == (404, 404)
    assert error(outside) == error(unknown)


# --- jurisdiction isolation ---------------------------------------------------------------------


def test_street_admin_of_s2_sees_nothing_of_c1(api, s2_admin, activity, ann, club, leader):
    approved_hours(ann, club, leader, "2")
    services.sign_up(activity, ann, by=ann.person.user)
    client = api(s2_admin)

    lists = {
        path: client.get(f"/api/v1/{path}/").json()["count"]
        for path in ("volunteers", "activities", "service-records", "wishes")
    }
    details = [
        client.get(f"{VOLUNTEERS}{ann.pk}/").status_code,
        client.get(f"/api/v1/activities/{activity.pk}/").status_code,
        client.get(f"/api/v1/activities/{activity.pk}/signups/").status_code,
        client.post(f"/api/v1/activities/{activity.pk}/signup/", {"volunteer": ann.pk}).status_code,
    ]

    assert lists == {"volunteers": 0, "activities": 0, "service-records": 0, "wishes": 0}
    assert details == [404, 404, 404, 404]
    assert services.total_hours(ann) == Decimal("2.00")
