"""The Content-Security-Policy in a real browser: the main pages (dashboard and wall screen with
ECharts, grid and area maps with Leaflet, the case queue with htmx, the public report form and the API docs)
load and run their scripts with no CSP violation reported to the console.

Drives Debian's chromium through Playwright against pytest-django's live server.
"""

from __future__ import annotations

import pytest

from gongzhi.cases.models import CaseCategory
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.signin import sign_in

pytestmark = BROWSER_MARKS


@pytest.fixture
def public_category(worker):
    """One public category, so that the public report form has something to offer."""
    return CaseCategory.objects.create(code="01", name="市容环境", is_public=True)


# Each page and an element that only its scripts draw, proving they ran.
PAGES = [
    ("/stats/", ".stats-chart canvas, .stats-chart svg"),  # ECharts
    ("/stats/screen/", ".wall .leaflet-container"),  # the wall screen: its own page, htmx refresh
    ("/areas/G1/", ".leaflet-container"),  # Leaflet
    ("/cases/queue/", "body"),  # htmx (the unread count loads through it)
    ("/report/", ".leaflet-container"),  # the public report form: map and photo previews
    ("/api/docs/", ".swagger-ui .info"),  # Swagger UI from drf-spectacular's sidecar
]


def test_main_pages_run_under_the_csp_without_violations(worker, public_category, live_server, desktop):
    page = desktop
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    sign_in(page, live_server.url, "worker")

    drawn = {}
    for path, selector in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        drawn[path] = page.locator(selector).count() > 0

    assert violations == []
    assert drawn == {path: True for path, _ in PAGES}
