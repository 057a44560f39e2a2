"""Account administration by the system administrator (separation of admin duties): create
accounts, give and take roles, deactivate, reset passwords and second factors; nobody else
reaches these pages, nobody acts on their own account, and every change is audited."""

from __future__ import annotations

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command

from gongzhi.accounts.models import ApiToken, RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role, issue_token
from gongzhi.audit.models import AuditEvent
from tests.accounts.conftest import add_totp, log_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory, make_id_number, make_person

pytestmark = pytest.mark.django_db

TEMP = "Gz-temp-pass-2027"
NEW = "Gz-own-pass-2028"


def created_form(**data) -> dict:
    return {
        "username": "zhaomin",
        "display_name": "赵敏",
        "role": "grid_member",
        "area": "G1",
        "password1": TEMP,
        "password2": TEMP,
        **data,
    }


def act(client, user, action: str, **data):
    return client.post(f"/accounts/users/{user.pk}/", {"action": action, **data}, follow=True)


# --- Who may use the pages -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_admin", "grid_member"])
def test_nobody_but_the_sysadmin_reaches_account_administration(page, persona, request, grid_member):
    client = page(request.getfixturevalue(persona))

    assert client.get("/accounts/users/").status_code == 403
    assert client.get("/accounts/users/new/").status_code == 403
    assert client.post("/accounts/users/new/", created_form()).status_code == 403
    assert client.post(f"/accounts/users/{grid_member.pk}/", {"action": "deactivate"}).status_code == 403
    assert not User.objects.filter(username="zhaomin").exists()
    assert User.objects.get(pk=grid_member.pk).is_active


# --- Creating an account -----------------------------------------------------------------------


def test_sysadmin_creates_an_account_whose_password_must_be_changed(page, client, sysadmin):
    response = page(sysadmin).post("/accounts/users/new/", created_form())

    user = User.objects.get(username="zhaomin")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    assert user.display_name == "赵敏"
    assert list(user.role_assignments.values_list("role", "area__code")) == [("grid_member", "G1")]
    assert user.password_changed_at is None
    event = AuditEvent.objects.get(action="accounts.user_created")
    assert (event.actor_id, event.object_id, event.outcome) == (sysadmin.pk, str(user.pk), "success")
    assert event.detail["role"] == "grid_member"
    assert event.detail["area"] == "G1"

    # First login: straight to the change-password page, nothing else until it is done.
    login = log_in(client, "zhaomin", TEMP)
    assert login["Location"].startswith("/accounts/password/")
    assert client.get("/areas/")["Location"].startswith("/accounts/password/")
    assert "由系统管理员设置" in client.get("/accounts/password/").content.decode()
    client.post("/accounts/password/", {"old_password": TEMP, "new_password1": NEW, "new_password2": NEW})
    assert client.get("/areas/").status_code == 200


def test_creating_checks_password_rules_role_level_and_username(page, sysadmin, grid_member):
    client = page(sysadmin)

    weak = client.post("/accounts/users/new/", created_form(password1="123", password2="123"))
    level = client.post("/accounts/users/new/", created_form(role="street_admin", area="G1"))
    taken = client.post("/accounts/users/new/", created_form(username="grid_member"))

    assert weak.status_code == level.status_code == taken.status_code == 200
    assert "只能分配在" in level.content.decode()
    assert "已被使用" in taken.content.decode()
    assert not User.objects.filter(username="zhaomin").exists()
    assert not AuditEvent.objects.filter(action="accounts.user_created").exists()


def test_street_sysadmin_cannot_create_accounts_outside_the_street(page, street_sysadmin):
    response = page(street_sysadmin).post("/accounts/users/new/", created_form(area="G3"))

    assert response.status_code == 200  # G3 (大碶) is not among the areas offered
    assert not User.objects.filter(username="zhaomin").exists()


def test_adduser_goes_through_the_same_service_and_is_audited(tree):
    out = io.StringIO()
    call_command(
        "adduser",
        "liuyang",
        "--role",
        "grid_member",
        "--area",
        "G1",
        "--must-change-password",
        password_stdin=True,
        stdin=io.StringIO(TEMP + "\n"),
        stdout=out,
    )

    user = User.objects.get(username="liuyang")
    assert user.password_changed_at is None
    event = AuditEvent.objects.get(action="accounts.user_created")
    assert event.actor_id is None
    assert "gongzhi adduser" in event.actor_name


# --- The list --------------------------------------------------------------------------------


def test_list_shows_roles_state_second_factor_and_locks(page, sysadmin, street_admin, grid_member, settings):
    add_totp(street_admin)
    User.objects.filter(pk=grid_member.pk).update(is_active=False)
    for _i in range(settings.AXES_FAILURE_LIMIT):
        log_in(page(), "street_admin", "wrong", ip="10.9.9.9")

    body = page(sysadmin).get("/accounts/users/").content.decode()

    street_row = body.split('data-user="street_admin"')[1].split("</tr>")[0]
    grid_row = body.split('data-user="grid_member"')[1].split("</tr>")[0]
    assert "街道管理员 @ 新碶街道" in street_row
    assert "已启用" in street_row
    assert "登录已锁定" in street_row
    assert "网格员 @ 百合一网格" in grid_row
    assert "已停用" in grid_row
    inactive = page(sysadmin).get("/accounts/users/?state=inactive").content.decode()
    assert 'data-user="grid_member"' in inactive
    assert 'data-user="street_admin"' not in inactive


def test_pages_show_no_id_number_or_phone_of_a_linked_person(page, sysadmin, grid_member, tree):
    id_number = make_id_number(seq=321)
    person = make_person(grid=tree["G1"], id_number=id_number, phone="13812345678")
    person.user = grid_member
    person.save(update_fields=["user"])
    person.refresh_from_db()

    client = page(sysadmin)
    pages = (
        client.get("/accounts/users/").content.decode()
        + client.get(f"/accounts/users/{grid_member.pk}/").content.decode()
    )

    for value in (id_number, id_number[-4:], "13812345678", "5678", person.phone, person.id_number_masked):
        assert value not in pages


# --- Roles -----------------------------------------------------------------------------------


def test_sysadmin_grants_a_role_with_the_level_rules(page, sysadmin, grid_member):
    client = page(sysadmin)

    wrong_level = act(client, grid_member, "grant_role", role="community_worker", area="G2")
    granted = act(client, grid_member, "grant_role", role="grid_member", area="G2")

    assert "只能分配在" in wrong_level.content.decode()
    assert "已分配角色" in granted.content.decode()
    assert set(grid_member.role_assignments.values_list("role", "area__code")) == {
        ("grid_member", "G1"),
        ("grid_member", "G2"),
    }
    event = AuditEvent.objects.get(action="accounts.role_granted")
    assert event.detail == {"role": "grid_member", "area": "G2"}
    assert event.actor_id == sysadmin.pk


def test_nobody_grants_roles_to_themselves(page, sysadmin):
    response = act(page(sysadmin), sysadmin, "grant_role", role="district_admin", area="D")

    assert "不能给自己分配角色" in response.content.decode()
    assert list(sysadmin.role_assignments.values_list("role", flat=True)) == ["sysadmin"]
    assert not AuditEvent.objects.filter(action="accounts.role_granted").exists()


def test_street_sysadmin_cannot_grant_or_touch_users_outside(page, street_sysadmin, grid_member, tree):
    outside = UserFactory(username="outside")
    assign_role(outside, role=Role.GRID_MEMBER, area=tree["G3"])
    client = page(street_sysadmin)

    elsewhere = act(client, grid_member, "grant_role", role="grid_member", area="G3")
    other = client.post(f"/accounts/users/{outside.pk}/", {"action": "deactivate"})

    assert not grid_member.role_assignments.filter(area__code="G3").exists()
    assert "G3" not in elsewhere.content.decode().split('name="area"')[1].split("</select>")[0]
    assert other.status_code == 404
    assert User.objects.get(pk=outside.pk).is_active


def test_sysadmin_revokes_a_role_but_not_the_last_nor_their_own(page, sysadmin, grid_member, tree):
    assign_role(grid_member, role=Role.GRID_MEMBER, area=tree["G2"])
    second = grid_member.role_assignments.get(area__code="G2")
    other_sysadmin = UserFactory(username="sysadmin2")
    assign_role(other_sysadmin, role=Role.SYSADMIN, area=tree["D"])
    assign_role(sysadmin, role=Role.AUDITOR, area=tree["D"])  # a second role, so not the last
    own = sysadmin.role_assignments.get(role="sysadmin")
    client = page(sysadmin)

    removed = act(client, grid_member, "revoke_role", assignment=second.pk)
    last = act(client, grid_member, "revoke_role", assignment=grid_member.role_assignments.get().pk)
    mine = act(client, sysadmin, "revoke_role", assignment=own.pk)

    assert "已收回角色" in removed.content.decode()
    assert list(grid_member.role_assignments.values_list("area__code", flat=True)) == ["G1"]
    assert "唯一的角色" in last.content.decode()
    assert "不能收回自己的系统管理员角色" in mine.content.decode()
    assert RoleAssignment.objects.filter(pk=own.pk).exists()
    events = AuditEvent.objects.filter(action="accounts.role_revoked")
    assert [e.detail for e in events] == [{"role": "grid_member", "area": "G2"}]


# --- Deactivation, passwords, second factor --------------------------------------------------


def test_deactivation_revokes_tokens_and_ends_sessions(page, api, sysadmin, grid_member):
    issued = issue_token(grid_member)
    own_session = page(grid_member)
    assert own_session.get("/areas/").status_code == 200

    response = act(page(sysadmin), grid_member, "deactivate")

    grid_member.refresh_from_db()
    assert "已停用账号" in response.content.decode()
    assert grid_member.is_active is False
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert own_session.get("/areas/")["Location"].startswith("/login/")
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(grid_member.pk)
    ]
    api_client = api()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert api_client.get("/api/v1/me/").status_code == 401
    event = AuditEvent.objects.get(action="accounts.user_deactivated")
    assert event.detail["tokens_revoked"] == 1
    assert event.detail["sessions_ended"] == 1
    assert AuditEvent.objects.get(action="accounts.tokens_revoked").detail["reason"] == "deactivated"
    assert log_in(page(), "grid_member").status_code == 200  # the login form again: refused

    act(page(sysadmin), grid_member, "reactivate")
    assert User.objects.get(pk=grid_member.pk).is_active
    assert AuditEvent.objects.filter(action="accounts.user_reactivated").count() == 1


def test_sysadmin_cannot_deactivate_or_reset_themselves(page, sysadmin):
    client = page(sysadmin)

    deactivate = act(client, sysadmin, "deactivate")
    password = act(client, sysadmin, "reset_password", password1=TEMP, password2=TEMP)

    sysadmin.refresh_from_db()
    assert "不能停用自己的账号" in deactivate.content.decode()
    assert "我的安全设置" in password.content.decode()
    assert sysadmin.is_active
    assert sysadmin.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(category="admin").exists()


def test_password_reset_forces_a_change_and_revokes_tokens(page, client, sysadmin, grid_member):
    issued = issue_token(grid_member)

    weak = act(page(sysadmin), grid_member, "reset_password", password1="1234", password2="1234")
    done = act(page(sysadmin), grid_member, "reset_password", password1=TEMP, password2=TEMP)

    grid_member.refresh_from_db()
    assert 'name="password1"' in weak.content.decode()
    assert "已重置" in done.content.decode()
    assert grid_member.check_password(TEMP)
    assert grid_member.password_changed_at is None
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    event = AuditEvent.objects.get(action="accounts.password_reset")
    assert (event.actor_id, event.object_id, event.detail["tokens_revoked"]) == (
        sysadmin.pk,
        str(grid_member.pk),
        1,
    )
    assert log_in(client, "grid_member", TEMP)["Location"].startswith("/accounts/password/")


def test_second_factor_reset_from_the_account_page(page, sysadmin, street_admin):
    add_totp(street_admin)

    response = act(page(sysadmin), street_admin, "reset_2fa")
    own = act(page(sysadmin), sysadmin, "reset_2fa")

    assert "已重置" in response.content.decode()
    assert not street_admin.authenticatordevice_set.exists()
    assert "不能重置自己的双因素认证" in own.content.decode()
    assert sysadmin.authenticatordevice_set.exists()  # the page fixture's device
