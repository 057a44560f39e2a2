"""Template helpers shared by every page: the signed-in user's roles for the top bar."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def user_roles(user: Any) -> list[Any]:
    """The user's active role assignments (with their areas), read once per request.

    Cached on the user object because the top bar and the home page both ask.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    if "_active_roles_cache" not in user.__dict__:
        user.__dict__["_active_roles_cache"] = list(
            user.role_assignments.active().select_related("area").order_by("role", "area__path")
        )
    return user.__dict__["_active_roles_cache"]
