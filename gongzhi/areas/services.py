"""Writes for the area tree and grid staffing. Pages, API, admin and commands all call these."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.areas.choices import PARENT_LEVELS, AreaLevel
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.areas.validators import boundary_center, validate_area_code, validate_boundary
from gongzhi.core.exceptions import DomainError


def placement_error(level: str, parent_level: str | None) -> str | None:
    """Why an area of ``level`` cannot sit under a parent of ``parent_level`` (None if it can)."""
    if level not in AreaLevel.values:
        return _("未知层级“%(level)s”，应为 %(levels)s 之一。") % {
            "level": level,
            "levels": _("、").join(AreaLevel.values),
        }
    allowed = PARENT_LEVELS[level]
    if parent_level in allowed:
        return None
    label = AreaLevel(level).label
    if parent_level is None:
        return _("%(label)s必须有上级区域（%(parents)s）。") % {
            "label": label,
            "parents": _("、").join(str(AreaLevel(p).label) for p in allowed if p),
        }
    if allowed == (None,):
        return _("区是树的根，不能有上级区域。")
    return _("%(label)s的上级必须是%(parents)s，不能是%(parent)s。") % {
        "label": label,
        "parents": _("或").join(str(AreaLevel(p).label) for p in allowed if p),
        "parent": AreaLevel(parent_level).label,
    }


def _clean_boundary(boundary: Any) -> None:
    try:
        validate_boundary(boundary)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="boundary") from exc


def create_area(
    *,
    code: str,
    name: str,
    level: str,
    parent: Area | None,
    population: int = 0,
    households: int = 0,
    boundary: dict | None = None,
    center: tuple[float, float] | None = None,
    by: Any = None,
) -> Area:
    """Add an area under ``parent``, enforcing the tree rule (a street's parent is a district,
    a zone's a street, a community's a street or zone, a grid's a community).

    Raises DomainError naming what is wrong: a bad or taken code, a wrong parent level,
    negative figures, or an invalid boundary. The centre defaults to a point in the boundary.
    """
    try:
        validate_area_code(code)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="code") from exc
    error = placement_error(level, parent.level if parent else None)
    if error:
        raise DomainError(error, field="parent")
    if population < 0 or households < 0:
        raise DomainError(_("人口和户数不能为负数。"), field="population")
    _clean_boundary(boundary)
    if Area.objects.filter(code=code).exists():
        raise DomainError(_("区域编码“%(code)s”已存在。") % {"code": code}, field="code")
    if center is None and boundary:
        center = boundary_center(boundary)
    area = Area(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
        depth=(parent.depth + 1) if parent else 0,
        population=population,
        households=households,
        boundary=boundary or None,
        center_lat=center[0] if center else None,
        center_lng=center[1] if center else None,
    )
    area.save()
    return area


def update_area(area: Area, *, by: Any = None, **changes: Any) -> Area:
    """Change an area's name, figures or boundary. Code, level and parent are fixed once the
    area exists, because every record in the subtree is filed under its path."""
    allowed = {"name", "population", "households", "boundary"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(
            _("区域的 %(fields)s 不能修改；可修改的只有名称、人口、户数和边界。")
            % {"fields": _("、").join(sorted(unknown))}
        )
    if "boundary" in changes:
        _clean_boundary(changes["boundary"])
        if changes["boundary"]:
            changes["center_lat"], changes["center_lng"] = boundary_center(changes["boundary"])
    for key in ("population", "households"):
        if key in changes and changes[key] < 0:
            raise DomainError(_("人口和户数不能为负数。"), field=key)
    with transaction.atomic():
        area = Area.objects.select_for_update().get(pk=area.pk)
        for key, value in changes.items():
            setattr(area, key, value)
        area.save(update_fields=[*changes, "updated_at"])
    return area


def assign_grid_staff(
    *,
    grid: Area,
    person: Any,
    duty: str,
    start_date: datetime.date | None = None,
    by: Any = None,
) -> GridAssignment:
    """Put a person on a grid's staff. Raises DomainError if ``grid`` is not a grid."""
    if grid.level != AreaLevel.GRID:
        raise DomainError(
            _("网格人员只能分配到网格，“%(name)s”是%(level)s。")
            % {"name": grid.name, "level": grid.get_level_display()},
            field="grid",
        )
    kwargs: dict[str, Any] = {"grid": grid, "person": person, "duty": duty}
    if start_date:
        kwargs["start_date"] = start_date
    assignment, _created = GridAssignment.objects.get_or_create(**kwargs)
    return assignment


def end_grid_assignment(assignment: GridAssignment, *, on: datetime.date, by: Any = None) -> GridAssignment:
    if on < assignment.start_date:
        raise DomainError(_("结束日期不能早于起始日期。"), field="end_date")
    assignment.end_date = on
    assignment.save(update_fields=["end_date"])
    return assignment
