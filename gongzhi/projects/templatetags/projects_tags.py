"""Template helpers for the project pages and the top bar's "公益项目" link."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from gongzhi.accounts.roles import Role
from gongzhi.core.scoping import active_assignments

register = template.Library()


@register.simple_tag
def shows_projects_link(user: Any) -> bool:
    """Whether the top bar links to the project list: for those who read projects, and for
    organization leaders (who see the projects open to their organization).

    Costs no query for anyone else: roles are already loaded for the permission checks, and
    only a holder of the org_leader role is asked whether they lead an organization.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.has_perm("projects.view_project"):
        return True
    if not any(role == Role.ORG_LEADER for role, _path in active_assignments(user)):
        return False
    from gongzhi.projects.views import leads_organization

    return leads_organization(user)


@register.filter
def percent(ratio: Any) -> int:
    """An indicator's progress ratio (1.00 = 100%) as a whole percentage for a bar, capped at 100."""
    if ratio is None:
        return 0
    return max(0, min(100, int(Decimal(ratio) * 100)))


@register.filter
def yuan(value: Any) -> str:
    """Money as the services write it in messages: 12345.6 → "12,345.60" (the Chinese locale
    groups no digits, but a ledger is read in thousands)."""
    if value is None or value == "":
        return "—"
    from gongzhi.projects.services import yuan as format_yuan

    return format_yuan(Decimal(value))
