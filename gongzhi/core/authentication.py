"""API authentication that also names the actor in the change history.

AuditlogMiddleware records ``request.user`` before DRF has authenticated a token, so a change
made with ``Authorization: Token …`` would otherwise be logged without an actor.
"""

from __future__ import annotations

from auditlog.context import auditlog_value
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication


def record_actor(user) -> None:
    try:
        context = auditlog_value.get()
    except LookupError:  # outside a request (commands, tasks): nothing to attach to
        return
    if context.get("actor") is None:
        context["actor"] = user


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            record_actor(result[0])
        return result
