"""我的志愿服务: my hours, star level and the way to the next star, my sign-ups with a cancel
button until the cut-off, my records, and the wishes I claimed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Activity, Signup, VolunteerPolicy
from tests.factories import make_person
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

ME = reverse("volunteers:me")


def approved(volunteer, club, leader, hours: str, days_ago: int):
    record = services.add_manual_record(
        volunteer,
        by=leader,
        organization=club,
        served_on=at(-days_ago).date(),
        hours=hours,
        content="楼道清扫",
        reason="纸质签到补录",
    )
    return services.approve_record(record, by=leader)


def test_my_page_shows_hours_stars_and_progress(tree, ann, club, leader, page):
    VolunteerPolicy.objects.create(area=tree["D"], star_thresholds=[10, 20, 30, 40, 50])
    approved(ann, club, leader, "12", days_ago=3)
    approved(ann, club, leader, "3", days_ago=2)
    pending = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-1).date(), hours="2", content="义诊", reason="补录"
    )

    response = page(ann.person.user).get(ME)

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["summary"]["hours"] == 15
    assert response.context["summary"]["star_level"] == 1
    assert response.context["progress"] == {"percent": 50, "remaining": 5, "target": 20}
    assert '<span class="stars">★☆☆☆☆</span>' in html
    assert "距下一星级（20 小时）还差 5.00 小时" in html
    assert html.count("楼道清扫") == 2
    assert "义诊" in html
    assert pending.status == "pending"


def test_my_sign_ups_offer_cancel_before_the_cut_off_only(tree, activity, ann, club, leader, page):
    soon = services.create_activity(
        by=leader,
        organizer=club,
        title="马上开始的活动",
        category="greening",
        area=tree["C1"],
        place="公园",
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
        capacity=3,
    )
    open_signup = services.sign_up(activity, ann, by=ann.person.user)
    late_signup = services.sign_up(soon, ann, by=ann.person.user)

    html = page(ann.person.user).get(ME).content.decode()

    assert f'action="/volunteers/signups/{open_signup.pk}/cancel/"' in html
    assert f'action="/volunteers/signups/{late_signup.pk}/cancel/"' not in html
    assert "已过取消截止时间，如不能参加请联系组织方。" in html


def test_cancelling_from_my_page_comes_back_to_it(activity, ann, page):
    signup = services.sign_up(activity, ann, by=ann.person.user)
    client = page(ann.person.user)

    response = client.post(reverse("volunteers:signup_cancel", args=[signup.pk]), {"next": ME})

    assert response.status_code == 302
    assert response["Location"] == ME
    assert Signup.objects.get(pk=signup.pk).status == "cancelled"
    assert "暂无报名。" in client.get(ME).content.decode()


def test_a_next_address_off_the_site_is_ignored(activity, ann, page):
    signup = services.sign_up(activity, ann, by=ann.person.user)

    response = page(ann.person.user).post(
        reverse("volunteers:signup_cancel", args=[signup.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("volunteers:activity", args=[activity.pk])


def test_my_waitlisted_sign_up_shows_its_position(activity, ann, bob, carl, page):
    for volunteer in (ann, bob, carl):
        services.sign_up(activity, volunteer, by=volunteer.person.user)

    html = page(carl.person.user).get(ME).content.decode()

    assert '<span class="badge signup-waitlisted">候补 · 第 1 位</span>' in html


def test_my_cancelled_activity_is_gone_from_my_sign_ups(activity, ann, leader, page):
    services.sign_up(activity, ann, by=ann.person.user)
    services.cancel_activity(activity, by=leader, reason="下雨")

    html = page(ann.person.user).get(ME).content.decode()

    assert Activity.objects.get(pk=activity.pk).status == "cancelled"
    assert "重阳敬老理发" not in html


def test_my_claimed_wishes_are_listed(tree, ann, community_worker, page):
    elder = make_person(grid=tree["G1"], name="李奶奶")
    wish = services.post_wish(
        by=community_worker,
        beneficiary=elder,
        title="一副老花镜",
        category="health",
        estimated_value="80",
        expires_on=at(20).date(),
    )
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")

    html = page(ann.person.user).get(ME).content.decode()

    assert "一副老花镜" in html
    assert '<span class="badge wish-claimed">已认领</span>' in html
    assert "李奶奶" not in html


def test_someone_not_registered_is_sent_to_join(outsider, page):
    response = page(outsider).get(ME)

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:join")


def test_my_page_needs_signing_in(page):
    response = page().get(ME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
