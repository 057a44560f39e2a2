"""The Content-Security-Policy in a real browser: the main pages (dashboard and wall screen with
ECharts, grid and area maps with Leaflet, the case queue with htmx, the public report form and the API docs)
load and run their scripts with no CSP violation reported to the console.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.areas.choices import AreaLevel
from gongzhi.cases.models import CaseCategory
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
def worker(transactional_db):
    """A community worker of 百合社区 (no second factor required), whose grid has a boundary."""
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
    CaseCategory.objects.create(code="01", name="市容环境", is_public=True)
    user = UserFactory(username="worker", display_name="社区小李")
    assign_role(user, role=Role.COMMUNITY_WORKER, area=community)
    return user


# Each page and an element that only its scripts draw, proving they ran.
PAGES = [
    ("/stats/", ".stats-chart canvas, .stats-chart svg"),  # ECharts
    ("/stats/screen/", ".wall .leaflet-container"),  # the wall screen: its own page, htmx refresh
    ("/areas/G1/", ".leaflet-container"),  # Leaflet
    ("/cases/queue/", "body"),  # htmx (the unread count loads through it)
    ("/report/", ".leaflet-container"),  # the public report form: map and photo previews
    ("/api/docs/", ".swagger-ui .info"),  # Swagger UI from drf-spectacular's sidecar
]


def test_main_pages_run_under_the_csp_without_violations(worker, live_server):
    from playwright.sync_api import sync_playwright

    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.on(
                "console",
                lambda message: (
                    violations.append(f"{page.url}: {message.text}")
                    if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
                    else None
                ),
            )
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("用户名").fill("worker")
            page.get_by_label("密码").fill("Gz-test-pass-2026")
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{live_server.url}/")

            drawn = {}
            for path, selector in PAGES:
                page.goto(f"{live_server.url}{path}")
                page.wait_for_load_state("networkidle")
                drawn[path] = page.locator(selector).count() > 0
        finally:
            browser.close()

    assert violations == []
    assert drawn == {path: True for path, _ in PAGES}
