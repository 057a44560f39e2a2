"""The demo's logins that must use two-factor authentication get the published demo secret."""

from __future__ import annotations

import base64

import pytest

from gongzhi.accounts.models import AuthenticatorDevice
from gongzhi.demo.builder import DEMO_TOTP_SECRET, _give_demo_second_factor
from tests.accounts.conftest import log_in, totp_code

pytestmark = pytest.mark.django_db


def test_required_demo_login_gets_the_published_secret(client, street_admin, grid_member):
    _give_demo_second_factor(street_admin)
    _give_demo_second_factor(grid_member)

    device = AuthenticatorDevice.objects.get()
    assert device.user == street_admin
    assert device.bin_key == base64.b32decode(DEMO_TOTP_SECRET)
    log_in(client, "street_admin")
    response = client.post("/accounts/two-factor/verify/", {"code": totp_code(device)})
    assert response["Location"] == "/"


def test_a_device_the_user_set_up_is_kept(street_admin):
    own = AuthenticatorDevice.objects.create(user=street_admin, name="mine", confirmed=True)

    _give_demo_second_factor(street_admin)

    assert list(AuthenticatorDevice.objects.all()) == [own]
