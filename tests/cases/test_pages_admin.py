"""The cases admin: configuration, a read-only and scoped view of cases, Open311 keys shown once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.keys import hash_key
from gongzhi.cases.models import CaseCategory, HandlingUnit, Open311Application
from tests.factories import UserFactory, make_area

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def other_district_case(tree, categories, superuser, media):
    """A case in a second district: could leak to district_admin (D)."""
    from gongzhi.areas.choices import AreaLevel
    from gongzhi.areas.services import update_area
    from tests.cases.conftest import square

    d2 = make_area("D2", AreaLevel.DISTRICT, name="镇海区")
    s = make_area("D2S", AreaLevel.STREET, d2, name="招宝山街道")
    c = make_area("D2C", AreaLevel.COMMUNITY, s, name="城河社区")
    g = make_area("D2G", AreaLevel.GRID, c, name="城河一网格")
    update_area(g, boundary=square(122.0, 30.0))
    return services.report_case(
        category=categories["clutter"],
        description="镇海的事件",
        source=CaseSource.HOTLINE,
        by=superuser,
        grid=g,
    )


def test_case_changelist_is_scoped_and_read_only(reported, other_district_case, district_admin, page):
    client = page(district_admin)

    listing = client.get(reverse("admin:cases_case_changelist"))
    change = client.get(reverse("admin:cases_case_change", args=[reported.pk]))
    outside = client.get(reverse("admin:cases_case_change", args=[other_district_case.pk]))
    post = client.post(reverse("admin:cases_case_change", args=[reported.pk]), {"status": "closed"})

    assert [c.number for c in listing.context["cl"].result_list] == [reported.number]
    assert "镇海的事件" not in _html(listing)
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert reported.tracking_token not in _html(change)
    assert "上报事件" in _html(change)  # the timeline inline
    assert outside.status_code == 302
    assert post.status_code == 403
    reported.refresh_from_db()
    assert reported.status == "reported"
    assert client.get(reverse("admin:cases_case_add")).status_code == 403


def test_case_event_admin_is_read_only_and_scoped(reported, other_district_case, district_admin, page):
    response = page(district_admin).get(reverse("admin:cases_caseevent_changelist"))

    assert [e.case_id for e in response.context["cl"].result_list] == [reported.pk]


def test_category_admin_with_time_limits_inline(categories, superuser, page):
    client = page(superuser)

    response = client.get(reverse("admin:cases_casecategory_change", args=[categories["clutter"].pk]))
    created = client.post(
        reverse("admin:cases_casecategory_add"),
        {
            "code": "03",
            "name": "公共安全",
            "urgency": "normal",
            "register_hours": "2",
            "dispatch_hours": "2",
            "accept_hours": "2",
            "handle_hours": "24",
            "verify_hours": "8",
            "is_active": "on",
            "time_limits-TOTAL_FORMS": "1",
            "time_limits-INITIAL_FORMS": "0",
            "time_limits-0-stage": "handle",
            "time_limits-0-level": "street",
            "time_limits-0-hours": "40",
        },
    )

    assert response.status_code == 200
    assert "分级时限" in _html(response)
    assert created.status_code == 302
    category = CaseCategory.objects.get(code="03")
    assert list(category.time_limits.values_list("stage", "level", "hours")) == [("handle", "street", 40)]


def test_handling_unit_admin_is_scoped(grids, unit, street_unit, district_admin, superuser, page):
    far = HandlingUnit.objects.create(
        name="外区单位", kind="department", area=make_area("X9", "district", name="外区")
    )
    unit.members.add(UserFactory(), UserFactory())

    response = page(district_admin).get(reverse("admin:cases_handlingunit_changelist"))
    change = page(district_admin).get(reverse("admin:cases_handlingunit_change", args=[unit.pk]))

    assert sorted(u.name for u in response.context["cl"].result_list) == [
        "新碶街道城管中队",
        "百合社区环卫队",
    ]
    assert far.name not in _html(response)
    assert "selectfilter" in _html(change) or "SelectFilter" in _html(change)


def test_open311_key_is_issued_once_and_only_its_hash_kept(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("admin:cases_open311application_add"), {"name": "市民通 App", "area": tree["S1"].pk}
    )

    application = Open311Application.objects.get()
    key = response.context["key"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert key in _html(response)
    assert "密钥只显示这一次" in _html(response)
    assert application.key_hash == hash_key(key)
    assert key not in str(Open311Application.objects.values_list().get())
    listing = page(district_admin).get(reverse("admin:cases_open311application_changelist"))
    assert key not in _html(listing)
    assert application.key_prefix in _html(listing)


def test_open311_key_refused_name_is_shown_on_the_form(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("admin:cases_open311application_add"), {"name": "  ", "area": tree["S1"].pk}
    )

    assert response.status_code == 200
    assert Open311Application.objects.count() == 0
    assert response.context["adminform"].form.errors


def test_open311_revoke_action(tree, district_admin, page):
    from gongzhi.cases.keys import issue_api_key

    application, _key = issue_api_key(name="市民通", area=tree["S1"], by=district_admin)

    page(district_admin).post(
        reverse("admin:cases_open311application_changelist"),
        {"action": "revoke_keys", "_selected_action": [application.pk]},
    )

    application.refresh_from_db()
    assert application.is_active is False


def test_campaign_admin_creates_through_the_service(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("admin:cases_campaign_add"),
        {"name": "新碶环境整治", "area": tree["S1"].pk, "start_date": "2026-11-01", "description": ""},
    )

    assert response.status_code == 302
    from gongzhi.cases.models import Campaign

    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.area, campaign.created_by) == ("新碶环境整治", tree["S1"], district_admin)
