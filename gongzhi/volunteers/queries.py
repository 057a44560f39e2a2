"""Reads for volunteers: totals and star levels, area statistics, alliance figures and the
justice role's correction figures. Every figure is a sum over records, never a stored total."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gongzhi.areas.models import Area
from gongzhi.people.choices import PoliticalStatus
from gongzhi.volunteers.choices import RecordKind, RecordStatus, SignupStatus, SupervisionEventKind
from gongzhi.volunteers.models import (
    Activity,
    Affiliation,
    CorrectionAssignment,
    ServiceRecord,
    Signup,
    SupervisionEvent,
    Volunteer,
)

HOUR = Decimal("0.01")
ZERO = Decimal("0.00")
# Party members and activists (党员及入党积极分子), as the source counts them.
PARTY_STATUSES = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY, PoliticalStatus.ACTIVIST)


def with_hours(volunteers: QuerySet) -> QuerySet:
    """Volunteers annotated with ``total_hours`` (approved, adjustments included) in one query."""
    hours = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"), status=RecordStatus.APPROVED)
        .order_by()
        .values("volunteer")
        .annotate(t=Sum("hours"))
        .values("t")
    )
    return volunteers.annotate(
        total_hours=Coalesce(
            Subquery(hours), Value(ZERO), output_field=DecimalField(max_digits=10, decimal_places=2)
        )
    )


def with_signup_counts(activities: QuerySet) -> QuerySet:
    """Activities annotated with ``confirmed`` and ``waitlisted`` sign-up counts."""
    return activities.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True),
        waitlisted=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True),
    )


@dataclass(frozen=True)
class VolunteerStats:
    volunteers: int
    party_members: int
    activities: int
    service_records: int
    hours: Decimal


def volunteer_stats(
    under: Area,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> VolunteerStats:
    """Volunteers registered in ``under`` (by their person's area) and the party members and
    activists among them; activities held in it, approved service records (adjustments not
    counted as records) and approved hours there, optionally within [since, until]. Nothing
    here distinguishes community-correction volunteers: they count as volunteers like anyone."""
    volunteers = Volunteer.objects.filter(person__area__path__prefix=under.path, status="active")
    counts = volunteers.aggregate(
        n=Count("pk"), party=Count("pk", filter=Q(person__political_status__in=PARTY_STATUSES))
    )
    activities = Activity.objects.filter(area__path__prefix=under.path).exclude(status="cancelled")
    records = ServiceRecord.objects.filter(area__path__prefix=under.path, status=RecordStatus.APPROVED)
    if since:
        activities = activities.filter(starts_at__date__gte=since)
        records = records.filter(served_on__gte=since)
    if until:
        activities = activities.filter(starts_at__date__lte=until)
        records = records.filter(served_on__lte=until)
    totals = records.aggregate(
        n=Count("pk", filter=~Q(kind=RecordKind.ADJUSTMENT)), hours=Coalesce(Sum("hours"), Value(ZERO))
    )
    return VolunteerStats(
        volunteers=counts["n"],
        party_members=counts["party"],
        activities=activities.count(),
        service_records=totals["n"],
        hours=Decimal(totals["hours"]).quantize(HOUR),
    )


def alliance_stats(alliance) -> VolunteerStats:
    """An alliance's combined figures: distinct volunteers serving with its member
    organizations (and party members among them), activities its members or the alliance
    ran, and the approved records and hours of those organizations."""
    members = alliance.memberships.values("organization_id")
    volunteers = Volunteer.objects.filter(
        status="active",
        pk__in=Affiliation.objects.filter(organization__in=members, left_on__isnull=True).values(
            "volunteer_id"
        ),
    )
    counts = volunteers.aggregate(
        n=Count("pk"), party=Count("pk", filter=Q(person__political_status__in=PARTY_STATUSES))
    )
    activities = Activity.objects.filter(Q(organizer__in=members) | Q(alliance=alliance)).exclude(
        status="cancelled"
    )
    records = ServiceRecord.objects.filter(organization__in=members, status=RecordStatus.APPROVED)
    totals = records.aggregate(
        n=Count("pk", filter=~Q(kind=RecordKind.ADJUSTMENT)), hours=Coalesce(Sum("hours"), Value(ZERO))
    )
    return VolunteerStats(
        volunteers=counts["n"],
        party_members=counts["party"],
        activities=activities.count(),
        service_records=totals["n"],
        hours=Decimal(totals["hours"]).quantize(HOUR),
    )


# ---------------------------------------------------------------------------------------------
# Community correction (justice role only: callers pass querysets from visible_to)


@dataclass(frozen=True)
class Participation:
    activities: int  # activities attended (checked in, or on the manual roster)
    hours: Decimal  # approved hours
    missed: int  # confirmed sign-ups for ended activities without a check-in


def participation(assignment: CorrectionAssignment, *, now: datetime.datetime | None = None) -> Participation:
    """What a correction person did as a volunteer since their correction began."""
    from django.utils import timezone

    now = now or timezone.now()
    volunteer = Volunteer.objects.filter(person_id=assignment.person_id).first()
    if volunteer is None:
        return Participation(activities=0, hours=ZERO, missed=0)
    signups = Signup.objects.filter(volunteer=volunteer, activity__starts_at__date__gte=assignment.starts_on)
    if assignment.ends_on:
        signups = signups.filter(activity__starts_at__date__lte=assignment.ends_on)
    attended = signups.filter(checked_in_at__isnull=False).count()
    missed = (
        signups.filter(status=SignupStatus.CONFIRMED, checked_in_at__isnull=True, activity__ends_at__lt=now)
        .exclude(activity__status="cancelled")
        .count()
    )
    records = ServiceRecord.objects.filter(
        volunteer=volunteer, status=RecordStatus.APPROVED, served_on__gte=assignment.starts_on
    )
    if assignment.ends_on:
        records = records.filter(served_on__lte=assignment.ends_on)
    hours = records.aggregate(t=Coalesce(Sum("hours"), Value(ZERO)))["t"]
    return Participation(activities=attended, hours=Decimal(hours).quantize(HOUR), missed=missed)


def participation_many(assignments, *, now: datetime.datetime | None = None) -> dict[int, Participation]:
    """``participation`` for a page of assignments in three queries, keyed by assignment id."""
    from django.utils import timezone

    now = now or timezone.now()
    assignments = list(assignments)
    volunteer_of = dict(
        Volunteer.objects.filter(person_id__in={a.person_id for a in assignments}).values_list(
            "person_id", "pk"
        )
    )
    signups = list(
        Signup.objects.filter(volunteer_id__in=volunteer_of.values()).values_list(
            "volunteer_id",
            "activity__starts_at",
            "activity__ends_at",
            "activity__status",
            "status",
            "checked_in_at",
        )
    )
    records = list(
        ServiceRecord.objects.filter(
            volunteer_id__in=volunteer_of.values(), status=RecordStatus.APPROVED
        ).values_list("volunteer_id", "served_on", "hours")
    )
    result = {}
    for a in assignments:
        volunteer = volunteer_of.get(a.person_id)
        end = a.ends_on or datetime.date.max

        def within(day: datetime.date, a=a, end=end) -> bool:
            return a.starts_on <= day <= end

        mine = [s for s in signups if s[0] == volunteer and within(timezone.localtime(s[1]).date())]
        attended = sum(1 for s in mine if s[5] is not None)
        missed = sum(
            1
            for s in mine
            if s[4] == SignupStatus.CONFIRMED and s[5] is None and s[2] < now and s[3] != "cancelled"
        )
        hours = sum((h for v, day, h in records if v == volunteer and within(day)), ZERO)
        result[a.pk] = Participation(activities=attended, hours=Decimal(hours).quantize(HOUR), missed=missed)
    return result


@dataclass(frozen=True)
class CorrectionFigures:
    served: int  # people under correction who served as volunteers since the date
    lost_contact: int  # of them, people with a lost-contact (脱管) event
    reoffended: int  # of them, people with a re-offence (再犯罪) event
    lost_contact_rate: Decimal | None  # percent, None when nobody was served
    reoffence_rate: Decimal | None


# Below this many people a figure could identify someone; breakdowns are suppressed.
MIN_CELL = 5


def correction_figures(assignments: QuerySet, *, since: datetime.date | None = None) -> CorrectionFigures:
    """People served, out-of-supervision rate (脱管率) and re-offence rate (再犯罪率) over the
    given assignments (already limited to the justice role's jurisdiction), counting people,
    not assignments: rate = people with such an event ÷ people served × 100."""
    if since:
        assignments = assignments.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=since))
    people = assignments.values("person_id").distinct()
    served = people.count()
    events = SupervisionEvent.objects.filter(assignment__in=assignments.values("pk"))
    if since:
        events = events.filter(occurred_on__gte=since)
    lost = (
        events.filter(kind=SupervisionEventKind.LOST_CONTACT)
        .values("assignment__person_id")
        .distinct()
        .count()
    )
    reoffended = (
        events.filter(kind=SupervisionEventKind.REOFFENCE).values("assignment__person_id").distinct().count()
    )

    def rate(n: int) -> Decimal | None:
        return (Decimal(n) * 100 / served).quantize(HOUR) if served else None

    return CorrectionFigures(
        served=served,
        lost_contact=lost,
        reoffended=reoffended,
        lost_contact_rate=rate(lost),
        reoffence_rate=rate(reoffended),
    )


def summary(volunteer: Volunteer) -> dict[str, Any]:
    """A volunteer's own figures: approved hours, star level, records, pending records."""
    from gongzhi.volunteers.services import policy_for, star_level

    approved = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.APPROVED)
    totals = approved.aggregate(
        hours=Coalesce(Sum("hours"), Value(ZERO)), n=Count("pk", filter=~Q(kind=RecordKind.ADJUSTMENT))
    )
    hours = Decimal(totals["hours"]).quantize(HOUR)
    thresholds, _unit = policy_for(volunteer.person.area)
    level = star_level(hours, thresholds)
    return {
        "hours": hours,
        "records": totals["n"],
        "pending": ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.PENDING).count(),
        "star_level": level,
        "next_threshold": thresholds[level] if level < len(thresholds) else None,
    }
