"""Process-local copies of small reference tables that change seldom but are read on every
case report: the grid index's freshness stamp, the holiday calendar, per-level time limits.

A copy is trusted for ``GONGZHI_REFERENCE_CACHE_SECONDS`` (default 30) and then read again, so
another process sees an edit within that time; a save or delete of one of the models in this
process drops the copy at once. With 0 every read goes to the database (the test settings).
Without it a case report paid three small queries for rows that change a few times a year
(bench R1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


class Reference(Generic[T]):
    """``load()``'s result, kept for a while; dropped when one of ``models`` (classes or
    "app_label.Model" labels) is saved or deleted."""

    def __init__(self, name: str, load: Callable[[], T], *models: type | str) -> None:
        self.name = name
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at: float | None = None
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self.clear, sender=model, weak=False, dispatch_uid=f"refcache:{name}:{signal}")

    def get(self) -> T:
        ttl = getattr(settings, "GONGZHI_REFERENCE_CACHE_SECONDS", 30)
        if ttl <= 0:
            return self._load()
        with self._lock:
            now = time.monotonic()
            if self._loaded_at is None or now - self._loaded_at >= ttl:
                self._value = self._load()
                self._loaded_at = now
            return self._value  # type: ignore[return-value]

    def clear(self, **_signal_kwargs) -> None:
        with self._lock:
            self._value = None
            self._loaded_at = None
