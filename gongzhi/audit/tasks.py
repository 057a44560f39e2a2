"""Background tasks for the audit log: thin wrappers over ``gongzhi.audit.services``."""

from __future__ import annotations

from gongzhi.audit import services
from gongzhi.celery import app


@app.task(name="gongzhi.audit.tasks.seal_audit_log", ignore_result=True)
def seal_audit_log() -> int:
    """Chain the rows written since the last run (Celery beat, every 30 seconds)."""
    return services.seal()


@app.task(name="gongzhi.audit.tasks.purge_audit_log", ignore_result=True)
def purge_audit_log() -> int:
    """Delete rows past the retention period (Celery beat, daily)."""
    return services.purge().deleted
