"""A real Celery worker and beat, started as production starts them (``celery -A gongzhi …``
with ``DEBUG=0`` and ``REDIS_URL``), against the Redis on this machine (database 15) and the
test database.

The worker test puts an overdue case in the database, queues the case sweep on Redis the way
beat does (by task name), and waits for the worker to take it: the case must be warned,
escalated one level and its people notified, all written by the worker process. Every wait
is time-bound and the worker's process group is killed in a ``finally``, so a broken worker
fails the test instead of hanging the run.

The worker is a separate process, so it must see the data the test wrote: the tests commit
(``transaction=True``). On PostgreSQL the worker opens the test database itself; SQLite's
test database lives in this process's memory, so it is copied to a file for the worker and
the worker's writes are copied back before the assertions.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from gongzhi.cases.choices import CaseAction, CaseLevel, CaseSource, Warning
from gongzhi.cases.models import Case, CaseCategory
from gongzhi.cases.services import case_url, report_case
from gongzhi.notifications.models import Notification

REDIS_URL = os.environ.get("GONGZHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY = Path(sys.executable).with_name("celery")
# Seconds. Django's start-up on a busy two-core CI machine takes a few; a minute is plenty.
TASK_TIMEOUT = 90
STOP_TIMEOUT = 30

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The Redis on this machine (our own database number), or a skip when none runs."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        client.close()
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    yield client
    client.close()


@pytest.fixture
def queue(broker: redis.Redis) -> Iterator[str]:
    """A queue of our own, so parallel runs and other workers on this Redis never take our task."""
    name = f"gongzhi-test-{uuid.uuid4().hex[:12]}"
    yield name
    # kombu keeps the queue as a list and its bindings under keys named after it; leave none.
    leftovers = list(broker.scan_iter(match=f"*{name}*"))
    if leftovers:
        broker.delete(*leftovers)


class WorkerDatabase:
    """The test database as another process can open it."""

    def __init__(self, directory: Path):
        self.file = directory / "worker.sqlite3"

    def share(self) -> str:
        """A ``DATABASE_URL`` for the worker; call it once the test's data is written."""
        connection.ensure_connection()
        params = connection.settings_dict
        if connection.vendor == "postgresql":
            credentials = quote(params["USER"] or "", safe="")
            if params["PASSWORD"]:
                credentials += ":" + quote(params["PASSWORD"], safe="")
            host = params["HOST"] or "127.0.0.1"
            port = params["PORT"] or 5432
            return f"postgresql://{credentials}@{host}:{port}/{params['NAME']}"
        if connection.vendor == "sqlite":
            target = sqlite3.connect(self.file)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            return f"sqlite:///{self.file}"
        pytest.skip(f"no recipe to share a {connection.vendor} test database with a worker")
        return ""  # unreachable; for the type checker

    def collect(self) -> None:
        """Bring the worker's writes into the test's database (SQLite only: PostgreSQL is shared)."""
        if connection.vendor == "sqlite":
            source = sqlite3.connect(self.file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()


@pytest.fixture
def worker_database(tmp_path: Path) -> WorkerDatabase:
    return WorkerDatabase(tmp_path)


def production_environment(data_dir: Path, database_url: str) -> dict[str, str]:
    """What a deployment's environment file sets (deploy/gongzhi.env.example), for a test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GONGZHI_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="gongzhi.test",
        # The same keys as this process, so the worker reads what the test wrote.
        GONGZHI_DATA_KEY=",".join(settings.GONGZHI_DATA_KEYS),
        GONGZHI_INDEX_KEY=settings.GONGZHI_INDEX_KEY,
        GONGZHI_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def celery_process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """``celery -A gongzhi <args>`` in its own process group, output to ``log``; killed (the
    whole group) on the way out if the test has not stopped it."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own virtualenv's celery, fixed arguments
            [str(CELERY), "-A", "gongzhi", *args],
            env=env,
            cwd=env["GONGZHI_DATA_DIR"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)


def stop(process: subprocess.Popen) -> int:
    """Warm shutdown, as ``systemctl stop`` does it (SIGTERM), within STOP_TIMEOUT seconds."""
    os.killpg(process.pid, signal.SIGTERM)
    return process.wait(timeout=STOP_TIMEOUT)


def wait_for(log: Path, pattern: str, process: subprocess.Popen, timeout: float) -> re.Match:
    """The first match of ``pattern`` in the process's output, waiting at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        output = log.read_text(errors="replace")
        if match := re.search(pattern, output):
            return match
        if process.poll() is not None:
            pytest.fail(f"celery exited ({process.returncode}) before /{pattern}/:\n{output[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no /{pattern}/ within {timeout} s:\n{output[-4000:]}")
        time.sleep(0.2)


def enqueue(task_name: str, queue: str) -> str:
    """Queue a task by name on Redis, as beat does; returns the task id. A producer of its own:
    the test settings run tasks eagerly (no ``REDIS_URL``), and this must really go to Redis."""
    producer = Celery("gongzhi-test-producer", broker=REDIS_URL, set_as_current=False)
    try:
        return producer.send_task(task_name, queue=queue).id
    finally:
        producer.close()


@pytest.fixture
def overdue_case(tree, grid_member, community_worker, street_admin, district_admin):
    """A clutter case in grid G1 whose registration deadline passed an hour ago."""
    clutter = CaseCategory.objects.create(code="0101", name="占道堆物", register_hours=2)
    case = report_case(
        category=clutter,
        description="富春江路人行道堆放建筑垃圾",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        grid=tree["G1"],
    )
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        stage_deadline=now - datetime.timedelta(hours=1), yellow_at=now - datetime.timedelta(hours=2)
    )
    return case


def test_worker_takes_the_case_sweep_from_redis_and_escalates_the_overdue_case(
    overdue_case, queue, worker_database, tmp_path
):
    env = production_environment(tmp_path, worker_database.share())
    log = tmp_path / "worker.log"
    worker_args = ["worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO"]
    # Mingle, gossip and heartbeats talk to other workers; a test worker has none to talk to.
    worker_args += ["--without-mingle", "--without-gossip", "--without-heartbeat"]

    with celery_process(worker_args, env, log) as worker:
        task_id = enqueue("gongzhi.cases.tasks.sweep_cases", queue)
        done = wait_for(log, rf"\[{task_id}\] (succeeded in [\d.]+s: (.*)|raised .*)", worker, TASK_TIMEOUT)
        returncode = stop(worker)

    output = log.read_text(errors="replace")
    assert done.group(2) == "{'yellow': 0, 'red': 1, 'escalated': 1, 'skipped': 0}", output[-4000:]
    assert returncode == 0, output[-4000:]
    assert "Warm shutdown" in output
    worker_database.collect()
    case = Case.objects.get(pk=overdue_case.pk)
    assert (case.level, case.warning) == (CaseLevel.COMMUNITY, Warning.NONE)
    assert list(case.events.order_by("pk").values_list("action", flat=True)) == [
        CaseAction.REPORT,
        CaseAction.WARN_RED,
        CaseAction.AUTO_ESCALATE,
    ]
    # The dispatchers up the ladder are told it is overdue and that it went up a level.
    assert sorted(
        Notification.objects.filter(url=case_url(case))
        .exclude(verb="case_reported")
        .values_list("verb", "recipient__username")
    ) == [
        ("case_escalated", "community_worker"),
        ("case_escalated", "district_admin"),
        ("case_escalated", "street_admin"),
        ("case_overdue", "community_worker"),
        ("case_overdue", "district_admin"),
        ("case_overdue", "street_admin"),
    ]


def test_beat_starts_with_the_sweeps_and_keeps_its_schedule_in_the_data_directory(
    broker, worker_database, tmp_path
):
    env = production_environment(tmp_path, worker_database.share())
    log = tmp_path / "beat.log"

    with celery_process(["beat", "--loglevel=DEBUG"], env, log) as beat:
        wait_for(log, r"beat: Waking up", beat, TASK_TIMEOUT)
        returncode = stop(beat)

    output = log.read_text(errors="replace")
    assert returncode == 0, output[-4000:]
    assert f"db -> {tmp_path / 'celerybeat-schedule'}" in output
    assert (
        sorted(p.name.split(".")[0] for p in tmp_path.glob("celerybeat-schedule*"))[0]
        == "celerybeat-schedule"
    )
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in output  # beat lists what it schedules at DEBUG level
