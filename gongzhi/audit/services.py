"""Writing the audit log: ``record`` is the one door every part of Gongzhi uses."""

from __future__ import annotations

from typing import Any

from gongzhi.audit.choices import Category, Outcome
from gongzhi.audit.context import client_ip, current_request
from gongzhi.audit.models import AuditEvent

__all__ = ["Category", "Outcome", "record"]


def _actor_of(request):
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def record(
    action: str,
    *,
    category: str,
    target: Any = None,
    outcome: str = Outcome.SUCCESS,
    detail: dict | None = None,
    actor=None,
    actor_name: str = "",
    request=None,
) -> AuditEvent:
    """Append one audit row: ``action`` is a dotted name (``case.dispatch``, ``auth.login``),
    ``target`` the model instance it concerns (or None); actor and address come from the current
    request unless given. Never put plain ID numbers or phones in ``detail``."""
    request = request if request is not None else current_request.get()
    actor = actor if actor is not None else _actor_of(request)
    object_type = object_id = object_repr = ""
    if target is not None:
        meta = getattr(target, "_meta", None)
        object_type = meta.label_lower if meta is not None else type(target).__name__
        object_id = str(getattr(target, "pk", "") or "")
        object_repr = str(target)[:200]
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_name=(actor_name or (actor.get_username() if actor is not None else ""))[:150],
        ip=client_ip(request),
        user_agent=user_agent,
        category=category,
        action=action[:80],
        outcome=outcome,
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=object_repr,
        detail=detail or {},
    )
