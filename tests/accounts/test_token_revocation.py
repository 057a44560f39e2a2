"""API tokens die with the password: a change by the user, a reset by the system
administrator, a password set in the Django admin, and a deactivation all revoke them."""

from __future__ import annotations

import pytest

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.services import issue_token
from gongzhi.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Gz-own-pass-2028"


def works(api, key: str) -> int:
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/").status_code


def test_changing_my_password_revokes_my_tokens(page, api, grid_member, community_worker):
    mine = [issue_token(grid_member, name=f"脚本{i}") for i in range(2)]
    other = issue_token(community_worker)

    response = page(grid_member).post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302
    assert [works(api, t.key) for t in mine] == [401, 401]
    assert works(api, other.key) == 200
    event = AuditEvent.objects.get(action="accounts.tokens_revoked")
    assert (event.actor_id, event.object_id, event.category) == (grid_member.pk, str(grid_member.pk), "auth")
    assert event.detail["reason"] == "password_changed"
    assert event.detail["count"] == 2
    assert sorted(event.detail["tokens"]) == sorted(t.token.prefix for t in mine)
    assert all(t.revoked_by_id == grid_member.pk for t in ApiToken.objects.filter(user=grid_member))


def test_a_password_set_anywhere_else_revokes_the_tokens(api, grid_member):
    """The Django admin and ``changepassword`` call ``set_password`` and save."""
    issued = issue_token(grid_member)

    grid_member.set_password(NEW)
    grid_member.save()

    assert works(api, issued.key) == 401
    assert AuditEvent.objects.get(action="accounts.tokens_revoked").detail["reason"] == "password_set"


def test_a_failed_change_keeps_the_tokens(page, api, grid_member):
    issued = issue_token(grid_member)

    page(grid_member).post(
        "/accounts/password/", {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    )

    assert works(api, issued.key) == 200
    assert not AuditEvent.objects.filter(action="accounts.tokens_revoked").exists()


def test_no_audit_row_when_there_is_no_token(page, grid_member):
    page(grid_member).post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )

    assert not AuditEvent.objects.filter(action="accounts.tokens_revoked").exists()
