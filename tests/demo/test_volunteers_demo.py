"""The demo's volunteers: 红领之家 at the source's figures, records that obey the services'
rules, the winter schedule open for sign-up, wishes in every state, the justice office's 374
correction volunteers and the tag leaking nowhere, idempotency and determinism."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter, defaultdict
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Sum
from django.test import override_settings

from gongzhi.accounts.models import User
from gongzhi.demo import data
from gongzhi.demo import volunteer_data as vd
from gongzhi.demo.builder import build_demo, plan_district
from gongzhi.demo.case_simulation import TZ
from gongzhi.demo.organizations import plan_organizations
from gongzhi.demo.volunteers import REFERENCE_MOMENT, plan_volunteers
from gongzhi.organizations.models import Alliance, Organization
from gongzhi.people.choices import Tag
from gongzhi.people.models import PersonTag
from gongzhi.people.services import visible_tags
from gongzhi.volunteers import queries, services
from gongzhi.volunteers.choices import DEFAULT_HOUR_UNIT, WISH_TRANSITIONS, WishStatus
from gongzhi.volunteers.models import (
    Activity,
    Affiliation,
    Certificate,
    CorrectionAssignment,
    ServiceRecord,
    Signup,
    SupervisionEvent,
    Volunteer,
    Wish,
)
from tests.conftest import check_deferred_constraints

# The module's tests share the demo, built once for the module: one xdist worker runs them
# all (``--dist loadgroup`` in pyproject.toml), so that it is built once, not on each worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-volunteers")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The district, its organizations and its volunteers, built once for this module and
    rolled back after it."""
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        result = build_demo(organizations=True, volunteers=True)
        check_deferred_constraints()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def hongling(demo):
    return Organization.objects.get(name="红领之家")


@pytest.fixture
def login(demo):
    return {u.username: u for u in User.objects.filter(username__in=[x.username for x in data.DEMO_LOGINS])}


def test_demo_hongling_has_the_sources_volunteers_services_and_hours(demo, hongling):
    affiliations = Affiliation.objects.filter(organization=hongling, left_on__isnull=True)
    held = Activity.objects.filter(organizer=hongling, starts_at__lt=REFERENCE_MOMENT).exclude(
        status="cancelled"
    )
    approved = ServiceRecord.objects.filter(organization=hongling, status="approved")

    assert affiliations.count() == 1206
    assert affiliations.filter(volunteer__person__political_status__in=queries.PARTY_STATUSES).count() == 711
    assert held.count() == 2361
    assert approved.aggregate(t=Sum("hours"))["t"] == Decimal("47525")
    assert approved.order_by("served_on").first().served_on >= datetime.date(2012, 1, 1)
    # The alliance it leads shows the same combined figures (its members run no activities).
    stats = queries.alliance_stats(Alliance.objects.get(name="红领志愿服务联盟"))
    assert (stats.volunteers, stats.party_members, stats.hours) == (1206, 711, Decimal("47525.00"))


def test_demo_other_organizations_have_volunteers_some_shared_with_hongling(demo, hongling):
    by_org = dict(
        Affiliation.objects.exclude(organization=hongling)
        .values_list("organization__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    assert set(by_org) == {o.org for o in vd.OTHER_ORGS}
    assert all(n >= 40 for n in by_org.values())
    several = Volunteer.objects.annotate(n=Count("affiliations")).filter(n__gt=1)
    assert several.count() > 50
    records = ServiceRecord.objects.exclude(organization=hongling).filter(status="approved")
    assert records.values("organization").distinct().count() == len(vd.OTHER_ORGS)


def test_demo_volunteers_serve_their_own_organizations_after_joining_as_adults(demo):
    joined = Affiliation.objects.filter(
        volunteer=OuterRef("volunteer"), organization=OuterRef("activity__organizer")
    ).values("joined_on")[:1]
    signups = Signup.objects.annotate(joined=Subquery(joined))

    assert not signups.filter(joined__isnull=True).exists()
    assert not signups.filter(checked_in_at__date__lt=F("joined")).exists()
    assert not Volunteer.objects.annotate(first=Min("affiliations__joined_on")).exclude(
        registered_on=F("first")
    )
    for served_on, born in ServiceRecord.objects.values_list("served_on", "volunteer__person__birth_date"):
        assert (served_on.year - born.year, served_on.month, served_on.day) >= (18, born.month, born.day)


def test_demo_activity_records_are_what_check_in_and_check_out_give(demo):
    rows = ServiceRecord.objects.filter(kind="activity").values_list(
        "hours",
        "computed_hours",
        "started_at",
        "ended_at",
        "served_on",
        "status",
        "decided_by",
        "decided_at",
        "signup__checked_in_at",
        "signup__checked_out_at",
        "signup__activity_id",
        "activity_id",
        "activity__starts_at",
        "activity__ends_at",
    )
    assert len(rows) > 30_000
    for (
        hours,
        computed,
        start,
        end,
        served_on,
        status,
        by,
        decided_at,
        cin,
        cout,
        sa,
        a,
        a_start,
        a_end,
    ) in rows:
        span = SimpleNamespace(starts_at=a_start, ends_at=a_end)
        assert hours == computed == services.compute_hours(cin, cout, span, DEFAULT_HOUR_UNIT) > 0
        assert (start, end) == (max(cin, a_start), min(cout, a_end))
        assert sa == a
        assert served_on == a_start.astimezone(TZ).date()
        if status == "pending":
            assert (by, decided_at) == (None, None)
        else:
            assert by is not None
            assert end < decided_at < REFERENCE_MOMENT


def test_demo_adjustments_and_manual_records_follow_the_rules(demo):
    adjustments = ServiceRecord.objects.filter(kind="adjustment")
    assert adjustments.exists()
    for adj in adjustments.select_related("adjusts"):
        assert adj.adjusts.status == "approved"
        assert adj.adjusts.kind != "adjustment"
        assert adj.reason
        assert adj.decided_by_id
        assert adj.adjusts.hours + adj.hours >= 0
    manual = ServiceRecord.objects.filter(kind="manual")
    assert manual.exists()
    assert not manual.filter(Q(reason="") | Q(activity__isnull=False)).exists()
    assert ServiceRecord.objects.filter(status="declined").exclude(reason="").exists()
    assert ServiceRecord.objects.filter(status="pending", decided_by__isnull=True).exists()


def test_demo_nobody_serves_two_places_at_once(demo):
    spans = defaultdict(list)
    for volunteer, start, end in (
        ServiceRecord.objects.exclude(kind="adjustment")
        .exclude(status="declined")
        .values_list("volunteer_id", "started_at", "ended_at")
    ):
        spans[volunteer].append((start, end))
    for volunteer, start, end in Signup.objects.filter(checked_in_at__isnull=False).values_list(
        "volunteer_id", "checked_in_at", "checked_out_at"
    ):
        spans[-volunteer].append((start, end))
    for volunteer, items in spans.items():
        items.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(items):
            assert e1 <= s2, volunteer


def test_demo_activities_never_overbook_and_sign_ups_fit_their_windows(demo):
    counts = Activity.objects.annotate(
        confirmed=Count("signups", filter=Q(signups__status="confirmed")),
        waitlisted=Count("signups", filter=Q(signups__status="waitlisted")),
    ).values_list("capacity", "confirmed", "waitlisted")
    for capacity, confirmed, waitlisted in counts:
        assert confirmed <= capacity
        assert waitlisted == 0 or confirmed == capacity
    # QR sign-ups were made while sign-up was open; a waitlist is in order of sign-up.
    for created, opens, closes in Signup.objects.exclude(check_method="manual").values_list(
        "created_at", "activity__signup_opens_at", "activity__signup_closes_at"
    ):
        assert opens <= created < closes
    for activity in Activity.objects.filter(signups__status="waitlisted").distinct():
        live = list(activity.signups.exclude(status="cancelled").order_by("created_at", "id"))
        assert [s.status for s in live] == ["confirmed"] * activity.capacity + ["waitlisted"] * (
            len(live) - activity.capacity
        )
    # Activities cancelled for typhoons cancelled their sign-ups too.
    cancelled = Activity.objects.filter(status="cancelled")
    assert cancelled.exists()
    assert not Signup.objects.filter(activity__in=cancelled).exclude(status="cancelled").exists()


def test_demo_winter_schedule_is_open_for_sign_up_with_the_volunteer_login_on_it(demo, hongling, login):
    ahead = Activity.objects.filter(organizer=hongling, starts_at__gte=REFERENCE_MOMENT)
    assert ahead.count() > 40
    assert not ahead.filter(
        Q(signup_opens_at__gt=REFERENCE_MOMENT) | Q(signup_closes_at__lte=REFERENCE_MOMENT)
    ).exists()
    mine = Signup.objects.filter(volunteer__person__user=login["volunteer"], activity__in=ahead)
    statuses = Counter(mine.values_list("status", flat=True))
    assert statuses["confirmed"] >= 4
    assert statuses["waitlisted"] == 2
    for signup in mine.filter(status="waitlisted"):
        assert signup.activity.signups.filter(status="confirmed").count() == signup.activity.capacity
    # What the volunteer login is shown: activities of 红领之家 it may sign up for.
    visible = Activity.objects.visible_to(login["volunteer"]).filter(pk__in=ahead)
    assert visible.count() == ahead.count()


def test_demo_volunteer_login_is_a_starred_volunteer_with_a_certificate(demo, hongling, login):
    volunteer = services.volunteer_for(login["volunteer"])
    summary = queries.summary(volunteer)

    assert set(volunteer.affiliations.values_list("organization__name", flat=True)) == {
        "红领之家",
        vd.LOGIN_SECOND_ORG,
    }
    assert summary["star_level"] == 2
    assert summary["records"] > 100
    assert summary["next_threshold"] == 600
    certificate = Certificate.objects.get(volunteer=volunteer)
    assert services.verify_certificate(certificate.number.lower()) == certificate
    assert certificate.star_level == services.star_level(certificate.hours)
    before = ServiceRecord.objects.filter(
        volunteer=volunteer, status="approved", decided_at__lt=certificate.issued_at
    )
    assert certificate.hours == before.aggregate(t=Sum("hours"))["t"]
    assert certificate.records == before.exclude(kind="adjustment").count()
    assert certificate.first_served_on >= vd.LOGIN_JOINED


def test_demo_wishes_in_every_state_with_veterans_new_year_wishes(demo, login):
    wishes = Wish.objects.all()
    assert set(wishes.values_list("status", flat=True)) == set(WishStatus.values)
    veterans = wishes.filter(description__startswith="老兵新春微心愿")
    assert veterans.count() >= 10
    tagged = set(PersonTag.objects.filter(tag=Tag.VETERAN).values_list("person_id", flat=True))
    assert set(veterans.values_list("beneficiary_id", flat=True)) <= tagged
    for wish in wishes.prefetch_related("events"):
        events = list(wish.events.all())
        assert events[0].action == "post"
        for event in events[1:]:
            allowed, target = WISH_TRANSITIONS[event.action]
            assert event.from_status in allowed
            assert event.to_status == target
        assert events[-1].to_status == wish.status
        if wish.status in ("claimed", "fulfilled", "confirmed"):
            assert wish.claimed_by_id is not None
            assert wish.claimer_name
        elif wish.status in ("posted", "expired"):
            assert wish.claimed_by_id is None
    assert wishes.filter(events__action="release").exists()
    # The sweep at the reference date finds nothing to do.
    with transaction.atomic():
        assert services.sweep_wishes(data.REFERENCE_DATE) == {"released": 0, "expired": 0}
        transaction.set_rollback(True)


def test_demo_justice_office_has_374_correction_volunteers_none_lost_or_reoffending(demo, login):
    assignments = CorrectionAssignment.objects.visible_to(login["justice"])

    assert assignments.count() == CorrectionAssignment.objects.count() == 374
    figures = queries.correction_figures(assignments, since=datetime.date(2014, 1, 1))
    assert (figures.served, figures.lost_contact, figures.reoffended) == (374, 0, 0)
    assert figures.lost_contact_rate == figures.reoffence_rate == Decimal("0.00")
    assert not SupervisionEvent.objects.exists()
    assert assignments.filter(ends_on__isnull=True).count() < 0.15 * 374
    assert set(assignments.values_list("starts_on__year", flat=True)) == set(range(2014, 2027))
    people = set(assignments.values_list("person_id", flat=True))
    assert len(people) == 374
    assert people <= set(
        PersonTag.objects.filter(tag=Tag.COMMUNITY_CORRECTION).values_list("person_id", flat=True)
    )
    for assignment in assignments.order_by("?")[:40]:
        took_part = queries.participation(assignment)
        assert took_part.activities > 0
        assert took_part.hours > 0


def test_demo_correction_is_invisible_outside_the_justice_role(demo, hongling, login):
    people = set(CorrectionAssignment.objects.values_list("person_id", flat=True))
    corrected = Volunteer.objects.filter(person_id__in=people)
    assert corrected.count() == 374
    for name in ("org_leader", "xinqi", "community", "district", "grid", "volunteer"):
        user = login[name]
        assert not CorrectionAssignment.objects.visible_to(user).exists(), name
        assert not SupervisionEvent.objects.visible_to(user).exists(), name
    # 红领之家's leader sees the correction persons it supervises as ordinary volunteers.
    leader = login["org_leader"]
    theirs = (
        Volunteer.objects.visible_to(leader).filter(person_id__in=people).prefetch_related("person__tags")
    )
    assert theirs.count() > 100
    for volunteer in theirs:
        assert Tag.COMMUNITY_CORRECTION not in visible_tags(volunteer.person, leader)
    for volunteer in Volunteer.objects.visible_to(login["xinqi"]).filter(person_id__in=people)[:50]:
        assert Tag.COMMUNITY_CORRECTION not in visible_tags(volunteer.person, login["xinqi"])


def test_demo_correction_volunteers_rows_look_like_everyone_elses(demo):
    """No value of a volunteer, affiliation, sign-up or record field is found only among
    correction persons: nothing to filter or infer them by."""
    people = set(CorrectionAssignment.objects.values_list("person_id", flat=True))

    def values(model, person_field: str, *fields: str) -> tuple[set, set]:
        rows = model.objects.values_list(person_field, *fields)
        inside = {tuple(r[1:]) for r in rows if r[0] in people}
        outside = {tuple(r[1:]) for r in rows if r[0] not in people}
        return inside, outside

    for model, person, fields in (
        (Volunteer, "person_id", ("status", "availability", "created_by")),
        (Affiliation, "volunteer__person_id", ("organization", "team", "left_on")),
        (Signup, "volunteer__person_id", ("status", "check_method", "created_by", "promoted_at")),
        (ServiceRecord, "volunteer__person_id", ("kind", "status", "reason", "created_by", "decided_by")),
        (ServiceRecord, "volunteer__person_id", ("activity__title",)),
    ):
        for field in fields:
            inside, outside = values(model, person, field)
            assert inside <= outside, (model.__name__, field, inside - outside)
    skills = {s for (s,) in Volunteer.objects.filter(person_id__in=people).values_list("skills") for s in s}
    others = {s for (s,) in Volunteer.objects.exclude(person_id__in=people).values_list("skills") for s in s}
    assert skills <= others


def test_demo_second_run_adds_nothing(demo):
    again = build_demo(organizations=True, volunteers=True)

    assert not any(again.volunteers.values())
    assert again.already_loaded


def test_demo_volunteer_plan_is_deterministic_and_a_smaller_build_is_part_of_it():
    small = plan_district(streets=1)
    first = plan_volunteers(small)
    assert plan_volunteers(small).digest() == first.digest()

    full = plan_volunteers(plan_district(), org_plan=plan_organizations(plan_district()))
    xinqi = {o for o, (_key, _area, street) in full.orgs.items() if street == data.XINQI.code}
    assert set(first.orgs) == xinqi
    assert [a for a in full.activities if a.org in xinqi] == first.activities
    assert full.corrections == first.corrections
    assert full.certificate == first.certificate
