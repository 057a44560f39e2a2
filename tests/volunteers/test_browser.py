"""The volunteer's most walked path, in a real browser: sign up for an activity on a phone, the
organizer puts the rotating QR code on screen, the volunteer's phone opens the check-in link
the code carries and confirms, and the organizer's roster shows the check-in time.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Signup

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Gz-test-pass-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def under_way(tree, club, leader, ann):
    """A 护绿 activity of the club that began five minutes ago, sign-up still open."""
    now = timezone.now()
    return services.create_activity(
        by=leader,
        organizer=club,
        title="公园护绿",
        category="greening",
        area=tree["C1"],
        place="百合公园东门",
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(hours=2),
        capacity=10,
        signup_opens_at=now - datetime.timedelta(days=1),
        signup_closes_at=now + datetime.timedelta(hours=1),
    )


def _log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/login/?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{next_path}")


def test_sign_up_and_check_in_by_qr_code(under_way, ann, leader, live_server):
    # Playwright's sync API runs an event loop in this thread while it is open, so all data
    # is made before it starts; the pages' ORM calls run in the live server's own thread.
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    activity_path = f"/volunteers/activities/{under_way.pk}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(
                viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True, locale="zh-CN"
            ).new_page()
            _log_in(phone, base, "ann", activity_path)
            phone.get_by_role("button", name="报名", exact=True).click()
            expect(phone.locator(".messages")).to_contain_text("报名成功：公园护绿。")
            expect(phone.locator("[data-my-signup]")).to_contain_text("已报名")

            screen = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            _log_in(screen, base, "club_leader", activity_path)
            screen.goto(f"{base}{activity_path}qr/?purpose=in")
            code = screen.locator("#qr-code")
            expect(code.locator("svg")).to_be_visible()
            token = code.get_attribute("data-token")
            check_url = screen.locator("[data-check-url]").get_attribute("href")
            assert token
            assert check_url.startswith(f"{base}/volunteers/activities/{under_way.pk}/check/?t=")

            phone.goto(check_url)
            expect(phone.get_by_role("heading", level=1)).to_have_text("活动签到")
            confirm = phone.get_by_role("button", name="确认签到")
            assert confirm.bounding_box()["height"] >= 48  # a thumb's target on a phone
            confirm.click()
            phone.wait_for_url(f"{base}{activity_path}")
            expect(phone.locator(".messages")).to_contain_text("签到成功")

            screen.goto(f"{base}{activity_path}roster/")
            row = screen.locator("#roster tr", has_text="安娜")
            checked_in = row.locator("[data-checked-in]").inner_text()
        finally:
            browser.close()

    signup = Signup.objects.get(activity=under_way, volunteer=ann)
    assert signup.check_method == "qr"
    assert checked_in.startswith(timezone.localtime(signup.checked_in_at).strftime("%H:%M"))
    assert "扫码" in checked_in
