"""/api/v1/people/: masking, sensitive tags, jurisdiction, reveal with reason."""

import pytest

from gongzhi.people.models import Person, SensitiveAccess
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):
    return {
        "veteran": make_person(grid=tree["G1"], name="陈军浩", tags=["veteran"], phone="13812345678"),
        "correction": make_person(grid=tree["G2"], name="小陈", tags=["community_correction"]),
        "other_street": make_person(grid=tree["G3"], name="外街居民"),
    }


def names(response):
    return [row["name"] for row in response.json()["results"]]


def test_list_is_scoped_and_masked(api, street_admin, people):
    response = api(street_admin).get("/api/v1/people/")

    assert names(response) == ["陈军浩", "小陈"]
    row = response.json()["results"][0]
    full = people["veteran"].decrypt_id_number()
    assert row["id_number"] == f"{full[:6]}********{full[-4:]}"
    assert full not in response.content.decode()
    assert row["home_grid"] == "G1"
    assert row["tags"] == ["veteran"]


def test_sensitive_tag_hidden_from_street_admin(api, street_admin, people):
    data = api(street_admin).get(f"/api/v1/people/{people['correction'].pk}/").json()

    assert data["tags"] == []
    assert SensitiveAccess.objects.count() == 0


def test_sensitive_tag_shown_to_justice_officer_and_logged(api, justice_officer, people):
    data = api(justice_officer).get(f"/api/v1/people/{people['correction'].pk}/").json()

    assert data["tags"] == ["community_correction"]
    log = SensitiveAccess.objects.get()
    assert (log.user, log.person, log.field) == (
        justice_officer,
        people["correction"],
        "tag:community_correction",
    )


def test_filter_by_sensitive_tag_reveals_nothing_to_others(api, street_admin, justice_officer, people):
    assert names(api(street_admin).get("/api/v1/people/?tag=community_correction")) == []
    assert names(api(justice_officer).get("/api/v1/people/?tag=community_correction")) == ["小陈"]


def test_phone_masked_for_every_role_even_those_who_may_edit(api, grid_member, community_worker, people):
    # Issue 8: the full number only through reveal-phone, with a reason (tests/privacy).
    pk = people["veteran"].pk

    assert api(grid_member).get(f"/api/v1/people/{pk}/").json()["phone"] == "138****5678"
    assert api(community_worker).get(f"/api/v1/people/{pk}/").json()["phone"] == "138****5678"


def test_grid_member_sees_only_own_grid(api, grid_member, people):
    assert names(api(grid_member).get("/api/v1/people/")) == ["陈军浩"]


def test_detail_of_other_street_is_404(api, street_admin, people):
    response = api(street_admin).get(f"/api/v1/people/{people['other_street'].pk}/")

    assert response.status_code == 404
    assert "外街居民" not in response.content.decode()


def test_volunteer_sees_only_own_record(api, outsider, tree, people):
    mine = make_person(grid=tree["G3"], name="志愿者本人", user=outsider)

    response = api(outsider).get(f"/api/v1/people/{mine.pk}/")
    listing = api(outsider).get("/api/v1/people/")

    assert response.json()["name"] == "志愿者本人"
    assert listing.status_code == 403  # volunteers have no people list; their own record is a detail


def test_filter_by_exact_id_number(api, street_admin, people):
    number = people["veteran"].decrypt_id_number()

    assert names(api(street_admin).get(f"/api/v1/people/?id_number={number}")) == ["陈军浩"]


def test_list_query_count_is_constant(api, street_admin, tree, django_assert_max_num_queries):
    for i in range(25):
        make_person(grid=tree["G1"], name=f"居民{i}", tags=["elderly", "veteran"])

    with django_assert_max_num_queries(8):
        response = api(street_admin).get("/api/v1/people/")

    assert response.json()["count"] == 25


def test_create_person(api, community_worker, tree):
    number = make_id_number(birth="19900315", seq=456)

    response = api(community_worker).post(
        "/api/v1/people/",
        {
            "name": "方琼",
            "id_number": number,
            "phone": "13900001111",
            "political_status": "party_member",
            "home_grid": "G2",
            "tags": ["veteran"],
        },
    )

    assert response.status_code == 201
    data = response.json()
    assert (data["name"], data["home_grid"], data["birth_year"], data["sex"], data["tags"]) == (
        "方琼",
        "G2",
        1990,
        "F",
        ["veteran"],
    )
    assert data["id_number"] == f"330206********{number[-4:]}"
    assert Person.objects.get(pk=data["id"]).decrypt_id_number() == number


def test_create_person_bad_checksum_says_how_to_fix(api, community_worker):
    number = make_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")

    response = api(community_worker).post(
        "/api/v1/people/", {"name": "某某", "id_number": wrong, "home_grid": "G1"}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {
        "id_number": [f"身份证号码校验位错误：最后一位应为“{number[17]}”，请核对是否输错了某一位。"]
    }
    assert Person.objects.count() == 0


def test_create_person_in_grid_outside_jurisdiction_is_refused(api, community_worker):
    response = api(community_worker).post(
        "/api/v1/people/", {"name": "某某", "id_number": make_id_number(), "home_grid": "G3"}
    )

    assert response.status_code == 400
    assert (
        response.json()["error"]["fields"]["home_grid"][0]
        == "区域“G3”不存在或不在您的管辖范围内，请检查编码。"
    )


def test_create_duplicate_is_conflict(api, community_worker, people):
    number = people["veteran"].decrypt_id_number()

    response = api(community_worker).post(
        "/api/v1/people/", {"name": "重复", "id_number": number, "home_grid": "G1"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_grid_member_cannot_edit(api, grid_member, people):
    response = api(grid_member).patch(f"/api/v1/people/{people['veteran'].pk}/", {"name": "改名"})

    assert response.status_code == 403
    assert Person.objects.get(pk=people["veteran"].pk).name == "陈军浩"


def test_update_person_and_history_is_kept(api, community_worker, people):
    from auditlog.models import LogEntry

    pk = people["veteran"].pk
    response = api(community_worker).patch(f"/api/v1/people/{pk}/", {"political_status": "party_member"})

    assert response.json()["political_status"] == "party_member"
    entry = (
        LogEntry.objects.get_for_object(Person.objects.get(pk=pk)).filter(action=LogEntry.Action.UPDATE).get()
    )
    assert entry.changes_dict["political_status"] == ["masses", "party_member"]
    assert "id_number_encrypted" not in entry.changes_dict


def test_reveal_id_number_with_reason(api, community_worker, people):
    pk = people["veteran"].pk

    missing = api(community_worker).post(f"/api/v1/people/{pk}/reveal-id-number/", {})
    ok = api(community_worker).post(f"/api/v1/people/{pk}/reveal-id-number/", {"reason": "核实低保申请"})

    assert missing.status_code == 400
    assert ok.json() == {"id": pk, "id_number": people["veteran"].decrypt_id_number()}
    assert list(SensitiveAccess.objects.values_list("field", "reason")) == [("id_number", "核实低保申请")]


def test_reveal_refused_to_grid_member(api, grid_member, people):
    response = api(grid_member).post(
        f"/api/v1/people/{people['veteran'].pk}/reveal-id-number/", {"reason": "看看"}
    )

    assert response.status_code == 403
    assert SensitiveAccess.objects.count() == 0


def test_reveal_outside_jurisdiction_is_404(api, community_worker, people):
    response = api(community_worker).post(
        f"/api/v1/people/{people['other_street'].pk}/reveal-id-number/", {"reason": "核实"}
    )

    assert response.status_code == 404
    assert SensitiveAccess.objects.count() == 0


def test_history_names_the_token_user(client, community_worker, people):
    from auditlog.models import LogEntry

    from gongzhi.accounts.services import issue_token

    token = issue_token(community_worker)
    pk = people["veteran"].pk

    client.patch(
        f"/api/v1/people/{pk}/",
        {"name": "陈军浩（改）"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",  # IssuedToken.key: the key shown once
    )

    entry = (
        LogEntry.objects.get_for_object(Person.objects.get(pk=pk)).filter(action=LogEntry.Action.UPDATE).get()
    )
    assert entry.actor == community_worker
    assert entry.changes_dict["name"] == ["陈军浩", "陈军浩（改）"]
