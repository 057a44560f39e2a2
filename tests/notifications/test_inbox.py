"""The inbox page (``cases:inbox``, every signed-in user's): what a service sent shows there
after commit, with the unread count in the top bar; one or all can be marked read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.cases import services as case_services
from gongzhi.notifications.models import Notification
from tests.cases.conftest import MONDAY_9

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(reported, community_worker, street_admin, unit, django_capture_on_commit_callbacks):
    """The handler's inbox after a dispatch and a supervision note."""
    with django_capture_on_commit_callbacks(execute=True):
        registered = case_services.register_case(reported, by=community_worker, now=MONDAY_9)
        case = case_services.dispatch_case(registered, to=unit, by=community_worker, now=MONDAY_9)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.supervise_case(case, by=street_admin, note="请加快处置")
    return case


def test_the_inbox_lists_what_was_sent_newest_first(sent, handler, community_worker, page):
    response = page(handler).get(reverse("cases:inbox"))

    texts = [n.text for n in response.context["page"].object_list]
    assert texts == [f"督办：事件 {sent.number} —— 请加快处置", f"新派遣事件：{sent.number} 占道堆物"]
    html = response.content.decode()
    assert f"新派遣事件：{sent.number} 占道堆物" in html
    assert "新事件待立案" not in html  # the dispatchers' notification, not the handler's


def test_unread_count_and_marking_read(sent, handler, page):
    client = page(handler)
    newest = Notification.objects.filter(recipient=handler).latest("created_at", "pk")

    before = client.get(reverse("cases:unread_count")).content.decode()
    go = client.post(reverse("cases:inbox_read", args=[newest.pk]), {"go": "1"})
    after_one = client.get(reverse("cases:unread_count")).content.decode()
    client.post(reverse("cases:inbox_read_all"))
    after_all = client.get(reverse("cases:unread_count")).content.decode()

    assert before.strip().endswith(">2</span>")
    assert go.url == f"/cases/{sent.pk}/"
    assert after_one.strip().endswith(">1</span>")
    assert after_all.strip() == ""
    assert Notification.objects.filter(recipient=handler, read_at__isnull=True).count() == 0


def test_someone_elses_notification_cannot_be_marked(sent, handler, outsider, page):
    mine = Notification.objects.filter(recipient=handler).first()

    response = page(outsider).post(reverse("cases:inbox_read", args=[mine.pk]))
    page(outsider).post(reverse("cases:inbox_read_all"))

    assert response.status_code == 404
    assert Notification.objects.filter(recipient=handler, read_at__isnull=True).count() == 2


def test_signed_out_visitors_are_sent_to_log_in(page):
    response = page().get(reverse("cases:inbox"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
