"""Area pages: home, the jurisdiction list and one area's page, each scoped to the user."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.areas.choices import AreaLevel, GridDuty
from gongzhi.areas.services import assign_grid_staff, end_grid_assignment
from tests.factories import make_area, make_person

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _staff(tree):
    """Two current staff on G1, one who left, and one on G3 (another street)."""
    leader = make_person(grid=tree["G1"], name="李网格长")
    member = make_person(grid=tree["G1"], name="张网格员")
    former = make_person(grid=tree["G1"], name="赵已离任")
    other = make_person(grid=tree["G3"], name="钱灵峰")
    assign_grid_staff(grid=tree["G1"], person=leader, duty=GridDuty.LEADER)
    assign_grid_staff(grid=tree["G1"], person=member, duty=GridDuty.FULL_TIME)
    gone = assign_grid_staff(grid=tree["G1"], person=former, duty=GridDuty.PART_TIME)
    end_grid_assignment(gone, on=gone.start_date)
    gone.start_date = gone.start_date.replace(year=gone.start_date.year - 1)
    gone.end_date = gone.start_date
    gone.save(update_fields=["start_date", "end_date"])
    assign_grid_staff(grid=tree["G3"], person=other, duty=GridDuty.LEADER)


# --- home ---------------------------------------------------------------------------


def test_home_anonymous_redirects_to_login(page):
    response = page().get("/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/"


def test_home_lists_roles_and_jurisdiction_areas(street_admin, page):
    response = page(street_admin).get(reverse("home"))

    assert response.status_code == 200
    assert [a.code for a in response.context["areas"]] == ["S1"]
    html = _html(response)
    assert '<a href="/areas/S1/">新碶街道</a>' in html
    assert "<strong>街道管理员</strong> · 新碶街道" in html
    assert "/areas/S2/" not in html


def test_home_superuser_sees_tree_roots(superuser, tree, page):
    response = page(superuser).get(reverse("home"))

    assert [a.code for a in response.context["areas"]] == ["D"]
    assert response.context["areas"][0].population_total == 2500


def test_base_layout_nav_for_staff_and_non_staff(district_admin, street_admin, page):
    admin_html = _html(page(district_admin).get("/"))
    street_html = _html(page(street_admin).get("/"))

    assert 'href="/admin/"' in admin_html
    assert 'href="/admin/"' not in street_html
    for html in (admin_html, street_html):
        assert 'href="/api/docs/"' in html
        assert '<html lang="zh-hans"' in html
        assert "/static/vendor/htmx/htmx.min.js" in html
        assert "/static/vendor/pico/pico.min.css" in html
        assert 'action="/logout/"' in html
        assert 'action="/i18n/setlang/"' in html


def test_language_switch_sets_lang_attribute(street_admin, page):
    client = page(street_admin)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    assert response.status_code == 200
    assert '<html lang="en"' in _html(response)


# --- login / logout -------------------------------------------------------------------


def test_login_page_logs_in_and_goes_home(community_worker, page):
    # A role without compulsory two-factor authentication (tests/accounts/test_two_factor.py
    # covers the street admin's second step).
    client = page()
    form = client.get(reverse("login"))

    response = client.post(
        reverse("login"), {"username": "community_worker", "password": "Gz-test-pass-2026"}
    )

    assert "登录共治" in _html(form)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_login_page_shows_error_for_wrong_password(street_admin, page):
    response = page().post(reverse("login"), {"username": "street_admin", "password": "wrong"})

    assert response.status_code == 200
    assert list(response.context["form"].errors["__all__"]) == [
        "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
    ]
    assert '<ul class="errorlist" role="alert">' in _html(response)


def test_logout_is_a_post_and_returns_to_login(street_admin, page):
    client = page(street_admin)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


# --- area index -----------------------------------------------------------------------


def test_area_index_lists_jurisdiction_roots_with_rollups(community_worker, page):
    response = page(community_worker).get(reverse("areas:index"))

    roots = list(response.context["roots"])
    assert [(a.code, a.population_total, a.households_total, a.grid_count) for a in roots] == [
        ("C1", 2000, 700, 2)
    ]
    assert '<a href="/areas/C1/">百合社区</a>' in _html(response)


def test_area_index_without_permission_is_403(outsider, page):
    assert page(outsider).get(reverse("areas:index")).status_code == 403


# --- area detail ----------------------------------------------------------------------


def test_area_detail_anonymous_redirects_to_login(tree, page):
    response = page().get("/areas/G1/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/areas/G1/"


def test_area_detail_grid_shows_population_and_current_staff(tree, street_admin, page):
    _staff(tree)

    response = page(street_admin).get(reverse("areas:detail", args=["G1"]))

    assert response.status_code == 200
    area = response.context["area"]
    assert (area.name, area.population_total, area.households_total) == ("百合一网格", 1200, 400)
    assert [(a.get_duty_display(), a.person.name) for a in response.context["staff"]] == [
        ("网格长", "李网格长"),
        ("专职网格员", "张网格员"),
    ]
    html = _html(response)
    assert "<h1>百合一网格</h1>" in html
    assert "<dd>1200</dd>" in html
    assert "<td>网格长</td><td>李网格长</td>" in html
    assert "赵已离任" not in html
    assert "钱灵峰" not in html


def test_area_detail_community_rolls_up_children_and_counts_staff(tree, community_worker, page):
    _staff(tree)

    response = page(community_worker).get(reverse("areas:detail", args=["C1"]))

    area = response.context["area"]
    assert (area.population_total, area.households_total, area.population) == (2000, 700, 0)
    children = response.context["children_page"].object_list
    assert [(c.code, c.population_total, c.households_total) for c in children] == [
        ("G1", 1200, 400),
        ("G2", 800, 300),
    ]
    assert response.context["counts_below"] == [("网格", 2)]
    assert response.context["staff_counts"] == [("网格长", 1), ("专职网格员", 1)]
    html = _html(response)
    assert "<dd>2000<small>本级登记 0</small></dd>" in html
    assert '<a href="/areas/G2/">百合二网格</a>' in html
    assert '<tr><td>网格长</td><td class="num">1</td></tr>' in html


def test_area_detail_district_counts_every_level_below(tree, district_admin, page):
    response = page(district_admin).get(reverse("areas:detail", args=["D"]))

    assert response.context["counts_below"] == [("街道", 2), ("片区", 1), ("社区", 2), ("网格", 3)]
    assert response.context["area"].population_total == 2500


def test_area_detail_breadcrumbs_link_only_inside_jurisdiction(tree, community_worker, page):
    response = page(community_worker).get(reverse("areas:detail", args=["G1"]))

    assert [(a.code, linked) for a, linked in response.context["breadcrumbs"]] == [
        ("D", False),
        ("S1", False),
        ("Z1", False),
        ("C1", True),
    ]
    html = _html(response)
    assert '<span class="crumb-outside">北仑区</span>' in html
    assert '<a href="/areas/C1/">百合社区</a>' in html
    assert 'href="/areas/D/"' not in html
    assert 'href="/areas/S1/"' not in html


def test_area_detail_outside_jurisdiction_is_404(tree, street_admin, page):
    client = page(street_admin)

    assert client.get(reverse("areas:detail", args=["G3"])).status_code == 404
    assert client.get(reverse("areas:detail", args=["S2"])).status_code == 404
    assert client.get(reverse("areas:detail", args=["D"])).status_code == 404
    assert client.get(reverse("areas:detail", args=["NOPE"])).status_code == 404


def test_area_detail_without_permission_is_403(outsider, page):
    assert page(outsider).get(reverse("areas:detail", args=["G1"])).status_code == 403


def test_area_detail_map_data_has_boundaries_and_child_links(bounded_tree, community_worker, page):
    response = page(community_worker).get(reverse("areas:detail", args=["C1"]))

    data = response.context["map_data"]
    assert data["area"]["boundary"] == bounded_tree["C1"].boundary
    # G2 has no boundary, so only G1 is drawn.
    assert [(c["code"], c["url"]) for c in data["children"]] == [("G1", "/areas/G1/")]
    html = _html(response)
    assert '<script id="area-map-data" type="application/json">' in html
    assert 'id="area-map"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/leaflet/leaflet.css" in html
    assert "tile" not in html.lower()
    assert "https://" not in html


def test_area_detail_without_boundary_says_so_and_has_no_map(tree, street_admin, page):
    response = page(street_admin).get(reverse("areas:detail", args=["G2"]))

    assert response.context["map_data"] is None
    html = _html(response)
    assert "该区域尚未录入边界，无法显示地图。" in html
    assert 'id="area-map"' not in html
    assert "leaflet.js" not in html


def test_area_detail_children_are_paginated_without_n_plus_one(
    tree, community_worker, page, django_assert_max_num_queries
):
    for i in range(30):
        make_area(f"G1{i:02d}", AreaLevel.GRID, tree["C1"], name=f"网格{i:02d}", population=10)
    client = page(community_worker)
    client.get(reverse("areas:detail", args=["C1"]))  # warm the session

    with django_assert_max_num_queries(12):
        first = client.get(reverse("areas:detail", args=["C1"]))
    second = client.get(reverse("areas:detail", args=["C1"]), {"page": 2})

    assert len(first.context["children_page"].object_list) == 25
    assert len(second.context["children_page"].object_list) == 32 - 25
    assert first.context["area"].population_total == 2000 + 300
    assert 'href="?page=2" rel="next"' in _html(first)


def test_nav_hides_pages_the_role_cannot_open(outsider, page):
    html = _html(page(outsider).get("/"))

    assert 'href="/areas/"' not in html
    assert 'href="/people/"' not in html
    assert "您还没有任何角色。" in html


def test_not_found_page_uses_the_site_layout(street_admin, page, settings):
    settings.DEBUG = False

    response = page(street_admin).get(reverse("areas:detail", args=["G3"]))

    assert response.status_code == 404
    assert "找不到这个页面，或者它不在您的管辖范围内。" in _html(response)
