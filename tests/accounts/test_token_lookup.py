"""The API token lookup runs a statement compiled once per database and day
(``gongzhi.core.authentication.find_token``): it must give what the ORM gives, follow the day
for the roles in effect, and stay one query per call."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, RoleAssignment, hash_token_key
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role, issue_token
from gongzhi.core.authentication import _with_roles, find_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_lookup_gives_the_token_user_and_roles_the_orm_gives(tree):
    user = UserFactory(username="lookup", display_name="查询人")
    assign_role(user, role=Role.STREET_ADMIN, area=tree["S1"])
    assign_role(user, role=Role.GRID_MEMBER, area=tree["G3"])
    key = issue_token(user, name="对接").key

    found = find_token(hash_token_key(key))
    expected = _with_roles(ApiToken.objects.filter(key_hash=hash_token_key(key)), timezone.localdate()).get()

    token_fields = [f.attname for f in ApiToken._meta.concrete_fields]
    user_fields = [f.attname for f in type(user)._meta.concrete_fields]
    assert [getattr(found, f) for f in token_fields] == [getattr(expected, f) for f in token_fields]
    assert [getattr(found.user, f) for f in user_fields] == [getattr(expected.user, f) for f in user_fields]
    assert sorted(found.role_pairs.split(";")) == sorted(
        [f"street_admin {tree['S1'].path}", f"grid_member {tree['G3'].path}"]
    )
    assert found.user.pk == found.user_id == user.pk
    assert not found._state.adding
    assert found._state.db == "default"
    assert find_token(hash_token_key(key + "x")) is None


def test_roles_follow_the_day(tree):
    """A role that starts tomorrow does not count today, and does tomorrow: the compiled
    statement is the day's."""
    user = UserFactory(username="starts_tomorrow")
    assignment = assign_role(user, role=Role.STREET_ADMIN, area=tree["S1"])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    RoleAssignment.objects.filter(pk=assignment.pk).update(start_date=tomorrow)
    digest = hash_token_key(issue_token(user).key)

    assert find_token(digest).role_pairs is None
    with mock.patch("django.utils.timezone.localdate", return_value=tomorrow):
        assert find_token(digest).role_pairs == f"street_admin {tree['S1'].path}"


def test_an_api_call_authenticates_in_one_query(api, tree):
    user = UserFactory(username="one_query")
    assign_role(user, role=Role.STREET_ADMIN, area=tree["S1"])
    key = issue_token(user).key
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").status_code == 200  # stamps last_used_at

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/cases/")

    assert response.status_code == 200
    token_reads = [q for q in queries if "accounts_apitoken" in q["sql"]]
    assert len(token_reads) == 1
    assert "accounts_roleassignment" in token_reads[0]["sql"]
