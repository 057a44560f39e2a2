"""The organizations API: list, detail, create, patch, members, scoping, registration,
lifecycle, party building, statistics, and query caps on the lists."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.organizations import services
from gongzhi.organizations.models import Membership, Organization, OrganizationChange
from gongzhi.organizations.validators import credit_check_char
from tests.factories import make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organizations/"


def url(org, action=""):
    return f"{LIST}{org.pk}/{action + '/' if action else ''}"


def credit_code(first17="51330206MJ0000001"):
    return first17 + credit_check_char(first17)


def error(response):
    return response.json()["error"]


@pytest.fixture
def other_street_org(tree, district_admin):
    """An organization in S2: data that could leak to S1's staff."""
    leader = make_person(grid=tree["G3"], name="林晓燕")
    return services.create_organization(
        name="灵峰夕阳红互助队", area=tree["C2"], by=district_admin, venue="灵峰社区活动室", leader=leader
    )


# ---------------------------------------------------------------------------------------------
# Reading


def test_list_shows_fields_with_annotated_member_count_and_rating(api, street_admin, district_admin, ready):
    services.rate_organization(
        ready,
        level=3,
        score=720,
        rated_on=timezone.localdate() - datetime.timedelta(days=10),
        by=district_admin,
    )

    response = api(street_admin).get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["name"] == "红领之家"
    assert row["track"] == "filed"
    assert row["status"] == "draft"
    assert row["category"] == "charity"
    assert row["area"] == "C1"
    assert row["street"] == "S1"
    assert row["venue"] == "百合社区党群服务中心二楼"
    assert row["leader"] == ready.leader_id
    assert row["leader_name"] == "陈军浩"
    assert row["has_charter"] is True
    assert row["rating"] == "3A"
    assert row["domains"] == ["elderly", "veterans"]
    assert row["member_count"] == 10
    assert row["party_org_type"] == "none"
    assert row["is_incubating"] is False
    assert row["filing_number"] is None


def test_street_admin_sees_none_of_another_streets_organizations(api, street_admin, ready, other_street_org):
    client = api(street_admin)

    listed = client.get(LIST).json()
    detail = client.get(url(other_street_org))

    assert [o["name"] for o in listed["results"]] == ["红领之家"]
    assert detail.status_code == 404
    assert error(detail)["code"] == "not_found"
    assert client.get(url(other_street_org, "members")).status_code == 404
    assert client.get(url(other_street_org, "checklist")).status_code == 404


def test_district_admin_sees_both_streets(api, district_admin, ready, other_street_org):
    names = [o["name"] for o in api(district_admin).get(LIST).json()["results"]]

    assert names == ["灵峰夕阳红互助队", "红领之家"]


def test_org_leader_sees_their_organization(api, org_leader, ready):
    response = api(org_leader).get(url(ready))

    assert response.status_code == 200
    assert response.json()["name"] == "红领之家"


def test_outsider_is_refused(api, outsider, ready):
    response = api(outsider).get(LIST)

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("track=filed", ["红领之家", "蒲公英爱心团"]),
        ("category=charity", ["红领之家"]),
        ("domain=veterans", ["红领之家"]),
        ("status=filed", ["蒲公英爱心团"]),
        ("status=filed&status=draft", ["红领之家", "蒲公英爱心团"]),
        ("under=G2", ["蒲公英爱心团"]),
        ("under=C1", ["红领之家", "蒲公英爱心团"]),
        ("rating=4A", ["蒲公英爱心团"]),
        ("incubating=true", ["红领之家"]),
        ("name=蒲公英", ["蒲公英爱心团"]),
    ],
)
def test_list_filters(api, district_admin, ready, tree, query, expected):
    other = services.create_organization(
        name="蒲公英爱心团", area=tree["G2"], by=district_admin, category="life_service", venue="二网格活动室"
    )
    Organization.objects.filter(pk=other.pk).update(status="filed", filed_on=datetime.date(2024, 1, 5))
    services.rate_organization(other, level=4, score=850, rated_on=timezone.localdate(), by=district_admin)
    Organization.objects.filter(pk=ready.pk).update(is_incubating=True)

    response = api(district_admin).get(f"{LIST}?{query}")

    assert [o["name"] for o in response.json()["results"]] == expected


def test_list_queries_are_capped(api, district_admin, tree, django_assert_max_num_queries):
    for i in range(15):
        org = services.create_organization(
            name=f"组织{i}", area=tree["C1"], by=district_admin, domains=["education", "health"]
        )
        add_members(org, tree["G1"], 2)
    client = api(district_admin)

    with django_assert_max_num_queries(6):
        response = client.get(LIST)

    assert response.json()["count"] == 15
    assert {o["member_count"] for o in response.json()["results"]} == {2}


# ---------------------------------------------------------------------------------------------
# Writing


def test_create_with_charter_upload(api, community_worker, tree, media):
    leader = make_person(grid=tree["G1"], name="张海燕")
    charter = SimpleUploadedFile("章程.pdf", b"%PDF-1.4 charter", content_type="application/pdf")

    response = api(community_worker).post(
        LIST,
        {
            "name": "朝霞妈妈代表工作室",
            "area": "C1",
            "category": "mediation",
            "venue": "百合社区调解室",
            "leader": leader.pk,
            "domains": ["legal", "community"],
            "charter": charter,
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["has_charter"] is True
    assert body["domains"] == ["community", "legal"]
    assert body["member_count"] == 1
    org = Organization.objects.get(pk=body["id"])
    with org.charter.open("rb") as f:
        assert f.read() == b"%PDF-1.4 charter"
    assert list(org.changes.values_list("action", flat=True)) == ["create"]


def test_create_outside_jurisdiction_is_refused(api, community_worker):
    response = api(community_worker).post(LIST, {"name": "越界组织", "area": "C2"})

    assert response.status_code == 400
    assert error(response)["fields"] == {"area": ["区域“C2”不存在或不在您的管辖范围内，请检查编码。"]}
    assert Organization.objects.count() == 0


def test_create_with_a_leader_the_caller_cannot_see_is_refused(api, community_worker, tree):
    hidden = make_person(grid=tree["G3"], name="外街人员")

    response = api(community_worker).post(LIST, {"name": "新组织", "area": "C1", "leader": hidden.pk})

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["leader"]
    assert Organization.objects.count() == 0


def test_patch_changes_profile_and_charter(api, community_worker, draft, media):
    charter = SimpleUploadedFile("新章程.pdf", b"new charter", content_type="application/pdf")

    response = api(community_worker).patch(
        url(draft),
        {"venue": "百合社区文化家园", "domains": ["elderly"], "charter": charter},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["venue"] == "百合社区文化家园"
    assert response.json()["domains"] == ["elderly"]
    draft.refresh_from_db()
    with draft.charter.open("rb") as f:
        assert f.read() == b"new charter"


def test_patch_taken_name_is_a_conflict(api, community_worker, draft, tree):
    other = services.create_organization(name="百合志愿队", area=tree["G1"], by=community_worker)
    Organization.objects.filter(pk=other.pk).update(status="filed")  # names are unique among active ones

    response = api(community_worker).patch(url(draft), {"name": "百合志愿队"}, format="json")

    assert response.status_code == 409
    assert error(response)["fields"] == {"name": ["本街道已有名为“百合志愿队”的社会组织，请换一个名称。"]}


# ---------------------------------------------------------------------------------------------
# Members


def test_members_list_add_twice_and_leave(api, community_worker, draft, tree):
    client = api(community_worker)
    person = make_person(grid=tree["G2"], name="李春梅")

    first = client.post(url(draft, "members"), {"person": person.pk, "joined_on": "2024-05-01"})
    again = client.post(url(draft, "members"), {"person": person.pk, "role": "secretary"})
    listed = client.get(url(draft, "members")).json()

    assert first.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["role"] == "secretary"
    assert listed["count"] == 10
    assert Membership.objects.filter(organization=draft, person=person).count() == 1

    membership_id = first.json()["id"]
    left = client.post(url(draft, f"members/{membership_id}/leave"), {"on": "2025-01-31"})
    assert left.status_code == 200
    assert left.json()["left_on"] == "2025-01-31"
    assert client.get(url(draft, "members")).json()["count"] == 9


def test_member_delete(api, community_worker, draft):
    membership = draft.memberships.exclude(role="leader").first()

    response = api(community_worker).delete(url(draft, f"members/{membership.pk}"))

    assert response.status_code == 204
    membership.refresh_from_db()
    assert membership.left_on == timezone.localdate()


def test_members_list_is_capped(api, community_worker, ready, django_assert_max_num_queries):
    client = api(community_worker)

    with django_assert_max_num_queries(6):
        response = client.get(url(ready, "members"))

    assert response.json()["count"] == 10
    assert response.json()["results"][0]["person_name"] == "陈军浩"
    assert response.json()["results"][0]["is_party_member"] is True


def test_grid_member_may_read_but_not_add_members(api, grid_member, draft, tree):
    services.update_organization(draft, area=tree["G1"], by=None)
    person = make_person(grid=tree["G1"])
    client = api(grid_member)

    listed = client.get(url(draft, "members"))
    response = client.post(url(draft, "members"), {"person": person.pk})

    assert listed.json()["count"] == 9
    assert response.status_code == 403
    assert draft.memberships.filter(person=person).exists() is False


# ---------------------------------------------------------------------------------------------
# Registration, lifecycle, party building


def test_upgrade_filed_to_registered_keeps_id_and_history(api, district_admin, street_admin, ready):
    services.approve_filing(services.apply_for_filing(ready, by=street_admin), by=street_admin)
    code = credit_code()

    response = api(district_admin).post(
        url(ready, "register"),
        {
            "legal_form": "social_group",
            "credit_code": code,
            "registering_authority": "北仑区民政局",
            "registered_on": "2025-06-01",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == ready.pk
    assert (body["track"], body["status"], body["credit_code"]) == ("registered", "registered", code)
    assert body["filing_number"].startswith("S1-")
    actions = list(OrganizationChange.objects.filter(organization=ready).values_list("action", flat=True))
    assert actions == ["create", "apply", "approve", "register"]
    assert Organization.objects.count() == 1


def test_credit_code_checksum_error(api, district_admin, ready):
    bad = credit_code()[:17] + ("0" if credit_code()[17] != "0" else "1")

    response = api(district_admin).post(
        url(ready, "register"),
        {
            "legal_form": "social_group",
            "credit_code": bad,
            "registering_authority": "北仑区民政局",
            "registered_on": "2025-06-01",
        },
    )

    assert response.status_code == 400
    expected = f"统一社会信用代码校验位错误：最后一位应为“{credit_code()[17]}”，请核对。"
    assert error(response)["fields"] == {"credit_code": [expected]}
    ready.refresh_from_db()
    assert ready.track == "filed"


def test_credit_code_length_error(api, district_admin, tree):
    response = api(district_admin).post(
        LIST,
        {
            "name": "北仑区慈善基金会",
            "area": "D",
            "track": "registered",
            "legal_form": "foundation",
            "credit_code": "5133020",
            "registering_authority": "北仑区民政局",
            "registered_on": "2020-01-01",
        },
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"credit_code": ["统一社会信用代码应为 18 位（现为 7 位）。"]}
    assert Organization.objects.count() == 0


def test_create_registered_directly(api, district_admin, tree):
    response = api(district_admin).post(
        LIST,
        {
            "name": "北仑区慈善基金会",
            "area": "D",
            "track": "registered",
            "legal_form": "foundation",
            "credit_code": credit_code("53330206MJ0000002"),
            "registering_authority": "北仑区民政局",
            "registered_on": "2020-01-01",
            "venue": "新碶街道明州路",
        },
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["track"], response.json()["status"]) == ("registered", "registered")
    assert response.json()["venue"] == "新碶街道明州路"


def test_street_admin_cannot_register(api, street_admin, ready):
    response = api(street_admin).post(
        url(ready, "register"),
        {
            "legal_form": "social_group",
            "credit_code": credit_code(),
            "registering_authority": "x",
            "registered_on": "2025-06-01",
        },
    )

    assert response.status_code == 403


def test_suspend_resume_deregister(api, street_admin, ready):
    services.approve_filing(services.apply_for_filing(ready, by=street_admin), by=street_admin)
    client = api(street_admin)

    no_reason = client.post(url(ready, "suspend"), {"reason": ""})
    suspended = client.post(url(ready, "suspend"), {"reason": "连续半年未开展活动"})
    resumed = client.post(url(ready, "resume"), {})
    gone = client.post(url(ready, "deregister"), {"reason": "组织自行解散"})

    assert no_reason.status_code == 400
    assert suspended.json()["status"] == "suspended"
    assert resumed.json()["status"] == "filed"
    assert gone.json()["status"] == "deregistered"
    notes = list(ready.changes.filter(action="suspend").values_list("note", flat=True))
    assert notes == ["连续半年未开展活动"]


def test_suspend_a_draft_is_an_invalid_transition(api, street_admin, ready):
    response = api(street_admin).post(url(ready, "suspend"), {"reason": "x"})

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"


def test_party_building(api, community_worker, ready):
    response = api(community_worker).post(
        url(ready, "party-building"),
        {"party_org_type": "joint", "party_org_name": "百合社区社会组织联合党支部"},
    )

    assert response.status_code == 200
    assert response.json()["party_org_type"] == "joint"
    assert response.json()["party_org_name"] == "百合社区社会组织联合党支部"


# ---------------------------------------------------------------------------------------------
# Statistics


def test_stats_for_an_area(api, street_admin, district_admin, ready):
    services.approve_filing(services.apply_for_filing(ready, by=street_admin), by=street_admin)

    response = api(street_admin).get(f"{LIST}stats/?under=S1")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["area"] == "S1"
    assert body["total"] == 1
    assert body["by_track"]["filed"] == 1
    assert body["population"] == 2000
    assert body["per_10k"]["total"] == 5.0
    assert body["party_building"]["leaders"] == 1
    assert body["party_building"]["party_leaders"] == 1


def test_stats_outside_jurisdiction_is_404(api, street_admin):
    response = api(street_admin).get(f"{LIST}stats/?under=S2")

    assert response.status_code == 404
