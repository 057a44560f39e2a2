"""Background tasks for grid cases: thin wrappers that delegate to the domain functions."""

from __future__ import annotations

import logging

from gongzhi.cases.sweep import sweep_cases as run_sweep
from gongzhi.celery import app
from gongzhi.core.idempotency import purge_expired

logger = logging.getLogger(__name__)


@app.task(name="gongzhi.cases.tasks.sweep_cases", ignore_result=True)
def sweep_cases() -> dict[str, int]:
    """The periodic sweep (Celery beat, every five minutes; see CELERY_BEAT_SCHEDULE). It also
    deletes expired idempotency keys (``core.idempotency.purge_expired``), so that no request
    pays for that clean-up."""
    result = run_sweep()
    purged = purge_expired()
    if purged:
        logger.info("sweep: %s expired idempotency keys deleted", purged)
    return {
        "yellow": result.yellow,
        "red": result.red,
        "escalated": result.escalated,
        "skipped": result.skipped,
    }
