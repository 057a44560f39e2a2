"""Sending notifications. Always after the change that caused them commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from gongzhi.notifications.models import Notification


def _write(recipient_ids: list[int], verb: str, text: str, url: str, key: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=rid, verb=verb, text=text[:300], url=url, key=key)
            for rid in recipient_ids
        ],
        ignore_conflicts=bool(key),
    )


def notify(recipients: Iterable[Any], *, verb: str, text: str, url: str = "", key: str = "") -> None:
    """Queue a notification to each recipient (users or ids), written once the current
    transaction commits; with ``key``, a recipient never gets the same key twice."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return
    transaction.on_commit(lambda: _write(ids, verb, str(text), url, key))


def mark_read(notification: Notification, *, by: Any) -> None:
    from django.utils import timezone

    if notification.recipient_id == by.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
