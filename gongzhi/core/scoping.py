"""The one door for access: every queryset a user sees starts from ``visible_to(user)``.

A user holds roles over areas (their jurisdiction). A role grants permissions; a permission
applies only inside the areas of the assignments whose role grants it. ``visible_to`` turns
that into one indexed filter on the area path of each row. Rows outside answer 404 in detail
views — the same as rows that do not exist, so nobody learns what lies outside their remit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q


def _unwrapped(user: Any) -> Any:
    # request.user is a SimpleLazyObject: cache on the real user, the object the auth backend
    # also sees, so the role query runs once per request rather than once per wrapper.
    wrapped = getattr(user, "_wrapped", None)
    return wrapped if wrapped is not None and hasattr(wrapped, "pk") else user


def active_assignments(user: Any) -> list[tuple[str, str]]:
    """(role, area path) of the user's active role assignments; one query per request."""
    if not user or not user.is_authenticated:
        return []
    user = _unwrapped(user)
    cached = user.__dict__.get("_assignments_cache")
    if cached is None:
        cached = list(user.role_assignments.active().values_list("role", "area__path"))
        user.__dict__["_assignments_cache"] = cached
    return cached


def forget_assignments(user: Any) -> None:
    """Drop the per-request caches after the user's roles changed."""
    user = _unwrapped(user)
    for key in (
        "_assignments_cache",
        "_jurisdiction_cache",
        "_role_perm_cache",
        "_perm_cache",
        "_led_area_paths",
    ):
        user.__dict__.pop(key, None)


def jurisdiction_paths(user: Any, perm: str) -> list[str]:
    """Area paths in which ``user`` holds ``perm``, with nested paths folded into their roots.

    Cached on the user object for the request, because every list and detail asks.
    """
    if not user or not user.is_authenticated:
        return []
    user = _unwrapped(user)
    cache: dict[str, list[str]] = user.__dict__.setdefault("_jurisdiction_cache", {})
    if perm in cache:
        return cache[perm]
    from gongzhi.accounts.roles import ROLE_PERMISSIONS

    paths = sorted(
        {path for role, path in active_assignments(user) if perm in ROLE_PERMISSIONS.get(role, frozenset())}
    )
    roots: list[str] = []
    for path in paths:  # sorted, so an ancestor comes before its descendants
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    cache[perm] = roots
    return roots


def under_paths(lookup: str, paths: Iterable[str]) -> Q:
    """Rows whose ``lookup`` (an area path) lies under any of ``paths``; no row for no paths."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{lookup}__prefix": path})
    return condition


def in_jurisdiction(user: Any, perm: str, lookup: str) -> Q:
    """Rows whose area (``lookup`` = its path) lies where ``user`` holds ``perm``."""
    if user.is_superuser:
        return Q()
    return under_paths(lookup, jurisdiction_paths(user, perm))


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows each lie in one area of the tree.

    Subclasses name ``area_path`` (the lookup from the row to its area's path) and may add
    ``own_rows(user)`` for rows a user sees because they are theirs, wherever they lie.
    """

    area_path: str = "area__path"
    # Rows that belong to another record (an organization's members, a person's tags) are seen
    # with that record's view permission; None means the model's own view_<model>.
    view_permission: str | None = None

    def default_permission(self) -> str:
        if self.view_permission:
            return self.view_permission
        meta = self.model._meta
        return f"{meta.app_label}.view_{meta.model_name}"

    # Beside the rows' own (an OR), name the jurisdiction's areas by id from a subquery rather
    # than by the joined area's path. Inside the OR a condition on the joined area made
    # PostgreSQL weigh the path pattern for every join order it tried: a case report's
    # duplicate search planned in 2.8 ms, 0.5-0.7 ms this way, and a grid member's or a
    # community worker's case list ran 2-4 times faster. The subquery reads every area of the
    # jurisdiction, though (a district's 3,300: about 1 ms), so it is for the big tables whose
    # queries it speeds (cases), not for every scoped model.
    areas_by_id: bool = False

    def own_rows(self, user: Any) -> Q | None:
        return None

    def visible_to(self, user: Any, perm: str | None = None) -> ScopedQuerySet:
        if not user or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        perm = perm or self.default_permission()
        paths = jurisdiction_paths(user, perm)
        own = self.own_rows(user)
        link = self.area_path.removesuffix("__path")
        if own is not None and self.areas_by_id and link != self.area_path and paths:
            from gongzhi.areas.models import Area

            inside = Q(**{f"{link}__in": Area.objects.filter(under_paths("path", paths)).values("pk")})
        else:
            inside = under_paths(self.area_path, paths)
        return self.filter(inside if own is None else inside | own)


def can(user: Any, perm: str, area: Any) -> bool:
    """Whether ``user`` holds ``perm`` over ``area`` (an Area inside their jurisdiction)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(area.path.startswith(root) for root in jurisdiction_paths(user, perm))
