"""The volunteer register: the list with its filters, hours and stars (scoped, with data in S2
that could leak, and under a query cap), a volunteer's page, registering a person as staff and
joining as oneself, and the person picker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.accounts.services import assign_role
from gongzhi.people.models import PersonTag
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Affiliation, Volunteer
from tests.factories import UserFactory, make_person
from tests.projects.conftest import make_org
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db

LIST = reverse("volunteers:list")


def approved(volunteer, organization, by, hours: str, days_ago: int = 3):
    record = services.add_manual_record(
        volunteer,
        by=by,
        organization=organization,
        served_on=at(-days_ago).date(),
        hours=hours,
        content="清扫楼道",
        reason="纸质签到补录",
    )
    return services.approve_record(record, by=by)


def names(response) -> list[str]:
    return [v.person.name for v in response.context["volunteers"]]


@pytest.fixture
def far(tree, district_admin):
    """A volunteer of 灵峰义工队 in S2, who must not show to S1's staff or the club's leader."""
    org = make_org(tree["C2"], "灵峰义工队")
    person = make_person(grid=tree["G3"], name="远方")
    return services.register_volunteer(person, by=district_admin, skills=["摄影"], organizations=[org])


@pytest.fixture
def register(ann, bob, carl, far, club, leader, district_admin):
    for days_ago in range(1, 6):  # 5 × 22 = 110 hours: one star
        approved(ann, club, leader, "22", days_ago=days_ago)
    approved(bob, club, leader, "12.5")
    services.adjust_record(approved(carl, club, leader, "8"), by=leader, hours="-2", reason="重复计时")
    return {"ann": ann, "bob": bob, "carl": carl, "far": far}


def test_the_list_shows_hours_stars_and_organizations(register, community_worker, page):
    response = page(community_worker).get(LIST)

    assert response.status_code == 200
    rows = {v.person.name: v for v in response.context["volunteers"]}
    assert sorted(rows) == ["卡尔", "安娜", "鲍勃"]
    assert (str(rows["安娜"].total_hours), rows["安娜"].stars) == ("110.00", 1)
    assert (str(rows["鲍勃"].total_hours), rows["鲍勃"].stars) == ("12.50", 0)
    assert str(rows["卡尔"].total_hours) == "6.00"
    html = response.content.decode()
    assert '<span class="stars" title="1 星">★☆☆☆☆</span>' in html
    assert "红领之家" in html
    assert "远方" not in html


def test_a_district_admin_sees_both_streets(register, district_admin, page):
    assert sorted(names(page(district_admin).get(LIST))) == ["卡尔", "安娜", "远方", "鲍勃"]


def test_the_club_leader_sees_the_club_volunteers_only(register, leader, page):
    assert sorted(names(page(leader).get(LIST))) == ["卡尔", "安娜", "鲍勃"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("party=yes", ["安娜"]),
        ("party=no", ["卡尔", "鲍勃"]),
        ("skill=理发", ["卡尔", "安娜", "鲍勃"]),
        ("skill=摄影", []),  # the match in S2 stays out of sight
        ("under=G1", ["卡尔", "安娜", "鲍勃"]),
        ("under=C2", []),
        ("q=安", ["安娜"]),
        ("q=ZY2026000002", ["鲍勃"]),
    ],
)
def test_the_list_filters(register, street_admin, page, query, expected):
    assert sorted(names(page(street_admin).get(f"{LIST}?{query}"))) == sorted(expected)


def test_the_list_filters_by_organization(register, street_admin, tree, club, page):
    choir = make_org(tree["C1"], "百合合唱团")
    Affiliation.objects.create(volunteer=register["bob"], organization=choir, joined_on=at(-30).date())

    response = page(street_admin).get(f"{LIST}?organization={choir.pk}")

    assert names(response) == ["鲍勃"]


def test_a_skill_filter_finds_a_skill_of_several(register, street_admin, tree, page):
    person = make_person(grid=tree["G2"], name="多才")
    services.register_volunteer(person, by=street_admin, skills=["急救", "法律咨询"])

    assert names(page(street_admin).get(f"{LIST}?skill=法律")) == ["多才"]


def test_a_volunteer_is_sent_to_their_own_page(ann, page):
    response = page(ann.person.user).get(LIST)

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:me")


def test_someone_not_registered_is_sent_on_to_join(outsider, page):
    client = page(outsider)

    response = client.get(LIST, follow=True)

    assert response.redirect_chain == [(reverse("volunteers:me"), 302), (reverse("volunteers:join"), 302)]
    assert "您的账号还没有关联居民信息" in response.content.decode()


def test_the_list_query_count_is_capped(
    tree, club, leader, community_worker, page, django_assert_max_num_queries
):
    for i in range(25):
        volunteer = make_volunteer(tree, club, f"v{i:02d}", f"志愿者{i:02d}")
        approved(volunteer, club, leader, "2")
    client = page(community_worker)

    # session, user, perms (2), roles, led organizations, count, rows, affiliations, policies,
    # the top bar's roles, the organization filter's options
    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    assert len(response.context["volunteers"]) == 25
    assert {str(v.total_hours) for v in response.context["volunteers"]} == {"2.00"}
    assert all(len(v.current_affiliations) == 1 for v in response.context["volunteers"])


def test_the_nav_links_to_volunteer_service(community_worker, page):
    html = page(community_worker).get(reverse("home")).content.decode()

    assert 'href="/volunteers/"' in html
    assert "志愿服务" in html


# --- a volunteer's page -------------------------------------------------------------------------


def test_the_detail_shows_hours_organizations_and_records(register, ann, street_admin, page):
    response = page(street_admin).get(reverse("volunteers:detail", args=[ann.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["summary"]["hours"] == 110
    assert response.context["progress"]["remaining"] == 190
    assert "距下一星级（300 小时）还差 190.00 小时" in html
    assert "红领之家" in html
    assert html.count("清扫楼道") == 5


def test_the_detail_outside_the_jurisdiction_is_not_found(register, street_admin, leader, bob, page):
    far = register["far"]

    assert page(street_admin).get(reverse("volunteers:detail", args=[far.pk])).status_code == 404
    assert page(leader).get(reverse("volunteers:detail", args=[far.pk])).status_code == 404
    assert (
        page(bob.person.user).get(reverse("volunteers:detail", args=[register["ann"].pk])).status_code == 404
    )


def test_the_detail_shows_ordinary_tags_and_hides_sensitive_ones(
    ann, club, district_admin, justice_officer, leader, page
):
    PersonTag.objects.create(person=ann.person, tag="veteran")
    services.assign_correction(ann.person, by=justice_officer, organization=club, starts_on=at(-30).date())
    url = reverse("volunteers:detail", args=[ann.pk])

    for user in (district_admin, leader):
        html = page(user).get(url).content.decode()
        assert "退役军人" in html
        assert "社区矫正" not in html
        assert "矫正" not in html


def test_a_volunteer_sees_their_own_detail(ann, page):
    response = page(ann.person.user).get(reverse("volunteers:detail", args=[ann.pk]))

    assert response.status_code == 200
    assert response.context["is_self"] is True


# --- registering ----------------------------------------------------------------------------------


def test_a_community_worker_registers_a_resident(tree, club, community_worker, page):
    person = make_person(grid=tree["G2"], name="新人")

    response = page(community_worker).post(
        reverse("volunteers:register"),
        {
            "person": person.pk,
            "skills": "急救、摄影，书法",
            "availability": "周末",
            "organizations": [club.pk],
            "registered_on": "",
        },
    )

    volunteer = Volunteer.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:detail", args=[volunteer.pk])
    assert volunteer.skills == ["急救", "摄影", "书法"]
    assert list(volunteer.affiliations.values_list("organization__name", flat=True)) == ["红领之家"]


def test_registering_a_person_outside_the_jurisdiction_is_refused(tree, community_worker, page):
    person = make_person(grid=tree["G3"], name="外街")

    response = page(community_worker).post(reverse("volunteers:register"), {"person": person.pk})

    assert response.status_code == 400
    assert "person" in response.context["form"].errors
    assert not Volunteer.objects.filter(person=person).exists()


def test_registering_someone_twice_says_so(ann, community_worker, page):
    response = page(community_worker).post(reverse("volunteers:register"), {"person": ann.person.pk})

    assert response.status_code == 409
    assert "“安娜”已是注册志愿者。" in response.content.decode()


def test_registering_needs_a_role_that_may(grid_member, ann, page):
    assert page(grid_member).get(reverse("volunteers:register")).status_code == 403
    assert page(ann.person.user).get(reverse("volunteers:register")).status_code == 403


def test_a_leader_registers_a_member_of_their_club(tree, club, leader, page):
    from gongzhi.organizations.models import Membership

    member = make_person(grid=tree["G1"], name="会员")
    Membership.objects.create(organization=club, person=member)

    response = page(leader).post(
        reverse("volunteers:register"), {"person": member.pk, "organizations": [club.pk]}
    )

    assert response.status_code == 302
    assert Volunteer.objects.get(person=member).affiliations.get().organization == club


def test_a_signed_in_resident_joins(tree, club, page):
    user = UserFactory(username="eve")
    assign_role(user, role="volunteer", area=tree["C1"])
    person = make_person(grid=tree["G2"], name="伊娃")
    person.user = user
    person.save(update_fields=["user"])
    client = page(user)

    form = client.get(reverse("volunteers:join"))
    response = client.post(
        reverse("volunteers:join"), {"skills": "摄影", "availability": "周末上午", "organizations": [club.pk]}
    )

    volunteer = Volunteer.objects.get(person=person)
    assert "以 伊娃" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:me")
    assert (volunteer.skills, volunteer.availability) == (["摄影"], "周末上午")
    assert volunteer.affiliations.get().organization == club


def test_joining_again_goes_to_my_page(ann, page):
    response = page(ann.person.user).get(reverse("volunteers:join"))

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:me")


# --- the person picker ----------------------------------------------------------------------------


def test_the_picker_finds_people_in_the_jurisdiction_only(tree, community_worker, page):
    make_person(grid=tree["G1"], name="张三")
    make_person(grid=tree["G3"], name="张四")

    response = page(community_worker).get(
        reverse("volunteers:person_options"), {"for": "register", "q": "张"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "张三" in html
    assert "张四" not in html
    assert 'name="person"' in html


def test_the_correction_picker_is_the_justice_role_s_alone(tree, community_worker, justice_officer, page):
    make_person(grid=tree["G1"], name="张三")
    url = reverse("volunteers:person_options")

    assert page(community_worker).get(url, {"for": "correction", "q": "张"}).status_code == 404
    assert "张三" in page(justice_officer).get(url, {"for": "correction", "q": "张"}).content.decode()
