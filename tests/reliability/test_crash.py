"""Crash safety: a real gunicorn serving case reports is killed with SIGKILL (master and
workers) in the middle of a burst. Afterwards every report that was answered 2xx is in the
database, exactly once, and no case is half-applied: each has its final number, its one
REPORT event leading to its status, and every stored idempotent answer names a case that
exists. PostgreSQL only (the production database, and one the server process can share
with the test)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string

from gongzhi.cases.choices import CaseAction, CaseStatus
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.core.models import IdempotencyRecord
from tests.cases.conftest import G1_POINT
from tests.conftest import signed_in_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the gunicorn process must share the committed test database",
    ),
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
SENDERS = 6
KILL_AFTER_SUCCESSES = 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path):
    """gunicorn with two workers on a free port, in its own process group."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "GONGZHI_DATA_DIR": str(tmp_path / "server")}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "gongzhi.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,  # a process group of its own: killpg reaches master and workers
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            log.close()
            raise RuntimeError((tmp_path / "gunicorn.log").read_text()[-3000:])
        time.sleep(0.3)
    yield port, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    log.close()


def session_headers(user) -> dict[str, str]:
    """Sign in through a real session (cookie) with a CSRF token, as the web app would."""
    session = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    csrf = _get_new_csrf_string()
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/json",
    }


def test_sigkill_mid_burst_loses_no_acknowledged_report_and_half_applies_none(
    server, grid_member, categories, grids
):
    port, process = server
    headers = session_headers(grid_member)
    acknowledged: dict[str, int] = {}  # description → case id answered with 2xx
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(n: int) -> None:
        i = 0
        while not stop.is_set():
            description = f"压测上报 {n}-{i}"
            body = json.dumps(
                {"category": "0101", "description": description, "lat": G1_POINT[0], "lng": G1_POINT[1]}
            ).encode()
            try:
                status, raw = request(
                    port, "POST", "/api/v1/cases/", body, {**headers, "Idempotency-Key": f"burst-{n}-{i}"}
                )
            except OSError as exc:  # refused or cut off by the kill: no answer, no promise
                with lock:
                    failures.append(type(exc).__name__)
                if process.poll() is not None:
                    return
                continue
            with lock:
                if 200 <= status < 300:
                    acknowledged[description] = json.loads(raw)["id"]
                else:
                    failures.append(f"{status}: {raw[:200]!r}")
            i += 1

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < KILL_AFTER_SUCCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # master and workers, mid-request
    process.wait(timeout=10)
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert len(acknowledged) >= KILL_AFTER_SUCCESSES, failures[:5]
    assert failures, "the kill came after the burst, not in the middle of it"
    assert all(not f[:1].isdigit() for f in failures), failures[:5]  # no HTTP error, only cut-offs
    # Every acknowledged report is there, exactly once, under the id it was answered with.
    stored = dict(Case.objects.filter(description__startswith="压测上报").values_list("description", "pk"))
    assert {d: stored.get(d) for d in acknowledged} == acknowledged
    assert Case.objects.filter(description__startswith="压测上报").count() == len(stored)
    # No case is half-applied: final number, one REPORT event, the event leads to the status.
    for case in Case.objects.all():
        events = list(CaseEvent.objects.filter(case=case).values_list("action", "to_status"))
        assert events == [(CaseAction.REPORT, CaseStatus.REPORTED)], case.pk
        assert case.status == CaseStatus.REPORTED
        assert not case.number.startswith("tmp-")
    # Every stored idempotent answer belongs to a case that exists (claimed in the same commit).
    answered = [json.loads(r.response_body)["id"] for r in IdempotencyRecord.objects.all()]
    assert set(answered) == set(Case.objects.values_list("pk", flat=True))
