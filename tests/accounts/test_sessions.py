"""Idle sessions end after 30 minutes without activity; logins and logouts are audited."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings

from gongzhi.accounts.signals import LAST_ACTIVITY_KEY
from gongzhi.audit.models import AuditEvent
from tests.accounts.conftest import log_in

pytestmark = pytest.mark.django_db


def idle_for(client, minutes: float) -> None:
    """Time travel: the session's last activity was ``minutes`` ago."""
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time() - minutes * 60)
    session.save()


def test_activity_within_30_minutes_keeps_the_session(page, grid_member):
    client = page(grid_member)
    idle_for(client, 29)

    response = client.get("/areas/")

    assert response.status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


def test_session_ends_after_30_idle_minutes(page, grid_member):
    client = page(grid_member)
    idle_for(client, 31)

    response = client.get("/areas/")
    login_page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/areas/"
    assert "_auth_user_id" not in client.session
    assert "您已较长时间没有操作" in login_page.content.decode()
    event = AuditEvent.objects.get(action="auth.logout")
    assert (event.actor_id, event.detail) == (grid_member.pk, {"reason": "idle"})


def test_idle_api_session_gets_401(page, grid_member):
    client = page(grid_member)
    idle_for(client, 31)

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_idle_limit_is_configurable(page, grid_member, settings):
    settings.GONGZHI_SESSION_IDLE_MINUTES = 5
    client = page(grid_member)
    idle_for(client, 6)

    assert client.get("/areas/").status_code == 302


def test_the_unread_badge_poll_does_not_count_as_activity(page, grid_member):
    client = page(grid_member)
    idle_for(client, 20)
    before = client.session[LAST_ACTIVITY_KEY]

    client.get("/cases/inbox/unread-count/")

    assert client.session[LAST_ACTIVITY_KEY] == before


def test_session_row_outlives_the_idle_limit_only_briefly():
    # The cookie and the stored session expire shortly after the idle limit, as a backstop
    # for the middleware (e.g. a session nobody uses again is removed by clearsessions).
    assert django_settings.SESSION_COOKIE_AGE == (django_settings.GONGZHI_SESSION_IDLE_MINUTES + 5) * 60


def test_login_and_logout_are_audited(client, grid_member):
    log_in(client, "grid_member", ip="10.2.3.4", HTTP_USER_AGENT="Firefox")
    client.post("/logout/", REMOTE_ADDR="10.2.3.4")

    rows = list(
        AuditEvent.objects.filter(category="auth")
        .order_by("pk")
        .values_list("action", "outcome", "actor_id", "ip", "detail")
    )
    assert rows == [
        ("auth.login", "success", grid_member.pk, "10.2.3.4", {}),
        ("auth.logout", "success", grid_member.pk, "10.2.3.4", {"reason": "user"}),
    ]


def test_login_failure_of_an_unknown_name_is_audited(client, tree):
    log_in(client, "nobody", "x", ip="10.2.3.4")

    event = AuditEvent.objects.get(category="auth")
    assert (event.action, event.outcome, event.actor_id, event.actor_name) == (
        "auth.login_failed",
        "failure",
        None,
        "nobody",
    )
    assert event.detail == {"username": "nobody", "reason": "bad_credentials"}
