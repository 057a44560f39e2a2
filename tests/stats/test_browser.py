"""The dashboard in a real browser: its ECharts charts and its Leaflet map draw with data, a
child area drills down (from the table and from the map), and the wall screen draws too.

Drives Debian's chromium through Playwright against pytest-django's live server. Screenshots
go to $GONGZHI_TEST_ARTIFACTS (default: the test's tmp_path) so CI can keep them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.signin import sign_in
from tests.stats.test_pages_dashboard import make_data

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
def artifacts(tmp_path) -> Path:
    directory = Path(os.environ.get("GONGZHI_TEST_ARTIFACTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def dashboard_data(
    tree, settings, tmp_path, district_admin, grid_member, org, org_leader, gov_fund, ann, club, leader
):
    """The hand-made data set of test_pages_dashboard: two open cases (one overdue) with their
    positions, a project with money and a delivery, a volunteer's hours."""
    settings.MEDIA_ROOT = tmp_path / "media"
    make_data(
        tree,
        district_admin=district_admin,
        grid_member=grid_member,
        org=org,
        org_leader=org_leader,
        gov_fund=gov_fund,
        ann=ann,
        club=club,
        leader=leader,
    )
    return district_admin


def _log_in(browser, base: str, username: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, username)
    return page, errors


def _charts_drawn(page, expect, count: int) -> None:
    """Every chart container holds an ECharts canvas with its series set."""
    expect(page.locator("[data-chart] canvas")).not_to_have_count(0)
    expect(page.locator("[data-chart][data-drawn='chart']")).to_have_count(count)
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
            const chart = echarts.getInstanceByDom(el);
            const canvas = el.querySelector('canvas');
            return [el.dataset.chart, !!chart && chart.getOption().series.length > 0,
                    !!canvas && canvas.width > 0 && canvas.height > 0];
        })"""
    )
    assert all(has_series and has_canvas for _name, has_series, has_canvas in drawn), drawn


def _screenshot(page, path: Path) -> None:
    page.wait_for_timeout(1200)  # ECharts animates its series in for about a second
    page.screenshot(path=str(path), full_page=True)


def test_dashboard_draws_charts_and_map_and_drills_down(dashboard_data, live_server, artifacts):
    # Playwright's sync API runs an event loop in this thread while it is open, so all data
    # is made before it starts; the pages' ORM calls run in the live server's own thread.
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page, errors = _log_in(browser, base, "district_admin", {"width": 1280, "height": 900})
            page.get_by_role("link", name="统计", exact=True).click()
            page.wait_for_url(f"{base}/stats/")
            expect(page.get_by_role("heading", level=1)).to_have_text("北仑区统计")
            expect(page.locator('[data-indicator="service_hours"] .figure-value')).to_have_text("2.5")

            # Two trends, the streets compared, projects by category and funds by source.
            _charts_drawn(page, expect, 5)
            reported = page.evaluate(
                "() => echarts.getInstanceByDom(document.querySelector('[data-chart=trend_cases]'))"
                ".getOption().series[0].data.reduce((a, b) => a + b, 0)"
            )
            assert reported == 2
            # Three grids (polygons) and two open cases (points), all clickable.
            features = page.locator("#stats-map path.leaflet-interactive")
            expect(features).to_have_count(5)
            assert features.first.get_attribute("d").startswith("M")
            assert page.locator("#stats-map path[fill='#d32f2f']").count() == 1  # G1 has an overdue case
            _screenshot(page, artifacts / "stats-dashboard.png")

            # Drill down from the table of child areas…
            page.get_by_role("link", name="新碶街道", exact=True).click()
            page.wait_for_url(f"{base}/stats/?area=S1")
            expect(page.get_by_role("heading", level=1)).to_have_text("新碶街道统计")
            _charts_drawn(page, expect, 5)
            expect(page.locator("#stats-map path.leaflet-interactive")).to_have_count(3)
            _screenshot(page, artifacts / "stats-dashboard-street.png")

            # …and from the map: a click inside grid G1 (off its centre, where its case sits).
            g1 = page.locator("#stats-map path.leaflet-interactive").first
            g1.scroll_into_view_if_needed()
            g1.click(position={"x": 6, "y": 6})
            page.wait_for_url(f"{base}/stats/?area=G1")
            expect(page.get_by_role("heading", level=1)).to_have_text("百合一网格统计")
            expect(page.get_by_role("link", name="新碶街道")).to_be_visible()  # the breadcrumb back up
            assert errors == []
        finally:
            browser.close()


def test_wall_screen_draws_full_screen(dashboard_data, live_server, artifacts):
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page, errors = _log_in(browser, base, "district_admin", {"width": 1920, "height": 1080})
            page.goto(f"{base}/stats/screen/")
            expect(page.get_by_role("heading", level=1)).to_have_text("北仑区 · 基层治理指挥中心")
            _charts_drawn(page, expect, 5)
            expect(page.locator("#stats-map path.leaflet-interactive")).to_have_count(5)
            assert page.locator("nav").count() == 0

            # The minute's refresh, triggered now: the charts and map are drawn afresh.
            with page.expect_response(lambda r: "/stats/screen/body/" in r.url) as refreshed:
                page.evaluate(
                    "() => htmx.ajax('GET', document.querySelector('#screen-body').getAttribute('hx-get'), '#screen-body')"
                )
            assert refreshed.value.status == 200
            _charts_drawn(page, expect, 5)
            expect(page.locator("#stats-map path.leaflet-interactive")).to_have_count(5)
            _screenshot(page, artifacts / "stats-screen.png")
            assert page.evaluate("document.documentElement.scrollHeight") <= 1080  # one screen
            assert errors == []
        finally:
            browser.close()
