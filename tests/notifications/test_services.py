"""notify(): rows written only after the change commits (none on rollback), once per key, and
an email too where the deployment sends mail — never otherwise."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from gongzhi.notifications import services
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import email_enabled, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.org")


@pytest.fixture
def no_email(db):
    return UserFactory(username="carol")


@pytest.fixture
def mail_on(settings):
    settings.GONGZHI_NOTIFY_EMAIL = True
    settings.GONGZHI_SITE_URL = "https://gongzhi.example.org/"
    return settings


def rolled_back(change) -> None:
    """Run ``change`` in a transaction that a later step then fails (so it rolls back)."""
    with transaction.atomic():
        change()
        raise RuntimeError("the change failed")


def rows() -> list[tuple[str, str, str]]:
    return list(Notification.objects.order_by("pk").values_list("recipient__username", "verb", "text"))


def test_written_only_after_commit(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify([alice], verb="case_dispatched", text="新派遣事件：20261123 占道堆物")
        before_commit = rows()
    for callback in callbacks:
        callback()

    assert before_commit == []
    assert rows() == [("alice", "case_dispatched", "新派遣事件：20261123 占道堆物")]


def test_nothing_on_rollback(alice, mailoutbox, mail_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        rolled_back(lambda: notify([alice], verb="case_dispatched", text="不会发出"))

    assert callbacks == []
    assert rows() == []
    assert mailoutbox == []


def test_recipients_are_users_or_ids_once_each_and_none_skipped(
    alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice, bob.pk, alice.pk, None], verb="case_closed", text="事件已结案。")

    assert sorted(rows()) == [
        ("alice", "case_closed", "事件已结案。"),
        ("bob", "case_closed", "事件已结案。"),
    ]


def test_no_email_unless_configured(alice, mailoutbox, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], verb="case_closed", text="事件已结案。", url="/cases/1/")

    assert email_enabled() is False
    assert len(rows()) == 1
    assert mailoutbox == []


def test_email_when_switched_on(
    alice, bob, no_email, mailoutbox, mail_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [alice, bob, no_email],
            verb="case_dispatched",
            text="新派遣事件：20261123 占道堆物",
            url="/cases/7/",
        )

    assert len(rows()) == 3
    # One message per address: nobody learns who else was told.
    assert sorted(m.to for m in mailoutbox) == [["alice@example.org"], ["bob@example.org"]]
    message = mailoutbox[0]
    assert message.subject == "【共治】新派遣事件：20261123 占道堆物"
    assert message.body == (
        "新派遣事件：20261123 占道堆物\n\n"
        "查看：https://gongzhi.example.org/cases/7/\n\n"
        "此邮件由系统自动发送，请勿直接回复。登录后可在“消息”中查看全部通知。"
    )
    assert message.content_subtype == "plain"


def test_email_when_the_settings_name_a_mail_host(
    alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], verb="case_closed", text="事件已结案。")

    assert email_enabled() is True
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    assert "查看：" not in mailoutbox[0].body


def test_switched_off_explicitly_despite_a_mail_host(
    alice, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.GONGZHI_NOTIFY_EMAIL = False

    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], verb="case_closed", text="事件已结案。")

    assert len(rows()) == 1
    assert mailoutbox == []


def test_a_key_sends_once(alice, mailoutbox, mail_on, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            notify([alice], verb="case_red", text="事件超期。", key="red:1:2026-11-23")

    assert len(rows()) == 1
    assert len(mailoutbox) == 1


def test_a_long_text_makes_a_short_subject_and_a_full_body(
    alice, mailoutbox, mail_on, django_capture_on_commit_callbacks
):
    text = "督办：事件 20261123 —— " + "请尽快处置" * 20

    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], verb="case_supervised", text=text)

    assert len(mailoutbox[0].subject) == len("【共治】") + services.SUBJECT_CHARS
    assert mailoutbox[0].subject.endswith("…")
    assert mailoutbox[0].body.startswith(text + "\n")


def test_a_failing_mail_server_keeps_the_row_and_logs(
    alice, mail_on, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    class Broken:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_messages(self, messages):
            raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "get_connection", Broken)

    with (
        caplog.at_level(logging.ERROR, logger="gongzhi.notifications.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify([alice], verb="case_closed", text="事件已结案。")

    assert rows() == [("alice", "case_closed", "事件已结案。")]
    assert [r.getMessage() for r in caplog.records] == ["Sending 1 notification email(s) failed"]
