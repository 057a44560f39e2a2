"""DRF permission: the role must grant the action's permission somewhere.

Where it applies is then decided by ``visible_to`` on the queryset, so a right role outside
its jurisdiction gets 404, and a wrong role gets 403.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class RolePermission(BasePermission):
    """Views declare ``action_permissions = {"list": "app.view_x", "create": "app.add_x", …}``;
    an action missing from the map is refused. Actions in ``own_record_actions`` are open to
    any signed-in user because the queryset's ``visible_to`` adds the user's own rows (a
    volunteer opening their own person record); anything else then answers 404."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        perms = getattr(view, "action_permissions", {})
        action = getattr(view, "action", None) or request.method.lower()
        if action in getattr(view, "own_record_actions", ()):
            return True
        perm = perms.get(action)
        if perm is None:
            return False
        return request.user.has_perm(perm)
