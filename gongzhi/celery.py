"""The Celery application: background work (case sweeps, notifications, imports).

With ``REDIS_URL`` set, tasks go to Redis and run on ``celery -A gongzhi worker`` (and the
periodic ones on ``celery -A gongzhi beat``); without it, they run in-process (eager), so the
embedded default needs no broker.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

app = Celery("gongzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
