"""Authentication backend that adds the permissions of a user's roles.

``user.has_perm("people.view_person")`` is then true when any active role grants it;
*where* it applies is decided by ``visible_to`` (jurisdiction), never by has_perm alone.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from gongzhi.accounts.roles import ROLE_PERMISSIONS
from gongzhi.core.scoping import active_assignments


class RoleBackend(ModelBackend):
    def get_role_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            perms: set[str] = set()
            for role, _path in active_assignments(user_obj):
                perms |= ROLE_PERMISSIONS.get(role, frozenset())
            user_obj._role_perm_cache = perms
        return user_obj._role_perm_cache

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return {*super().get_all_permissions(user_obj, obj), *self.get_role_permissions(user_obj, obj)}

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        # Roles first: they grant nearly every check, and they are already in hand (one query
        # per request, often none: the token's query carries them). Only a permission no role
        # grants is looked up among the user's and groups' own (two queries, ModelBackend).
        if user_obj.is_active and perm in self.get_role_permissions(user_obj, obj):
            return True
        return super().has_perm(user_obj, perm, obj)
