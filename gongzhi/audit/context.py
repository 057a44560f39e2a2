"""Who and where, for audit rows written deep inside services.

The middleware puts the current request in a context variable; ``services.record`` reads the
user (set later by session or token authentication), client address and user agent from it.
Commands and tasks run without a request and are recorded as the system (or ``actor=``).
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

current_request: ContextVar = ContextVar("gongzhi_audit_request", default=None)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the left-most X-Forwarded-For entry added by a
    trusted proxy when ``GONGZHI_TRUSTED_PROXY_COUNT`` says how many proxies stand in front."""
    if request is None:
        return None
    proxies = getattr(settings, "GONGZHI_TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the request current for ``record``, and records every refused request (403) that
    the API's exception handler or the pages' ``handler403`` did not record already (a CSRF
    failure, a view that renders its own 403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                from gongzhi.audit.services import record_denial

                record_denial(request)
            return response
        finally:
            current_request.reset(token)
