"""The filing form's live checklist, in a real browser: each rule turns from ✗ to ✓ as the
community worker fills the form in, without the page reloading.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

import importlib
import os

import pytest

from gongzhi.areas.models import Area
from gongzhi.organizations.models import FilingRule
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.signin import sign_in
from tests.factories import make_person

# Set GONGZHI_SCREENSHOTS=/some/dir to keep screenshots of the form at phone and desktop widths.
SCREENSHOTS = os.environ.get("GONGZHI_SCREENSHOTS")

pytestmark = BROWSER_MARKS


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
def chen(default_rules, worker):
    """陈军浩, a party member living in 百合一网格 (the worker's community)."""
    return make_person(grid=Area.objects.get(code="G1"), name="陈军浩", political_status="party_member")


def _rule(page, code: str):
    return page.locator(f'#filing-checklist li[data-rule="{code}"]')


def test_checklist_ticks_each_rule_as_the_form_is_filled_in(worker, chen, live_server, desktop):
    from playwright.sync_api import expect

    page = desktop
    sign_in(page, live_server.url, "worker")
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
