"""The filing form's live checklist, in a real browser: each rule turns from ✗ to ✓ as the
community worker fills the form in, without the page reloading.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.areas.choices import AreaLevel
from gongzhi.organizations.models import FilingRule
from tests.factories import UserFactory, make_area, make_person

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Set GONGZHI_SCREENSHOTS=/some/dir to keep screenshots of the form at phone and desktop widths.
SCREENSHOTS = os.environ.get("GONGZHI_SCREENSHOTS")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def default_rules(transactional_db):
    """The filing rules of data migration 0002: a transactional test before this one flushes
    the tables, and with them the seeded rules."""
    seeded = importlib.import_module("gongzhi.organizations.migrations.0002_default_filing_rules")
    for code, kind, parameter, message, position in seeded.RULES:
        FilingRule.objects.get_or_create(
            code=code,
            defaults={"kind": kind, "parameter": parameter, "message": message, "position": position},
        )


@pytest.fixture
def worker(default_rules):
    """A community worker of 百合社区, where 陈军浩 lives."""
    district = make_area("D", AreaLevel.DISTRICT, name="北仑区")
    street = make_area("S1", AreaLevel.STREET, district, name="新碶街道")
    community = make_area("C1", AreaLevel.COMMUNITY, street, name="百合社区")
    grid = make_area("G1", AreaLevel.GRID, community, name="百合一网格", population=1200)
    make_person(grid=grid, name="陈军浩", political_status="party_member")
    user = UserFactory(username="worker", display_name="社区小李")
    assign_role(user, role=Role.COMMUNITY_WORKER, area=community)
    return user


def _rule(page, code: str):
    return page.locator(f'#filing-checklist li[data-rule="{code}"]')


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("worker")
    page.get_by_label("密码").fill("Gz-test-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_checklist_ticks_each_rule_as_the_form_is_filled_in(worker, live_server):
    # Playwright's sync API runs an event loop in this thread while it is open, so all data
    # is made before it starts; the pages' ORM calls run in the live server's own thread.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            _log_in(page, live_server.url)
            page.goto(f"{live_server.url}/organizations/new/")
            expect(page.get_by_role("heading", level=1)).to_have_text("新建备案组织")
            # A marker that a full page load would wipe out.
            page.evaluate("window.__noReload = true")

            expect(_rule(page, "venue")).to_have_attribute("data-passed", "false")
            expect(_rule(page, "venue")).to_contain_text("✗")
            expect(_rule(page, "venue")).to_contain_text("请填写活动场所")
            # Typed key by key (the checklist listens for keyup, as a keyboard or an IME
            # sends it); Playwright sends no keyup for characters off a US keyboard, so the
            # room number comes last.
            venue = page.get_by_label("活动场所")
            venue.fill("百合社区党群服务中心")
            venue.press_sequentially(" 201")
            expect(_rule(page, "venue")).to_have_attribute("data-passed", "true")
            expect(_rule(page, "venue")).to_contain_text("✓")

            expect(_rule(page, "leader")).to_have_attribute("data-passed", "false")
            expect(_rule(page, "min_members")).to_contain_text("（0/10）")
            page.get_by_label("按姓名查找").fill("陈军")
            option = page.locator("#id_leader option", has_text="陈军浩")
            expect(option).to_have_count(1)
            page.locator("#id_leader").select_option(value=option.get_attribute("value"))
            expect(_rule(page, "leader")).to_have_attribute("data-passed", "true")
            expect(_rule(page, "leader")).to_contain_text("✓")

            expect(_rule(page, "min_members")).to_have_attribute("data-passed", "false")
            expect(_rule(page, "min_members")).to_contain_text("✗")
            expect(_rule(page, "min_members")).to_contain_text("（1/10）")
            expect(_rule(page, "min_members")).to_contain_text("现有 1 人，还差 9 人")

            expect(_rule(page, "charter")).to_have_attribute("data-passed", "false")
            page.get_by_label("章程").set_input_files(
                files=[{"name": "章程.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 charter"}]
            )
            expect(_rule(page, "charter")).to_have_attribute("data-passed", "true")

            assert page.evaluate("window.__noReload") is True
            if SCREENSHOTS:
                page.screenshot(path=f"{SCREENSHOTS}/filing-desktop.png", full_page=True)
                page.set_viewport_size({"width": 375, "height": 800})
                page.screenshot(path=f"{SCREENSHOTS}/filing-375.png", full_page=True)
        finally:
            browser.close()
