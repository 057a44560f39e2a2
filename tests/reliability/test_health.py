"""``GET /healthz`` for load balancers: 200 when the database, the cache and the task queue
answer, 503 naming the failing check otherwise; no sign-in, nothing personal, never cached,
and bounded in time."""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches

from gongzhi.core import health

pytestmark = pytest.mark.django_db

URL = "/healthz"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once
TEST_REDIS = "redis://127.0.0.1:6379/14"


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(TEST_REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS}
    }
    yield
    caches["default"].close()


def test_all_checks_pass_anonymously_without_caching(client):
    response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "task_queue": "ok",
    }
    assert body["checks"]["task_queue"]["mode"] == "in-process"
    assert "no-store" in response.headers["Cache-Control"]
    # Nothing but names, states and timings.
    assert set(body) == {"status", "checks"}
    assert all(set(check) <= {"status", "ms", "mode"} for check in body["checks"].values())


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_redis_cache_and_broker_pass(client, settings, redis_cache):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = TEST_REDIS

    response = client.get(URL)

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["task_queue"]["mode"] == "redis"


def test_a_failing_cache_answers_503_naming_it(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }

    response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["failing"]) == ("fail", ["cache"])
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"


def test_a_failing_broker_answers_503_naming_the_task_queue(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["failing"] == ["task_queue"]
    # The error's class, never its text (which could name hosts or credentials).
    assert response.json()["checks"]["task_queue"]["error"] == "ConnectionError"


def test_a_failing_database_answers_503(client, monkeypatch):
    def broken() -> dict:
        raise ConnectionRefusedError("db.internal:5432 refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert response.json()["checks"]["database"]["error"] == "ConnectionRefusedError"
    assert "db.internal" not in response.content.decode()


def test_a_hung_dependency_fails_within_the_timeout(client, settings, monkeypatch):
    settings.GONGZHI_HEALTH_TIMEOUT = 0.2
    monkeypatch.setitem(health.CHECKS, "task_queue", lambda: time.sleep(5) or {})
    started = time.monotonic()

    response = client.get(URL)

    assert time.monotonic() - started < 3  # well before the 5 s hang ends, even on a busy machine
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"]["error"] == "timeout"


def test_only_reads_are_allowed(client):
    assert client.post(URL).status_code == 405
