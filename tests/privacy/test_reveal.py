"""Unmasking: a separate permission (people.view_full_phone / view_full_id_number), a reason,
a SensitiveAccess row and an audit event. Wrong role → 403, outside jurisdiction → 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.audit.models import AuditEvent
from gongzhi.people.models import SensitiveAccess
from tests.privacy.conftest import (
    CLAIMER_PHONE,
    FAR_PHONE,
    ORG_PHONE,
    PERSON_ID,
    PERSON_PHONE,
    REPORTER_PHONE,
)

pytestmark = pytest.mark.django_db

REASON = {"reason": "回访上报人，核实处理结果"}


def reveal_url(kind: str, obj) -> str:
    return {
        "person": f"/api/v1/people/{obj.pk}/reveal-phone/",
        "case": f"/api/v1/cases/{obj.pk}/reveal-reporter-phone/",
        "wish": f"/api/v1/wishes/{obj.pk}/reveal-claimer-phone/",
        "organization": f"/api/v1/organizations/{obj.pk}/reveal-phone/",
    }[kind]


def audit_rows():
    return list(
        AuditEvent.objects.filter(category="sensitive_read")
        .order_by("pk")
        .values_list("action", "actor_name", "object_type", "object_id", "detail")
    )


@pytest.mark.parametrize(
    ("kind", "fixture", "plain", "field", "label"),
    [
        ("person", "person", PERSON_PHONE, "phone", "people.person"),
        ("case", "case", REPORTER_PHONE, "reporter_phone", "cases.case"),
        ("wish", "wish", CLAIMER_PHONE, "claimer_phone", "volunteers.wish"),
        ("organization", "org", ORG_PHONE, "organization_phone", "organizations.organization"),
    ],
)
def test_community_worker_reveals_a_phone_with_a_reason_and_it_is_logged(
    request, api, community_worker, kind, fixture, plain, field, label
):
    obj = request.getfixturevalue(fixture)

    response = api(community_worker).post(reveal_url(kind, obj), REASON, format="json")

    assert response.status_code == 200
    assert response.json() == {"id": obj.pk, "phone": plain}
    access = SensitiveAccess.objects.get(field=field)
    assert (access.user, access.reason) == (community_worker, REASON["reason"])
    assert (access.person_id, access.record) == (
        (obj.pk, "") if kind == "person" else (None, f"{label}:{obj.pk}")
    )
    assert audit_rows() == [
        (
            "sensitive.reveal_phone",
            "community_worker",
            label,
            str(obj.pk),
            {"field": field, "reason": REASON["reason"]},
        )
    ]


def test_reveal_without_a_reason_is_refused_in_chinese_and_not_logged(api, community_worker, person):
    response = api(community_worker).post(reveal_url("person", person), {"reason": "  "}, format="json")

    assert response.status_code == 400
    assert "理由" in str(response.json())
    assert SensitiveAccess.objects.filter(field="phone").count() == 0
    assert audit_rows() == []


def test_reveal_with_a_one_character_reason_says_how_to_fix_it(api, community_worker, person):
    body = api(community_worker).post(reveal_url("person", person), {"reason": "查"}, format="json").json()

    assert body["error"]["message"] == "查看完整电话号码须说明理由（至少 2 个字），例如“回访上报人”。"


@pytest.mark.parametrize("role", ["grid_member", "sysadmin", "auditor"])
def test_roles_without_the_permission_get_403(request, api, role, person, case):
    user = request.getfixturevalue(role)

    answers = [
        api(user).post(reveal_url("person", person), REASON, format="json").status_code,
        api(user).post(reveal_url("case", case), REASON, format="json").status_code,
        api(user).post(f"/api/v1/people/{person.pk}/reveal-id-number/", REASON, format="json").status_code,
    ]

    assert answers == [403, 403, 403]
    assert SensitiveAccess.objects.count() == 0


def test_outside_jurisdiction_is_404(api, street_admin, far_person):
    response = api(street_admin).post(reveal_url("person", far_person), REASON, format="json")

    assert response.status_code == 404
    assert FAR_PHONE not in response.content.decode()
    assert SensitiveAccess.objects.count() == 0


def test_reveal_id_number_is_audited_too(api, community_worker, person):
    response = api(community_worker).post(
        f"/api/v1/people/{person.pk}/reveal-id-number/", REASON, format="json"
    )

    assert response.json()["id_number"] == PERSON_ID
    assert [row[0] for row in audit_rows()] == ["sensitive.reveal_id_number"]
    assert SensitiveAccess.objects.get().field == "id_number"


def test_a_number_typed_into_the_reason_is_stored_masked(api, community_worker, person):
    api(community_worker).post(
        reveal_url("person", person), {"reason": "来电 13900001111 自称本人"}, format="json"
    )

    assert SensitiveAccess.objects.get().reason == "来电 139****1111 自称本人"
    assert "13900001111" not in str(audit_rows())


def test_page_button_reveals_once_with_a_reason_through_htmx(page, community_worker, person):
    url = reverse("people:reveal_phone", args=["person", person.pk])
    client = page(community_worker)

    refused = client.post(url, {f"phone-person-{person.pk}-reason": ""}, HTTP_HX_REQUEST="true")
    shown = client.post(url, {f"phone-person-{person.pk}-reason": "核实低保申请"}, HTTP_HX_REQUEST="true")

    assert refused.status_code == 400
    assert "请说明查看理由" in refused.content.decode()
    assert shown.status_code == 200
    assert f'<strong class="mono revealed-phone">{PERSON_PHONE}</strong>' in shown.content.decode()
    assert list(SensitiveAccess.objects.values_list("field", "reason")) == [("phone", "核实低保申请")]


def test_page_reveal_of_a_case_reporter_phone_without_htmx_renders_a_page(page, community_worker, case):
    url = reverse("people:reveal_phone", args=["case", case.pk])

    response = page(community_worker).post(url, {f"phone-case-{case.pk}-reason": "回访上报人"})

    assert response.status_code == 200
    assert REPORTER_PHONE in response.content.decode()
    assert SensitiveAccess.objects.get().record == f"cases.case:{case.pk}"


def test_page_reveal_refuses_wrong_role_and_outside_jurisdiction(
    page, grid_member, street_admin, person, far_person
):
    wrong_role = page(grid_member).post(
        reverse("people:reveal_phone", args=["person", person.pk]),
        {f"phone-person-{person.pk}-reason": "核实"},
    )
    outside = page(street_admin).post(
        reverse("people:reveal_phone", args=["person", far_person.pk]),
        {f"phone-person-{far_person.pk}-reason": "核实"},
    )
    unknown_kind = page(street_admin).post(reverse("people:reveal_phone", args=["user", 1]), {})

    assert (wrong_role.status_code, outside.status_code, unknown_kind.status_code) == (403, 404, 404)
    assert PERSON_PHONE not in wrong_role.content.decode()
    assert SensitiveAccess.objects.count() == 0
