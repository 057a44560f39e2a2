"""Sending notifications. Always after the change that caused them commits.

Every notification is a row in the recipient's in-app inbox. With a task queue (production)
the change queues ``tasks.write_notifications`` after its commit and a Celery worker writes the
rows moments later, so the request that made the change pays one message to the broker, not a
second transaction (bench R1); if the broker cannot be reached, the process writes them itself.
In the embedded mode (no queue) the process writes them right after the commit. Where the
deployment sends mail (``email_enabled()``), a recipient with an email address also gets it
as a plain-text email: the writer queues ``tasks.send_notification_email`` for those who got a
new row, and a Celery worker sends it, retrying later when the mail server is briefly
unavailable (in the embedded mode the task runs in-process and a failure is logged, not
retried). A rolled-back change writes and queues nothing.
"""

from __future__ import annotations

import logging
import smtplib
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


def write(recipient_ids: list[int], verb: str, text: str, url: str, key: str) -> None:
    """Write the inbox rows (and queue their emails): the worker's side of ``notify``."""
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
        from gongzhi.notifications.tasks import send_notification_email

        # Already after the commit, so this queues at once. Robust: a broker that is down is
        # logged, never raised, since the change has committed and the inbox rows are written,
        # so the request that caused it must not fail for its email.
        transaction.on_commit(lambda: send_notification_email.delay(recipient_ids, text, url), robust=True)


class DeliveryFailed(Exception):
    """Sending stopped at a recipient: ``unsent`` are the recipients (ids) not yet mailed,
    ``cause`` what the mail server or network said."""

    def __init__(self, unsent: list[int], cause: BaseException):
        super().__init__(f"{len(unsent)} notification email(s) not sent: {cause!r}")
        self.unsent = unsent
        self.cause = cause


def is_transient(error: BaseException) -> bool:
    """Whether trying again later may succeed: the server was unreachable, hung up or answered
    4xx (busy, greylisting). A 5xx answer (address refused, login wrong) will not change."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPException):
        return False
    return isinstance(error, OSError)  # refused, reset, timed out, name not resolved


def _message(text: str, url: str, address: str) -> EmailMessage:
    first_line = text.splitlines()[0] if text else ""
    if len(first_line) > SUBJECT_CHARS:
        first_line = first_line[: SUBJECT_CHARS - 1] + "…"
    subject = _("【共治】%(text)s") % {"text": first_line}
    lines = [text]
    site = getattr(settings, "GONGZHI_SITE_URL", "").rstrip("/")
    if url:
        lines += ["", _("查看：%(link)s") % {"link": f"{site}{url}" if site and url.startswith("/") else url}]
    lines += ["", _("此邮件由系统自动发送，请勿直接回复。登录后可在“消息”中查看全部通知。")]
    return EmailMessage(subject=subject, body="\n".join(lines), to=[address])


def send_emails(recipient_ids: list[int], text: str, url: str) -> int:
    """One plain-text email per active recipient with an address (nobody sees who else got
    it), one at a time over one connection, so that a failure part-way knows who still waits.
    Returns how many were sent; raises ``DeliveryFailed`` naming the unsent recipients."""
    recipients = list(
        get_user_model()
        .objects.filter(pk__in=recipient_ids, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "email")
    )
    if not recipients:
        return 0
    sent = 0
    try:
        with get_connection() as connection:
            for _pk, address in recipients:
                connection.send_messages([_message(text, url, address)])
                sent += 1
    except Exception as error:  # whatever the mail backend raised: the caller decides
        raise DeliveryFailed([pk for pk, _address in recipients[sent:]], error) from error
    return sent


def notify(recipients: Iterable[Any], *, verb: str, text: str, url: str = "", key: str = "") -> None:
    """Queue a notification to each recipient (users or ids), written once the current
    transaction commits (with an email where ``email_enabled()``); with ``key``, a recipient
    never gets the same key twice."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return
    from gongzhi.notifications.tasks import write_notifications  # the tasks import this module

    text = str(text)
    if write_notifications.app.conf.task_always_eager:
        transaction.on_commit(lambda: write(ids, verb, text, url, key))
    else:
        transaction.on_commit(
            lambda: _queued_or_written(write_notifications.delay, ids, verb, text, url, key)
        )


def _queued_or_written(
    queue: Any, recipient_ids: list[int], verb: str, text: str, url: str, key: str
) -> None:
    try:
        queue(recipient_ids, verb, text, url, key)
    except Exception:  # the broker is down: the change has committed, so write them here
        log.warning("Task queue unreachable: writing %s notification(s) in-process", len(recipient_ids))
        write(recipient_ids, verb, text, url, key)


def mark_read(notification: Notification, *, by: Any) -> None:
    if notification.recipient_id == by.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
