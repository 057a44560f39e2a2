"""Gunicorn configuration for Gongzhi in production (docs/deployment.md).

Run as ``gunicorn --config deploy/gunicorn.conf.py`` (the WSGI application is named below).
Everything a deployment may want to change comes from the environment, so the systemd unit,
the compose file and a shell all use this one file:

- ``GONGZHI_BIND``: address(es) to listen on, comma-separated (``127.0.0.1:8000``; a unix
  socket is ``unix:/run/gongzhi/web.sock``). The reverse proxy in front terminates TLS.
- ``GONGZHI_WEB_WORKERS``: worker processes (default 2 × CPUs + 1, at most 12).
- ``GONGZHI_WEB_TIMEOUT``: seconds a request may take before its worker is restarted (60).
- ``GONGZHI_WEB_MAX_REQUESTS``: requests after which a worker is replaced (1000, ± 10 %), so
  a slow leak can never grow a worker without bound.
- ``GONGZHI_FORWARDED_ALLOW_IPS``: proxies whose ``X-Forwarded-*`` headers are trusted
  (``127.0.0.1,::1``: the reverse proxy on the same host).
- ``GONGZHI_WEB_GC_GEN0``: allocations between two young-generation collections of Python's
  cycle collector in a worker (7000, ten times Python's default; see ``post_worker_init``).

The access log never holds secrets: query strings are left out (an Open311 client's
``api_key`` travels in one) and the token in a resident's tracking link (``/track/<token>/``)
is masked.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger


def _cpus() -> int:
    # The CPUs this process may run on (a container's or a systemd slice's share), not the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {value!r}.") from None


wsgi_app = "gongzhi.wsgi:application"
bind = [address.strip() for address in os.environ.get("GONGZHI_BIND", "127.0.0.1:8000").split(",")]
proc_name = "gongzhi-web"

# Sync workers: every request holds one process, which holds at most one database connection
# (settings: CONN_MAX_AGE 60), so workers × instances must stay below PostgreSQL's
# max_connections. 2 × CPUs + 1 keeps the CPUs busy while some workers wait on the database.
workers = _int("GONGZHI_WEB_WORKERS", min(2 * _cpus() + 1, 12))
timeout = _int("GONGZHI_WEB_TIMEOUT", 60)
graceful_timeout = 30  # on stop or reload, requests in flight get this long to finish
keepalive = 5  # seconds; the reverse proxy reuses connections to us

max_requests = _int("GONGZHI_WEB_MAX_REQUESTS", 1000)
# Jitter, so the workers started together are not all replaced at the same moment.
max_requests_jitter = max_requests // 10

# The proxy on this host sets X-Forwarded-For/-Proto; nobody else may.
forwarded_allow_ips = os.environ.get("GONGZHI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Workers' heartbeat files in memory, not on a disk that may stall (Docker's overlay, a busy /tmp).
# (A tmpfs the kernel provides; gunicorn creates its files there unlinked, mode 0600.)
if os.path.isdir("/dev/shm"):  # noqa: S108 - see above
    worker_tmp_dir = "/dev/shm"  # noqa: S108

gc_gen0 = _int("GONGZHI_WEB_GC_GEN0", 7000)


def post_worker_init(worker) -> None:
    """Once the worker has loaded Django: import the URL configuration (every view and API
    module) now rather than in the first request, then move everything loaded so far out of the
    cycle collector's sight (``gc.freeze``). A full collection then walks only what requests
    create, not the ~1M objects of a loaded Django, which made one request in a hundred or so
    pause for tens of milliseconds; and a larger young generation collects less often (bench R1,
    R4: about a tenth less CPU per case report)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the views
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gc_gen0, gen1, gen2)


# Recent gunicorn opens a control socket at a fixed per-user path; we do not use it.
control_socket_disable = True

# To journald/stdout (systemd and Docker collect them).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Client (from the proxy's X-Forwarded-For), user, method, path WITHOUT query, status, bytes,
# duration in ms, user agent. (No referrer: it is a full URL, query string and all.)
access_log_format = '%({x-forwarded-for}i)s %(u)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# Path segments that are secrets themselves: masked in the access log.
SECRET_PATHS = [
    re.compile(r"(/track/)[^/]+"),  # a resident's case-tracking token
    re.compile(r"(/reset/[^/]+/)[^/]+"),  # Django's password-reset token
]


def redact(path: str) -> str:
    """``path`` as the access log shows it: no query string, secret segments masked."""
    path = path.split("?", 1)[0]
    for pattern in SECRET_PATHS:
        path = pattern.sub(r"\1***", path)
    return path


class RedactingLogger(Logger):
    """Gunicorn's logger with the request line and path passed through ``redact``."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact(atoms.get("U", ""))
        atoms["q"] = ""
        atoms["r"] = f"{atoms.get('m', '-')} {atoms['U']} {atoms.get('H', '-')}"
        return atoms


logger_class = RedactingLogger
