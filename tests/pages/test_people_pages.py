"""People pages: masked list and detail, the logged reveal of an ID number, registration."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.areas.choices import GridDuty
from gongzhi.areas.services import assign_grid_staff
from gongzhi.people.choices import PoliticalStatus, Tag
from gongzhi.people.models import Person, SensitiveAccess
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def people(tree):
    """One person in G1 with a phone and a sensitive tag, one in G2, one in G3 (street S2)."""
    return {
        "wang": make_person(
            grid=tree["G1"],
            name="王小明",
            id_number=make_id_number(seq=123),
            phone=PHONE,
            tags=[Tag.VETERAN, Tag.COMMUNITY_CORRECTION],
        ),
        "li": make_person(grid=tree["G2"], name="李红", tags=[Tag.ELDERLY]),
        "zhao": make_person(grid=tree["G3"], name="赵灵峰", id_number=make_id_number(seq=456)),
    }


# --- list -----------------------------------------------------------------------------


def test_person_list_anonymous_redirects_to_login(tree, page):
    response = page().get(reverse("people:list"))

    assert response.status_code == 302
    assert response.url == "/login/?next=/people/"


def test_person_list_without_permission_is_403(outsider, page):
    assert page(outsider).get(reverse("people:list")).status_code == 403


def test_person_list_is_scoped_and_masked(people, street_admin, page):
    full_number = make_id_number(seq=123)

    response = page(street_admin).get(reverse("people:list"))

    assert [row.person.name for row in response.context["rows"]] == ["王小明", "李红"]
    html = _html(response)
    assert (
        f'<td data-label="身份证号码" class="mono">{full_number[:6]}********{full_number[-4:]}</td>' in html
    )
    assert "330206********" in html
    assert full_number not in html
    assert "赵灵峰" not in html


def test_person_list_masks_phone_for_every_role(people, grid_member, community_worker, page):
    member_html = _html(page(grid_member).get(reverse("people:list")))
    worker_html = _html(page(community_worker).get(reverse("people:list")))

    for html in (member_html, worker_html):
        assert '<td data-label="手机号码" class="mono">138****5678</td>' in html
        assert PHONE not in html


def test_person_list_shows_correction_tag_to_justice_officer_and_logs_it(people, justice_officer, page):
    response = page(justice_officer).get(reverse("people:list"))

    wang = response.context["rows"][0]
    assert [t.label for t in wang.tags] == ["退役军人", "社区矫正对象"]
    assert '<span class="tag tag-sensitive">社区矫正对象</span>' in _html(response)
    logged = list(SensitiveAccess.objects.values_list("user__username", "person__name", "field", "reason"))
    assert logged == [("justice_officer", "王小明", "tag:community_correction", "人员列表")]


def test_person_list_hides_correction_tag_from_street_admin(people, street_admin, page):
    response = page(street_admin).get(reverse("people:list"))

    wang = response.context["rows"][0]
    assert [t.label for t in wang.tags] == ["退役军人"]
    assert "社区矫正对象" not in _html(response)
    assert SensitiveAccess.objects.count() == 0


def test_person_list_searches_by_name_and_filters_by_grid(people, street_admin, page):
    client = page(street_admin)

    by_name = client.get(reverse("people:list"), {"q": "小明"})
    by_grid = client.get(reverse("people:list"), {"grid": "G2"})
    outside_grid = client.get(reverse("people:list"), {"grid": "G3"})

    assert [r.person.name for r in by_name.context["rows"]] == ["王小明"]
    assert [r.person.name for r in by_grid.context["rows"]] == ["李红"]
    assert [r.person.name for r in outside_grid.context["rows"]] == []
    assert "没有符合条件的人员。" in _html(outside_grid)


def test_person_list_htmx_search_answers_only_the_results(people, street_admin, page):
    response = page(street_admin).get(reverse("people:list"), {"q": "李"}, headers={"HX-Request": "true"})

    html = _html(response)
    assert [r.person.name for r in response.context["rows"]] == ["李红"]
    assert "<html" not in html
    assert html.lstrip().startswith("<div")
    assert "HX-Request" in response["Vary"]


def test_person_list_has_no_n_plus_one(tree, street_admin, page, django_assert_max_num_queries):
    for i in range(12):
        grid = tree["G1"] if i % 2 else tree["G2"]
        make_person(grid=grid, name=f"居民{i:02d}", phone=PHONE, tags=[Tag.ELDERLY, Tag.VETERAN])
    client = page(street_admin)
    client.get(reverse("people:list"))  # warm the session

    with django_assert_max_num_queries(11):
        response = client.get(reverse("people:list"))

    assert len(response.context["rows"]) == 12
    assert all([t.label for t in row.tags] == ["退役军人", "老年人"] for row in response.context["rows"])


def test_person_list_paginates_by_50(tree, street_admin, page):
    for i in range(51):
        make_person(grid=tree["G1"], name=f"居民{i:02d}")

    first = page(street_admin).get(reverse("people:list"))
    second = page(street_admin).get(reverse("people:list"), {"page": 2})

    assert len(first.context["rows"]) == 50
    assert [r.person.name for r in second.context["rows"]] == ["居民50"]
    assert "第 1 / 2 页，共 51 条" in _html(first)


# --- detail ---------------------------------------------------------------------------


def test_person_detail_is_masked_with_tags_and_assignments(people, street_admin, page):
    assign_grid_staff(grid=people["wang"].home_grid, person=people["wang"], duty=GridDuty.PARTY_VOLUNTEER)

    response = page(street_admin).get(reverse("people:detail", args=[people["wang"].pk]))

    html = _html(response)
    number = make_id_number(seq=123)
    assert "<h1>王小明</h1>" in html
    assert f'<td class="mono">{number[:6]}********{number[-4:]}</td>' in html
    assert number not in html
    assert '<span class="tag">退役军人</span>' in html
    assert "社区矫正对象" not in html
    assert "<td>党员志愿者</td>" in html
    assert '<a href="/areas/G1/">百合一网格</a>' in html


def test_person_detail_outside_jurisdiction_is_404(people, street_admin, page):
    response = page(street_admin).get(reverse("people:detail", args=[people["zhao"].pk]))

    assert response.status_code == 404


def test_person_detail_shows_reveal_form_only_to_allowed_roles(people, street_admin, grid_member, page):
    url = reverse("people:detail", args=[people["wang"].pk])

    admin_html = _html(page(street_admin).get(url))
    member_html = _html(page(grid_member).get(url))

    reveal_action = f'action="/people/{people["wang"].pk}/reveal-id-number/"'
    assert reveal_action in admin_html
    assert "查看理由" in admin_html
    assert reveal_action not in member_html
    assert "查看完整身份证号码" not in member_html


def test_reveal_id_number_logs_access_and_shows_number(people, street_admin, page):
    url = reverse("people:reveal_id_number", args=[people["wang"].pk])

    response = page(street_admin).post(url, {"reason": "核实低保申请"}, REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    number = make_id_number(seq=123)
    assert f'<strong class="mono revealed-id">{number}</strong>' in _html(response)
    rows = list(SensitiveAccess.objects.values_list("user__username", "field", "reason", "ip_address"))
    assert rows == [("street_admin", "id_number", "核实低保申请", "10.0.0.7")]


def test_reveal_id_number_with_htmx_answers_the_fragment(people, street_admin, page):
    url = reverse("people:reveal_id_number", args=[people["wang"].pk])

    response = page(street_admin).post(url, {"reason": "核实身份"}, headers={"HX-Request": "true"})

    html = _html(response).strip()
    assert html.startswith('<div id="reveal-id-number" class="reveal">')
    assert make_id_number(seq=123) in html
    assert "<html" not in html


def test_reveal_id_number_requires_a_reason(people, street_admin, page):
    url = reverse("people:reveal_id_number", args=[people["wang"].pk])

    empty = page(street_admin).post(url, {"reason": ""}, headers={"HX-Request": "true"})
    short = page(street_admin).post(url, {"reason": "看"}, headers={"HX-Request": "true"})

    assert empty.status_code == 200
    assert empty.context["reveal_form"].errors["reason"] == ["该字段是必填项。"]
    assert short.status_code == 400
    assert "查看完整身份证号码须说明理由（至少 2 个字）" in _html(short)
    assert make_id_number(seq=123) not in _html(short)
    assert SensitiveAccess.objects.count() == 0


def test_reveal_id_number_refused_for_grid_member(people, grid_member, page):
    url = reverse("people:reveal_id_number", args=[people["wang"].pk])

    response = page(grid_member).post(url, {"reason": "好奇"})

    assert response.status_code == 403
    assert "您的角色无权查看完整身份证号码" in _html(response)
    assert make_id_number(seq=123) not in _html(response)
    assert SensitiveAccess.objects.count() == 0


def test_reveal_id_number_outside_jurisdiction_is_404(people, street_admin, page):
    url = reverse("people:reveal_id_number", args=[people["zhao"].pk])

    response = page(street_admin).post(url, {"reason": "核实身份"})

    assert response.status_code == 404
    assert SensitiveAccess.objects.count() == 0


def test_reveal_id_number_is_post_only(people, street_admin, page):
    url = reverse("people:reveal_id_number", args=[people["wang"].pk])

    assert page(street_admin).get(url).status_code == 405


# --- create ---------------------------------------------------------------------------


def _create_data(tree, **overrides):
    data = {
        "name": "孙新人",
        "id_number": make_id_number(seq=789),
        "phone": "13900001111",
        "political_status": PoliticalStatus.PARTY_MEMBER,
        "home_grid": tree["G1"].pk,
        "tags": [Tag.VETERAN],
    }
    data.update(overrides)
    return data


def test_person_create_offers_only_visible_grids(tree, street_admin, grid_member, page):
    admin_form = page(street_admin).get(reverse("people:create")).context["form"]
    member_form = page(grid_member).get(reverse("people:create")).context["form"]

    assert [g.code for g in admin_form.fields["home_grid"].queryset] == ["G1", "G2"]
    assert [g.code for g in member_form.fields["home_grid"].queryset] == ["G1"]
    # Sensitive tags are offered only to roles that may set them.
    assert Tag.COMMUNITY_CORRECTION not in dict(admin_form.fields["tags"].choices)


def test_person_create_registers_through_the_service(tree, street_admin, page):
    response = page(street_admin).post(reverse("people:create"), _create_data(tree), follow=True)

    person = Person.objects.get(name="孙新人")
    assert response.redirect_chain == [(reverse("people:detail", args=[person.pk]), 302)]
    assert (person.area, person.home_grid, person.political_status) == (
        tree["G1"],
        tree["G1"],
        PoliticalStatus.PARTY_MEMBER,
    )
    assert list(person.tags.values_list("tag", flat=True)) == [Tag.VETERAN]
    assert person.decrypt_id_number() == make_id_number(seq=789)
    assert "已登记人员“孙新人”。" in _html(response)


def test_person_create_shows_service_error_on_its_field(tree, street_admin, page):
    bad = make_id_number(seq=789)[:-1] + ("0" if make_id_number(seq=789)[-1] != "0" else "1")

    response = page(street_admin).post(reverse("people:create"), _create_data(tree, id_number=bad))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"]
    assert errors["id_number"][0].startswith("身份证号码校验位错误")
    assert Person.objects.filter(name="孙新人").count() == 0


def test_person_create_reports_duplicate_id_number(tree, people, street_admin, page):
    data = _create_data(tree, id_number=make_id_number(seq=123))

    response = page(street_admin).post(reverse("people:create"), data)

    assert response.context["form"].errors["id_number"] == [
        "该身份证号码已登记，不能重复登记；请在人员列表中查找此人。"
    ]


def test_person_create_rejects_grid_outside_jurisdiction(tree, street_admin, page):
    response = page(street_admin).post(reverse("people:create"), _create_data(tree, home_grid=tree["G3"].pk))

    assert list(response.context["form"].errors) == ["home_grid"]
    assert Person.objects.filter(name="孙新人").count() == 0


def test_person_create_without_permission_is_403(tree, justice_officer, page):
    assert page(justice_officer).get(reverse("people:create")).status_code == 403
