"""The path grid members walk most: on a phone (375 px), report a case with a photo and the
phone's GPS position, and get its number — in well under 30 seconds.

Drives Debian's chromium through Playwright against pytest-django's live server, with the
geolocation permission granted and a fixed position inside grid G1.
"""

from __future__ import annotations

import time

import pytest
from django.db.models import Count

from gongzhi.areas.services import update_area
from gongzhi.cases.models import Case, CaseCategory
from tests.browser.conftest import BROWSER_MARKS, off_the_loop
from tests.cases.conftest import G1_POINT, jpeg_bytes, square
from tests.conftest import PASSWORD

pytestmark = BROWSER_MARKS


@pytest.fixture
def phone_setup(tree, grid_member, settings, tmp_path):
    """Grid boundaries (G1 holds the phone's position), two categories, photos in tmp."""
    settings.MEDIA_ROOT = tmp_path / "media"
    update_area(tree["G1"], boundary=square(121.80, 29.80))
    update_area(tree["G2"], boundary=square(121.81, 29.80))
    env = CaseCategory.objects.create(code="01", name="市容环境")
    CaseCategory.objects.create(code="0101", name="占道堆物", parent=env)
    CaseCategory.objects.create(code="02", name="矛盾纠纷")
    return grid_member


def test_grid_member_reports_a_case_from_a_phone(phone_setup, live_server, chromium):
    from playwright.sync_api import expect

    context = chromium.new_context(
        viewport={"width": 375, "height": 800},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": G1_POINT[0], "longitude": G1_POINT[1], "accuracy": 12},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next=/cases/report/")
    page.get_by_label("用户名").fill("grid_member")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/cases/report/")

    started = time.monotonic()
    page.get_by_label("事件类别").select_option(label="占道堆物")
    page.get_by_label("问题描述").fill("人行道堆放建筑垃圾")
    page.locator("input[name='photos']").set_input_files(
        [{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(640, 480))}]
    )
    expect(page.locator("[data-photo-count]").first).to_have_text("已选 1 张")
    page.get_by_role("button", name="使用手机定位").click()
    expect(page.locator("#grid-hint")).to_contain_text("百合一网格")
    assert float(page.locator("input[name='lat']").input_value()) == pytest.approx(G1_POINT[0])
    # The marker is drawn on the grid map (no tiles: only vector paths).
    expect(page.locator(".pick-map path.leaflet-interactive")).to_have_count(1)
    page.get_by_role("button", name="上报", exact=True).click()
    page.wait_for_url(f"{live_server.url}/cases/report/*/done/")
    number = page.locator("[data-case-number]").inner_text()
    elapsed = time.monotonic() - started

    # Big enough to hit with a thumb, and nothing wider than the phone.
    box = page.get_by_role("button", name="再报一件").bounding_box()
    assert box["height"] >= 40
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    case = off_the_loop(lambda: Case.objects.select_related("grid").annotate(n_photos=Count("photos")).get())
    assert number == case.number
    assert (case.grid.code, case.n_photos, case.description) == ("G1", 1, "人行道堆放建筑垃圾")
    assert (case.lat, case.lng) == pytest.approx(G1_POINT)
    assert elapsed < 30
