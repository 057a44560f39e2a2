"""Background tasks for notifications: the email that goes with an inbox row.

Queued after the commit by ``services.notify`` (never for a rolled-back change). A mail server
that is briefly unreachable or answers "try later" (4xx) is tried again by a worker, with
growing pauses, for the recipients not yet mailed; a permanent refusal (5xx: unknown address,
wrong login) or the last failed try is logged and dropped, since the inbox row already stands.
In the embedded mode (no task queue) the task runs in-process right after the commit, and a
failure is logged at once: retrying there would hold up the request that caused it.
"""

from __future__ import annotations

from gongzhi.celery import app
from gongzhi.notifications import services

# Five more tries after the first, 1, 2, 4, 8 and 16 minutes apart: about half an hour, the
# span of a mail server's restart or a network blip, not of an outage (which the logs show).
MAX_RETRIES = 5
FIRST_PAUSE_SECONDS = 60


@app.task(
    bind=True,
    name="gongzhi.notifications.tasks.send_notification_email",
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
def send_notification_email(self, recipient_ids: list[int], text: str, url: str = "") -> int:
    """Email ``text`` (with a link to ``url``) to each recipient who has an address."""
    try:
        return services.send_emails(recipient_ids, text, url)
    except services.DeliveryFailed as failure:
        retry = (
            services.is_transient(failure.cause)
            and not self.request.is_eager
            and self.request.retries < self.max_retries
        )
        if retry:
            raise self.retry(
                args=(failure.unsent, text, url),
                countdown=FIRST_PAUSE_SECONDS * 2**self.request.retries,
                exc=failure.cause,
            ) from failure
        services.log.error(
            "Sending %s notification email(s) failed", len(failure.unsent), exc_info=failure.cause
        )
        return 0


@app.task(name="gongzhi.notifications.tasks.write_notifications", ignore_result=True)
def write_notifications(recipient_ids: list[int], verb: str, text: str, url: str = "", key: str = "") -> None:
    """The inbox rows of one notification, queued after the change that caused it committed.
    A message delivered twice writes nothing twice where the notification has a key."""
    services.write(recipient_ids, verb, text, url, key)
