"""Community correction through the API: the justice role alone sees and records it, every
row shown is logged, everyone else gets the same 403 whatever the id, and the correction tag
leaks nowhere in the volunteer, roster and statistics responses — with a correction person
present who could leak."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.people.models import PersonTag, SensitiveAccess
from gongzhi.volunteers import services
from gongzhi.volunteers.models import CorrectionAssignment, SupervisionEvent
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

CORRECTIONS = "/api/v1/corrections/"
LEAKS = ("community_correction", "社区矫正")


def error(response):
    return response.json()["error"]


@pytest.fixture
def corrected(justice_officer, club, bob):
    """Bob, an ordinary-looking volunteer of the club, is under community correction."""
    return services.assign_correction(
        bob.person, by=justice_officer, organization=club, starts_on=at(-30).date(), note="缓刑"
    )


def test_justice_officer_records_an_assignment(api, justice_officer, club, ann):
    response = api(justice_officer).post(
        CORRECTIONS,
        {"person": ann.person.pk, "organization": club.pk, "starts_on": at(-10).date().isoformat()},
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("person", "name", "organization_name", "ends_on", "events")} == {
        "person": ann.person.pk,
        "name": "安娜",
        "organization_name": "红领之家",
        "ends_on": None,
        "events": [],
    }
    assert body["participation"] == {"activities": 0, "hours": "0.00", "missed": 0}
    assert PersonTag.objects.filter(person=ann.person, tag="community_correction").exists()


def test_list_and_detail_are_logged(api, justice_officer, corrected, bob):
    listed = api(justice_officer).get(CORRECTIONS)
    detail = api(justice_officer).get(f"{CORRECTIONS}{corrected.pk}/")

    assert listed.status_code == 200
    assert [r["name"] for r in listed.json()["results"]] == ["鲍勃"]
    assert detail.json()["note"] == "缓刑"
    logged = SensitiveAccess.objects.filter(user=justice_officer, person=bob.person)
    assert list(logged.values_list("field", flat=True)) == ["tag:community_correction"] * 2


def test_participation_counts_attendance_and_missed_activities(
    api, justice_officer, corrected, bob, activity
):
    services.sign_up(activity, bob, by=bob.person.user)
    ended = timezone.now() - datetime.timedelta(hours=1)
    type(activity).objects.filter(pk=activity.pk).update(
        starts_at=ended - datetime.timedelta(hours=2), ends_at=ended
    )

    body = api(justice_officer).get(f"{CORRECTIONS}{corrected.pk}/").json()

    assert body["participation"] == {"activities": 0, "hours": "0.00", "missed": 1}


def test_supervision_events_end_and_figures(api, justice_officer, corrected):
    client = api(justice_officer)
    today = timezone.localdate()

    event = client.post(
        f"{CORRECTIONS}{corrected.pk}/events/",
        {"kind": "lost_contact", "occurred_on": today.isoformat(), "note": "电话联系不上"},
    )
    ended = client.post(f"{CORRECTIONS}{corrected.pk}/end/", {"ends_on": today.isoformat()})
    figures = client.get(f"{CORRECTIONS}figures/", {"under": "S1", "since": at(-60).date().isoformat()})

    assert event.status_code == 201
    assert [(e["kind"], e["kind_display"]) for e in event.json()["events"]] == [("lost_contact", "脱管")]
    assert ended.json()["ends_on"] == today.isoformat()
    assert figures.json() == {
        "served": 1,
        "lost_contact": 1,
        "reoffended": 0,
        "lost_contact_rate": "100.00",
        "reoffence_rate": "0.00",
    }
    assert SupervisionEvent.objects.filter(assignment=corrected).count() == 1


def test_figures_outside_the_jurisdiction_are_not_found(api, justice_officer, corrected):
    assert api(justice_officer).get(f"{CORRECTIONS}figures/", {"under": "S2"}).status_code == 404


def test_everyone_else_gets_the_same_403_whatever_the_id(
    api, corrected, leader, district_admin, community_worker, street_admin, bob
):
    for user in (leader, district_admin, community_worker, street_admin, bob.person.user):
        client = api(user)
        responses = [
            client.get(CORRECTIONS),
            client.get(f"{CORRECTIONS}{corrected.pk}/"),
            client.get(f"{CORRECTIONS}{corrected.pk + 1000}/"),
            client.get(f"{CORRECTIONS}figures/"),
            client.post(
                f"{CORRECTIONS}{corrected.pk}/events/", {"kind": "reoffence", "occurred_on": "2026-01-01"}
            ),
            client.post(f"{CORRECTIONS}{corrected.pk + 1000}/end/", {"ends_on": "2026-01-01"}),
        ]
        assert {r.status_code for r in responses} == {403}, user.username
        assert len({r.content for r in responses}) == 1
    assert not SensitiveAccess.objects.exists()
    assert not SupervisionEvent.objects.exists()
    assert CorrectionAssignment.objects.get().ends_on is None


def test_anonymous_is_asked_to_sign_in(api, corrected):
    response = api().get(CORRECTIONS)

    assert response.status_code in (401, 403)
    assert error(response)["code"] == "not_authenticated"


def test_the_tag_leaks_nowhere_for_organizers_and_admins(
    api, corrected, bob, ann, activity, leader, district_admin, community_worker
):
    # Bob is signed up, has approved hours and a sign-up roster line: all could leak.
    services.sign_up(activity, bob, by=bob.person.user)
    record = services.add_manual_record(
        bob,
        by=leader,
        organization=activity.organizer,
        served_on=at(-2).date(),
        hours="2",
        content="清扫",
        reason="补录",
    )
    services.approve_record(record, by=leader)

    checked = []
    for user, stats_area in ((leader, "S1"), (district_admin, "D"), (community_worker, "C1")):
        client = api(user)
        responses = [
            client.get("/api/v1/volunteers/"),
            client.get(f"/api/v1/volunteers/{bob.pk}/"),
            client.get(f"/api/v1/activities/{activity.pk}/signups/"),
            client.get("/api/v1/volunteers/stats/", {"under": stats_area}),
            client.get("/api/v1/service-records/"),
        ]
        for response in responses:
            assert response.status_code == 200, (user.username, response.request["PATH_INFO"])
            text = response.content.decode()
            assert "鲍勃" in text or "volunteers" in text  # the data is there …
            for leak in LEAKS:  # … the tag is not
                assert leak not in text, (user.username, response.request["PATH_INFO"])
            checked.append(response.request["PATH_INFO"])
    assert len(checked) == 15
    # Bob counts as a volunteer like anyone in the statistics.
    stats = api(district_admin).get("/api/v1/volunteers/stats/", {"under": "C1"}).json()
    assert stats["volunteers"] == 2
