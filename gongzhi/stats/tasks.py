"""Background tasks for statistics: thin wrappers that delegate to ``gongzhi.stats.rollups``."""

from __future__ import annotations

from typing import Any

from gongzhi.celery import app
from gongzhi.stats.rollups import refresh_rollups as run_refresh


@app.task(name="gongzhi.stats.tasks.refresh_rollups", ignore_result=True)
def refresh_rollups(full: bool = False) -> dict[str, Any]:
    """The periodic refresh (Celery beat: the recent days every
    GONGZHI_ROLLUP_INTERVAL_SECONDS, everything nightly; see CELERY_BEAT_SCHEDULE)."""
    result = run_refresh(full=full)
    return {"full": result.full, "rows": result.rows, "seconds": round(result.seconds, 3)}
