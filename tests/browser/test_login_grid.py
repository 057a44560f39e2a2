"""The path people walk most: sign in, open a grid, see its figures and its map.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

from tests.browser.conftest import BROWSER_MARKS
from tests.browser.signin import sign_in

pytestmark = BROWSER_MARKS


def test_login_then_open_grid_page_draws_boundary(worker, live_server, desktop):
    from playwright.sync_api import expect

    page = desktop
    sign_in(page, live_server.url, "worker")
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
