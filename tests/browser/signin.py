"""Signing in through the login page in a browser, with the second factor where the role needs it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from gongzhi.accounts.models import AuthenticatorDevice, User
from gongzhi.accounts.services import requires_second_factor
from tests.accounts.conftest import totp_code
from tests.conftest import PASSWORD


def _device_for(username: str) -> AuthenticatorDevice | None:
    user = User.objects.get(username=username)
    if not requires_second_factor(user):
        return None
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
    return device or AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)


def _in_a_thread(function, *args):
    """Playwright's sync API runs an event loop in this thread, where Django refuses database
    calls; the database work runs in a worker thread instead (its own connection)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_closing_connection(function), *args).result()


def _closing_connection(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in as ``username`` and land on the home page; users whose role requires two-factor
    authentication get a confirmed TOTP device first and type its current code."""
    device = _in_a_thread(_device_for, username)
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if device is not None:
        page.get_by_label("验证码").fill(_in_a_thread(totp_code, device))
        page.locator("form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_url(f"{base}/")
