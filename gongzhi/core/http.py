from __future__ import annotations


def client_ip(request) -> str | None:
    """The client address as the server saw it (a proxy's X-Forwarded-For is not trusted here)."""
    return request.META.get("REMOTE_ADDR") or None
