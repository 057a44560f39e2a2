"""Who may unmask what (DOMAIN.md): the full ID number and phone for staff who work with
residents; community-correction tags for the justice officer alone; health tags for district
admins and community workers; and nothing of it for the system administrator or the auditor."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.accounts.roles import ROLE_PERMISSIONS, Role
from tests.privacy.conftest import assert_no_plain

SENSITIVE = {
    "people.view_full_id_number",
    "people.view_full_phone",
    "people.view_health_tag",
    "people.view_correction_tag",
    "people.view_person",
}


def holders(perm: str) -> set[str]:
    return {str(role) for role, perms in ROLE_PERMISSIONS.items() if perm in perms}


def test_full_phone_goes_to_the_roles_that_see_full_id_numbers():
    assert (
        holders("people.view_full_phone")
        == holders("people.view_full_id_number")
        == {
            Role.DISTRICT_ADMIN,
            Role.STREET_ADMIN,
            Role.COMMUNITY_WORKER,
            Role.JUSTICE_OFFICER,
        }
    )


def test_sensitive_tags_follow_domain_md():
    assert holders("people.view_correction_tag") == {Role.JUSTICE_OFFICER}
    assert holders("people.view_health_tag") == {Role.DISTRICT_ADMIN, Role.COMMUNITY_WORKER}


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.AUDITOR])
def test_sysadmin_and_auditor_hold_no_sensitive_permission(role):
    assert ROLE_PERMISSIONS[role] & SENSITIVE == set()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["sysadmin", "auditor"])
def test_sysadmin_and_auditor_see_no_people_or_tags(request, api, page, persona, person):
    user = request.getfixturevalue(persona)

    answers = [
        api(user).get("/api/v1/people/").status_code,
        api(user).get(f"/api/v1/people/{person.pk}/").status_code,
        page(user).get(reverse("people:list")).status_code,
    ]
    detail = page(user).get(reverse("people:detail", args=[person.pk]))

    assert answers == [403, 404, 403]
    assert detail.status_code == 404
    assert_no_plain(detail.content)
    assert "社区矫正" not in detail.content.decode()


@pytest.mark.django_db
def test_tags_shown_per_role(api, street_admin, community_worker, justice_officer, person):
    def tags(user):
        return sorted(api(user).get(f"/api/v1/people/{person.pk}/").json()["tags"])

    assert tags(street_admin) == ["veteran"]
    assert tags(community_worker) == ["mental_disorder_family", "veteran"]
    assert tags(justice_officer) == ["community_correction", "veteran"]
