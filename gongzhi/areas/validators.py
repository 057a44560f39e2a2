"""Validation of area codes and boundaries (GeoJSON)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CODE_RE = re.compile(r"^[0-9A-Za-z-]{1,32}$")


def validate_area_code(value: str) -> None:
    # Codes form the materialized path, so they may not contain path or wildcard characters.
    if not CODE_RE.match(value or ""):
        raise ValidationError(
            _("区域编码“%(code)s”无效：只能包含字母、数字和连字符，长度 1–32。"),
            params={"code": value},
            code="invalid_code",
        )


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(_("%(where)s：多边形的环至少需要 4 个坐标点（首尾相同）。") % {"where": where})
    for point in ring:
        if (
            not isinstance(point, list | tuple)
            or len(point) < 2
            or not all(isinstance(c, int | float) for c in point[:2])
        ):
            raise ValidationError(_("%(where)s：坐标必须是 [经度, 纬度] 数字对。") % {"where": where})
        lng, lat = point[0], point[1]
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValidationError(
                _(
                    "%(where)s：坐标 [%(lng)s, %(lat)s] 超出范围（经度 −180–180，纬度 −90–90），"
                    "请确认顺序是 [经度, 纬度]。"
                )
                % {"where": where, "lng": lng, "lat": lat}
            )
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise ValidationError(_("%(where)s：多边形的环必须闭合（首尾坐标相同）。") % {"where": where})


def validate_boundary(value: Any) -> None:
    """A boundary is a GeoJSON Polygon or MultiPolygon in WGS84 [lng, lat] order, valid
    as a geometry (no self-intersections)."""
    if value in (None, ""):
        return
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _(
                "边界必须是 GeoJSON 的 Polygon 或 MultiPolygon 对象，例如 "
                '{"type": "Polygon", "coordinates": [[[经度, 纬度], …]]}。'
            ),
            code="invalid_boundary",
        )
    coords = value.get("coordinates")
    polygons = [coords] if value["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("边界缺少 coordinates。"), code="invalid_boundary")
    for i, polygon in enumerate(polygons):
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("边界第 %(n)s 个多边形为空。") % {"n": i + 1})
        for j, ring in enumerate(polygon):
            _check_ring(ring, _("边界第 %(n)s 个多边形第 %(r)s 个环") % {"n": i + 1, "r": j + 1})
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    geometry = shape(value)
    if not geometry.is_valid:
        raise ValidationError(
            _("边界几何无效（%(why)s），请检查是否有自相交或重复的点。")
            % {"why": explain_validity(geometry)},
            code="invalid_boundary",
        )


def boundary_center(value: dict) -> tuple[float, float]:
    """(lat, lng) of a representative point inside the boundary."""
    from shapely.geometry import shape

    point = shape(value).representative_point()
    return point.y, point.x
