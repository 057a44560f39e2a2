"""Fixtures and helpers for sign-in tests: a system administrator, TOTP codes, logging in
through the login page and the token endpoint from a given address."""

from __future__ import annotations

import time

import pytest

from gongzhi.accounts.models import AuthenticatorDevice, RecoveryCodeDevice, hash_recovery_code
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Every test here creates a login; PBKDF2 would spend ~0.2 s on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sysadmin(tree):
    """The district's system administrator (accounts, locks, second factors, tokens)."""
    user = UserFactory(username="sysadmin", display_name="系统管理员")
    assign_role(user, role=Role.SYSADMIN, area=tree["D"])
    return user


@pytest.fixture
def street_sysadmin(tree):
    """A system administrator of 新碶街道 (S1) only."""
    user = UserFactory(username="s1_sysadmin")
    assign_role(user, role=Role.SYSADMIN, area=tree["S1"])
    return user


def add_totp(user) -> AuthenticatorDevice:
    return AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)


def add_recovery_code(user, code: str) -> None:
    """A confirmed recovery-code set holding ``code`` (stored, like every code, as a digest)."""
    device = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "codes", "confirmed": True}
    )[0]
    device.codes.create(code_hash=hash_recovery_code(code))


def totp_code(device: AuthenticatorDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's phone shows now (or ``steps_ahead`` periods later: a code already
    used cannot be used again, the next one can)."""
    device.refresh_from_db()
    totp = device.totp(at=time.time() + steps_ahead * device.step)
    return f"{totp.token():0{device.digits}d}"


def log_in(client, username: str, password: str = PASSWORD, *, ip: str = "10.0.0.1", **data):
    """Post the login form from ``ip``."""
    return client.post("/login/", {"username": username, "password": password, **data}, REMOTE_ADDR=ip)


def get_token(client, username: str, password: str = PASSWORD, *, ip: str = "10.0.0.1", **data):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password, **data},
        format="json",
        REMOTE_ADDR=ip,
    )
