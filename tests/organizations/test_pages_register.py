"""Registering a new registered organization (登记) on its page: the credit code's checksum
message, the district-only permission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.organizations.choices import OrgStatus, Track
from gongzhi.organizations.models import Organization
from gongzhi.organizations.validators import credit_check_char

pytestmark = pytest.mark.django_db

URL = reverse("organizations:register")
BODY = "51330206MJ0000003"


def _data(tree, code: str) -> dict:
    return {
        "name": "北仑区慈善总会",
        "area": tree["D"].pk,
        "legal_form": "social_group",
        "credit_code": code,
        "registering_authority": "北仑区民政局",
        "registered_on": "2019-06-01",
    }


def test_a_bad_check_character_shows_the_checksum_message(tree, district_admin, page):
    good = credit_check_char(BODY)
    bad = "0" if good != "0" else "1"

    response = page(district_admin).post(URL, _data(tree, BODY + bad))

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        f"统一社会信用代码校验位错误：最后一位应为“{good}”，请核对。"
    ]
    assert f"最后一位应为“{good}”" in response.content.decode()
    assert not Organization.objects.filter(name="北仑区慈善总会").exists()


def test_a_short_code_says_how_long_it_should_be(tree, district_admin, page):
    response = page(district_admin).post(URL, _data(tree, "1234"))

    assert response.context["form"].errors["credit_code"] == ["统一社会信用代码应为 18 位（现为 4 位）。"]


def test_a_valid_code_registers_the_organization(tree, district_admin, page):
    code = BODY + credit_check_char(BODY)

    response = page(district_admin).post(URL, _data(tree, code))

    org = Organization.objects.get(name="北仑区慈善总会")
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:profile", args=[org.pk])
    assert (org.track, org.status, org.credit_code, org.legal_form) == (
        Track.REGISTERED,
        OrgStatus.REGISTERED,
        code,
        "social_group",
    )
    assert list(org.changes.values_list("action", flat=True)) == ["register"]


def test_only_district_admins_register(street_admin, page):
    assert page(street_admin).get(URL).status_code == 403
