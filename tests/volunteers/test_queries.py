"""The volunteer figures on a small set computed by hand: area statistics with and without
dates, an alliance's combined figures, a correction person's participation and the justice
role's rates, the list annotations and a volunteer's summary — each in a few queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from gongzhi.organizations.models import Alliance, AllianceMembership
from gongzhi.volunteers import queries, services
from gongzhi.volunteers.models import Activity, CorrectionAssignment, ServiceRecord, Signup, Volunteer
from gongzhi.volunteers.queries import Participation, VolunteerStats
from tests.factories import make_person
from tests.projects.conftest import make_org
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db


def held(by, organizer, area, days: int, start: int, end: int, title: str, **kwargs) -> Activity:
    starts = at(days, start)
    return services.create_activity(
        by=by,
        organizer=organizer,
        title=title,
        category="elder_care",
        area=area,
        place="活动室",
        starts_at=starts,
        ends_at=at(days, end),
        capacity=5,
        signup_opens_at=starts - datetime.timedelta(days=7),
        signup_closes_at=starts,
        **kwargs,
    )


def came(
    activity, volunteer, by, start: tuple[int, int], end: tuple[int, int], *, approve=True
) -> ServiceRecord:
    day = (activity.starts_at - at(0, 0)).days  # days from today, as at() counts them
    record = services.roster_attendance(
        activity, volunteer, by=by, checked_in_at=at(day, *start), checked_out_at=at(day, *end)
    )
    return services.approve_record(record, by=by) if approve else record


@pytest.fixture
def figures(tree, club, leader, ann, bob, carl, community_worker, district_admin):
    """The hand-computed set (days relative to today):

    - 红领之家 (C1): A1 −40d 09–11: ann, bob, carl 2 h each, bob adjusted +0.5; A2 −10d 09–12:
      ann 3 h, carl 1.5 h (from 10:30), dan 3 h declined; A3 tomorrow, cancelled; A5 in two
      days, carl signed up; A6 −3d 09–10, carl confirmed but did not come; ann's manual
      record of 1 h 100 days ago.
    - 护绿队 (C1, in the alliance with 红领之家): J −20d 14–16, joint, dan 2 h. bob joined it
      and left again.
    - 灵峰志愿队 (C2, not in the alliance): A4 −5d 14–16, eve 2 h.
    - dan is an activist in G2, eve a probationary party member in G3; frank, a party member,
      has left the register.
    """
    other = make_org(tree["C1"], "护绿队")
    far = make_org(tree["C2"], "灵峰志愿队")
    alliance = Alliance.objects.create(name="红领志愿服务联盟", lead=club, area=tree["S1"])
    for org in (club, other):
        AllianceMembership.objects.create(alliance=alliance, organization=org)
    dan = services.register_volunteer(
        make_person(grid=tree["G2"], name="丹", political_status="activist"),
        by=community_worker,
        organizations=[other],
    )
    eve = services.register_volunteer(
        make_person(grid=tree["G3"], name="伊芙", political_status="probationary"),
        by=district_admin,
        organizations=[far],
    )
    frank = services.register_volunteer(
        make_person(grid=tree["G1"], name="弗兰克", political_status="party_member"), by=community_worker
    )
    Volunteer.objects.filter(pk=frank.pk).update(status="left")
    services.affiliate(carl, other, by=carl.person.user)
    services.leave_organization(services.affiliate(bob, other, by=bob.person.user), by=bob.person.user)

    a1 = held(leader, club, tree["C1"], -40, 9, 11, "A1")
    for v in (ann, bob, carl):
        came(a1, v, leader, (9, 0), (11, 0))
    bobs = ServiceRecord.objects.get(activity=a1, volunteer=bob)
    services.adjust_record(bobs, by=leader, hours="0.5", reason="补记整理时间")
    a2 = held(leader, club, tree["C1"], -10, 9, 12, "A2")
    came(a2, ann, leader, (9, 0), (12, 0))
    came(a2, carl, leader, (10, 30), (12, 0))
    services.decline_record(came(a2, dan, leader, (9, 0), (12, 0), approve=False), by=leader, reason="未到场")
    a3 = services.create_activity(
        by=leader,
        organizer=club,
        title="A3",
        category="greening",
        area=tree["C1"],
        place="绿地",
        starts_at=at(1, 9),
        ends_at=at(1, 11),
        capacity=5,
    )
    services.cancel_activity(a3, by=leader, reason="暴雨")
    a5 = services.create_activity(
        by=leader,
        organizer=club,
        title="A5",
        category="greening",
        area=tree["C1"],
        place="绿地",
        starts_at=at(2, 9),
        ends_at=at(2, 11),
        capacity=5,
    )
    services.sign_up(a5, carl, by=carl.person.user)
    a6 = held(leader, club, tree["C1"], -3, 9, 10, "A6")
    Signup.objects.create(activity=a6, volunteer=carl, status="confirmed")
    manual = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-100).date(), hours="1", content="探访", reason="补录"
    )
    services.approve_record(manual, by=leader)
    joint = held(community_worker, other, tree["C1"], -20, 14, 16, "J", alliance=alliance)
    came(joint, dan, community_worker, (14, 0), (16, 0))
    a4 = held(district_admin, far, tree["C2"], -5, 14, 16, "A4")
    came(a4, eve, district_admin, (14, 0), (16, 0))
    return {"alliance": alliance, "dan": dan, "eve": eve, "frank": frank, "a2": a2, "a5": a5, "a6": a6}


# --- volunteer_stats ------------------------------------------------------------------------------


def test_volunteer_stats_of_a_street(tree, figures, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        stats = queries.volunteer_stats(tree["S1"])

    # ann, bob, carl, dan (frank left); ann and dan are party member and activist; A1, A2, A5,
    # A6 and J (A3 cancelled); seven approved records (not the adjustment, not the declined,
    # not the pending); 6 + 0.5 + 2 + 3 + 1.5 + 1 hours.
    assert stats == VolunteerStats(
        volunteers=4, party_members=2, activities=5, service_records=7, hours=Decimal("14.00")
    )


def test_volunteer_stats_within_dates(tree, figures):
    since = queries.volunteer_stats(tree["S1"], since=at(-30).date())
    until = queries.volunteer_stats(tree["S1"], until=at(-15).date())
    both = queries.volunteer_stats(tree["S1"], since=at(-30).date(), until=at(-15).date())

    # Volunteers are counted by registration, whatever the dates.
    assert since == VolunteerStats(4, 2, 4, 3, Decimal("6.50"))  # A2, A5, A6, J; A2 ann, carl; J
    assert until == VolunteerStats(4, 2, 2, 5, Decimal("9.50"))  # A1, J; A1 × 3 (+0.5), manual, J
    assert both == VolunteerStats(4, 2, 1, 1, Decimal("2.00"))  # J alone


def test_volunteer_stats_of_another_street_and_the_district(tree, figures):
    assert queries.volunteer_stats(tree["S2"]) == VolunteerStats(1, 1, 1, 1, Decimal("2.00"))
    assert queries.volunteer_stats(tree["D"]) == VolunteerStats(5, 3, 6, 8, Decimal("16.00"))
    assert queries.volunteer_stats(tree["G2"]) == VolunteerStats(1, 1, 0, 0, Decimal("0.00"))


# --- alliance_stats ---------------------------------------------------------------------------------


def test_alliance_stats_combine_its_members(figures, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        stats = queries.alliance_stats(figures["alliance"])

    # Distinct volunteers of 红领之家 and 护绿队 (carl in both, bob left 护绿队 but serves with
    # 红领之家); eve's 灵峰志愿队 is not a member.
    assert stats == VolunteerStats(
        volunteers=4, party_members=2, activities=5, service_records=7, hours=Decimal("14.00")
    )


# --- participation and correction figures ---------------------------------------------------------


def test_participation_counts_the_term_only(
    carl, club, justice_officer, figures, django_assert_max_num_queries
):
    assignment = services.assign_correction(
        carl.person, by=justice_officer, organization=club, starts_on=at(-15).date()
    )

    with django_assert_max_num_queries(4):
        took_part = queries.participation(assignment)

    # A2 attended (A1 was before the term); A6 missed (A5 has not happened yet); A2's 1.5 h.
    assert took_part == Participation(activities=1, hours=Decimal("1.50"), missed=1)
    services.end_correction(assignment, by=justice_officer, ends_on=at(-5).date())
    assert queries.participation(assignment) == Participation(activities=1, hours=Decimal("1.50"), missed=0)


def test_participation_of_someone_not_registered_is_nothing(tree, club, justice_officer):
    person = make_person(grid=tree["G1"], name="未注册")
    assignment = services.assign_correction(
        person, by=justice_officer, organization=club, starts_on=at(-5).date()
    )

    assert queries.participation(assignment) == Participation(activities=0, hours=Decimal("0.00"), missed=0)


def test_correction_figures_on_the_set(carl, club, justice_officer, figures, django_assert_max_num_queries):
    services.assign_correction(carl.person, by=justice_officer, organization=club, starts_on=at(-15).date())
    dans = services.assign_correction(
        figures["dan"].person, by=justice_officer, organization=club, starts_on=at(-60).date()
    )
    services.record_supervision_event(
        dans, by=justice_officer, kind="lost_contact", occurred_on=at(-7).date()
    )
    services.end_correction(dans, by=justice_officer, ends_on=at(-6).date())
    assignments = CorrectionAssignment.objects.visible_to(justice_officer)

    with django_assert_max_num_queries(3):
        figures_now = queries.correction_figures(assignments)

    assert (figures_now.served, figures_now.lost_contact, figures_now.reoffended) == (2, 1, 0)
    assert (figures_now.lost_contact_rate, figures_now.reoffence_rate) == (Decimal("50.00"), Decimal("0.00"))
    later = queries.correction_figures(assignments, since=at(-5).date())
    assert (later.served, later.lost_contact, later.lost_contact_rate) == (1, 0, Decimal("0.00"))


# --- list annotations and the summary -------------------------------------------------------------


def test_with_hours_annotates_every_volunteer_in_one_query(
    ann, bob, carl, figures, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        hours = {
            v.person.name: v.total_hours
            for v in queries.with_hours(Volunteer.objects.select_related("person"))
        }

    assert hours == {
        "安娜": Decimal("6.00"),
        "鲍勃": Decimal("2.50"),
        "卡尔": Decimal("3.50"),
        "丹": Decimal("2.00"),
        "伊芙": Decimal("2.00"),
        "弗兰克": Decimal("0.00"),
    }


def test_with_signup_counts_in_one_query(activity, ann, bob, carl, figures, django_assert_max_num_queries):
    for v in (ann, bob, carl):
        services.sign_up(activity, v, by=v.person.user)

    with django_assert_max_num_queries(1):
        counts = {
            a.title: (a.confirmed, a.waitlisted)
            for a in queries.with_signup_counts(
                Activity.objects.filter(title__in=["重阳敬老理发", "A2", "A3", "A5"])
            )
        }

    assert counts == {"重阳敬老理发": (2, 1), "A2": (3, 0), "A3": (0, 0), "A5": (1, 0)}


def test_summary_of_a_volunteer(ann, carl, tree, district_admin, figures, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        mine = queries.summary(ann)

    assert mine == {
        "hours": Decimal("6.00"),
        "records": 3,
        "pending": 0,
        "star_level": 0,
        "next_threshold": 100,
    }
    services.set_policy(tree["D"], by=district_admin, star_thresholds=[1, 2, 3, 4, 5])
    assert queries.summary(ann)["star_level"] == 5
    assert queries.summary(ann)["next_threshold"] is None
    assert queries.summary(carl) == {
        "hours": Decimal("3.50"),
        "records": 2,
        "pending": 0,
        "star_level": 3,
        "next_threshold": 4,
    }


def test_participation_many_equals_participation_one_by_one(
    tree, club, leader, justice_officer, ann, bob, django_assert_max_num_queries
):
    from gongzhi.volunteers import queries as q
    from gongzhi.volunteers import services as s
    from gongzhi.volunteers.models import CorrectionAssignment
    from tests.volunteers.conftest import at as local

    for volunteer, hours in ((ann, "2"), (bob, "3")):
        record = s.add_manual_record(
            volunteer,
            by=leader,
            organization=club,
            served_on=local(-5).date(),
            hours=hours,
            content="清扫楼道",
            reason="纸质签到补录",
        )
        s.approve_record(record, by=leader)
        s.assign_correction(
            volunteer.person, by=justice_officer, organization=club, starts_on=local(-10).date()
        )
    assignments = list(CorrectionAssignment.objects.all())
    with django_assert_max_num_queries(3):
        many = q.participation_many(assignments)
    assert many == {a.pk: q.participation(a) for a in assignments}
    assert sorted(p.hours for p in many.values()) == [2, 3]
