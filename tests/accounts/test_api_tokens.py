"""API tokens: only a digest is stored, they expire and can be revoked; owners list and revoke
theirs, system administrators those of users in their jurisdiction."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, hash_token_key
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role, issue_token
from gongzhi.audit.models import AuditEvent
from tests.accounts.conftest import get_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bearer(api, key: str):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def outside_user(tree):
    """A grid member of 灵峰一网格 (S2), outside 新碶街道."""
    user = UserFactory(username="outside")
    assign_role(user, role=Role.GRID_MEMBER, area=tree["G3"])
    return user


def test_token_endpoint_issues_a_token_shown_once(api, grid_member):
    response = get_token(api(), "grid_member", name="数据对接")

    assert response.status_code == 201
    body = response.json()
    key = body["token"]
    token = ApiToken.objects.get()
    assert body == {
        "token": key,
        "id": token.pk,
        "name": "数据对接",
        "prefix": key[:10],
        "expires_at": body["expires_at"],
    }
    # Only the digest is stored.
    assert token.key_hash == hash_token_key(key)
    assert key not in {token.prefix, token.key_hash, token.name}
    assert abs(token.expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(
        minutes=1
    )
    event = AuditEvent.objects.get(action="auth.token_issued")
    assert (event.category, event.actor_id, event.detail["token"]) == ("auth", grid_member.pk, token.prefix)


def test_token_lifetime_is_configurable(api, grid_member, settings):
    settings.GONGZHI_TOKEN_TTL_DAYS = 7

    get_token(api(), "grid_member")

    token = ApiToken.objects.get()
    assert abs(token.expires_at - token.created_at - datetime.timedelta(days=7)) < datetime.timedelta(
        seconds=5
    )


def test_a_token_authenticates_and_records_its_use(api, grid_member):
    issued = issue_token(grid_member)

    response = bearer(api, issued.key).get("/api/v1/me/")

    assert response.json()["username"] == "grid_member"
    issued.token.refresh_from_db()
    assert timezone.now() - issued.token.last_used_at < datetime.timedelta(minutes=1)


def test_an_expired_token_is_refused_with_401(api, grid_member):
    issued = issue_token(grid_member)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = bearer(api, issued.key).get("/api/v1/me/")

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"].startswith(f"令牌 {issued.token.prefix}… 已于 ")
    assert "过期，请重新申请" in error["message"]


def test_a_revoked_token_is_refused_with_401(api, grid_member):
    issued = issue_token(grid_member)
    bearer(api, issued.key).post(f"/api/v1/auth/tokens/{issued.token.pk}/revoke/")

    response = bearer(api, issued.key).get("/api/v1/me/")

    assert response.status_code == 401
    assert "吊销，不能再使用" in response.json()["error"]["message"]


def test_an_unknown_token_is_refused(api, tree):
    response = bearer(api, "gz_nope").get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("令牌无效或不存在。")


def test_owner_lists_their_tokens_without_keys(
    api, grid_member, community_worker, django_assert_max_num_queries
):
    mine = [issue_token(grid_member, name=f"t{i}") for i in range(3)]
    issue_token(community_worker)

    with django_assert_max_num_queries(4):
        response = api(grid_member).get("/api/v1/auth/tokens/")

    body = response.json()
    assert body["count"] == 3
    assert [row["prefix"] for row in body["results"]] == [t.token.prefix for t in reversed(mine)]
    assert set(body["results"][0]) == {
        "id",
        "user",
        "name",
        "prefix",
        "status",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert body["results"][0]["status"] == "active"
    assert all(t.key not in response.content.decode() for t in mine)


def test_owner_revokes_with_delete(api, grid_member):
    issued = issue_token(grid_member)

    response = api(grid_member).delete(f"/api/v1/auth/tokens/{issued.token.pk}/")

    assert response.status_code == 204
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert issued.token.revoked_by == grid_member
    event = AuditEvent.objects.get(action="auth.token_revoked")
    assert (event.category, event.actor_id) == ("auth", grid_member.pk)


def test_owner_revokes_with_post_and_sees_the_status(api, grid_member):
    issued = issue_token(grid_member)

    response = api(grid_member).post(f"/api/v1/auth/tokens/{issued.token.pk}/revoke/")

    assert response.json()["status"] == "revoked"
    listed = api(grid_member).get("/api/v1/auth/tokens/?status=revoked").json()
    assert [row["id"] for row in listed["results"]] == [issued.token.pk]


def test_others_tokens_are_404_for_a_plain_user(api, grid_member, community_worker):
    theirs = issue_token(community_worker)

    response = api(grid_member).delete(f"/api/v1/auth/tokens/{theirs.token.pk}/")

    assert response.status_code == 404
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None


def test_sysadmin_lists_tokens_of_users_in_the_jurisdiction(api, street_sysadmin, grid_member, outside_user):
    inside = issue_token(grid_member)
    issue_token(outside_user)

    response = api(street_sysadmin).get("/api/v1/auth/tokens/")

    assert [(row["user"], row["id"]) for row in response.json()["results"]] == [
        ("grid_member", inside.token.pk)
    ]


def test_sysadmin_filters_by_user(api, sysadmin, grid_member, outside_user):
    issue_token(grid_member)
    theirs = issue_token(outside_user)

    response = api(sysadmin).get("/api/v1/auth/tokens/?user=outside")

    assert [row["id"] for row in response.json()["results"]] == [theirs.token.pk]


def test_sysadmin_revokes_inside_but_not_outside(api, street_sysadmin, grid_member, outside_user):
    inside = issue_token(grid_member)
    outside = issue_token(outside_user)

    ok = api(street_sysadmin).post(f"/api/v1/auth/tokens/{inside.token.pk}/revoke/")
    refused = api(street_sysadmin).post(f"/api/v1/auth/tokens/{outside.token.pk}/revoke/")

    assert ok.status_code == 200
    assert refused.status_code == 404
    event = AuditEvent.objects.get(action="accounts.token_revoked")
    assert (event.category, event.actor_id, event.object_id) == (
        "admin",
        street_sysadmin.pk,
        str(grid_member.pk),
    )
    outside.token.refresh_from_db()
    assert outside.token.revoked_at is None


def test_token_list_needs_authentication(api, tree):
    assert api().get("/api/v1/auth/tokens/").status_code == 401


# --- Pages ------------------------------------------------------------------------------------


def test_security_page_lists_and_revokes_my_tokens(page, grid_member, community_worker):
    mine = issue_token(grid_member, name="脚本")
    theirs = issue_token(community_worker, name="别人的")
    client = page(grid_member)

    listed = client.get("/accounts/security/")
    revoked = client.post(f"/accounts/tokens/{mine.token.pk}/revoke/")
    refused = client.post(f"/accounts/tokens/{theirs.token.pk}/revoke/")

    assert [t.pk for t in listed.context["tokens"]] == [mine.token.pk]
    assert f'data-token="{mine.token.prefix}"' in listed.content.decode()
    assert revoked.status_code == 302
    mine.token.refresh_from_db()
    assert mine.token.revoked_at is not None
    assert refused.status_code == 404


def test_security_page_creates_a_token_and_shows_the_key_once(page, grid_member):
    client = page(grid_member)

    response = client.post("/accounts/tokens/", {"name": "报表"})

    key = response.context["issued"].key
    assert key in response.content.decode()
    assert ApiToken.objects.get().key_hash == hash_token_key(key)
    assert key not in client.get("/accounts/security/").content.decode()


def test_sysadmin_page_shows_and_revokes_a_users_tokens(page, sysadmin, grid_member):
    issued = issue_token(grid_member)
    client = page(sysadmin)

    detail = client.get(f"/accounts/users/{grid_member.pk}/")
    client.post(f"/accounts/tokens/{issued.token.pk}/revoke/", {"next": f"/accounts/users/{grid_member.pk}/"})

    assert [t.pk for t in detail.context["tokens"]] == [issued.token.pk]
    issued.token.refresh_from_db()
    assert issued.token.revoked_by == sysadmin


def test_users_page_counts_active_tokens(page, sysadmin, grid_member):
    issue_token(grid_member)
    issue_token(grid_member)
    ApiToken.objects.filter(pk=issue_token(grid_member).token.pk).update(revoked_at=timezone.now())

    response = page(sysadmin).get("/accounts/users/?q=grid")

    assert [(row.username, row.active_tokens) for row in response.context["page"]] == [("grid_member", 2)]
