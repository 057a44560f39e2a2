"""The project path people walk most, in a real browser: a street's publisher creates and
publishes a project, an organization's leader claims it from the "可认领的项目" tab, starts
it and reports a delivery with a photo — and the person-times show on the project page.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gongzhi.projects.models import Delivery, Project
from tests.browser.signin import sign_in
from tests.cases.conftest import jpeg_bytes

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
# Set GONGZHI_SCREENSHOTS=/some/dir to keep screenshots of the project page.
SCREENSHOTS = os.environ.get("GONGZHI_SCREENSHOTS")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
def people(street_admin, org, org_leader, settings, tmp_path):
    """The publisher (S1's street admin) and the leader of 夕阳红服务社 in C1; photos in tmp."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return {"publisher": street_admin.username, "leader": org_leader.username}


def _log_in(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, username)
    return page


def _act(page, action: str) -> None:
    """Open a transition's panel on the project page and submit it."""
    page.locator(f"#action-{action} summary").click()
    page.locator(f"#action-{action} button[type=submit]").click()


def test_publish_claim_start_and_report_a_delivery(people, live_server):
    # Playwright's sync API runs an event loop in this thread while it is open, so all data
    # is made before it starts; the pages' ORM calls run in the live server's own thread.
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            publisher = _log_in(browser, base, people["publisher"])
            publisher.get_by_role("link", name="公益项目").first.click()
            publisher.get_by_role("link", name="新建项目").first.click()
            expect(publisher.get_by_role("heading", level=1)).to_have_text("新建公益项目")
            publisher.get_by_label("项目名称").fill("银龄助餐")
            publisher.get_by_label("民生类别").select_option(label="老有所养")
            publisher.get_by_label("服务区域").select_option(label="\u3000\u3000\u3000百合社区（C1）")
            publisher.get_by_label("养老").check()
            publisher.get_by_role("button", name="保存草稿").click()
            expect(publisher.get_by_role("heading", level=1)).to_have_text("银龄助餐")
            expect(publisher.locator(".badge.project-draft")).to_have_text("草稿")
            _act(publisher, "publish")
            expect(publisher.locator(".messages")).to_contain_text("项目已发布")
            expect(publisher.locator(".badge.project-published")).to_have_text("已发布")

            leader = _log_in(browser, base, people["leader"])
            leader.goto(f"{base}/projects/")
            leader.get_by_role("link", name="可认领的项目").click()
            leader.get_by_role("link", name="银龄助餐").click()
            leader.locator("#action-claim summary").click()
            leader.get_by_label("以哪个组织认领").select_option(label="夕阳红服务社（百合社区）")
            leader.locator("#action-claim button[type=submit]").click()
            expect(leader.locator(".messages")).to_contain_text("“夕阳红服务社”已认领本项目。")
            _act(leader, "start")
            expect(leader.locator(".badge.project-in_progress")).to_have_text("实施中")
            expect(leader.locator("#person-times")).to_have_text("0")

            leader.get_by_role("button", name="填报服务记录").first.click()
            leader.get_by_label("活动名称").fill("重阳节助餐")
            leader.get_by_label("服务人数").fill("30")
            leader.get_by_label("服务人次").fill("45")
            leader.locator("input[name='photos']").set_input_files(
                [{"name": "meal.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(640, 480))}]
            )
            leader.get_by_role("button", name="提交服务记录").click()
            expect(leader.locator(".messages")).to_contain_text("服务 30 人、45 人次")
            expect(leader.locator("#person-times")).to_have_text("45")
            expect(leader.locator("#deliveries .thumbs img")).to_have_count(1)
            if SCREENSHOTS:
                leader.screenshot(path=f"{SCREENSHOTS}/project-desktop.png", full_page=True)
                leader.set_viewport_size({"width": 375, "height": 800})
                leader.screenshot(path=f"{SCREENSHOTS}/project-375.png", full_page=True)
        finally:
            browser.close()

    project = Project.objects.get()
    assert (project.status, project.claimed_by.name) == ("in_progress", "夕阳红服务社")
    assert list(Delivery.objects.values_list("person_times", flat=True)) == [45]
