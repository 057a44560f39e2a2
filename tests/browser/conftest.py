"""What every browser test shares: Debian's chromium driven by Playwright against pytest-django's
live server, its marks, a signed-in community worker of 百合社区 and the browser itself.

Playwright's sync API runs an event loop in the test's thread while it is open, and Django
refuses database calls there: list ``chromium`` (or ``desktop``) after the fixtures that make
data, so that the data exists before the browser starts; the pages' ORM calls run in the live
server's own thread (and ``tests.browser.signin`` runs its own in a worker thread).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

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
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}

# Each browser module's ``pytestmark``: live-server tests need committed data (transaction=True).
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


def square(lng: float, lat: float, size: float) -> dict:
    """A square GeoJSON polygon with its south-west corner at (lng, lat)."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def off_the_loop(function, *args):
    """Run ORM work while the browser is open: in a worker thread with its own connection
    (closed after), since Django refuses database calls in the thread of the event loop."""

    def run():
        try:
            return function(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def worker(transactional_db):
    """A community worker of 百合社区 (no second factor required, username ``worker``), whose
    grid 百合一网格 has a boundary and figures: 北仑区 › 新碶街道 › 百合社区 › 百合一网格."""
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
        boundary=square(121.80, 29.90, 0.01),
    )
    user = UserFactory(username="worker", display_name="社区小李")
    assign_role(user, role=Role.COMMUNITY_WORKER, area=community)
    return user


@pytest.fixture
def chromium(live_server):
    """A headless chromium, closed after the test (with the live server already running)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def desktop(chromium):
    """A page in a desktop-sized window with a Chinese locale."""
    return chromium.new_context(**DESKTOP).new_page()
