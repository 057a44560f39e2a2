"""Activities through the pages: the list (upcoming first, counts, filters, scope, query cap),
publishing one, signing up and cancelling (waitlist included), cancelling an activity, the
rotating QR display, the check-in page a phone opens (valid, expired, forged and replayed
tokens) and the organizer's roster."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Activity, ServiceRecord, Signup
from tests.projects.conftest import make_org
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

ACTIVITIES = reverse("volunteers:activities")


def detail(activity) -> str:
    return reverse("volunteers:activity", args=[activity.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def make_activity(tree, club, leader, title, *, start, end, category="elder_care", area="C1", **kwargs):
    kwargs.setdefault("signup_opens_at", min(start, timezone.now()) - datetime.timedelta(days=1))
    kwargs.setdefault("signup_closes_at", end)
    return services.create_activity(
        by=leader,
        organizer=club,
        title=title,
        category=category,
        area=tree[area],
        place="百合社区活动室",
        starts_at=start,
        ends_at=end,
        capacity=kwargs.pop("capacity", 5),
        **kwargs,
    )


@pytest.fixture
def running(tree, club, leader, ann):
    """An activity under way (began ten minutes ago, ends in an hour) with ann signed up."""
    now = timezone.now()
    activity = make_activity(
        tree,
        club,
        leader,
        "护绿行动",
        start=now - datetime.timedelta(minutes=10),
        end=now + datetime.timedelta(hours=1),
        category="greening",
    )
    services.sign_up(activity, ann, by=ann.person.user)
    return activity


# --- the list -------------------------------------------------------------------------------------


@pytest.fixture
def listed(tree, club, leader, activity, ann, bob, carl, district_admin):
    past = make_activity(tree, club, leader, "上周捡垃圾", start=at(-7, 9), end=at(-7, 11), category="litter")
    later = make_activity(tree, club, leader, "普法讲座", start=at(3, 14), end=at(3, 16), category="legal")
    s2_org = make_org(tree["C2"], "灵峰义工队")
    far = make_activity(tree, s2_org, district_admin, "灵峰敬老", start=at(2, 9), end=at(2, 11), area="C2")
    for volunteer in (ann, bob, carl):
        services.sign_up(activity, volunteer, by=volunteer.person.user)
    return {"soon": activity, "later": later, "past": past, "far": far}


def titles(response) -> list[str]:
    return [a.title for a in response.context["activities"]]


def test_the_list_puts_upcoming_first_with_counts(listed, ann, page):
    response = page(ann.person.user).get(ACTIVITIES)

    assert titles(response) == ["重阳敬老理发", "普法讲座", "上周捡垃圾"]
    soon = response.context["activities"][0]
    assert (soon.confirmed, soon.waitlisted, soon.my_signup.status) == (2, 1, "confirmed")
    html = response.content.decode()
    assert "已报名 2/2" in html
    assert "候补 1" in html
    assert "灵峰敬老" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=legal", ["普法讲座"]),
        ("when=past", ["上周捡垃圾"]),
        ("when=upcoming", ["重阳敬老理发", "普法讲座"]),
        ("q=敬老", ["重阳敬老理发"]),
    ],
)
def test_the_list_filters(listed, street_admin, page, query, expected):
    assert titles(page(street_admin).get(f"{ACTIVITIES}?{query}")) == expected


def test_the_list_filters_by_organizer(listed, district_admin, page):
    far = listed["far"]

    response = page(district_admin).get(f"{ACTIVITIES}?organizer={far.organizer_id}")

    assert titles(response) == ["灵峰敬老"]


def test_someone_without_a_role_sees_no_activities(listed, outsider, page):
    response = page(outsider).get(ACTIVITIES)

    assert response.status_code == 200
    assert titles(response) == []
    assert "报名活动需要先注册为志愿者。" in response.content.decode()


def test_the_list_query_count_is_capped(tree, club, leader, ann, page, django_assert_max_num_queries):
    for i in range(20):
        activity = make_activity(tree, club, leader, f"活动{i:02d}", start=at(2 + i, 9), end=at(2 + i, 11))
        services.sign_up(activity, ann, by=ann.person.user)
    client = page(ann.person.user)

    # session, user, perms (2), roles, organizers, count, rows, volunteer, my sign-ups,
    # led organizations, the top bar's roles and projects link
    with django_assert_max_num_queries(13):
        response = client.get(ACTIVITIES)

    assert len(response.context["activities"]) == 20
    assert {a.my_signup.status for a in response.context["activities"]} == {"confirmed"}


# --- publishing -------------------------------------------------------------------------------------


def activity_form(tree, club, **overrides):
    data = {
        "organizer": club.pk,
        "title": "敬老院包饺子",
        "category": "elder_care",
        "area": tree["C1"].pk,
        "place": "百合社区敬老院",
        "starts_at": at(5, 9).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(5, 11).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 8,
        "signup_opens_at": "",
        "signup_closes_at": "",
        "cancel_cutoff_hours": 2,
        "team": "",
        "alliance": "",
        "project": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_a_leader_publishes_an_activity(tree, club, leader, page):
    client = page(leader)

    form = client.get(reverse("volunteers:activity_create"))
    response = client.post(reverse("volunteers:activity_create"), activity_form(tree, club))

    activity = Activity.objects.get(title="敬老院包饺子")
    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == detail(activity)
    assert (activity.organizer, activity.area, activity.capacity) == (club, tree["C1"], 8)
    assert activity.starts_at == at(5, 9)
    assert activity.signup_closes_at == at(5, 9)


def test_publishing_shows_the_service_s_message(tree, club, leader, page):
    data = activity_form(tree, club, ends_at=at(5, 8).strftime("%Y-%m-%dT%H:%M"))

    response = page(leader).post(reverse("volunteers:activity_create"), data)

    assert response.status_code == 400
    assert "结束时间须晚于开始时间。" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_volunteer_may_not_publish(ann, page):
    assert page(ann.person.user).get(reverse("volunteers:activity_create")).status_code == 403


def test_a_leader_cannot_publish_for_another_organization(tree, club, leader, page):
    other = make_org(tree["C1"], "百合合唱团")

    response = page(leader).post(reverse("volunteers:activity_create"), activity_form(tree, other))

    assert response.status_code == 400
    assert "organizer" in response.context["form"].errors
    assert not Activity.objects.exists()


# --- sign-up and cancel -------------------------------------------------------------------------------


def test_signing_up_through_the_page(activity, ann, page):
    client = page(ann.person.user)

    response = client.post(reverse("volunteers:signup", args=[activity.pk]), follow=True)

    signup = Signup.objects.get(activity=activity, volunteer=ann)
    assert signup.status == "confirmed"
    assert "报名成功：重阳敬老理发。" in response.content.decode()
    assert '<span class="badge signup-confirmed">已报名</span>' in response.content.decode()


def test_the_third_volunteer_is_waitlisted_and_sees_the_position(activity, ann, bob, carl, page):
    for volunteer in (ann, bob):
        services.sign_up(activity, volunteer, by=volunteer.person.user)
    client = page(carl.person.user)

    response = client.post(reverse("volunteers:signup", args=[activity.pk]), follow=True)

    assert Signup.objects.get(activity=activity, volunteer=carl).status == "waitlisted"
    html = response.content.decode()
    assert "名额已满，您已进入候补名单（第 1 位），有人取消时将自动递补。" in html
    assert "候补第 1 位" in html


def test_cancelling_through_the_page_promotes_the_waitlist(activity, ann, bob, carl, page):
    signups = {v.pk: services.sign_up(activity, v, by=v.person.user) for v in (ann, bob, carl)}
    client = page(ann.person.user)

    html = client.get(detail(activity)).content.decode()
    response = client.post(reverse("volunteers:signup_cancel", args=[signups[ann.pk].pk]))

    assert 'action="/volunteers/signups/' in html
    assert response.status_code == 302
    assert response["Location"] == detail(activity)
    assert Signup.objects.get(pk=signups[ann.pk].pk).status == "cancelled"
    assert Signup.objects.get(pk=signups[carl.pk].pk).status == "confirmed"


def test_after_the_cut_off_there_is_no_cancel_button_and_cancelling_is_refused(activity, ann, page):
    signup = services.sign_up(activity, ann, by=ann.person.user)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
    )
    client = page(ann.person.user)

    html = client.get(detail(activity)).content.decode()
    response = client.post(reverse("volunteers:signup_cancel", args=[signup.pk]), follow=True)

    assert "已过取消截止时间，如不能参加请联系组织方。" in html
    assert f'action="/volunteers/signups/{signup.pk}/cancel/"' not in html
    assert "小时内不能取消报名" in response.content.decode()
    assert Signup.objects.get(pk=signup.pk).status == "confirmed"


def test_another_volunteer_cannot_cancel_ann_s_sign_up(activity, ann, bob, page):
    signup = services.sign_up(activity, ann, by=ann.person.user)

    response = page(bob.person.user).post(reverse("volunteers:signup_cancel", args=[signup.pk]))

    assert response.status_code == 404
    assert Signup.objects.get(pk=signup.pk).status == "confirmed"


def test_staff_who_are_not_volunteers_are_asked_to_join(activity, community_worker, page):
    response = page(community_worker).post(reverse("volunteers:signup", args=[activity.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:join")
    assert messages_of(response) == ["请先注册成为志愿者，再报名活动。"]


def test_an_activity_of_another_street_is_not_found(listed, ann, page):
    response = page(ann.person.user).get(detail(listed["far"]))

    assert response.status_code == 404


# --- cancelling an activity ---------------------------------------------------------------------------


def test_the_organizer_cancels_the_activity(activity, ann, leader, page):
    services.sign_up(activity, ann, by=ann.person.user)

    response = page(leader).post(
        reverse("volunteers:activity_cancel", args=[activity.pk]), {"reason": "台风预警"}
    )

    activity.refresh_from_db()
    assert response.status_code == 302
    assert activity.status == "cancelled"
    assert Signup.objects.get(volunteer=ann).status == "cancelled"


def test_cancelling_without_a_reason_says_so(activity, leader, page):
    response = page(leader).post(reverse("volunteers:activity_cancel", args=[activity.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "请填写取消原因。" in response.content.decode()
    assert Activity.objects.get(pk=activity.pk).status == "open"


def test_a_volunteer_cannot_cancel_the_activity(activity, ann, page):
    client = page(ann.person.user)

    html = client.get(detail(activity)).content.decode()
    response = client.post(reverse("volunteers:activity_cancel", args=[activity.pk]), {"reason": "不想去"})

    assert "签到二维码" not in html
    assert response.status_code == 403
    assert Activity.objects.get(pk=activity.pk).status == "open"


# --- the QR display ------------------------------------------------------------------------------------


def token_of(html: str) -> str:
    return re.search(r'data-token="([^"]+)"', html).group(1)


def test_the_qr_display_shows_a_fresh_signed_token(running, leader, page):
    response = page(leader).get(reverse("volunteers:qr", args=[running.pk]), {"purpose": "in"})

    html = response.content.decode()
    token = token_of(html)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "<svg" in html
    assert 'hx-trigger="every 30s"' in html
    assert "扫码签到" in html
    assert services.read_qr_token(running, token, "in")
    link = re.search(r'href="([^"]+)" data-check-url', html).group(1).replace("&amp;", "&")
    assert link == f"http://testserver/volunteers/activities/{running.pk}/check/?t={quote(token)}&purpose=in"


def test_the_qr_display_refreshes_as_a_partial_with_a_new_token(running, leader, page):
    client = page(leader)
    url = reverse("volunteers:qr", args=[running.pk])

    first = token_of(client.get(url, {"purpose": "out"}).content.decode())
    response = client.get(url, {"purpose": "out"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="qr-code"')
    assert token_of(html) != first
    assert services.read_qr_token(running, token_of(html), "out")


def test_volunteers_cannot_open_the_qr_display(running, ann, page):
    assert page(ann.person.user).get(reverse("volunteers:qr", args=[running.pk])).status_code == 403


# --- the check-in page ----------------------------------------------------------------------------------


def check_url(activity, token, purpose="in") -> str:
    return f"{reverse('volunteers:check', args=[activity.pk])}?t={quote(token)}&purpose={purpose}"


def test_the_check_in_page_asks_to_sign_in_first_and_comes_back(running, page):
    url = check_url(running, services.make_qr_token(running, "in"))

    response = page().get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url, safe='/')}"


def test_a_volunteer_checks_in_with_a_valid_token(running, ann, page):
    client = page(ann.person.user)
    url = check_url(running, services.make_qr_token(running, "in"))

    shown = client.get(url)
    response = client.post(url, {"t": shown.context["token"], "purpose": "in"}, follow=True)

    signup = Signup.objects.get(activity=running, volunteer=ann)
    assert "确认签到" in shown.content.decode()
    assert signup.checked_in_at is not None
    assert signup.check_method == "qr"
    assert response.redirect_chain == [(detail(running), 302)]
    assert f"签到成功（{timezone.localtime(signup.checked_in_at):%H:%M}）。" in response.content.decode()


def test_checking_out_makes_a_pending_record(running, ann, page):
    services.check_in(running, ann, token=services.make_qr_token(running, "in"), by=ann.person.user)
    token = services.make_qr_token(running, "out")

    response = page(ann.person.user).post(check_url(running, token, "out"), {"t": token, "purpose": "out"})

    record = ServiceRecord.objects.get(volunteer=ann)
    assert response.status_code == 302
    assert (record.status, record.kind, record.activity) == ("pending", "activity", running)
    assert messages_of(response) == [f"签退成功，服务时长 {record.hours} 小时，待组织方审核认定。"]


def test_an_expired_token_is_refused_clearly(running, ann, page, settings):
    token = services.make_qr_token(running, "in")
    settings.GONGZHI_QR_TTL_SECONDS = -1
    client = page(ann.person.user)

    shown = client.get(check_url(running, token))
    response = client.post(check_url(running, token), {"t": token, "purpose": "in"})

    assert "二维码已过期，请扫描现场屏幕上最新的二维码。" in shown.content.decode()
    assert "确认签到" not in shown.content.decode()
    assert response.status_code == 409
    assert "二维码已过期" in response.content.decode()
    assert Signup.objects.get(volunteer=ann).checked_in_at is None


def test_a_forged_token_is_refused_clearly(running, ann, page):
    forged = services.make_qr_token(running, "in")[:-3] + "abc"
    client = page(ann.person.user)

    response = client.post(check_url(running, forged), {"t": forged, "purpose": "in"})

    assert response.status_code == 409
    assert "二维码无效：不是本活动的签到码，或已被篡改。" in response.content.decode()
    assert Signup.objects.get(volunteer=ann).checked_in_at is None


def test_a_token_of_another_activity_is_refused(running, activity, ann, page):
    other = services.make_qr_token(activity, "in")

    response = page(ann.person.user).post(check_url(running, other), {"t": other, "purpose": "in"})

    assert response.status_code == 409
    assert "二维码无效" in response.content.decode()


def test_a_replayed_token_is_refused_clearly(running, ann, page):
    token = services.make_qr_token(running, "in")
    client = page(ann.person.user)
    client.post(check_url(running, token), {"t": token, "purpose": "in"})
    Signup.objects.filter(volunteer=ann).update(checked_in_at=None)

    response = client.post(check_url(running, token), {"t": token, "purpose": "in"})

    assert response.status_code == 409
    assert "该二维码已使用过，请扫描现场屏幕上最新的二维码。" in response.content.decode()


def test_a_volunteer_not_signed_up_is_told_to_see_the_organizer(running, bob, page):
    token = services.make_qr_token(running, "in")
    client = page(bob.person.user)

    shown = client.get(check_url(running, token))
    response = client.post(check_url(running, token), {"t": token, "purpose": "in"})

    assert "您没有报名本活动；如已到场，请联系组织方现场登记。" in shown.content.decode()
    assert response.status_code == 409
    assert "您没有报名本活动，请先报名或联系组织方现场登记。" in response.content.decode()


def test_a_bad_token_for_an_activity_out_of_sight_is_not_found(tree, district_admin, ann, page):
    far = make_activity(
        tree,
        make_org(tree["C2"], "灵峰义工队"),
        district_admin,
        "灵峰敬老",
        start=at(2, 9),
        end=at(2, 11),
        area="C2",
    )

    response = page(ann.person.user).get(check_url(far, "nonsense"))

    assert response.status_code == 404


# --- the roster -----------------------------------------------------------------------------------------


def test_the_roster_shows_check_in_times(running, ann, leader, page):
    signup = services.check_in(running, ann, token=services.make_qr_token(running, "in"), by=ann.person.user)

    response = page(leader).get(reverse("volunteers:roster", args=[running.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "安娜" in html
    assert f'{timezone.localtime(signup.checked_in_at):%H:%M} <small class="muted">扫码</small>' in html


def test_the_manual_roster_records_a_volunteer_without_a_phone(running, bob, leader, page):
    checked_in = timezone.localtime(running.starts_at)
    checked_out = timezone.localtime(timezone.now() - datetime.timedelta(minutes=1))

    response = page(leader).post(
        reverse("volunteers:roster", args=[running.pk]),
        {
            "volunteer": bob.pk,
            "checked_in_at": checked_in.strftime("%Y-%m-%dT%H:%M"),
            "checked_out_at": checked_out.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    signup = Signup.objects.get(activity=running, volunteer=bob)
    record = ServiceRecord.objects.get(volunteer=bob)
    assert response.status_code == 302
    assert (signup.status, signup.check_method) == ("confirmed", "manual")
    assert record.status == "pending"


def test_the_manual_roster_refuses_a_check_out_in_the_future(running, bob, leader, page):
    later = timezone.localtime(timezone.now() + datetime.timedelta(hours=2))

    response = page(leader).post(
        reverse("volunteers:roster", args=[running.pk]),
        {
            "volunteer": bob.pk,
            "checked_in_at": timezone.localtime(running.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "checked_out_at": later.strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 400
    assert "签退时间不能晚于现在。" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_volunteers_cannot_open_the_roster(running, ann, page):
    assert page(ann.person.user).get(reverse("volunteers:roster", args=[running.pk])).status_code == 403
