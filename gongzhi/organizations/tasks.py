"""Background tasks for organizations: thin wrappers over ``gongzhi.organizations.imports``."""

from __future__ import annotations

from gongzhi.celery import app
from gongzhi.organizations import imports


@app.task(
    name="gongzhi.organizations.tasks.run_import",
    ignore_result=True,
    soft_time_limit=imports.SOFT_TIME_LIMIT,
    time_limit=imports.TIME_LIMIT,
)
def run_import(job_id: int) -> str | None:
    """Run one queued import job (queued by ``imports.start_import`` after its commit)."""
    job = imports.run_job(job_id)
    return job.status if job is not None else None


@app.task(name="gongzhi.organizations.tasks.sweep_stale_imports", ignore_result=True)
def sweep_stale_imports() -> int:
    """The periodic sweep (Celery beat, every five minutes; see CELERY_BEAT_SCHEDULE): jobs whose
    worker died are marked failed instead of showing "running" forever."""
    return imports.sweep_stale_jobs()
