"""Login failures lock an account and, independently, a client address (django-axes), on
the login page and the token endpoint; the system administrator sees and lifts locks."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from tests.accounts.conftest import get_token, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fail(client, username: str, times: int, *, ip: str = "10.0.0.1"):
    response = None
    for _i in range(times):
        response = log_in(client, username, "wrong-password", ip=ip)
    return response


def age_failures(minutes: int) -> None:
    """Time travel: every recorded failure happened ``minutes`` earlier."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - datetime.timedelta(minutes=minutes)
        )


def test_four_failures_do_not_lock(client, grid_member):
    fail(client, "grid_member", 4)

    response = log_in(client, "grid_member")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_fifth_failure_locks_the_account_with_a_message_saying_when(client, grid_member):
    response = fail(client, "grid_member", 5)

    assert response.status_code == 429
    page = response.content.decode()
    until = timezone.localtime(timezone.now() + datetime.timedelta(minutes=15)).strftime("%H:%M")
    assert "登录失败次数过多，该账号已被锁定。" in page
    assert f"请于 {until}（约 15 分钟后）再试" in page
    assert int(response["Retry-After"]) == pytest.approx(900, abs=5)


def test_locked_account_refuses_even_the_right_password(client, grid_member):
    fail(client, "grid_member", 5)

    response = log_in(client, "grid_member")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_account_lock_applies_from_every_address(client, grid_member):
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"):
        fail(client, "grid_member", 1, ip=ip)

    response = log_in(client, "grid_member", ip="10.9.9.9")

    assert response.status_code == 429
    assert "该账号已被锁定" in response.content.decode()


def test_address_lock_applies_to_every_account(client, grid_member, community_worker):
    for name in ("a", "b", "c", "d", "e"):
        fail(client, name, 1, ip="10.6.6.6")

    from_locked_address = log_in(client, "community_worker", ip="10.6.6.6")
    from_elsewhere = log_in(client, "grid_member", ip="10.7.7.7")

    assert from_locked_address.status_code == 429
    assert "您所在的网络地址已被锁定" in from_locked_address.content.decode()
    assert from_elsewhere.status_code == 302


def test_lock_ends_after_fifteen_minutes(client, grid_member):
    fail(client, "grid_member", 5)
    age_failures(14)
    assert log_in(client, "grid_member").status_code == 429

    age_failures(2)
    response = log_in(client, "grid_member")

    assert response.status_code == 302


def test_a_successful_login_clears_the_accounts_failures(client, grid_member):
    fail(client, "grid_member", 4)
    assert log_in(client, "grid_member").status_code == 302
    client.post("/logout/")

    response = fail(client, "grid_member", 4)

    assert response.status_code == 200
    assert log_in(client, "grid_member").status_code == 302


def test_limit_and_duration_are_configurable(client, grid_member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=60)

    response = fail(client, "grid_member", 3)

    assert response.status_code == 429
    assert "约 60 分钟后" in response.content.decode()


def test_failures_and_lock_are_audited(client, grid_member):
    fail(client, "grid_member", 6)

    rows = list(AuditEvent.objects.filter(category="auth").order_by("pk").values_list("action", "outcome"))
    # The lock is recorded while the fifth failure is (django-axes signals it first).
    assert rows == [("auth.login_failed", "failure")] * 4 + [
        ("auth.lockout", "denied"),
        ("auth.login_failed", "failure"),
        ("auth.login_failed", "denied"),
    ]
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.detail == {"username": "grid_member", "ip": "10.0.0.1", "failures": 5}
    assert lockout.object_id == str(grid_member.pk)
    assert lockout.ip == "10.0.0.1"


def test_the_client_address_honours_trusted_proxies(client, grid_member, settings):
    settings.GONGZHI_TRUSTED_PROXY_COUNT = 1
    for _i in range(5):
        client.post(
            "/login/",
            {"username": "x", "password": "bad"},
            REMOTE_ADDR="192.168.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


# --- API token endpoint ------------------------------------------------------------------


def test_token_endpoint_failures_count_and_lock_with_json(api, community_worker):
    client = api()
    for _i in range(4):
        assert get_token(client, "community_worker", "bad").status_code == 400

    response = get_token(client, "community_worker", "bad")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out"
    assert error["message"].startswith("登录失败次数过多，该账号已被锁定。请于 ")
    assert error["retry_after"] == pytest.approx(900, abs=5)
    locked_until = datetime.datetime.fromisoformat(error["locked_until"])
    assert abs(locked_until - (timezone.now() + datetime.timedelta(minutes=15))) < datetime.timedelta(
        seconds=5
    )
    assert response["Retry-After"] == str(error["retry_after"])


def test_page_failures_lock_the_token_endpoint_too(client, api, community_worker):
    fail(client, "community_worker", 5)

    response = get_token(api(), "community_worker")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"


# --- Locks page ----------------------------------------------------------------------------


def test_sysadmin_sees_current_locks(page, sysadmin, grid_member, client):
    fail(client, "grid_member", 5, ip="10.0.0.9")

    response = page(sysadmin).get("/accounts/locks/")

    assert response.status_code == 200
    locks = {(lock.kind, lock.value): lock.failures for lock in response.context["locks"]}
    assert locks == {("username", "grid_member"): 5, ("ip_address", "10.0.0.9"): 5}
    assert 'data-lock="username:grid_member"' in response.content.decode()


def test_sysadmin_unlocks_an_account_and_it_is_audited(page, sysadmin, grid_member, client):
    fail(client, "grid_member", 5, ip="10.0.0.9")

    response = page(sysadmin).post("/accounts/locks/", {"kind": "username", "value": "grid_member"})

    assert response.status_code == 302
    assert log_in(client, "grid_member", ip="10.1.1.1").status_code == 302
    event = AuditEvent.objects.get(action="accounts.unlock")
    assert (event.category, event.actor_id, event.object_id) == ("admin", sysadmin.pk, str(grid_member.pk))
    assert event.detail["username"] == "grid_member"


def test_sysadmin_unlocks_an_address(page, sysadmin, grid_member, client):
    for name in ("a", "b", "c", "d", "e"):
        fail(client, name, 1, ip="10.6.6.6")

    page(sysadmin).post("/accounts/locks/", {"kind": "ip_address", "value": "10.6.6.6"})

    assert log_in(client, "grid_member", ip="10.6.6.6").status_code == 302


def test_street_sysadmin_does_not_see_locks_of_accounts_outside(page, street_sysadmin, tree, client):
    from gongzhi.accounts.roles import Role
    from gongzhi.accounts.services import assign_role

    inside = UserFactory(username="inside")
    assign_role(inside, role=Role.GRID_MEMBER, area=tree["G1"])
    outside = UserFactory(username="outside")
    assign_role(outside, role=Role.GRID_MEMBER, area=tree["G3"])
    fail(client, "inside", 5, ip="10.0.0.1")
    fail(client, "outside", 5, ip="10.0.0.2")

    response = page(street_sysadmin).get("/accounts/locks/")
    refused = page(street_sysadmin).post("/accounts/locks/", {"kind": "username", "value": "outside"})

    values = {(lock.kind, lock.value) for lock in response.context["locks"]}
    assert values == {("username", "inside"), ("ip_address", "10.0.0.1"), ("ip_address", "10.0.0.2")}
    assert refused.status_code == 302
    assert log_in(client, "outside", ip="10.3.3.3").status_code == 429


def test_locks_page_needs_the_unlock_permission(page, grid_member, district_admin):
    assert page(grid_member).get("/accounts/locks/").status_code == 403
    assert page(district_admin).get("/accounts/locks/").status_code == 403
