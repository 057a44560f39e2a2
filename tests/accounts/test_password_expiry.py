"""Passwords expire after 90 days under the MLPS profile (never under ASVS): the user is then
kept on the change-password page; the page also serves a normal change."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.audit.models import AuditEvent
from tests.accounts.conftest import get_token, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Xin-mima-2026!"


def expire(user, days: int = 91) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=days))


def change(client, old: str = PASSWORD, new: str = NEW, again: str | None = None, **extra):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new, **extra},
    )


def test_setting_a_password_records_when(grid_member):
    before = timezone.now()

    grid_member.set_password(NEW)

    assert grid_member.password_changed_at >= before


def test_a_hash_upgrade_at_login_is_not_a_password_change(grid_member, settings):
    expire(grid_member, days=10)
    grid_member.refresh_from_db()
    changed_at = grid_member.password_changed_at
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert grid_member.check_password(PASSWORD)

    grid_member.refresh_from_db()
    assert grid_member.password.startswith("pbkdf2_sha256$")
    assert grid_member.password_changed_at == changed_at


def test_password_younger_than_90_days_is_fine(client, grid_member):
    expire(grid_member, days=89)

    assert log_in(client, "grid_member")["Location"] == "/"


def test_expired_password_is_forced_to_change_at_login(client, grid_member):
    expire(grid_member)

    response = log_in(client, "grid_member")
    other_page = client.get("/areas/")
    api = client.get("/api/v1/me/")
    change_page = client.get("/accounts/password/")

    assert response["Location"] == "/accounts/password/?next=%2F"
    assert other_page["Location"] == "/accounts/password/?next=%2Fareas%2F"
    assert api.status_code == 403
    assert api.json()["error"] == {
        "status": 403,
        "code": "password_expired",
        "message": "您的密码已超过 90 天未修改，已过期。请先在网页 /accounts/password/ 修改密码，然后再继续使用。",
    }
    assert change_page.status_code == 200
    assert "您的密码已过期" in change_page.content.decode()


def test_changing_the_expired_password_opens_the_app(client, grid_member):
    expire(grid_member)
    log_in(client, "grid_member")

    response = change(client, next="/areas/")

    assert response["Location"] == "/areas/"
    assert client.get("/areas/").status_code == 200
    grid_member.refresh_from_db()
    assert grid_member.check_password(NEW)
    assert timezone.now() - grid_member.password_changed_at < datetime.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="auth.password_changed", actor_id=grid_member.pk).count() == 1


def test_expiry_age_is_configurable(client, grid_member, settings):
    settings.GONGZHI_PASSWORD_MAX_AGE_DAYS = 30
    expire(grid_member, days=31)

    assert log_in(client, "grid_member")["Location"] == "/accounts/password/?next=%2F"


def test_no_expiry_when_the_age_is_zero_as_in_the_asvs_profile(client, grid_member, settings):
    settings.GONGZHI_PASSWORD_MAX_AGE_DAYS = 0
    expire(grid_member, days=3650)

    assert log_in(client, "grid_member")["Location"] == "/"


def test_profile_sets_the_default_age():
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.GONGZHI_PASSWORD_MAX_AGE_DAYS)"

    def age(profile: str) -> str:
        env = {"GONGZHI_PASSWORD_PROFILE": profile, "DJANGO_SETTINGS_MODULE": "gongzhi.settings"}
        import os

        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", "import django; django.setup(); " + code],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert (age("mlps"), age("asvs")) == ("90", "0")


# --- The change-password page -------------------------------------------------------------


def test_normal_change_from_the_security_page(page, grid_member):
    client = page(grid_member)

    response = change(client)

    assert response["Location"] == "/accounts/security/"
    grid_member.refresh_from_db()
    assert grid_member.check_password(NEW)
    # The session survives its own password change.
    assert client.get("/accounts/security/").status_code == 200


def test_wrong_current_password_is_refused(page, grid_member):
    response = change(page(grid_member), old="not-it")

    assert response.context["form"].errors["old_password"] == ["当前密码不正确，请重新输入。"]
    assert AuditEvent.objects.get(action="auth.password_change_failed").outcome == "failure"


def test_new_password_must_differ_from_the_current_one(page, grid_member):
    response = change(page(grid_member), new=PASSWORD)

    assert response.context["form"].errors["new_password1"] == ["新密码不能与当前密码相同，请换一个新密码。"]


def test_new_password_must_pass_the_password_rules(page, grid_member):
    response = change(page(grid_member), new="abcdefgh")

    assert "至少 3 类" in response.context["form"].errors["new_password1"][0]


def test_the_two_new_passwords_must_match(page, grid_member):
    response = change(page(grid_member), again="Something-else-1")

    assert response.context["form"].errors["new_password2"] == ["两次输入的新密码不一致。"]


# --- API tokens of an expired password -------------------------------------------------------


def test_token_endpoint_refuses_an_expired_password(api, grid_member):
    expire(grid_member)

    response = get_token(api(), "grid_member")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_expired"


def test_existing_token_stops_working_when_the_password_expires(api, grid_member):
    key = get_token(api(), "grid_member").json()["token"]
    expire(grid_member)

    response = api().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_expired"
    assert "/accounts/password/" in response.json()["error"]["message"]
