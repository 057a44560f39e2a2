"""Background tasks for grid cases: thin wrappers that delegate to the domain functions."""

from __future__ import annotations

from gongzhi.cases.sweep import sweep_cases as run_sweep
from gongzhi.celery import app


@app.task(name="gongzhi.cases.tasks.sweep_cases", ignore_result=True)
def sweep_cases() -> dict[str, int]:
    """The periodic sweep (Celery beat, every five minutes; see CELERY_BEAT_SCHEDULE)."""
    result = run_sweep()
    return {
        "yellow": result.yellow,
        "red": result.red,
        "escalated": result.escalated,
        "skipped": result.skipped,
    }
