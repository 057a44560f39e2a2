"""Masked by default in every output: the API, the pages and the admin show phones and ID
numbers masked to every role, even those who may unmask them (they must ask, with a reason)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.privacy.conftest import (
    CLAIMER_PHONE,
    ORG_PHONE,
    PERSON_ID,
    PERSON_PHONE,
    REPORTER_PHONE,
    assert_no_plain,
)

pytestmark = pytest.mark.django_db


def test_people_api_list_and_detail_are_masked_for_the_district_admin(
    api, district_admin, person, far_person
):
    client = api(district_admin)
    listed = client.get("/api/v1/people/")
    detail = client.get(f"/api/v1/people/{person.pk}/")

    assert (detail.json()["phone"], detail.json()["id_number"]) == (
        "138****5678",
        f"330206********{PERSON_ID[-4:]}",
    )
    assert listed.status_code == 200
    assert_no_plain(listed.content)
    assert_no_plain(detail.content)


def test_case_api_masks_the_reporter_phone_for_dispatchers(api, community_worker, case):
    detail = api(community_worker).get(f"/api/v1/cases/{case.pk}/")
    listed = api(community_worker).get("/api/v1/cases/")

    assert detail.json()["reporter"]["phone"] == "139****5678"
    assert_no_plain(detail.content)
    assert_no_plain(listed.content)


def test_case_api_shows_the_reporter_their_own_phone(api, tree, grid_member, settings, tmp_path):
    from gongzhi.cases.choices import CaseSource
    from gongzhi.cases.models import CaseCategory
    from gongzhi.cases.services import report_case

    settings.MEDIA_ROOT = tmp_path
    own = report_case(
        category=CaseCategory.objects.create(code="01", name="市容环境"),
        description="路灯不亮",
        source=CaseSource.GRID_MEMBER,
        grid=tree["G1"],
        by=grid_member,
        reporter_phone=REPORTER_PHONE,
    )

    reporter = api(grid_member).get(f"/api/v1/cases/{own.pk}/").json()["reporter"]

    assert (reporter["phone"], reporter["is_you"]) == (REPORTER_PHONE, True)


def test_organization_api_masks_the_contact_phone(api, district_admin, org):
    detail = api(district_admin).get(f"/api/v1/organizations/{org.pk}/")
    listed = api(district_admin).get("/api/v1/organizations/")

    assert detail.json()["phone"] == "136****1111"
    assert_no_plain(detail.content)
    assert_no_plain(listed.content)


def test_wish_api_masks_the_claimer_phone_for_staff_and_not_for_the_claimer(
    api, community_worker, outsider, wish
):
    staff = api(community_worker).get(f"/api/v1/wishes/{wish.pk}/")
    claimer = api(outsider).get(f"/api/v1/wishes/{wish.pk}/")

    assert staff.json()["claimer_phone"] == "137****3333"
    assert_no_plain(staff.content)
    assert claimer.json()["claimer_phone"] == CLAIMER_PHONE


def test_people_pages_are_masked_for_the_community_worker(page, community_worker, person):
    client = page(community_worker)
    listed = client.get(reverse("people:list"))
    detail = client.get(reverse("people:detail", args=[person.pk]))

    assert "138****5678" in detail.content.decode()
    assert 'class="reveal-phone"' in detail.content.decode()  # the worker may ask, with a reason
    assert_no_plain(listed.content)
    assert_no_plain(detail.content)


def test_person_page_offers_no_unmasking_to_the_grid_member(page, grid_member, person):
    html = page(grid_member).get(reverse("people:detail", args=[person.pk])).content.decode()

    assert "138****5678" in html
    assert 'class="reveal-phone"' not in html
    assert_no_plain(html)


def test_case_page_masks_the_reporter_phone(page, community_worker, case):
    html = page(community_worker).get(reverse("cases:detail", args=[case.pk])).content.decode()

    assert "139****5678" in html
    assert_no_plain(html)


def test_wish_page_masks_the_claimer_phone(page, community_worker, wish):
    html = page(community_worker).get(reverse("volunteers:wish", args=[wish.pk])).content.decode()

    assert "137****3333" in html
    assert_no_plain(html)


def test_organization_pages_show_no_plain_phone(page, district_admin, org):
    html = page(district_admin).get(reverse("organizations:profile", args=[org.pk])).content.decode()

    assert_no_plain(html)


def test_admin_lists_and_forms_are_masked(page, district_admin, person, org):
    client = page(district_admin)
    pages = [
        client.get(reverse("admin:people_person_changelist")),
        client.get(reverse("admin:people_person_change", args=[person.pk])),
        client.get(reverse("admin:organizations_organization_change", args=[org.pk])),
    ]

    assert [p.status_code for p in pages] == [200, 200, 200]
    assert "138****5678" in pages[0].content.decode()
    assert "136****1111" in pages[2].content.decode()
    for response in pages:
        assert_no_plain(response.content, PERSON_PHONE, PERSON_ID, ORG_PHONE)


def test_admin_finds_a_person_by_full_phone(page, district_admin, person, far_person):
    response = page(district_admin).get(reverse("admin:people_person_changelist"), {"q": PERSON_PHONE})

    assert [p.pk for p in response.context["cl"].result_list] == [person.pk]
