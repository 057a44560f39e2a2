"""Reads over social organizations: density, counts, party-building shares, missing reports.

Every figure is a handful of aggregate queries over the area's subtree (``path__prefix``),
never a loop over organizations, so a district of thousands costs the same few queries as a
community.

- *Live* organizations are the filed, registered and suspended ones: they exist legally (a
  suspended one still owes its annual report); drafts, applications and deregistered ones
  do not count.
- *Density* is live organizations per 10,000 residents of the area, the residents being the
  area's population rolled up from its grids (``areas.queries.with_rollups``).
- *Party members* are people whose political status is 中共党员 or 中共预备党员, counted
  where their record is filed (``Person.area``: their home grid when known).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from gongzhi.areas.models import Area
from gongzhi.areas.queries import with_rollups
from gongzhi.organizations.choices import OrgStatus, Track
from gongzhi.organizations.models import AnnualReport, Membership, Organization
from gongzhi.people.choices import PoliticalStatus
from gongzhi.people.models import Person

# Organizations that exist legally now: they count in density and owe annual reports.
COUNTED_STATUSES = (OrgStatus.FILED, OrgStatus.REGISTERED, OrgStatus.SUSPENDED)
PARTY_STATUSES = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)


def live_organizations(area: Area) -> QuerySet[Organization]:
    """Filed, registered and suspended organizations located in ``area`` or below it."""
    return Organization.objects.filter(area__path__prefix=area.path, status__in=COUNTED_STATUSES)


def per_10k(count: int, population: int) -> float | None:
    """Organizations per 10,000 residents, to one decimal; None when nobody lives there."""
    if not population:
        return None
    return round(count * 10_000 / population, 1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _population(area: Area) -> int:
    return with_rollups(Area.objects.filter(pk=area.pk)).values_list("population_total", flat=True).get() or 0


def organization_stats(area: Area) -> dict[str, Any]:
    """Counts of live organizations under ``area`` by track, category and status, and their
    density per 10,000 residents (filed, registered and together). Four queries."""
    live = live_organizations(area).order_by()
    by_track = {Track.FILED.value: 0, Track.REGISTERED.value: 0}
    by_track.update(dict(live.values_list("track").annotate(n=Count("pk")).values_list("track", "n")))
    by_category = dict(
        live.exclude(category="").values_list("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    by_status = dict(live.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    population = _population(area)
    total = sum(by_track.values())
    return {
        "area": area.code,
        "population": population,
        "total": total,
        "by_track": by_track,
        "by_category": by_category,
        "by_status": by_status,
        "per_10k": {
            "filed": per_10k(by_track[Track.FILED], population),
            "registered": per_10k(by_track[Track.REGISTERED], population),
            "total": per_10k(total, population),
        },
    }


def _count_under(track: str) -> Coalesce:
    """Live organizations of ``track`` under each outer area, as a correlated subquery."""
    rows = (
        Organization.objects.filter(
            area__path__prefix=OuterRef("path"), status__in=COUNTED_STATUSES, track=track
        )
        .order_by()
        .annotate(_k=Value(1))
        .values("_k")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def density_by_child(area: Area) -> list[dict[str, Any]]:
    """One row per child area of ``area`` (code, name, population, filed, registered, total,
    per_10k of the total), in code order; one query."""
    children = with_rollups(Area.objects.filter(parent=area)).annotate(
        filed=_count_under(Track.FILED), registered=_count_under(Track.REGISTERED)
    )
    rows = []
    for child in children.order_by("code"):
        total = child.filed + child.registered
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "population": child.population_total or 0,
                "filed": child.filed,
                "registered": child.registered,
                "total": total,
                "per_10k": per_10k(total, child.population_total or 0),
            }
        )
    return rows


def party_building_shares(area: Area) -> dict[str, Any]:
    """The two party-building shares of ``area`` (红联社区's "80% and 80%"). Four queries.

    - ``member_share``: of the party members living under the area, those with a current
      membership in a live organization (anywhere);
    - ``leader_share``: of the distinct leaders of live organizations under the area, those
      who are party members.
    A share is None when its denominator is 0.
    """
    party = Person.objects.filter(area__path__prefix=area.path, political_status__in=PARTY_STATUSES)
    in_orgs = party.filter(
        Exists(
            Membership.objects.filter(
                person=OuterRef("pk"), left_on__isnull=True, organization__status__in=COUNTED_STATUSES
            )
        )
    )
    led = live_organizations(area).filter(leader__isnull=False).order_by()
    party_members = party.count()
    party_members_in_orgs = in_orgs.count()
    leaders = led.values("leader_id").distinct().count()
    party_leaders = (
        led.filter(leader__political_status__in=PARTY_STATUSES).values("leader_id").distinct().count()
    )
    return {
        "party_members": party_members,
        "party_members_in_orgs": party_members_in_orgs,
        "member_share": _share(party_members_in_orgs, party_members),
        "leaders": leaders,
        "party_leaders": party_leaders,
        "leader_share": _share(party_leaders, leaders),
    }


def organizations_missing_reports(area: Area, year: int) -> QuerySet[Organization]:
    """Live organizations under ``area`` that were filed or registered by the end of ``year``
    and have no annual report for it (the same rule as ``services.missing_annual_report``)."""
    year_end = datetime.date(year, 12, 31)
    return (
        live_organizations(area)
        .filter(Q(filed_on__lte=year_end) | Q(filed_on__isnull=True, registered_on__lte=year_end))
        .exclude(Exists(AnnualReport.objects.filter(organization=OuterRef("pk"), year=year)))
    )
