"""Reading the audit log: which events an auditor sees.

The rule (docs/security.md, "Audit"): an auditor assigned at the root of the area tree (the
district) sees every event, anonymous and system ones included. An auditor assigned lower
sees the events whose actor holds or held a role in an area inside the auditor's subtree —
the people working there — and no anonymous or system events (those belong to the whole
installation, so to the district's auditor). Other roles see nothing: the district admin and
the system administrator do not read the audit log (separation of duties).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.audit.models import AuditEvent
from gongzhi.core.scoping import jurisdiction_paths

VIEW_PERMISSION = "audit.view_auditevent"
EXPORT_PERMISSION = "audit.export_auditevent"


def _is_root(path: str) -> bool:
    return path.strip("/").count("/") == 0


def visible_events(user: Any, perm: str = VIEW_PERMISSION) -> QuerySet[AuditEvent]:
    """The events ``user`` may read (or export, with ``perm=EXPORT_PERMISSION``)."""
    events = AuditEvent.objects.all()
    if not user or not user.is_authenticated or not user.is_active:
        return events.none()
    if user.is_superuser:
        return events
    roots = jurisdiction_paths(user, perm)
    if not roots:
        return events.none()
    if any(_is_root(path) for path in roots):
        return events
    from gongzhi.accounts.models import RoleAssignment

    inside = Q(pk__in=[])
    for path in roots:
        inside |= Q(area__path__prefix=path)
    actors = RoleAssignment.objects.filter(inside).values("user_id")
    return events.filter(actor_id__in=actors)


def last_verification(user: Any) -> AuditEvent | None:
    """The latest chain verification the auditor may see (command, task or page)."""
    return visible_events(user).filter(category="admin", action="audit.verify").order_by("-at", "-id").first()
