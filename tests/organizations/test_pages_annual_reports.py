"""The annual-report page: submitted and missing reports of a year, missing ones flagged,
scoped to the jurisdiction (an organization in S2 owes one too and must not show)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongzhi.organizations import services
from tests.factories import make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

URL = reverse("organizations:annual_reports")


def filed_org(name, area, grid, *, by):
    leader = make_person(grid=grid, name=f"{name}负责人")
    org = services.create_organization(
        name=name,
        area=area,
        by=by,
        venue="活动室",
        leader=leader,
        charter=SimpleUploadedFile("c.pdf", b"%PDF"),
    )
    add_members(org, grid, 9)
    services.approve_filing(services.apply_for_filing(org, by=by), by=by)
    org.refresh_from_db()
    return org


@pytest.fixture
def year_orgs(tree, district_admin, media):
    year = timezone.localdate().year
    reported = filed_org("百合合唱团", tree["C1"], tree["G1"], by=district_admin)
    missing = filed_org("百合书画社", tree["G2"], tree["G2"], by=district_admin)
    leak = filed_org("灵峰义工队", tree["C2"], tree["G3"], by=district_admin)
    services.submit_annual_report(reported, year=year, by=district_admin, activities=8, members=10)
    return {"year": year, "reported": reported, "missing": missing, "leak": leak}


def test_missing_reports_are_flagged_first(year_orgs, street_admin, page):
    response = page(street_admin).get(f"{URL}?year={year_orgs['year']}")

    rows = [(org.name, org.submitted) for org in response.context["orgs"]]
    html = response.content.decode()
    assert rows == [("百合书画社", False), ("百合合唱团", True)]
    assert (
        response.context["total"],
        response.context["submitted_count"],
        response.context["missing_count"],
    ) == (
        2,
        1,
        1,
    )
    assert '<tr class="report-missing">' in html
    assert '<span class="badge missing">未提交</span>' in html
    assert "灵峰义工队" not in html


def test_show_missing_only(year_orgs, street_admin, page):
    response = page(street_admin).get(f"{URL}?year={year_orgs['year']}&show=missing")

    assert [org.name for org in response.context["orgs"]] == ["百合书画社"]


def test_a_year_before_filing_owes_nothing(year_orgs, street_admin, page):
    response = page(street_admin).get(f"{URL}?year={year_orgs['year'] - 1}")

    assert response.context["orgs"] == []
    assert "本年度没有应报年报的组织。" in response.content.decode()


def test_annual_report_page_query_count_is_capped(
    year_orgs, district_admin, page, django_assert_max_num_queries
):
    client = page(district_admin)

    # session, user, second-factor device, perms (2), roles, total, submitted, page count, rows, menu
    with django_assert_max_num_queries(11):
        response = client.get(f"{URL}?year={year_orgs['year']}")

    assert len(response.context["orgs"]) == 3
