"""Notifications go through the task queue: the inbox rows are queued only after the change
commits (never on rollback) and written by a worker, which queues the email; the email task
sends it, retrying later for a passing mail failure.

The tests publish to Celery's in-memory broker (the test settings' broker without REDIS_URL)
with eager execution off, and read what was published from Celery's own
``before_task_publish`` signal; ``tests/deployment/test_celery_worker.py`` runs a real worker
against Redis.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

import pytest
from celery.exceptions import Retry
from celery.signals import before_task_publish
from django.db import transaction

from gongzhi.celery import app
from gongzhi.notifications import services, tasks
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TASK = "gongzhi.notifications.tasks.send_notification_email"
WRITE = "gongzhi.notifications.tasks.write_notifications"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.org")


@pytest.fixture
def mail_on(settings):
    settings.GONGZHI_NOTIFY_EMAIL = True
    settings.GONGZHI_SITE_URL = "https://gongzhi.example.org/"
    return settings


@pytest.fixture
def queue():
    """Tasks are published to the broker instead of running in-process; yields the messages
    published: ``(task name, args, headers)``."""
    if not app.conf.broker_url.startswith("memory://"):
        pytest.skip("needs the in-memory broker of the test settings (REDIS_URL unset)")
    published = []

    def capture(sender=None, body=None, headers=None, **kwargs):
        published.append((sender, list(body[0]), headers))

    before_task_publish.connect(capture, weak=False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield published
    finally:
        app.conf.task_always_eager = eager
        before_task_publish.disconnect(capture)
        app.control.purge()


class FailingOn:
    """A mail connection that sends until the message number ``at`` and raises ``error`` there."""

    def __init__(self, outbox: list, at: int, error: BaseException):
        self.outbox, self.at, self.error = outbox, at, error

    def __call__(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        if len(self.outbox) + 1 == self.at:
            raise self.error
        self.outbox.extend(messages)
        return len(messages)


def run_writes(queue: list, capture) -> None:
    """Be the worker for the queued inbox writes (taking them off the queue)."""
    writes = [args for name, args, _headers in queue if name == WRITE]
    queue[:] = [item for item in queue if item[0] != WRITE]
    with capture(execute=True):
        for args in writes:
            tasks.write_notifications.run(*args)


def as_worker(retries: int = 0):
    """Run the task body as a worker would (not eagerly), at its ``retries``-th try."""
    task = tasks.send_notification_email
    task.push_request(id="test-task", retries=retries, is_eager=False, called_directly=False)
    return task


def test_the_inbox_row_and_email_are_queued_only_after_the_commit(
    alice, mail_on, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], verb="case_closed", text="事件已结案。", url="/cases/7/")
        before_commit = list(queue)

    assert before_commit == []
    assert [(name, args) for name, args, _headers in queue] == [
        (WRITE, [[alice.pk], "case_closed", "事件已结案。", "/cases/7/", ""])
    ]
    # The worker writes the inbox row, and queues the email for it.
    assert Notification.objects.count() == 0
    run_writes(queue, django_capture_on_commit_callbacks)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [alice.pk]
    assert [(name, args) for name, args, _headers in queue] == [
        (TASK, [[alice.pk], "事件已结案。", "/cases/7/"])
    ]


def test_a_broker_that_is_down_loses_no_inbox_row(
    alice, queue, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(tasks.write_notifications, "delay", unreachable)
    with (
        caplog.at_level(logging.WARNING, logger="gongzhi.notifications.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify([alice], verb="case_closed", text="事件已结案。")

    assert list(Notification.objects.values_list("recipient", flat=True)) == [alice.pk]
    assert [r.getMessage() for r in caplog.records] == [
        "Task queue unreachable: writing 1 notification(s) in-process"
    ]


def test_nothing_is_queued_on_rollback(alice, mail_on, queue, django_capture_on_commit_callbacks):
    def rolled_back():
        with transaction.atomic():
            notify([alice], verb="case_closed", text="不会发出")
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        rolled_back()

    assert queue == []
    assert Notification.objects.count() == 0


def test_nothing_is_queued_when_email_is_off(alice, queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], verb="case_closed", text="事件已结案。")
    run_writes(queue, django_capture_on_commit_callbacks)

    assert queue == []
    assert Notification.objects.count() == 1


def test_a_repeated_key_queues_no_second_email(alice, mail_on, queue, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            notify([alice], verb="case_red", text="事件超期。", key="red:1:2026-11-23")
        run_writes(queue, django_capture_on_commit_callbacks)

    assert [name for name, _args, _headers in queue] == [TASK]
    assert Notification.objects.count() == 1


def test_the_queued_task_sends_the_email(
    alice, bob, mail_on, queue, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice, bob], verb="case_dispatched", text="新派遣事件：20261123 占道堆物", url="/cases/7/")
    run_writes(queue, django_capture_on_commit_callbacks)
    [(_name, args, _headers)] = queue

    sent = tasks.send_notification_email.apply(args=args).get()

    assert sent == 2
    assert sorted(m.to for m in mailoutbox) == [["alice@example.org"], ["bob@example.org"]]
    assert "查看：https://gongzhi.example.org/cases/7/" in mailoutbox[0].body


def test_a_passing_failure_is_retried_later_for_the_recipients_not_yet_mailed(
    alice, bob, mail_on, queue, monkeypatch
):
    outbox: list = []
    monkeypatch.setattr(
        services, "get_connection", FailingOn(outbox, at=2, error=smtplib.SMTPServerDisconnected("bye"))
    )
    task = as_worker(retries=0)
    try:
        with pytest.raises(Retry):
            task.run([alice.pk, bob.pk], "事件已结案。", "")
    finally:
        task.pop_request()

    assert [m.to for m in outbox] == [["alice@example.org"]]
    [(name, args, headers)] = queue
    assert (name, args, headers["retries"]) == (TASK, [[bob.pk], "事件已结案。", ""], 1)
    assert headers["eta"] is not None  # a minute later, not at once


def test_each_retry_waits_twice_as_long(alice, mail_on, queue, monkeypatch):
    monkeypatch.setattr(services, "get_connection", FailingOn([], at=1, error=ConnectionRefusedError("down")))
    pauses = []
    for retries in range(tasks.MAX_RETRIES):
        task = as_worker(retries=retries)
        started = datetime.datetime.now(tz=datetime.UTC)
        try:
            with pytest.raises(Retry):
                task.run([alice.pk], "事件已结案。", "")
        finally:
            task.pop_request()
        eta = datetime.datetime.fromisoformat(queue[-1][2]["eta"])
        pauses.append(round((eta - started).total_seconds()))

    assert pauses == [60, 120, 240, 480, 960]
    assert [headers["retries"] for _name, _args, headers in queue] == [1, 2, 3, 4, 5]


def test_after_the_last_try_it_gives_up_and_logs(alice, mail_on, queue, monkeypatch, caplog):
    monkeypatch.setattr(services, "get_connection", FailingOn([], at=1, error=TimeoutError("timed out")))
    task = as_worker(retries=tasks.MAX_RETRIES)
    try:
        with caplog.at_level(logging.ERROR, logger="gongzhi.notifications.services"):
            sent = task.run([alice.pk], "事件已结案。", "")
    finally:
        task.pop_request()

    assert sent == 0
    assert queue == []
    assert [r.getMessage() for r in caplog.records] == ["Sending 1 notification email(s) failed"]


def test_a_permanent_refusal_is_not_retried(alice, mail_on, queue, monkeypatch, caplog):
    refused = smtplib.SMTPRecipientsRefused({"alice@example.org": (550, b"no such user")})
    monkeypatch.setattr(services, "get_connection", FailingOn([], at=1, error=refused))
    task = as_worker(retries=0)
    try:
        with caplog.at_level(logging.ERROR, logger="gongzhi.notifications.services"):
            sent = task.run([alice.pk], "事件已结案。", "")
    finally:
        task.pop_request()

    assert (sent, queue) == (0, [])
    assert [r.getMessage() for r in caplog.records] == ["Sending 1 notification email(s) failed"]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError("refused"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPServerDisconnected("bye"), True),
        (smtplib.SMTPConnectError(421, b"busy"), True),
        (smtplib.SMTPResponseException(451, b"try again later"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"greylisted")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"unknown")}), False),
        (smtplib.SMTPAuthenticationError(535, b"bad login"), False),
        (smtplib.SMTPSenderRefused(553, b"not allowed", "gongzhi@localhost"), False),
        (ValueError("a bug"), False),
    ],
)
def test_which_failures_are_worth_another_try(error, transient):
    assert services.is_transient(error) is transient


def test_a_broker_that_is_down_loses_the_email_not_the_change(
    alice, mail_on, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(tasks.send_notification_email, "delay", unreachable)

    # Django logs the robust callback's error ("django.db.backends.base"; "django.test" when a
    # test runs the callbacks); its loggers do not propagate to the root here (settings.LOGGING).
    django_logger = logging.getLogger("django")
    django_logger.addHandler(caplog.handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify([alice], verb="case_closed", text="事件已结案。")
    finally:
        django_logger.removeHandler(caplog.handler)

    assert Notification.objects.count() == 1
    assert [r.getMessage().splitlines()[0] for r in caplog.records] == [
        "Error calling write.<locals>.<lambda> in on_commit() (redis down)."
    ]
