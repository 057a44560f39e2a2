"""Background tasks for volunteers: thin wrappers over the domain functions."""

from __future__ import annotations

from gongzhi.celery import app
from gongzhi.volunteers.services import sweep_wishes as run_sweep


@app.task(name="gongzhi.volunteers.tasks.sweep_wishes", ignore_result=True)
def sweep_wishes() -> dict[str, int]:
    """Daily: release overdue claimed wishes to the wall, expire unclaimed ones (beat schedule)."""
    return run_sweep()
