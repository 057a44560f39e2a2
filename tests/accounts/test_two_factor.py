"""Two-factor authentication (TOTP + recovery codes): required for district and street admins,
the justice role and system administrators, optional for others."""

from __future__ import annotations

import re

import pytest

from gongzhi.accounts.models import AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice, hash_recovery_code
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.audit.models import AuditEvent
from tests.accounts.conftest import add_recovery_code, add_totp, get_token, log_in, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def enrol_on_the_web(client):
    """Open the enrolment page, 'scan' the secret and confirm; returns the recovery codes page."""
    client.get("/accounts/two-factor/enrol/")
    device = AuthenticatorDevice.objects.get(confirmed=False)
    return client.post("/accounts/two-factor/enrol/", {"code": totp_code(device)})


def recovery_codes_of(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode())


# --- Required roles ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_admin", "street_admin", "justice_officer"])
def test_required_role_without_device_is_sent_to_enrol(client, persona, request):
    request.getfixturevalue(persona)

    response = log_in(client, persona)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/enrol/?next=%2F"


def test_unenrolled_required_user_reaches_no_other_page(client, street_admin):
    log_in(client, "street_admin")

    home = client.get("/areas/")
    api = client.get("/api/v1/me/")
    enrol = client.get("/accounts/two-factor/enrol/")

    assert home.status_code == 302
    assert home["Location"] == "/accounts/two-factor/enrol/?next=%2Fareas%2F"
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"
    assert "/accounts/two-factor/enrol/" in api.json()["error"]["message"]
    assert enrol.status_code == 200


def test_sign_in_step_pages_show_no_menu_and_fragments_get_no_page(client, street_admin):
    log_in(client, "street_admin")

    enrol = client.get("/accounts/two-factor/enrol/").content.decode()
    fragment = client.get("/cases/inbox/unread-count/", HTTP_HX_REQUEST="true")

    assert 'href="/areas/"' not in enrol
    assert 'href="/cases/"' not in enrol
    # htmx leaves the menu's unread count alone instead of pasting the enrolment page into it.
    assert fragment.status_code == 403
    assert fragment.content == b""


def test_enrolment_shows_a_qr_code_and_the_secret(client, street_admin):
    log_in(client, "street_admin")

    response = client.get("/accounts/two-factor/enrol/")

    page = response.content.decode()
    device = AuthenticatorDevice.objects.get(user=street_admin)
    assert device.confirmed is False
    assert "<svg" in page
    secret = response.context["secret"].replace(" ", "")
    assert f"secret={secret}" in device.config_url
    assert "issuer=%E5%85%B1%E6%B2%BB" in device.config_url
    # Reloading keeps the same secret, so a phone that already scanned it still matches.
    assert client.get("/accounts/two-factor/enrol/").context["secret"] == response.context["secret"]


def test_enrolment_with_a_wrong_code_is_refused(client, street_admin):
    log_in(client, "street_admin")
    client.get("/accounts/two-factor/enrol/")

    response = client.post("/accounts/two-factor/enrol/", {"code": "000000"})

    assert response.status_code == 200
    assert "验证码不正确" in response.context["form"].errors["code"][0]
    assert AuthenticatorDevice.objects.get(user=street_admin).confirmed is False


def test_enrolment_confirms_the_device_shows_ten_codes_once_and_opens_the_app(client, street_admin):
    log_in(client, "street_admin")

    response = enrol_on_the_web(client)

    codes = recovery_codes_of(response)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert AuthenticatorDevice.objects.get(user=street_admin).confirmed is True
    assert RecoveryCode.objects.filter(device__user=street_admin).count() == 10
    assert client.get("/areas/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_enrolled", actor_id=street_admin.pk).count() == 1


def test_enrolled_user_logs_in_with_password_then_code(client, settings, street_admin):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp otherwise makes a retry wait after a wrong code
    device = add_totp(street_admin)

    first = log_in(client, "street_admin")
    blocked = client.get("/areas/")
    wrong = client.post("/accounts/two-factor/verify/", {"code": "123456", "next": "/areas/"})
    right = client.post("/accounts/two-factor/verify/", {"code": totp_code(device), "next": "/areas/"})

    assert first["Location"] == "/accounts/two-factor/verify/?next=%2F"
    assert blocked["Location"] == "/accounts/two-factor/verify/?next=%2Fareas%2F"
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.context["form"].errors["code"][0]
    assert right.status_code == 302
    assert right["Location"] == "/areas/"
    assert client.get("/areas/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(action__startswith="auth.").order_by("pk").values_list("action", "outcome")
    )
    assert actions == [
        ("auth.login", "success"),
        ("auth.otp_failed", "failure"),
        ("auth.otp_verified", "success"),
    ]


def test_a_recovery_code_works_once(client, settings, street_admin):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    log_in(client, "street_admin")
    codes = recovery_codes_of(enrol_on_the_web(client))
    client.post("/logout/")

    log_in(client, "street_admin")
    used = client.post("/accounts/two-factor/verify/", {"code": codes[0].upper()})
    client.post("/logout/")
    log_in(client, "street_admin")
    again = client.post("/accounts/two-factor/verify/", {"code": codes[0]})

    assert used.status_code == 302
    assert again.status_code == 200
    event = AuditEvent.objects.filter(action="auth.otp_verified").latest("pk")
    assert event.detail == {"method": "recovery_code", "recovery_codes_left": 9}


def test_regenerated_codes_replace_the_old_ones(page, street_admin):
    client = page(street_admin)
    add_recovery_code(street_admin, "oldc-code")

    response = client.post("/accounts/two-factor/recovery-codes/")

    assert len(recovery_codes_of(response)) == 10
    assert not RecoveryCode.objects.filter(code_hash=hash_recovery_code("oldc-code")).exists()
    assert RecoveryCode.objects.filter(device__user=street_admin).count() == 10


def test_required_user_cannot_disable_the_second_factor(page, street_admin):
    client = page(street_admin)  # the page fixture gives required users a device

    response = client.post("/accounts/two-factor/disable/", {"code": "x"}, follow=True)

    assert "不能停用" in response.content.decode()
    assert AuthenticatorDevice.objects.filter(user=street_admin).count() == 1


def test_required_roles_are_configurable(client, settings, street_admin):
    settings.GONGZHI_2FA_REQUIRED_ROLES = ["district_admin"]

    response = log_in(client, "street_admin")

    assert response["Location"] == "/"


# --- Optional for everyone else -----------------------------------------------------------


def test_other_roles_are_not_asked_for_a_second_factor(client, grid_member):
    response = log_in(client, "grid_member")

    assert response["Location"] == "/"
    assert client.get("/areas/").status_code == 200


def test_other_roles_may_enrol_then_are_asked_at_login(client, grid_member):
    log_in(client, "grid_member")
    enrol_on_the_web(client)
    client.post("/logout/")

    response = log_in(client, "grid_member")

    assert response["Location"] == "/accounts/two-factor/verify/?next=%2F"
    assert client.get("/api/v1/me/").status_code == 403


def test_optional_user_disables_with_a_current_code(client, grid_member):
    log_in(client, "grid_member")
    enrol_on_the_web(client)
    device = AuthenticatorDevice.objects.get(user=grid_member)

    client.post("/accounts/two-factor/disable/", {"code": totp_code(device, steps_ahead=1)})

    assert not AuthenticatorDevice.objects.filter(user=grid_member).exists()
    assert not RecoveryCodeDevice.objects.filter(user=grid_member).exists()
    assert AuditEvent.objects.filter(action="auth.2fa_disabled").count() == 1
    client.post("/logout/")
    assert log_in(client, "grid_member")["Location"] == "/"


def test_security_page_shows_the_second_factor(page, grid_member, street_admin):
    off = page(grid_member).get("/accounts/security/")
    on = page(street_admin).get("/accounts/security/")

    assert off.context["has_2fa"] is False
    assert "启用双因素认证" in off.content.decode()
    assert on.context["has_2fa"] is True
    assert on.context["requires_2fa"] is True


# --- Sysadmin reset ------------------------------------------------------------------------


def test_sysadmin_resets_a_users_second_factor(page, sysadmin, street_admin, client):
    add_totp(street_admin)

    response = page(sysadmin).post(f"/accounts/users/{street_admin.pk}/", {"action": "reset_2fa"})

    assert response.status_code == 302
    assert not AuthenticatorDevice.objects.filter(user=street_admin).exists()
    event = AuditEvent.objects.get(action="accounts.second_factor_reset")
    assert (event.category, event.actor_id, event.object_id) == ("admin", sysadmin.pk, str(street_admin.pk))
    # At the next login the street admin enrols again.
    assert log_in(client, "street_admin")["Location"] == "/accounts/two-factor/enrol/?next=%2F"


def test_sysadmin_cannot_reach_users_outside_the_jurisdiction(page, street_sysadmin, tree):
    outside = UserFactory(username="outside")
    assign_role(outside, role=Role.STREET_ADMIN, area=tree["S2"])
    add_totp(outside)

    response = page(street_sysadmin).post(f"/accounts/users/{outside.pk}/", {"action": "reset_2fa"})

    assert response.status_code == 404
    assert AuthenticatorDevice.objects.filter(user=outside).exists()


def test_user_security_pages_need_a_sysadmin(page, grid_member, district_admin, street_admin):
    assert page(grid_member).get("/accounts/users/").status_code == 403
    assert page(district_admin).get(f"/accounts/users/{street_admin.pk}/").status_code == 403


def test_sysadmin_lists_users_with_their_second_factor(page, sysadmin, street_admin, grid_member):
    add_totp(street_admin)

    response = page(sysadmin).get("/accounts/users/")

    rows = {row.username: row.has_totp for row in response.context["page"]}
    assert rows["street_admin"] == 1
    assert rows["grid_member"] == 0


# --- API token endpoint ----------------------------------------------------------------------


def test_token_endpoint_asks_enrolled_users_for_a_code(api, street_admin):
    device = add_totp(street_admin)
    client = api()

    missing = get_token(client, "street_admin")
    wrong = get_token(client, "street_admin", otp="000000")
    device.throttle_reset()
    right = get_token(client, "street_admin", otp=totp_code(device))

    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "otp_required"
    assert missing.json()["error"]["fields"] == {"otp": [missing.json()["error"]["message"]]}
    assert wrong.json()["error"]["code"] == "otp_invalid"
    assert right.status_code == 201
    assert right.json()["token"].startswith("gz_")


def test_token_endpoint_sends_unenrolled_required_users_to_the_web(api, justice_officer):
    response = get_token(api(), "justice_officer")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "second_factor_enrolment_required"
    assert "/accounts/two-factor/enrol/" in error["message"]


def test_token_endpoint_accepts_a_recovery_code(api, grid_member):
    add_totp(grid_member)
    add_recovery_code(grid_member, "abcd-efgh")

    response = get_token(api(), "grid_member", otp="abcd-efgh")

    assert response.status_code == 201
    assert not RecoveryCode.objects.filter(device__user=grid_member).exists()


# --- The test fixtures themselves ------------------------------------------------------------


def test_page_fixture_signs_required_users_in_with_a_second_factor(page, district_admin):
    response = page(district_admin).get("/areas/")

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_api_fixture_force_authenticate_is_not_blocked(api, street_admin):
    response = api(street_admin).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "street_admin"
