"""Community correction on the pages: the justice officer's list, figures and forms, each view
logged; everyone else gets "not found"; and the tag leaks into no volunteer page an organizer,
a district admin or a community worker opens, with a correction volunteer present. Also the
alliance figures page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.organizations import services as org_services
from gongzhi.people.models import PersonTag, SensitiveAccess
from gongzhi.volunteers import services
from gongzhi.volunteers.models import CorrectionAssignment, Signup, SupervisionEvent
from tests.factories import make_person
from tests.projects.conftest import make_org
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db

CORRECTIONS = reverse("volunteers:corrections")


@pytest.fixture
def corrected(tree, ann, club, leader, justice_officer):
    """ann is under community correction, supervised by the club; she attended an activity
    under way now (checked in) and missed one that ended yesterday."""
    assignment = services.assign_correction(
        ann.person, by=justice_officer, organization=club, starts_on=at(-60).date(), note="每月服务 8 小时"
    )
    now = timezone.now()
    running = services.create_activity(
        by=leader,
        organizer=club,
        title="护绿行动",
        category="greening",
        area=tree["C1"],
        place="公园",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=1),
        capacity=5,
        signup_opens_at=now - datetime.timedelta(days=1),
        signup_closes_at=now + datetime.timedelta(hours=1),
    )
    services.sign_up(running, ann, by=ann.person.user)
    services.check_in(running, ann, token=services.make_qr_token(running, "in"), by=ann.person.user)
    missed = services.create_activity(
        by=leader,
        organizer=club,
        title="上周敬老",
        category="elder_care",
        area=tree["C1"],
        place="敬老院",
        starts_at=at(-1, 9),
        ends_at=at(-1, 11),
        capacity=5,
        signup_opens_at=at(-5, 9),
        signup_closes_at=at(-1, 9),
    )
    Signup.objects.create(activity=missed, volunteer=ann, status="confirmed")
    record = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-3).date(), hours="4", content="助老", reason="补录"
    )
    services.approve_record(record, by=leader)
    return {"assignment": assignment, "running": running}


def test_the_justice_officer_sees_participation_and_figures(corrected, justice_officer, page):
    response = page(justice_officer).get(CORRECTIONS)

    html = response.content.decode()
    (row,) = response.context["rows"]
    assert response.status_code == 200
    assert row["assignment"] == corrected["assignment"]
    assert (
        row["participation"].activities,
        str(row["participation"].hours),
        row["participation"].missed,
    ) == (1, "4.00", 1)
    assert response.context["figures"].served == 1
    assert "安娜" in html
    assert "社区矫正志愿服务" in html


def test_every_view_is_logged(corrected, justice_officer, page):
    client = page(justice_officer)

    client.get(CORRECTIONS)
    client.get(reverse("volunteers:correction", args=[corrected["assignment"].pk]))

    logged = list(SensitiveAccess.objects.filter(user=justice_officer).order_by("id"))
    assert len(logged) == 2
    assert {(a.person_id, a.field) for a in logged} == {
        (corrected["assignment"].person_id, "tag:community_correction")
    }
    assert logged[0].ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    "persona", ["district_admin", "street_admin", "community_worker", "grid_member", "leader", "outsider"]
)
def test_everyone_else_is_told_the_pages_do_not_exist(corrected, persona, request, page):
    client = page(request.getfixturevalue(persona))
    assignment = corrected["assignment"]

    assert client.get(CORRECTIONS).status_code == 404
    assert client.get(reverse("volunteers:correction", args=[assignment.pk])).status_code == 404
    response = client.post(
        reverse("volunteers:correction_action", args=[assignment.pk, "events"]),
        {"kind": "lost_contact", "occurred_on": at(-1).date().isoformat()},
    )
    assert response.status_code == 404
    assert not SupervisionEvent.objects.exists()
    assert not SensitiveAccess.objects.exists()


def test_the_volunteer_herself_cannot_open_them(corrected, ann, page):
    assert page(ann.person.user).get(CORRECTIONS).status_code == 404


def test_a_small_street_is_not_broken_down(corrected, justice_officer, page):
    response = page(justice_officer).get(CORRECTIONS)

    (street,) = response.context["by_street"]
    assert (street["area"].code, street["suppressed"]) == ("S1", True)
    assert "不足 5 人，不予分列" in response.content.decode()


def test_a_street_of_five_is_broken_down(corrected, tree, club, justice_officer, page):
    for i in range(4):
        person = make_person(grid=tree["G2"], name=f"矫正{i}")
        services.assign_correction(person, by=justice_officer, organization=club, starts_on=at(-30).date())
    services.record_supervision_event(
        corrected["assignment"], by=justice_officer, kind="lost_contact", occurred_on=at(-2).date()
    )

    response = page(justice_officer).get(CORRECTIONS)

    (street,) = response.context["by_street"]
    assert street["suppressed"] is False
    assert (street["figures"].served, str(street["figures"].lost_contact_rate)) == (5, "20.00")
    assert "20.00%" in response.content.decode()


def test_the_justice_officer_records_an_event_and_ends_a_correction(corrected, justice_officer, page):
    client = page(justice_officer)
    assignment = corrected["assignment"]

    event = client.post(
        reverse("volunteers:correction_action", args=[assignment.pk, "events"]),
        {"kind": "reoffence", "occurred_on": at(-1).date().isoformat(), "note": "派出所通报"},
    )
    ended = client.post(
        reverse("volunteers:correction_action", args=[assignment.pk, "end"]),
        {"ends_on": at(0).date().isoformat()},
    )

    assignment.refresh_from_db()
    assert event.status_code == 302
    assert SupervisionEvent.objects.get().kind == "reoffence"
    assert ended.status_code == 302
    assert assignment.ends_on == at(0).date()


def test_an_event_before_the_correction_began_is_refused(corrected, justice_officer, page):
    response = page(justice_officer).post(
        reverse("volunteers:correction_action", args=[corrected["assignment"].pk, "events"]),
        {"kind": "lost_contact", "occurred_on": at(-90).date().isoformat()},
    )

    assert response.status_code == 400
    assert "发生日期须在矫正开始日期与今天之间。" in response.content.decode()


def test_the_justice_officer_assigns_a_person(tree, club, justice_officer, page):
    person = make_person(grid=tree["G1"], name="新矫正")

    response = page(justice_officer).post(
        CORRECTIONS,
        {"person": person.pk, "organization": club.pk, "starts_on": at(-1).date().isoformat(), "note": ""},
    )

    assignment = CorrectionAssignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:correction", args=[assignment.pk])
    assert PersonTag.objects.filter(person=person, tag="community_correction").exists()


def test_assigning_a_person_of_another_street_is_refused(tree, club, justice_officer, page):
    person = make_person(grid=tree["G3"], name="外街")

    response = page(justice_officer).post(
        CORRECTIONS, {"person": person.pk, "organization": club.pk, "starts_on": at(-1).date().isoformat()}
    )

    assert response.status_code == 400
    assert not CorrectionAssignment.objects.exists()


# --- the tag leaks nowhere else ---------------------------------------------------------------------------


def volunteer_pages(corrected, ann) -> list[str]:
    running = corrected["running"]
    return [
        reverse("volunteers:list"),
        reverse("volunteers:list") + "?party=yes",
        reverse("volunteers:detail", args=[ann.pk]),
        reverse("volunteers:activities"),
        reverse("volunteers:activity", args=[running.pk]),
        reverse("volunteers:roster", args=[running.pk]),
        reverse("volunteers:records"),
        reverse("volunteers:records") + "?tab=approved",
        reverse("volunteers:wishes"),
        reverse("volunteers:person_options") + "?for=register&q=安",
        reverse("home"),
    ]


@pytest.mark.parametrize("persona", ["leader", "district_admin", "street_admin", "community_worker"])
def test_the_correction_tag_shows_on_no_volunteer_page(corrected, ann, persona, request, page):
    client = page(request.getfixturevalue(persona))

    for url in volunteer_pages(corrected, ann):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code in (200, 302), url
        assert "社区矫正" not in html, url
        assert "矫正" not in html, url
    assert "安娜" in client.get(reverse("volunteers:roster", args=[corrected["running"].pk])).content.decode()


def test_the_correction_volunteer_sees_nothing_of_it_either(corrected, ann, page):
    client = page(ann.person.user)

    for url in (
        reverse("volunteers:me"),
        reverse("volunteers:detail", args=[ann.pk]),
        reverse("volunteers:activities"),
    ):
        html = client.get(url).content.decode()
        assert "矫正" not in html, url


# --- alliances --------------------------------------------------------------------------------------------


@pytest.fixture
def alliance(tree, club, leader, ann, bob, district_admin):
    choir = make_org(tree["C1"], "百合合唱团")
    alliance = org_services.create_alliance(
        name="新碶志愿联盟", lead=club, area=tree["S1"], by=district_admin
    )
    org_services.join_alliance(alliance, organization=choir, by=district_admin)
    singer = make_volunteer(tree, choir, "singer", "歌手", political_status="activist")
    for volunteer, org in ((ann, club), (singer, choir)):
        record = services.add_manual_record(
            volunteer,
            by=district_admin,
            organization=org,
            served_on=at(-2).date(),
            hours="3",
            content="联合服务",
            reason="补录",
        )
        services.approve_record(record, by=district_admin)
    services.create_activity(
        by=leader,
        organizer=club,
        title="联盟联合敬老",
        category="elder_care",
        area=tree["C1"],
        place="敬老院",
        starts_at=at(4, 9),
        ends_at=at(4, 11),
        capacity=10,
        alliance=alliance,
    )
    return alliance


def test_the_alliance_page_shows_combined_figures(alliance, street_admin, page):
    response = page(street_admin).get(reverse("volunteers:alliance", args=[alliance.pk]))

    stats = response.context["stats"]
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        stats.volunteers,
        stats.party_members,
        stats.activities,
        stats.service_records,
        str(stats.hours),
    ) == (
        3,
        2,
        1,
        2,
        "6.00",
    )
    assert "联盟联合敬老" in html
    assert "百合合唱团" in html


def test_the_alliance_list_links_to_the_figures(alliance, street_admin, page):
    html = page(street_admin).get(reverse("volunteers:alliances")).content.decode()

    assert f'href="/volunteers/alliances/{alliance.pk}/"' in html


def test_volunteers_have_no_alliance_pages(alliance, ann, page):
    client = page(ann.person.user)

    assert client.get(reverse("volunteers:alliances")).status_code == 403
    assert client.get(reverse("volunteers:alliance", args=[alliance.pk])).status_code == 404
