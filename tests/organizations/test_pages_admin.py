"""The organizations admin: filing rules are editable data; organizations are scoped and
read-mostly (status only through the services); applications are read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.organizations import services
from gongzhi.organizations.choices import OrgStatus
from gongzhi.organizations.models import FilingRule
from tests.factories import UserFactory, make_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def other_district_org(tree, superuser):
    """An organization in a second district: could leak to district_admin (D)."""
    from gongzhi.areas.choices import AreaLevel

    d2 = make_area("D2", AreaLevel.DISTRICT, name="镇海区")
    s = make_area("D2S", AreaLevel.STREET, d2, name="招宝山街道")
    return services.create_organization(name="镇海读书会", area=s, by=superuser)


def test_a_district_tightens_a_filing_rule_in_the_admin_and_the_checklist_follows(
    ready, superuser, community_worker, page
):
    rule = FilingRule.objects.get(code="min_members")

    response = page(superuser).post(
        reverse("admin:organizations_filingrule_change", args=[rule.pk]),
        {
            "code": "min_members",
            "kind": "min_members",
            "parameter": 15,
            "message": "活跃成员不少于 15 人",
            "is_active": "on",
            "position": 1,
        },
    )
    checklist = page(community_worker).get(reverse("organizations:profile", args=[ready.pk]))

    assert response.status_code == 302
    assert "活跃成员不少于 15 人" in checklist.content.decode()
    assert "（10/15）" in checklist.content.decode()
    assert checklist.context["checklist"]["passed"] is False


def test_organization_admin_is_scoped_and_status_is_read_only(
    draft, other_district_org, district_admin, page
):
    client = page(district_admin)

    listing = client.get(reverse("admin:organizations_organization_changelist"))
    outside = client.get(reverse("admin:organizations_organization_change", args=[other_district_org.pk]))
    change = client.get(reverse("admin:organizations_organization_change", args=[draft.pk]))
    posted = client.post(
        reverse("admin:organizations_organization_change", args=[draft.pk]),
        {
            "name": "红领之家",
            "category": "charity",
            "venue": "百合社区议事厅",
            "phone": "",
            "description": "",
            "founded_on": "",
            "status": "filed",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )

    draft.refresh_from_db()
    assert [o.name for o in listing.context["cl"].result_list] == ["红领之家"]
    assert outside.status_code == 302  # the admin's "does not exist" redirect
    assert "status" in change.context["adminform"].readonly_fields
    assert posted.status_code == 302
    assert (draft.venue, draft.status) == ("百合社区议事厅", OrgStatus.DRAFT)


def test_filing_applications_are_read_only_in_the_admin(ready, community_worker, district_admin, page):
    application = services.apply_for_filing(ready, by=community_worker)

    response = page(district_admin).get(
        reverse("admin:organizations_filingapplication_change", args=[application.pk])
    )

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "红领之家" in response.content.decode()
