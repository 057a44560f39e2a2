"""Micro-wishes through the pages: the public wall never names the beneficiary (with
beneficiaries on record that could leak), the staff list and posting form, claiming (signed
in, as a volunteer, donor or organization), fulfilling with a photo, confirming and withdrawing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Wish
from tests.factories import make_person
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

WALL = reverse("wish-wall")
WISHES = reverse("volunteers:wishes")


def jpeg(name: str = "done.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def elder(tree):
    return make_person(grid=tree["G1"], name="李秀英奶奶", phone="13800001111")


@pytest.fixture
def veteran(tree):
    return make_person(grid=tree["G2"], name="王建国", phone="13900002222")


@pytest.fixture
def wishes(tree, elder, veteran, community_worker, district_admin):
    glasses = services.post_wish(
        by=community_worker,
        beneficiary=elder,
        title="一副老花镜",
        category="health",
        estimated_value="80",
        expires_on=at(20).date(),
        description="想看清报纸上的字",
    )
    dumplings = services.post_wish(
        by=community_worker,
        beneficiary=veteran,
        title="和志愿者一起包饺子",
        category="festival",
        estimated_value="50",
        expires_on=at(20).date(),
        description="退役军人的新年心愿",
    )
    far = services.post_wish(
        by=district_admin,
        beneficiary=make_person(grid=tree["G3"], name="赵大爷"),
        title="一台收音机",
        category="daily",
        estimated_value="120",
        expires_on=at(20).date(),
    )
    return {"glasses": glasses, "dumplings": dumplings, "far": far}


# --- the public wall ----------------------------------------------------------------------------------


def test_the_wall_shows_wishes_without_the_beneficiary(wishes, elder, veteran, page):
    response = page().get(WALL)

    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "一副老花镜",
        "想看清报纸上的字",
        "医疗健康",
        "百合社区",
        "约 80.00 元",
        "和志愿者一起包饺子",
        "灵峰社区",
    ):
        assert text in html, text
    for secret in (elder.name, veteran.name, "赵大爷", "李", elder.phone, elder.id_number_masked, "网格"):
        assert secret not in html, secret


def test_the_wall_never_reads_the_beneficiary(wishes, page):
    response = page().get(WALL)

    assert all("beneficiary" not in "".join(row) for row in response.context["wishes"])
    assert sorted(response.context["wishes"][0]) == sorted(
        [
            "pk",
            "title",
            "category",
            "category_label",
            "description",
            "estimated_value",
            "area__name",
            "expires_on",
            "created_at",
        ]
    )


def test_the_wall_hides_claimed_withdrawn_and_expired_wishes(wishes, ann, community_worker, page):
    services.claim_wish(wishes["glasses"], by=ann.person.user, claimer_kind="volunteer")
    services.withdraw_wish(wishes["dumplings"], by=community_worker, reason="已由家属满足")
    Wish.objects.filter(pk=wishes["far"].pk).update(expires_on=at(-1).date())

    response = page().get(WALL)

    assert response.context["wishes"] == []
    assert "心愿都已被认领，谢谢大家！" in response.content.decode()


def test_the_wall_filters_by_category(wishes, page):
    response = page().get(WALL, {"category": "festival"})

    assert [w["title"] for w in response.context["wishes"]] == ["和志愿者一起包饺子"]


def test_the_wall_query_count_is_capped(tree, community_worker, page, django_assert_max_num_queries):
    for i in range(30):
        services.post_wish(
            by=community_worker,
            beneficiary=make_person(grid=tree["G1"], name=f"居民{i}"),
            title=f"心愿{i}",
            category="daily",
            estimated_value="10",
            expires_on=at(10).date(),
        )
    client = page()

    with django_assert_max_num_queries(2):  # count, rows
        response = client.get(WALL)

    assert len(response.context["wishes"]) == 24


# --- staff ------------------------------------------------------------------------------------------------


def test_the_staff_list_names_beneficiaries_in_the_jurisdiction(wishes, community_worker, page):
    response = page(community_worker).get(WISHES)

    html = response.content.decode()
    assert sorted(w.title for w in response.context["wishes"]) == ["一副老花镜", "和志愿者一起包饺子"]
    assert "李秀英奶奶" in html
    assert "一台收音机" not in html


def test_volunteers_and_leaders_are_sent_to_the_wall(ann, leader, page):
    for user in (ann.person.user, leader):
        response = page(user).get(WISHES)
        assert response.status_code == 302
        assert response["Location"] == WALL


def test_the_staff_list_query_count_is_capped(tree, community_worker, page, django_assert_max_num_queries):
    for i in range(25):
        services.post_wish(
            by=community_worker,
            beneficiary=make_person(grid=tree["G1"], name=f"居民{i}"),
            title=f"心愿{i}",
            category="daily",
            estimated_value="10",
            expires_on=at(10).date(),
        )
    client = page(community_worker)

    # session, user, perms (2), roles, count, rows, led organizations, the top bar's roles
    with django_assert_max_num_queries(9):
        response = client.get(WISHES)

    assert len(response.context["wishes"]) == 25


def test_a_community_worker_posts_a_wish(elder, community_worker, page):
    response = page(community_worker).post(
        reverse("volunteers:wish_create"),
        {
            "beneficiary": elder.pk,
            "title": "冬天的棉拖鞋",
            "category": "daily",
            "estimated_value": "45.5",
            "expires_on": at(15).date().isoformat(),
            "claim_days": 10,
            "description": "42 码",
        },
    )

    wish = Wish.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:wish", args=[wish.pk])
    assert (wish.beneficiary, wish.estimated_value, wish.claim_days, wish.area.code) == (
        elder,
        Decimal("45.50"),
        10,
        "C1",
    )


def test_posting_for_a_resident_of_another_street_is_refused(tree, community_worker, page):
    outsider_elder = make_person(grid=tree["G3"], name="赵大爷")

    response = page(community_worker).post(
        reverse("volunteers:wish_create"),
        {
            "beneficiary": outsider_elder.pk,
            "title": "收音机",
            "category": "daily",
            "estimated_value": "10",
            "expires_on": at(15).date().isoformat(),
            "claim_days": 10,
        },
    )

    assert response.status_code == 400
    assert "beneficiary" in response.context["form"].errors
    assert not Wish.objects.exists()


def test_posting_needs_the_permission(ann, grid_member, page):
    assert page(ann.person.user).get(reverse("volunteers:wish_create")).status_code == 403
    assert page(grid_member).get(reverse("volunteers:wish_create")).status_code == 403


# --- claim, fulfil, confirm, withdraw -------------------------------------------------------------------


def test_claiming_needs_signing_in(wishes, page):
    url = reverse("volunteers:wish_claim", args=[wishes["glasses"].pk])

    response = page().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_a_volunteer_claims_from_the_wall(wishes, ann, elder, page):
    client = page(ann.person.user)
    url = reverse("volunteers:wish_claim", args=[wishes["glasses"].pk])

    form = client.get(url)
    response = client.post(url, {"claimer_kind": "volunteer", "phone": "13700003333"}, follow=True)

    wish = Wish.objects.get(pk=wishes["glasses"].pk)
    assert elder.name not in form.content.decode()
    assert (wish.status, wish.claimer_kind, wish.claimer_name, wish.claimed_by) == (
        "claimed",
        "volunteer",
        "安娜",
        ann.person.user,
    )
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("volunteers:wish", args=[wish.pk]), 302)]
    assert "认领成功！" in html
    assert elder.name not in html  # the claimer sees the wish, not who it is for
    assert "提交完成情况" in html


def test_a_donor_without_a_role_claims_in_their_own_name(wishes, outsider, page):
    response = page(outsider).post(
        reverse("volunteers:wish_claim", args=[wishes["dumplings"].pk]),
        {"claimer_kind": "donor", "claimer_name": "爱心市民陈先生", "phone": ""},
    )

    wish = Wish.objects.get(pk=wishes["dumplings"].pk)
    assert response.status_code == 302
    assert (wish.claimer_kind, wish.claimer_name) == ("donor", "爱心市民陈先生")


def test_a_leader_claims_for_their_organization(wishes, club, leader, page):
    response = page(leader).post(
        reverse("volunteers:wish_claim", args=[wishes["glasses"].pk]),
        {"claimer_kind": "organization", "organization": club.pk},
    )

    wish = Wish.objects.get(pk=wishes["glasses"].pk)
    assert response.status_code == 302
    assert (wish.claimer_kind, wish.claimer_name, wish.claimer_organization) == (
        "organization",
        "红领之家",
        club,
    )


def test_claiming_as_a_volunteer_without_registering_is_explained(wishes, outsider, page):
    response = page(outsider).post(
        reverse("volunteers:wish_claim", args=[wishes["glasses"].pk]), {"claimer_kind": "volunteer"}
    )

    assert response.status_code == 400
    assert "您还不是注册志愿者，请以爱心人士身份认领或先注册。" in response.content.decode()


def test_a_claimed_wish_cannot_be_claimed_again(wishes, ann, bob, page):
    services.claim_wish(wishes["glasses"], by=ann.person.user, claimer_kind="volunteer")

    response = page(bob.person.user).get(reverse("volunteers:wish_claim", args=[wishes["glasses"].pk]))

    assert response.status_code == 404


def test_the_claimer_fulfils_with_a_photo_and_the_worker_confirms(wishes, ann, community_worker, media, page):
    wish = services.claim_wish(wishes["glasses"], by=ann.person.user, claimer_kind="volunteer")
    claimer = page(ann.person.user)

    fulfilled = claimer.post(
        reverse("volunteers:wish_action", args=[wish.pk, "fulfil"]),
        {"proof": "已送到李奶奶家并试戴合适", "photos": [jpeg()]},
    )
    photo = wish.photos.get()
    thumb = claimer.get(reverse("volunteers:wish_photo", args=[wish.pk, photo.pk]))
    thumb_bytes = b"".join(thumb.streaming_content)
    worker = page(community_worker)
    detail = worker.get(reverse("volunteers:wish", args=[wish.pk])).content.decode()
    confirmed = worker.post(
        reverse("volunteers:wish_action", args=[wish.pk, "confirm"]), {"note": "电话回访确认"}
    )

    wish.refresh_from_db()
    assert fulfilled.status_code == 302
    assert thumb.status_code == 200
    assert thumb["Content-Type"] == "image/jpeg"
    assert thumb_bytes.startswith(b"\xff\xd8")
    assert "与心愿人确认完成" in detail
    assert "李秀英奶奶" in detail
    assert confirmed.status_code == 302
    assert wish.status == "confirmed"
    assert [e.action for e in wish.events.all()] == ["post", "claim", "fulfil", "confirm"]


def test_fulfilling_needs_a_note(wishes, ann, page):
    wish = services.claim_wish(wishes["glasses"], by=ann.person.user, claimer_kind="volunteer")

    response = page(ann.person.user).post(
        reverse("volunteers:wish_action", args=[wish.pk, "fulfil"]), {"proof": ""}
    )

    assert response.status_code == 400
    assert "请说明心愿完成情况。" in response.content.decode()
    assert Wish.objects.get(pk=wish.pk).status == "claimed"


def test_only_the_claimer_may_fulfil(wishes, ann, bob, page):
    wish = services.claim_wish(wishes["glasses"], by=ann.person.user, claimer_kind="volunteer")

    response = page(bob.person.user).post(
        reverse("volunteers:wish_action", args=[wish.pk, "fulfil"]), {"proof": "我送的"}
    )

    assert response.status_code == 403
    assert "只有认领人可以提交完成情况。" in response.content.decode()
    assert Wish.objects.get(pk=wish.pk).status == "claimed"


def test_the_worker_withdraws_a_wish_with_a_reason(wishes, community_worker, page):
    client = page(community_worker)
    url = reverse("volunteers:wish_action", args=[wishes["dumplings"].pk, "withdraw"])

    refused = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "心愿人已搬离"})

    assert refused.status_code == 400
    assert "请填写撤回原因。" in refused.content.decode()
    assert done.status_code == 302
    assert Wish.objects.get(pk=wishes["dumplings"].pk).status == "withdrawn"


def test_a_wish_of_another_street_is_not_found(wishes, community_worker, page):
    assert page(community_worker).get(reverse("volunteers:wish", args=[wishes["far"].pk])).status_code == 404


def test_a_leader_sees_a_wish_without_its_beneficiary(wishes, leader, page):
    response = page(leader).get(reverse("volunteers:wish", args=[wishes["glasses"].pk]))

    assert response.status_code == 200
    assert "一副老花镜" in response.content.decode()
    assert "李秀英奶奶" not in response.content.decode()


def test_the_org_name_is_in_the_claim_form_for_leaders_only(wishes, ann, leader, page):
    url = reverse("volunteers:wish_claim", args=[wishes["glasses"].pk])

    assert "红领之家" in page(leader).get(url).content.decode()
    assert 'value="organization"' not in page(ann.person.user).get(url).content.decode()
