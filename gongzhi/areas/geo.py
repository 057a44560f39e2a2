"""Where is a point? Finding the grid that contains a location.

Grid boundaries are read once per process into a shapely STRtree (a spatial index) and
reloaded when any area changes, so locating a report costs an in-memory lookup, whatever the
number of grids, plus a cheap freshness query at most every GONGZHI_REFERENCE_CACHE_SECONDS
(gongzhi/core/refcache.py; an area saved in this process is seen at once).
"""

from __future__ import annotations

import math
import threading

from django.db.models import Count, Max
from shapely import STRtree
from shapely.geometry import Point, shape

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.refcache import Reference

_lock = threading.Lock()
_index: dict = {"stamp": None, "tree": None, "ids": []}


def _stamp():
    return tuple(
        Area.objects.filter(level=AreaLevel.GRID).aggregate(n=Count("pk"), t=Max("updated_at")).values()
    )


_grid_stamp = Reference("grid-stamp", _stamp, Area)


def _load():
    rows = list(
        Area.objects.filter(level=AreaLevel.GRID, boundary__isnull=False).values_list("pk", "boundary")
    )
    geometries = [shape(boundary) for _pk, boundary in rows]
    return STRtree(geometries) if geometries else None, [pk for pk, _b in rows], geometries


def locate_grid(lat: float, lng: float) -> Area | None:
    """The grid whose boundary contains (lat, lng), or None."""
    stamp = _grid_stamp.get()
    with _lock:
        if _index["stamp"] != stamp:
            tree, ids, geometries = _load()
            _index.update(stamp=stamp, tree=tree, ids=ids, geometries=geometries)
        tree, ids, geometries = _index["tree"], _index["ids"], _index["geometries"]
    if tree is None:
        return None
    point = Point(lng, lat)
    for i in tree.query(point):
        if geometries[i].covers(point):
            return Area.objects.get(pk=ids[i])
    return None


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) around a point, for an indexed prefilter."""
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng
