"""An organization's profile: its content, members, lifecycle actions, and 404 outside."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.organizations import services
from gongzhi.organizations.choices import OrgStatus
from gongzhi.organizations.models import Membership, ServicePlatform
from gongzhi.organizations.validators import credit_check_char
from gongzhi.people.models import Person
from tests.factories import UserFactory, make_id_number, make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _url(org) -> str:
    return reverse("organizations:profile", args=[org.pk])


@pytest.fixture
def filed(ready, district_admin):
    """红领之家, filed two years ago (so it owes two annual reports)."""
    two_years_ago = timezone.now().replace(year=timezone.now().year - 2, month=3, day=1)
    application = services.apply_for_filing(ready, by=district_admin)
    services.approve_filing(application, by=district_admin, now=two_years_ago)
    ready.refresh_from_db()
    return ready


def test_profile_shows_the_organization(filed, tree, district_admin, community_worker, page):
    last_year = timezone.localdate().year - 1
    services.submit_annual_report(filed, year=last_year, by=district_admin, activities=24, members=10)
    services.rate_organization(
        filed,
        level=3,
        score=Decimal("760"),
        rated_on=timezone.localdate(),
        by=district_admin,
        assessor="评估中心",
    )
    services.set_party_building(
        filed, party_org_type="joint", party_org_name="百合社区社会组织联合党支部", by=district_admin
    )
    alliance = services.create_alliance(
        name="红领志愿服务联盟", lead=filed, area=tree["S1"], by=district_admin
    )

    response = page(community_worker).get(_url(filed))

    html = _html(response)
    assert response.status_code == 200
    assert "<h1>红领之家</h1>" in html
    assert filed.filing_number in html
    assert "百合社区党群服务中心二楼" in html
    assert "查看章程" in html
    assert "养老" in html
    assert "退役军人服务" in html
    assert "联合党组织 · 百合社区社会组织联合党支部" in html
    assert "3A" in html
    assert "评估中心" in html
    assert f'href="/organizations/alliances/{alliance.pk}/"' in html
    assert [(ry.year, ry.missing) for ry in response.context["report_years"]] == [
        (last_year, False),
        (last_year - 1, True),
    ]
    assert '<span class="badge missing">未提交</span>' in html
    assert [c.action for c in response.context["changes"]] == ["create", "apply", "approve"]
    assert [a.status for a in response.context["applications"]] == ["approved"]


def test_profile_lists_members_with_role_party_mark_and_join_date(draft, community_worker, page):
    response = page(community_worker).get(_url(draft))

    memberships = response.context["memberships"]
    html = _html(response)
    assert len(memberships) == 9
    assert (memberships[0].person.name, memberships[0].role) == ("陈军浩", "leader")
    assert response.context["party_members"] == 1
    assert "9 人，其中党员 1 人" in html
    assert '<span class="badge party">中共党员</span>' in html
    assert timezone.localdate().strftime("%Y-%m-%d") in html


def test_profile_outside_the_jurisdiction_is_404(draft, tree, page):
    other = UserFactory(username="s2_admin")
    assign_role(other, role=Role.STREET_ADMIN, area=tree["S2"])

    assert page(other).get(_url(draft)).status_code == 404
    assert page(other).post(reverse("organizations:action", args=[draft.pk, "suspend"])).status_code == 404


def test_the_organizations_leader_sees_their_own_organization(draft, org_leader, page):
    response = page(org_leader).get(_url(draft))

    assert response.status_code == 200
    assert "<h1>红领之家</h1>" in _html(response)


def test_a_grid_member_reads_without_forms(tree, community_worker, grid_member, page):
    org = services.create_organization(name="网格读书会", area=tree["G1"], by=community_worker, venue="书屋")

    response = page(grid_member).get(_url(org))

    assert response.status_code == 200
    assert "<h1>网格读书会</h1>" in _html(response)
    assert response.context["actions"] == []
    assert reverse("organizations:member_add", args=[org.pk]) not in _html(response)
    assert reverse("organizations:edit", args=[org.pk]) not in _html(response)


def test_add_an_existing_person_as_member(draft, tree, community_worker, page):
    person = make_person(grid=tree["G2"], name="李秀英", political_status="party_member")

    response = page(community_worker).post(
        reverse("organizations:member_add", args=[draft.pk]), {"person": person.pk, "role": "secretary"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(organization=draft, person=person).role == "secretary"
    assert draft.memberships.filter(left_on__isnull=True).count() == 10


def test_add_member_refuses_a_person_outside_the_jurisdiction(draft, tree, community_worker, page):
    stranger = make_person(grid=tree["G3"], name="外街道人员")

    response = page(community_worker).post(
        reverse("organizations:member_add", args=[draft.pk]), {"person": stranger.pk, "role": "member"}
    )

    assert response.status_code == 400
    assert "person" in response.context["member_form"].errors
    assert not Membership.objects.filter(person=stranger).exists()


def test_person_picker_finds_people_in_the_jurisdiction_only(tree, community_worker, page):
    make_person(grid=tree["G1"], name="王芳")
    make_person(grid=tree["G3"], name="王芳芳")

    response = page(community_worker).get(reverse("organizations:person_picker") + "?field=leader&q=王芳")

    assert [p.name for p in response.context["people"]] == ["王芳"]
    assert 'name="leader"' in _html(response)
    assert "王芳芳" not in _html(response)


def test_register_a_new_person_and_add_them(draft, tree, community_worker, page):
    response = page(community_worker).post(
        reverse("organizations:member_create", args=[draft.pk]),
        {
            "newp-name": "赵敏",
            "newp-id_number": make_id_number(),
            "newp-political_status": "masses",
            "newp-home_grid": tree["G1"].pk,
            "newp-role": "member",
        },
    )

    assert response.status_code == 302
    person = Person.objects.get(name="赵敏")
    assert Membership.objects.filter(organization=draft, person=person, left_on__isnull=True).exists()


def test_register_a_new_person_with_a_bad_id_number_shows_why(draft, tree, community_worker, page):
    response = page(community_worker).post(
        reverse("organizations:member_create", args=[draft.pk]),
        {
            "newp-name": "赵敏",
            "newp-id_number": "123",
            "newp-political_status": "masses",
            "newp-home_grid": tree["G1"].pk,
            "newp-role": "member",
        },
    )

    assert response.status_code == 400
    assert list(response.context["new_person_form"].errors) == ["id_number"]
    assert response.context["open_new_person"] is True
    assert not Person.objects.filter(name="赵敏").exists()


def test_remove_a_member(draft, community_worker, page):
    membership = draft.memberships.exclude(role="leader").first()

    response = page(community_worker).post(
        reverse("organizations:member_remove", args=[draft.pk, membership.pk])
    )

    membership.refresh_from_db()
    assert response.status_code == 302
    assert membership.left_on == timezone.localdate()
    assert draft.memberships.filter(left_on__isnull=True).count() == 8


def test_suspend_needs_a_reason_shown_inline_then_resume(filed, street_admin, page):
    client = page(street_admin)
    suspend = reverse("organizations:action", args=[filed.pk, "suspend"])

    refused = client.post(suspend, {"reason": ""})
    done = client.post(suspend, {"reason": "负责人长期联系不上"})
    filed.refresh_from_db()
    suspended_status = filed.status
    resumed = client.post(
        reverse("organizations:action", args=[filed.pk, "resume"]), {"reason": "已恢复联系"}
    )

    filed.refresh_from_db()
    assert refused.status_code == 400
    assert "请填写理由。" in _html(refused)
    assert refused.context["open_action"] == "suspend"
    assert done.status_code == 302
    assert suspended_status == OrgStatus.SUSPENDED
    assert resumed.status_code == 302
    assert filed.status == OrgStatus.FILED
    assert list(filed.changes.values_list("note", flat=True))[-2:] == ["负责人长期联系不上", "已恢复联系"]


def test_lifecycle_forms_follow_the_role(filed, street_admin, community_worker, district_admin, page):
    def offered(user):
        return [spec.name for spec, _form in page(user).get(_url(filed)).context["actions"]]

    assert offered(community_worker) == ["report", "party"]
    assert offered(street_admin) == ["suspend", "deregister", "report", "party"]
    assert offered(district_admin) == ["register", "suspend", "deregister", "report", "rate", "party"]


def test_rate_is_refused_while_a_report_is_missing(filed, district_admin, page):
    response = page(district_admin).post(
        reverse("organizations:action", args=[filed.pk, "rate"]),
        {"level": "4", "score": "850", "rated_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 400
    assert f"该组织缺少 {timezone.localdate().year - 1} 年度年报，补交后才能评估。" in _html(response)


def test_submit_annual_report_from_the_profile(filed, community_worker, page):
    year = timezone.localdate().year - 2
    response = page(community_worker).post(
        reverse("organizations:action", args=[filed.pk, "report"]),
        {"year": year, "activities": 12, "members": 10, "income": "3000", "expenses": "2500.50"},
    )

    assert response.status_code == 302
    report = filed.annual_reports.get(year=year)
    assert (report.activities, report.expenses) == (12, Decimal("2500.50"))


def test_enter_and_advance_incubation_from_the_profile(filed, tree, community_worker, page):
    platform = ServicePlatform.objects.create(name="百合社区孵化园", level="community", area=tree["C1"])
    client = page(community_worker)

    entered = client.post(
        reverse("organizations:action", args=[filed.pk, "incubate"]),
        {"platform": platform.pk, "mentor": "周老师"},
    )
    advanced = client.post(reverse("organizations:action", args=[filed.pk, "advance"]), {"to": "cultivating"})

    filed.refresh_from_db()
    assert (entered.status_code, advanced.status_code) == (302, 302)
    assert filed.is_incubating is True
    assert filed.incubations.get().stage == "cultivating"


def test_upgrade_a_filed_organization_to_registered(filed, district_admin, page):
    code = "51330206MJ0000002"
    code += credit_check_char(code)

    response = page(district_admin).post(
        reverse("organizations:action", args=[filed.pk, "register"]),
        {
            "legal_form": "social_service",
            "credit_code": code,
            "registering_authority": "北仑区民政局",
            "registered_on": "2026-01-10",
        },
    )

    filed.refresh_from_db()
    assert response.status_code == 302
    assert (filed.track, filed.status, filed.credit_code) == ("registered", OrgStatus.REGISTERED, code)
    assert filed.filing_number  # the history continues on the same record


def test_profile_query_count_does_not_grow_with_members(draft, tree, community_worker, page):
    client = page(community_worker)
    with CaptureQueriesContext(connection) as nine:
        client.get(_url(draft))
    add_members(draft, tree["G2"], 30)

    with CaptureQueriesContext(connection) as thirty_nine:
        response = client.get(_url(draft))

    assert len(response.context["memberships"]) == 39
    assert len(thirty_nine) == len(nine)
    assert len(thirty_nine) <= 30
