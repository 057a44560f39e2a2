"""Micro-wishes through the API: posting, the life cycle (claim → fulfil with photos →
confirm, and withdraw), invalid transitions, who sees the beneficiary, and the public wall
that shows no beneficiary data at all."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Wish
from tests.factories import make_person

pytestmark = pytest.mark.django_db

WISHES = "/api/v1/wishes/"
WALL = "/api/v1/wishes/wall/"


def url(wish, action=""):
    pk = wish["id"] if isinstance(wish, dict) else wish.pk
    return f"{WISHES}{pk}/{action + '/' if action else ''}"


def error(response):
    return response.json()["error"]


def jpeg(name="proof.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def veteran(tree):
    return make_person(grid=tree["G1"], name="老兵王建国", tags=["veteran"])


@pytest.fixture
def wish(community_worker, veteran):
    return services.post_wish(
        by=community_worker,
        beneficiary=veteran,
        title="一副老花镜",
        category="festival",
        estimated_value="120",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        description="新年心愿：看清孙子的照片",
    )


def test_community_worker_posts_a_wish(api, community_worker, veteran):
    response = api(community_worker).post(
        WISHES,
        {
            "beneficiary": veteran.pk,
            "title": "一台收音机",
            "category": "festival",
            "estimated_value": "80",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("title", "status", "beneficiary", "beneficiary_name", "community")} == {
        "title": "一台收音机",
        "status": "posted",
        "beneficiary": veteran.pk,
        "beneficiary_name": "老兵王建国",
        "community": "百合社区",
    }
    assert [e["action"] for e in body["events"]] == ["post"]


def test_a_volunteer_cannot_post(api, ann, veteran):
    response = api(ann.person.user).post(
        WISHES,
        {
            "beneficiary": veteran.pk,
            "title": "x",
            "category": "daily",
            "estimated_value": "1",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        },
    )

    assert response.status_code == 403
    assert not Wish.objects.filter(title="x").exists()


def test_life_cycle_through_the_api(api, media, community_worker, wish, ann):
    volunteer = api(ann.person.user)

    claimed = volunteer.post(url(wish, "claim"), {"claimer_kind": "volunteer", "phone": "13800138000"})
    fulfilled = volunteer.post(
        url(wish, "fulfil"), {"proof": "已送到老人家中", "photos": [jpeg()]}, format="multipart"
    )
    confirmed = api(community_worker).post(url(wish, "confirm"), {"note": "老人很满意"})

    assert [r.status_code for r in (claimed, fulfilled, confirmed)] == [200, 200, 200]
    assert (claimed.json()["status"], claimed.json()["claimer_name"]) == ("claimed", "安娜")
    assert (fulfilled.json()["status"], fulfilled.json()["photo_count"]) == ("fulfilled", 1)
    body = confirmed.json()
    assert body["status"] == "confirmed"
    assert claimed.json()["claimer_phone"] == "13800138000"  # the claimer's own number
    assert body["claimer_phone"] == "138****8000"  # staff: masked, unmasked only with a reason
    assert [e["action"] for e in body["events"]] == ["post", "claim", "fulfil", "confirm"]


def test_only_the_claimer_reports_fulfilment(api, wish, ann, bob):
    api(ann.person.user).post(url(wish, "claim"), {"claimer_kind": "volunteer"})

    response = api(bob.person.user).post(url(wish, "fulfil"), {"proof": "我送的"})

    assert response.status_code == 403
    assert Wish.objects.get(pk=wish.pk).status == "claimed"


def test_claiming_a_claimed_wish_is_an_invalid_transition(api, wish, ann, bob):
    api(ann.person.user).post(url(wish, "claim"), {"claimer_kind": "volunteer"})

    response = api(bob.person.user).post(url(wish, "claim"), {"claimer_kind": "volunteer"})

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert error(response)["message"] == "心愿当前状态为“已认领”，不能认领。"


def test_confirming_a_posted_wish_is_refused(api, community_worker, wish):
    response = api(community_worker).post(url(wish, "confirm"))

    assert response.status_code == 409
    assert Wish.objects.get(pk=wish.pk).status == "posted"


def test_withdraw(api, community_worker, wish):
    missing = api(community_worker).post(url(wish, "withdraw"), {"reason": ""})
    response = api(community_worker).post(url(wish, "withdraw"), {"reason": "老人已搬离本社区"})

    assert missing.status_code == 400
    assert response.json()["status"] == "withdrawn"


def test_a_donor_from_elsewhere_claims_from_the_wall(api, outsider, wish):
    response = api(outsider).post(
        url(wish, "claim"), {"claimer_kind": "donor", "claimer_name": "爱心企业张总"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["claimer_name"]) == ("claimed", "爱心企业张总")
    # The donor may not see the beneficiary, so the keys are left out.
    assert "beneficiary" not in body
    assert "beneficiary_name" not in body


def test_beneficiary_is_shown_only_to_those_who_may_see_the_person(api, community_worker, ann, wish):
    staff = api(community_worker).get(WISHES).json()["results"][0]
    volunteer = api(ann.person.user).get(WISHES).json()["results"][0]
    volunteer_detail = api(ann.person.user).get(url(wish))

    assert (staff["beneficiary"], staff["beneficiary_name"]) == (wish.beneficiary_id, "老兵王建国")
    assert volunteer["title"] == "一副老花镜"
    assert "beneficiary" not in volunteer
    assert "beneficiary_name" not in volunteer
    assert "老兵王建国" not in volunteer_detail.content.decode()


def test_public_wall_shows_no_beneficiary_data(api, wish, community_worker):
    withdrawn = services.post_wish(
        by=community_worker,
        beneficiary=wish.beneficiary,
        title="已撤回的心愿",
        category="daily",
        estimated_value="10",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    services.withdraw_wish(withdrawn, by=community_worker, reason="重复发布")

    response = api().get(WALL)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": wish.pk,
            "category": "festival",
            "category_display": "节日心愿",
            "title": "一副老花镜",
            "description": "新年心愿：看清孙子的照片",
            "community": "百合社区",
            "estimated_value": "120.00",
            "expires_on": wish.expires_on.isoformat(),
        }
    ]
    text = response.content.decode()
    assert "beneficiary" not in text
    assert "老兵王建国" not in text
    assert "veteran" not in text


def test_claimed_wishes_leave_the_wall(api, wish, ann):
    api(ann.person.user).post(url(wish, "claim"), {"claimer_kind": "volunteer"})

    assert api().get(WALL).json()["count"] == 0


def test_the_wall_filters_by_category(api, wish):
    assert api().get(WALL, {"category": "festival"}).json()["count"] == 1
    assert api().get(WALL, {"category": "study"}).json()["count"] == 0
