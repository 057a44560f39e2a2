"""Sending notifications. Always after the change that caused them commits.

Every notification is a row in the recipient's in-app inbox. Where the deployment sends mail
(``email_enabled()``), a recipient with an email address also gets it as a plain-text email,
sent by the same after-commit writer: a rolled-back change sends neither.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.notifications.models import Notification

log = logging.getLogger(__name__)

# An email subject is one short line; the whole text goes in the body.
SUBJECT_CHARS = 60


def email_enabled() -> bool:
    """Whether notifications also go out by email: as ``GONGZHI_NOTIFY_EMAIL`` says when it is
    set (True or False); otherwise when the settings name an ``EMAIL_HOST`` (Django's default,
    "localhost", is not a deployment's choice and does not count)."""
    explicit = getattr(settings, "GONGZHI_NOTIFY_EMAIL", None)
    if explicit is not None:
        return bool(explicit)
    return settings.is_overridden("EMAIL_HOST") and bool(settings.EMAIL_HOST)


def _write(recipient_ids: list[int], verb: str, text: str, url: str, key: str) -> None:
    send_email = email_enabled()
    if key and send_email:
        # Only those who get the row now get the email: a repeated key sends nothing twice.
        # (The row itself is guarded by the unique constraint below.)
        already = set(
            Notification.objects.filter(key=key, recipient_id__in=recipient_ids).values_list(
                "recipient_id", flat=True
            )
        )
        recipient_ids = [rid for rid in recipient_ids if rid not in already]
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=rid, verb=verb, text=text[:300], url=url, key=key)
            for rid in recipient_ids
        ],
        ignore_conflicts=bool(key),
    )
    if send_email and recipient_ids:
        _email(recipient_ids, text, url)


def _email(recipient_ids: list[int], text: str, url: str) -> None:
    """One plain-text email per recipient with an address (nobody sees who else got it). A mail
    server that fails is logged, never raised: the change has committed and the inbox row is
    written, so the request that caused it must not fail for it."""
    addresses = list(
        get_user_model()
        .objects.filter(pk__in=recipient_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not addresses:
        return
    first_line = text.splitlines()[0] if text else ""
    if len(first_line) > SUBJECT_CHARS:
        first_line = first_line[: SUBJECT_CHARS - 1] + "…"
    subject = _("【共治】%(text)s") % {"text": first_line}
    lines = [text]
    site = getattr(settings, "GONGZHI_SITE_URL", "").rstrip("/")
    if url:
        lines += ["", _("查看：%(link)s") % {"link": f"{site}{url}" if site and url.startswith("/") else url}]
    lines += ["", _("此邮件由系统自动发送，请勿直接回复。登录后可在“消息”中查看全部通知。")]
    body = "\n".join(lines)
    messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in addresses]
    try:
        with get_connection() as connection:
            connection.send_messages(messages)
    except Exception:  # any mail failure (SMTP down, refused address …): logged, the row stands
        log.exception("Sending %s notification email(s) failed", len(messages))


def notify(recipients: Iterable[Any], *, verb: str, text: str, url: str = "", key: str = "") -> None:
    """Queue a notification to each recipient (users or ids), written once the current
    transaction commits (with an email where ``email_enabled()``); with ``key``, a recipient
    never gets the same key twice."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return
    transaction.on_commit(lambda: _write(ids, verb, str(text), url, key))


def mark_read(notification: Notification, *, by: Any) -> None:
    if notification.recipient_id == by.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
