"""The area tree: district → street → zone (optional) → community → grid, and grid staffing."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel, GridDuty
from gongzhi.areas.paths import PathField
from gongzhi.areas.validators import validate_area_code, validate_boundary
from gongzhi.core.scoping import ScopedQuerySet


class AreaQuerySet(ScopedQuerySet):
    area_path = "path"

    def under(self, area: Area) -> AreaQuerySet:
        """The subtree rooted at ``area`` (itself included): one indexed prefix match."""
        return self.filter(path__prefix=area.path)


class Area(models.Model):
    """An administrative area or grid. Statistics roll up the tree along ``path``.

    Resident population and households are recorded where they are counted — usually on
    grids; an area with grids below it reports their sum (see ``queries.with_rollups``).
    """

    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[validate_area_code])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        to="self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级区域"),
    )
    path = PathField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False, default=0)
    population = models.PositiveIntegerField(_("常住人口"), default=0)
    households = models.PositiveIntegerField(_("户数"), default=0)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True, validators=[validate_boundary])
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    center_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [
            # Serves the subtree prefix match on PostgreSQL whatever the collation;
            # SQLite ignores opclasses and uses the unique index with GLOB.
            models.Index(fields=["path"], name="areas_area_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "path"], name="areas_area_level_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=AreaLevel.DISTRICT, parent__isnull=True)
                | (~Q(level=AreaLevel.DISTRICT) & Q(parent__isnull=False)),
                name="areas_area_root_is_district",
                violation_error_message=_("只有区一级没有上级区域；其他层级必须有上级。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Area]:
        """Ancestors from the root down, in one query (their codes are in the path)."""
        codes = self.path.strip("/").split("/")[:-1]
        by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


def ancestor_paths(path: str) -> list[str]:
    """ "/a/b/c/" → ["/a/", "/a/b/"]: the paths of an area's ancestors (from its own path)."""
    codes = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def root_path(path: str) -> str:
    """ "/a/b/c/" → "/a/": the path of the tree's root above an area (its district)."""
    return "/" + path.strip("/").split("/")[0] + "/"


def related_areas(path: str) -> Q:
    """Rows whose area contains the area at ``path`` or lies inside it (on one line of the tree)."""
    return Q(area__path__prefix=path) | Q(area__path__in=[*ancestor_paths(path), path])


class GridAssignmentQuerySet(ScopedQuerySet):
    area_path = "grid__path"

    def current(self, on=None):
        today = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)


class GridAssignment(models.Model):
    """A person staffing a grid (网格长, 网格员, 党员志愿者, 居民小组长) for a period."""

    grid = models.ForeignKey(
        to=Area,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("网格"),
        limit_choices_to={"level": AreaLevel.GRID},
    )
    person = models.ForeignKey(
        to="people.Person",
        on_delete=models.PROTECT,
        related_name="grid_assignments",
        verbose_name=_("人员"),
    )
    duty = models.CharField(_("职务"), max_length=32, choices=GridDuty.choices)
    start_date = models.DateField(_("起始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    objects = GridAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格人员")
        verbose_name_plural = _("网格人员")
        ordering = ["grid__path", "duty", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=("grid", "person", "duty", "start_date"),
                name="areas_gridassignment_unique",
                violation_error_message=_("此人已在该网格担任此职务（同一起始日期）。"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="areas_gridassignment_dates",
                violation_error_message=_("结束日期不能早于起始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} · {self.get_duty_display()} · {self.person}"
