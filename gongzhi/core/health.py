"""``GET /healthz``: is this instance able to serve? For load balancers and monitoring.

Checks the database (``SELECT 1``), the cache (a set and get of a throw-away key) and the
task queue (a ping of the Redis broker; with eager tasks the queue is in-process and always
up). Answers 200 ``{"status": "ok", "checks": {...}}`` when all pass, else 503 with
``"status": "fail"`` and the failing checks named in ``"failing"``.

No sign-in is needed, so the answer carries nothing but check names, "ok"/"fail", timings
and the class name of an error (never its message, which could name hosts or passwords).
Every check is bounded by ``GONGZHI_HEALTH_TIMEOUT`` seconds (1 s by default), so a hung
dependency makes the probe fail fast instead of hanging the balancer's probe.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _timeout() -> float:
    return float(getattr(settings, "GONGZHI_HEALTH_TIMEOUT", 1.0))


def check_database() -> dict[str, Any]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL statement_timeout = %s", [int(_timeout() * 1000)])
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned something else")
    return {}


def check_cache() -> dict[str, Any]:
    key = f"gongzhi:healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise RuntimeError("the cache did not return what was stored")
    return {}


def check_task_queue() -> dict[str, Any]:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return {"mode": "in-process"}
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        seconds = _timeout()
        client = redis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            client.ping()
        finally:
            client.close()
        return {"mode": "redis"}
    from gongzhi.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=_timeout())
    return {"mode": "broker"}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "task_queue": check_task_queue,
}

# One thread each for the checks that talk to other servers (the database check stays on the
# request's thread and connection, bounded by the statement timeout).
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def _run(name: str, check: Callable[[], dict[str, Any]], *, in_thread: bool) -> dict[str, Any]:
    started = time.monotonic()
    try:
        extra = _pool.submit(check).result(timeout=_timeout()) if in_thread else check()
        result = {"status": "ok", **extra}
    except FutureTimeout:
        result = {"status": "fail", "error": "timeout"}
    except Exception as exc:  # any failure of a dependency is a failed check
        result = {"status": "fail", "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def run_checks() -> dict[str, dict[str, Any]]:
    return {name: _run(name, check, in_thread=name != "database") for name, check in CHECKS.items()}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failing = [name for name, result in checks.items() if result["status"] != "ok"]
    body: dict[str, Any] = {"status": "fail" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    response = JsonResponse(body, status=503 if failing else 200)
    response["Cache-Control"] = "no-store"
    return response
