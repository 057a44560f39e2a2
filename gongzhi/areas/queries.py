"""Reads over the area tree: subtree roll-ups and staff lists."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gongzhi.areas.choices import AreaLevel, GridDuty
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.core.scoping import jurisdiction_paths


def _subtree_sum(field: str, level: str) -> Subquery:
    rows = (
        Area.objects.filter(path__prefix=OuterRef("path"), level=level)
        .order_by()
        .annotate(_k=Value(1))
        .values("_k")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(rows, output_field=IntegerField())


def _subtree_count(level: str) -> Subquery:
    rows = (
        Area.objects.filter(path__prefix=OuterRef("path"), level=level)
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .annotate(_k=Value(1))
        .values("_k")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(rows, output_field=IntegerField())


def with_rollups(queryset: QuerySet[Area]) -> QuerySet[Area]:
    """Annotate each area with its subtree's figures in the same query.

    ``population_total``/``households_total`` sum the grids below (a grid counts itself);
    an area with no grids yet falls back to its own recorded figure. ``*_count`` count the
    areas of each level strictly below it.
    """
    return queryset.annotate(
        population_total=Coalesce(
            _subtree_sum("population", AreaLevel.GRID), "population", output_field=IntegerField()
        ),
        households_total=Coalesce(
            _subtree_sum("households", AreaLevel.GRID), "households", output_field=IntegerField()
        ),
        street_count=Coalesce(_subtree_count(AreaLevel.STREET), 0),
        zone_count=Coalesce(_subtree_count(AreaLevel.ZONE), 0),
        community_count=Coalesce(_subtree_count(AreaLevel.COMMUNITY), 0),
        grid_count=Coalesce(_subtree_count(AreaLevel.GRID), 0),
        child_count=Coalesce(
            Subquery(
                Area.objects.filter(parent=OuterRef("pk"))
                .order_by()
                .annotate(_k=Value(1))
                .values("_k")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )


def jurisdiction_roots(user: Any) -> QuerySet[Area]:
    """The top areas of the user's jurisdiction; for a superuser, the roots of the tree."""
    areas = Area.objects.visible_to(user)
    if user.is_superuser:
        return areas.filter(parent__isnull=True)
    return areas.filter(path__in=jurisdiction_paths(user, "areas.view_area"))


def grid_staff(user: Any, area: Area) -> tuple[list[GridAssignment], list[tuple[str, int]]]:
    """Current staff: the people of a grid, or the head count per duty below a higher area."""
    current = GridAssignment.objects.visible_to(user).current()
    if area.level == AreaLevel.GRID:
        order = {duty: i for i, duty in enumerate(GridDuty.values)}
        staff = sorted(
            current.filter(grid=area).select_related("person"),
            key=lambda a: (order.get(a.duty, 99), a.person.name),
        )
        return staff, []
    counts = dict(
        current.filter(grid__path__prefix=area.path)
        .order_by()
        .values_list("duty")
        .annotate(n=Count("pk"))
        .values_list("duty", "n")
    )
    return [], [(GridDuty(duty).label, counts[duty]) for duty in GridDuty.values if duty in counts]
