"""Reads over the area tree: subtree roll-ups and staff lists."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area


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
