"""The Django admin: scoped like every other door, masked, and writing through services."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.people.choices import Tag
from gongzhi.people.models import SensitiveAccess
from tests.factories import UserFactory, make_area, make_id_number, make_person

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def other_district(tree):
    """A second district with a person in it: data that could leak to district_admin."""
    d2 = make_area("D2", AreaLevel.DISTRICT, name="镇海区")
    s = make_area("D2S", AreaLevel.STREET, d2, name="招宝山街道")
    c = make_area("D2C", AreaLevel.COMMUNITY, s, name="城河社区")
    g = make_area("D2G", AreaLevel.GRID, c, name="城河一网格")
    make_person(grid=g, name="外区居民", id_number=make_id_number(region="330211", seq=9))
    return {"D2": d2, "D2G": g}


def test_admin_site_titles():
    assert str(admin.site.site_header) == "共治 管理后台"


def test_admin_is_closed_to_non_staff(street_admin, page):
    response = page(street_admin).get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_person_changelist_is_scoped_and_masked(tree, other_district, district_admin, page):
    number = make_id_number(seq=321)
    make_person(grid=tree["G1"], name="王小明", id_number=number)
    make_person(grid=tree["G3"], name="赵灵峰")

    response = page(district_admin).get(reverse("admin:people_person_changelist"))

    assert response.status_code == 200
    names = sorted(p.name for p in response.context["cl"].result_list)
    assert names == ["王小明", "赵灵峰"]
    html = _html(response)
    assert f"{number[:6]}********{number[-4:]}" in html
    assert number not in html
    assert "外区居民" not in html


def test_person_changelist_finds_full_id_number_by_blind_index(tree, district_admin, page):
    number = make_id_number(seq=654)
    make_person(grid=tree["G1"], name="王小明", id_number=number)
    make_person(grid=tree["G2"], name="李红")

    response = page(district_admin).get(reverse("admin:people_person_changelist"), {"q": number})

    assert [p.name for p in response.context["cl"].result_list] == ["王小明"]


def test_person_change_page_never_shows_ciphertext(tree, district_admin, page):
    number = make_id_number(seq=777)
    person = make_person(grid=tree["G1"], name="王小明", id_number=number, tags=[Tag.VETERAN])

    response = page(district_admin).get(reverse("admin:people_person_change", args=[person.pk]))

    html = _html(response)
    assert f"{number[:6]}********{number[-4:]}" in html
    assert person.id_number_encrypted not in html
    assert person.id_number_hash not in html
    assert number not in html
    assert response.context["adminform"].form.initial["tags"] == [Tag.VETERAN]


def test_person_change_outside_jurisdiction_is_not_found(other_district, district_admin, page):
    from gongzhi.people.models import Person

    outsider_person = Person.objects.get(name="外区居民")

    response = page(district_admin).get(reverse("admin:people_person_change", args=[outsider_person.pk]))

    # The admin answers "does not exist" with a redirect to its index and a message.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_person_change_goes_through_service_and_shows_its_error(tree, district_admin, page):
    person = make_person(grid=tree["G1"], name="王小明", phone="13812345678")
    url = reverse("admin:people_person_change", args=[person.pk])
    data = {
        "name": "王小明",
        "phone": "12345",
        "political_status": "masses",
        "home_grid": tree["G2"].pk,
        "tags": [Tag.ELDERLY],
    }

    refused = page(district_admin).post(url, data)
    accepted = page(district_admin).post(url, {**data, "phone": "13900001111"})

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert list(errors) == ["phone"]
    assert errors["phone"][0].startswith("手机号码“12345”无效")
    assert accepted.status_code == 302
    person.refresh_from_db()
    assert (person.reveal_sealed("phone"), person.home_grid, person.area) == (
        "13900001111",
        tree["G2"],
        tree["G2"],
    )
    assert list(person.tags.values_list("tag", flat=True)) == [Tag.ELDERLY]


def test_person_add_is_left_to_the_people_page(district_admin, page):
    response = page(district_admin).get(reverse("admin:people_person_add"))

    assert response.status_code == 403


def test_area_changelist_is_scoped(tree, other_district, district_admin, page):
    response = page(district_admin).get(reverse("admin:areas_area_changelist"))

    codes = sorted(a.code for a in response.context["cl"].result_list)
    assert codes == sorted(["D", "S1", "Z1", "C1", "G1", "G2", "S2", "C2", "G3"])


def test_area_add_goes_through_service_with_field_errors(tree, district_admin, page):
    url = reverse("admin:areas_area_add")
    data = {
        "code": "G4",
        "name": "新网格",
        "level": "grid",
        "population": 10,
        "households": 5,
        "boundary": "",
    }

    wrong_parent = page(district_admin).post(url, {**data, "parent": tree["S1"].pk})
    created = page(district_admin).post(url, {**data, "parent": tree["C1"].pk})

    assert wrong_parent.status_code == 200
    assert wrong_parent.context["adminform"].form.errors["parent"] == ["网格的上级必须是社区，不能是街道。"]
    assert created.status_code == 302
    area = Area.objects.get(code="G4")
    assert (area.path, area.depth, area.population) == ("/D/S1/Z1/C1/G4/", 4, 10)


def test_area_add_parent_choices_are_scoped(tree, other_district, district_admin, page):
    response = page(district_admin).get(reverse("admin:areas_area_add"))

    parents = response.context["adminform"].form.fields["parent"].queryset
    assert [a.code for a in parents] == ["D", "S1", "Z1", "C1", "S2", "C2"]


def test_area_change_updates_through_service(tree, district_admin, page):
    url = reverse("admin:areas_area_change", args=[tree["G1"].pk])
    data = {"name": "百合一网格", "population": 1300, "households": 410, "boundary": ""}

    response = page(district_admin).post(url, data)

    assert response.status_code == 302
    g1 = Area.objects.get(code="G1")
    assert (g1.population, g1.households, g1.path) == (1300, 410, "/D/S1/Z1/C1/G1/")


def test_sensitive_access_admin_is_read_only(tree, page):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    person = make_person(grid=tree["G1"], name="王小明")
    SensitiveAccess.objects.create(user=root, person=person, field="id_number", reason="核实低保申请")

    listing = page(root).get(reverse("admin:people_sensitiveaccess_changelist"))
    add = page(root).get(reverse("admin:people_sensitiveaccess_add"))

    assert [a.reason for a in listing.context["cl"].result_list] == ["核实低保申请"]
    assert add.status_code == 403


def test_person_tag_admin_hides_sensitive_tags_without_permission(tree, district_admin, page):
    # No role grants view_persontag today; a directly granted permission opens the list.
    district_admin.user_permissions.add(Permission.objects.get(codename="view_persontag"))
    make_person(grid=tree["G1"], name="王小明", tags=[Tag.VETERAN, Tag.COMMUNITY_CORRECTION])

    response = page(district_admin).get(reverse("admin:people_persontag_changelist"))

    assert [t.tag for t in response.context["cl"].result_list] == [Tag.VETERAN]
    assert SensitiveAccess.objects.count() == 0


def test_user_changelist_is_scoped_to_the_district(tree, other_district, district_admin, street_admin, page):
    far = UserFactory(username="far_admin")
    RoleAssignment.objects.create(user=far, role=Role.DISTRICT_ADMIN, area=other_district["D2"])

    response = page(district_admin).get(reverse("admin:accounts_user_changelist"))

    usernames = sorted(u.username for u in response.context["cl"].result_list)
    assert usernames == ["district_admin", "street_admin"]


def test_user_change_page_shows_display_name_and_roles(street_admin, page):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    response = page(root).get(reverse("admin:accounts_user_change", args=[street_admin.pk]))

    html = _html(response)
    assert 'name="display_name"' in html
    assert "街道管理员" in html
    assert "新碶街道" in html


def test_role_assignment_add_goes_through_service(tree, page):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    user = UserFactory(username="new_admin")
    url = reverse("admin:accounts_roleassignment_add")

    refused = page(root).post(url, {"user": user.pk, "role": Role.STREET_ADMIN, "area": tree["G1"].pk})
    accepted = page(root).post(url, {"user": user.pk, "role": Role.DISTRICT_ADMIN, "area": tree["D"].pk})

    assert refused.context["adminform"].form.errors["area"] == [
        "角色“街道管理员”只能分配在街道一级，而“百合一网格”是网格。"
    ]
    assert accepted.status_code == 302
    user.refresh_from_db()
    assert list(user.role_assignments.values_list("role", "area__code")) == [(Role.DISTRICT_ADMIN, "D")]
    assert user.is_staff is True


def test_person_tag_admin_logs_sensitive_tags_it_shows(tree, page):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    make_person(grid=tree["G1"], name="王小明", tags=[Tag.VETERAN, Tag.COMMUNITY_CORRECTION])

    response = page(root).get(reverse("admin:people_persontag_changelist"))

    assert sorted(t.tag for t in response.context["cl"].result_list) == [
        Tag.COMMUNITY_CORRECTION,
        Tag.VETERAN,
    ]
    logged = list(SensitiveAccess.objects.values_list("person__name", "field", "reason"))
    assert logged == [("王小明", "tag:community_correction", "管理后台人员标签")]
