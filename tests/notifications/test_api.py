"""/api/v1/notifications/: the caller's own inbox, unread filter, mark read."""

from __future__ import annotations

import pytest

from gongzhi.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def inbox(alice, bob):
    rows = [
        Notification.objects.create(recipient=alice, verb="case_dispatched", text=f"消息{i}")
        for i in range(3)
    ]
    Notification.objects.create(recipient=bob, verb="case_dispatched", text="鲍勃的消息")
    return rows


def texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


def test_only_own_notifications_newest_first(api, alice, inbox, django_assert_max_num_queries):
    client = api(alice)

    with django_assert_max_num_queries(3):
        response = client.get(URL)

    assert texts(response) == ["消息2", "消息1", "消息0"]
    assert response.json()["results"][0]["is_read"] is False


def test_unread_filter_and_mark_read(api, alice, inbox):
    client = api(alice)

    read = client.post(f"{URL}{inbox[1].pk}/read/")

    assert read.status_code == 200
    assert read.json()["is_read"] is True
    assert read.json()["read_at"] is not None
    assert texts(client.get(URL, {"unread": "true"})) == ["消息2", "消息0"]
    assert texts(client.get(URL, {"unread": "false"})) == ["消息1"]


def test_marking_read_twice_keeps_the_first_time(api, alice, inbox):
    client = api(alice)
    first = client.post(f"{URL}{inbox[0].pk}/read/").json()["read_at"]

    again = client.post(f"{URL}{inbox[0].pk}/read/").json()["read_at"]

    assert again == first


def test_someone_elses_notification_is_404(api, bob, inbox):
    response = api(bob).post(f"{URL}{inbox[0].pk}/read/")

    assert response.status_code == 404
    assert Notification.objects.get(pk=inbox[0].pk).read_at is None


def test_keyset_pages(api, alice, inbox):
    client = api(alice)

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [r["text"] for r in first["results"]] == ["消息2", "消息1"]
    assert [r["text"] for r in second["results"]] == ["消息0"]


def test_anonymous_is_refused(api, inbox):
    assert api().get(URL).status_code in (401, 403)
