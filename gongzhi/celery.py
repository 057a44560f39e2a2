"""The Celery application: background work (case sweeps, notifications, imports).

With ``REDIS_URL`` set, tasks go to Redis and run on ``celery -A gongzhi worker`` (and the
periodic ones on ``celery -A gongzhi beat``); without it, they run in-process (eager), so the
embedded default needs no broker. ``docs/deployment.md`` shows both services under systemd
and compose.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

app = Celery("gongzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _production_defaults() -> dict[str, Any]:
    """Defaults for workers and beat; a ``CELERY_*`` setting of the same name wins.

    Read lazily (when Celery first needs its configuration), so importing this module does
    not load the settings.
    """
    from django.conf import settings

    return {
        # A worker started before Redis (boot order, a Redis restart) waits and retries
        # instead of exiting; Celery 6 makes this the only switch for start-up retries.
        "broker_connection_retry_on_startup": True,
        # One task at a time per process: a long import must not hold back sweeps queued
        # behind it on the same process.
        "worker_prefetch_multiplier": 1,
        # Our tasks are idempotent (the sweeps lock and re-check each row; notifications
        # carry keys), so a task whose worker died mid-way runs again rather than being lost.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # Beat remembers when each periodic task last ran in the data directory, the one
        # place the services may write (systemd's ProtectSystem=strict, the compose volume).
        "beat_schedule_filename": str(settings.DATA_DIR / "celerybeat-schedule"),
    }


app.add_defaults(_production_defaults)
app.autodiscover_tasks()
