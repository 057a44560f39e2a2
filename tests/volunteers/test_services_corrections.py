"""Community correction: assignments, supervision events and the justice role's figures
(rates count people, not assignments; a since-date limits both), every view logged — and, with
a correction person present among the volunteers, nothing about it reaching organizers, street
or district admins through volunteers, sign-ups, records, tags or statistics."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden
from gongzhi.people.models import PersonTag, SensitiveAccess
from gongzhi.people.services import visible_tags
from gongzhi.volunteers import queries, services
from gongzhi.volunteers.models import (
    CorrectionAssignment,
    ServiceRecord,
    Signup,
    SupervisionEvent,
    Volunteer,
)
from tests.factories import make_person
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

TAG = "community_correction"


def day(days: int) -> datetime.date:
    return at(days).date()


# --- assignments and events ---------------------------------------------------------------------


def test_assigning_tags_the_person_and_records_the_supervising_organization(ann, club, justice_officer):
    assignment = services.assign_correction(
        ann.person, by=justice_officer, organization=club, starts_on=day(-60), note="每月公益活动"
    )

    assert (assignment.organization, assignment.starts_on, assignment.ends_on) == (club, day(-60), None)
    assert assignment.created_by == justice_officer
    assert PersonTag.objects.filter(person=ann.person, tag=TAG).count() == 1


def test_one_running_assignment_per_person_and_none_in_the_future(tree, ann, club, justice_officer):
    first = services.assign_correction(ann.person, by=justice_officer, organization=club, starts_on=day(-400))
    with pytest.raises(Conflict, match="进行中的矫正记录"):
        services.assign_correction(ann.person, by=justice_officer, organization=club, starts_on=day(-10))
    with pytest.raises(DomainError, match="矫正结束日期不能早于开始日期"):
        services.end_correction(first, by=justice_officer, ends_on=day(-401))

    services.end_correction(first, by=justice_officer, ends_on=day(-30))
    again = services.assign_correction(ann.person, by=justice_officer, organization=club, starts_on=day(-10))

    assert PersonTag.objects.filter(person=ann.person, tag=TAG).count() == 1
    assert again.pk != first.pk
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.assign_correction(
            make_person(grid=tree["G1"], name="未来"), by=justice_officer, organization=club, starts_on=day(5)
        )


@pytest.mark.parametrize("role", ["district_admin", "street_admin", "community_worker", "leader"])
def test_only_the_justice_role_assigns_ends_and_records_events(ann, club, justice_officer, request, role):
    other = request.getfixturevalue(role)
    assignment = services.assign_correction(
        ann.person, by=justice_officer, organization=club, starts_on=day(-60)
    )

    with pytest.raises(Forbidden, match="您没有此项操作的权限"):
        services.assign_correction(ann.person, by=other, organization=club, starts_on=day(-5))
    with pytest.raises(Forbidden):
        services.end_correction(assignment, by=other, ends_on=day(-1))
    with pytest.raises(Forbidden):
        services.record_supervision_event(assignment, by=other, kind="lost_contact", occurred_on=day(-2))


def test_supervision_events_need_a_known_kind_and_a_date_within_the_term(ann, club, justice_officer):
    assignment = services.assign_correction(
        ann.person, by=justice_officer, organization=club, starts_on=day(-60)
    )

    with pytest.raises(DomainError, match="未知的监管事件类型"):
        services.record_supervision_event(assignment, by=justice_officer, kind="late", occurred_on=day(-2))
    for when in (day(-61), day(1)):
        with pytest.raises(DomainError, match="发生日期须在矫正开始日期与今天之间"):
            services.record_supervision_event(
                assignment, by=justice_officer, kind="reoffence", occurred_on=when
            )
    event = services.record_supervision_event(
        assignment, by=justice_officer, kind="lost_contact", occurred_on=day(-2), note="两天联系不上"
    )

    assert (event.kind, event.recorded_by, event.get_kind_display()) == (
        "lost_contact",
        justice_officer,
        "脱管",
    )


# --- figures --------------------------------------------------------------------------------------


@pytest.fixture
def caseload(tree, club, justice_officer):
    """Four people under correction: 甲 twice (an ended term and a running one) with two
    lost-contact events, 乙 re-offended, 丙 and 丁 without events; 丁's term ended long ago."""
    people = {n: make_person(grid=tree["G1"], name=n) for n in ("甲", "乙", "丙", "丁")}
    old = services.assign_correction(people["甲"], by=justice_officer, organization=club, starts_on=day(-700))
    services.end_correction(old, by=justice_officer, ends_on=day(-400))
    now = services.assign_correction(people["甲"], by=justice_officer, organization=club, starts_on=day(-100))
    services.record_supervision_event(old, by=justice_officer, kind="lost_contact", occurred_on=day(-500))
    services.record_supervision_event(now, by=justice_officer, kind="lost_contact", occurred_on=day(-20))
    b = services.assign_correction(people["乙"], by=justice_officer, organization=club, starts_on=day(-200))
    services.record_supervision_event(b, by=justice_officer, kind="reoffence", occurred_on=day(-50))
    services.assign_correction(people["丙"], by=justice_officer, organization=club, starts_on=day(-90))
    d = services.assign_correction(people["丁"], by=justice_officer, organization=club, starts_on=day(-900))
    services.end_correction(d, by=justice_officer, ends_on=day(-600))
    return people


def test_rates_count_people_not_assignments_or_events(caseload, justice_officer):
    figures = queries.correction_figures(CorrectionAssignment.objects.visible_to(justice_officer))

    assert (figures.served, figures.lost_contact, figures.reoffended) == (4, 1, 1)
    assert (figures.lost_contact_rate, figures.reoffence_rate) == (Decimal("25.00"), Decimal("25.00"))


def test_a_since_date_leaves_out_terms_ended_and_events_before_it(caseload, justice_officer):
    assignments = CorrectionAssignment.objects.visible_to(justice_officer)

    recent = queries.correction_figures(assignments, since=day(-450))
    assert (recent.served, recent.lost_contact, recent.reoffended) == (3, 1, 1)  # 丁 ended before
    assert recent.lost_contact_rate == Decimal("33.33")

    last_month = queries.correction_figures(assignments, since=day(-30))
    # 甲 (running) lost contact 20 days ago; 乙's re-offence was 50 days ago.
    assert (last_month.served, last_month.lost_contact, last_month.reoffended) == (3, 1, 0)
    assert last_month.reoffence_rate == Decimal("0.00")


def test_nobody_served_gives_no_rate(justice_officer):
    figures = queries.correction_figures(CorrectionAssignment.objects.visible_to(justice_officer))

    assert (figures.served, figures.lost_contact_rate, figures.reoffence_rate) == (0, None, None)


def test_log_correction_views_writes_a_sensitive_access_per_assignment_shown(caseload, justice_officer):
    assignments = list(CorrectionAssignment.objects.visible_to(justice_officer).order_by("id"))

    written = services.log_correction_views(justice_officer, assignments, ip="10.0.0.8")

    rows = list(
        SensitiveAccess.objects.order_by("id").values_list("user", "person", "field", "reason", "ip_address")
    )
    assert written == len(rows) == 5
    assert rows == [
        (justice_officer.pk, a.person_id, "tag:community_correction", "查看社区矫正志愿服务", "10.0.0.8")
        for a in assignments
    ]
    assert services.log_correction_views(justice_officer, []) == 0


# --- privacy ----------------------------------------------------------------------------------------


@pytest.fixture
def under_correction(tree, club, leader, ann, bob, justice_officer):
    """ann is under correction, bob is not; both served the same activity and have records."""
    services.assign_correction(ann.person, by=justice_officer, organization=club, starts_on=day(-60))
    starts = at(-1, 9)
    activity = services.create_activity(
        by=leader,
        organizer=club,
        title="护绿",
        category="greening",
        area=tree["C1"],
        place="百合社区中心绿地",
        starts_at=starts,
        ends_at=at(-1, 11),
        capacity=5,
        signup_opens_at=starts - datetime.timedelta(days=7),
        signup_closes_at=starts,
    )
    for v in (ann, bob):
        record = services.roster_attendance(
            activity, v, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11)
        )
        services.approve_record(record, by=leader)
    return activity


def _row(instance) -> dict:
    """A row as a viewer would get it, with the person's identity taken out so rows compare."""
    data = model_to_dict(instance)
    for key in ("id", "person", "volunteer", "number", "signup", "decided_at"):
        data.pop(key, None)
    return data


@pytest.mark.parametrize(
    "viewer", ["leader", "street_admin", "district_admin", "community_worker", "grid_member"]
)
def test_correction_leaks_nowhere_outside_the_justice_role(under_correction, ann, bob, request, viewer):
    user = request.getfixturevalue(viewer)

    assert not CorrectionAssignment.objects.visible_to(user).exists()
    assert not SupervisionEvent.objects.visible_to(user).exists()
    volunteers = (
        Volunteer.objects.visible_to(user).filter(pk__in=[ann.pk, bob.pk]).prefetch_related("person__tags")
    )
    assert {v.pk for v in volunteers} == {ann.pk, bob.pk}
    for volunteer in volunteers:
        assert TAG not in visible_tags(volunteer.person, user)
        assert TAG not in str(model_to_dict(volunteer))
    # ann's sign-up and record look exactly like bob's.
    for model in (Signup, ServiceRecord):
        rows = {
            r.volunteer_id: _row(r) for r in model.objects.visible_to(user).filter(volunteer__in=[ann, bob])
        }
        if viewer == "grid_member":  # grid members read volunteers, not rosters or records
            assert rows == {}
        else:
            assert set(rows) == {ann.pk, bob.pk}
            assert rows[ann.pk] == rows[bob.pk]
    # Statistics count ann like anyone.
    stats = queries.volunteer_stats(under_correction.area)
    assert (stats.volunteers, stats.service_records, stats.hours) == (2, 2, Decimal("4.00"))


def test_the_justice_role_sees_the_tag_and_the_assignment(under_correction, ann, justice_officer):
    assert list(
        CorrectionAssignment.objects.visible_to(justice_officer).values_list("person", flat=True)
    ) == [ann.person_id]
    assert TAG in visible_tags(ann.person, justice_officer)
    took_part = queries.participation(CorrectionAssignment.objects.get())
    assert (took_part.activities, took_part.hours, took_part.missed) == (1, Decimal("2.00"), 0)


def test_another_streets_justice_officer_sees_nothing(under_correction, tree):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    elsewhere = UserFactory(username="dq_justice")
    assign_role(elsewhere, role="justice_officer", area=tree["S2"])

    assert not CorrectionAssignment.objects.visible_to(elsewhere).exists()
    with pytest.raises(Forbidden):
        services.record_supervision_event(
            CorrectionAssignment.objects.get(), by=elsewhere, kind="lost_contact", occurred_on=day(-1)
        )
