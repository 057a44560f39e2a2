"""The path people walk most: sign in, open a grid, see its figures and its map.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.areas.choices import AreaLevel
from tests.factories import UserFactory, make_area

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


def _square(lng: float, lat: float, size: float) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def grid_user(transactional_db):
    """A community worker of 百合社区, whose grid 百合一网格 has a boundary."""
    district = make_area("D", AreaLevel.DISTRICT, name="北仑区")
    street = make_area("S1", AreaLevel.STREET, district, name="新碶街道")
    community = make_area("C1", AreaLevel.COMMUNITY, street, name="百合社区")
    make_area(
        "G1",
        AreaLevel.GRID,
        community,
        name="百合一网格",
        population=1234,
        households=456,
        boundary=_square(121.80, 29.90, 0.01),
    )
    user = UserFactory(username="worker", display_name="社区小李")
    assign_role(user, role=Role.COMMUNITY_WORKER, area=community)
    return user


def test_login_then_open_grid_page_draws_boundary(grid_user, live_server):
    # Playwright's sync API runs an event loop in this thread while it is open, so all data
    # is made before it starts; the pages' ORM calls run in the live server's own thread.
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("用户名").fill("worker")
            page.get_by_label("密码").fill("Gz-test-pass-2026")
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{live_server.url}/")
            expect(page.get_by_role("heading", level=1)).to_have_text("您好，社区小李")

            page.get_by_role("link", name="百合社区").first.click()
            page.wait_for_url(f"{live_server.url}/areas/C1/")
            page.get_by_role("link", name="百合一网格").click()
            page.wait_for_url(f"{live_server.url}/areas/G1/")

            expect(page.get_by_role("heading", level=1)).to_have_text("百合一网格")
            expect(page.locator(".stats dd").first).to_have_text("1234")
            boundary = page.locator("#area-map svg path")
            expect(boundary).to_have_count(1)
            assert boundary.get_attribute("d").startswith("M")
        finally:
            browser.close()
