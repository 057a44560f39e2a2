"""The micro-wish state machine: every action from every status is allowed exactly as
WISH_TRANSITIONS says, with a history row for each step; a claimed wish not fulfilled by its
deadline goes back to the wall; a posted wish nobody claimed expires; only an organization's
leader claims in its name."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.volunteers import services
from gongzhi.volunteers.choices import WISH_TRANSITIONS, WishAction, WishStatus
from gongzhi.volunteers.models import Wish, WishEvent
from tests.factories import make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def veteran(tree):
    return make_person(grid=tree["G1"], name="老兵王")


@pytest.fixture
def wish(community_worker, veteran):
    return services.post_wish(
        by=community_worker,
        beneficiary=veteran,
        title="一件军绿色棉大衣",
        category="festival",
        estimated_value="320",
        expires_on=days(30),
        description="老兵新春微心愿",
        claim_days=3,
    )


def at_status(wish: Wish, status: str, claimer) -> Wish:
    """The wish put in ``status`` directly, with ``claimer`` as its claimer whatever the status
    (so that only the transition table, not who acts, decides what is refused)."""
    Wish.objects.filter(pk=wish.pk).update(
        status=status, claimed_by=claimer, claimer_kind="volunteer", claimer_name="安娜", fulfil_by=days(3)
    )
    wish.refresh_from_db()
    return wish


def act(action: str, wish: Wish, *, claimer, worker):
    """Perform ``action`` on the wish through its service, as the one who may."""
    if action == WishAction.CLAIM:
        return services.claim_wish(wish, by=claimer, claimer_kind="volunteer")
    if action == WishAction.FULFIL:
        return services.fulfil_wish(wish, by=claimer, proof="已送到老人家中")
    if action == WishAction.CONFIRM:
        return services.confirm_wish(wish, by=worker, note="已电话确认")
    if action == WishAction.WITHDRAW:
        return services.withdraw_wish(wish, by=worker, reason="心愿人已搬离")
    # Release and expire are the daily sweep's: make the deadline pass.
    if action == WishAction.RELEASE:
        Wish.objects.filter(pk=wish.pk).update(fulfil_by=days(-1))
    else:
        Wish.objects.filter(pk=wish.pk).update(expires_on=days(-1))
    counts = services.sweep_wishes()
    key = "released" if action == WishAction.RELEASE else "expired"
    if not counts[key]:
        raise InvalidTransition("the sweep left it")
    return Wish.objects.get(pk=wish.pk)


@pytest.mark.parametrize("status", WishStatus.values)
@pytest.mark.parametrize("action", list(WISH_TRANSITIONS))
def test_every_action_from_every_status_follows_the_transition_table(
    wish, ann, community_worker, status, action
):
    allowed, target = WISH_TRANSITIONS[action]
    wish = at_status(wish, status, ann.person.user)
    before = WishEvent.objects.filter(wish=wish).count()

    if status in allowed:
        result = act(action, wish, claimer=ann.person.user, worker=community_worker)
        assert result.status == target
        event = WishEvent.objects.filter(wish=wish).last()
        assert (event.action, event.from_status, event.to_status) == (action, status, target)
    else:
        with pytest.raises(InvalidTransition):
            act(action, wish, claimer=ann.person.user, worker=community_worker)
        assert Wish.objects.get(pk=wish.pk).status == status
        assert WishEvent.objects.filter(wish=wish).count() == before


def test_a_wish_goes_from_the_wall_to_confirmed_with_its_history(wish, ann, community_worker):
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer", phone="13800000000")
    wish.refresh_from_db()
    assert (wish.claimer_name, wish.claimer_kind, wish.fulfil_by) == ("安娜", "volunteer", days(3))

    services.fulfil_wish(wish, by=ann.person.user, proof="已送到老人家中")
    services.confirm_wish(wish, by=community_worker, note="老人很满意")

    wish.refresh_from_db()
    assert (wish.status, wish.proof) == ("confirmed", "已送到老人家中")
    assert list(wish.events.values_list("action", "from_status", "to_status")) == [
        ("post", "", "posted"),
        ("claim", "posted", "claimed"),
        ("fulfil", "claimed", "fulfilled"),
        ("confirm", "fulfilled", "confirmed"),
    ]


def test_a_claim_not_fulfilled_by_its_deadline_goes_back_to_the_wall(wish, ann):
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")

    assert services.sweep_wishes(days(3)) == {"released": 0, "expired": 0}  # the deadline day itself
    assert services.sweep_wishes(days(4)) == {"released": 1, "expired": 0}

    wish.refresh_from_db()
    assert (wish.status, wish.claimed_by, wish.claimer_name, wish.fulfil_by) == ("posted", None, "", None)
    release = wish.events.last()
    assert (release.action, release.actor, release.note) == ("release", None, "认领后逾期未完成")
    assert services.sweep_wishes(days(4)) == {"released": 0, "expired": 0}  # idempotent


def test_a_posted_wish_nobody_claimed_expires_after_its_day(wish):
    assert services.sweep_wishes(days(30)) == {"released": 0, "expired": 0}
    assert services.sweep_wishes(days(31)) == {"released": 0, "expired": 1}

    wish.refresh_from_db()
    assert wish.status == "expired"


def test_a_lapsed_claim_past_the_wishs_expiry_is_released_then_expired(wish, ann):
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")

    assert services.sweep_wishes(days(31)) == {"released": 1, "expired": 1}
    assert list(wish.events.values_list("action", flat=True)) == ["post", "claim", "release", "expire"]


def test_claiming_after_the_expiry_date_is_refused(wish, ann):
    Wish.objects.filter(pk=wish.pk).update(expires_on=days(-1))

    with pytest.raises(InvalidTransition, match="已过征集截止日期"):
        services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")


# --- who may claim, fulfil, confirm, withdraw ----------------------------------------------------


def test_claiming_in_an_organizations_name_needs_its_leader(wish, club, leader, ann):
    with pytest.raises(Forbidden, match="只有组织负责人可以以组织名义认领"):
        services.claim_wish(wish, by=ann.person.user, claimer_kind="organization", organization=club)
    with pytest.raises(Forbidden):
        services.claim_wish(wish, by=leader, claimer_kind="organization")

    services.claim_wish(
        wish, by=leader, claimer_kind="organization", organization=club, claimer_name="别的名字"
    )

    wish.refresh_from_db()
    assert (wish.claimer_kind, wish.claimer_name, wish.claimer_organization, wish.claimed_by) == (
        "organization",
        "红领之家",
        club,
        leader,
    )


def test_claiming_as_a_volunteer_needs_a_registration_and_as_a_donor_a_name(wish, community_worker):
    with pytest.raises(DomainError, match="还不是注册志愿者"):
        services.claim_wish(wish, by=community_worker, claimer_kind="volunteer")
    with pytest.raises(DomainError, match="请填写认领方名称"):
        services.claim_wish(wish, by=community_worker, claimer_kind="donor", claimer_name=" ")
    with pytest.raises(DomainError, match="未知的认领方类型"):
        services.claim_wish(wish, by=community_worker, claimer_kind="robot")
    with pytest.raises(Forbidden, match="请先登录"):
        services.claim_wish(wish, by=AnonymousUser(), claimer_kind="donor", claimer_name="张先生")

    services.claim_wish(wish, by=community_worker, claimer_kind="donor", claimer_name="张先生（爱心人士）")
    wish.refresh_from_db()
    assert (wish.claimer_kind, wish.claimer_name) == ("donor", "张先生（爱心人士）")


def test_only_the_claimer_fulfils_and_with_proof(wish, ann, bob):
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")

    with pytest.raises(Forbidden, match="只有认领人"):
        services.fulfil_wish(wish, by=bob.person.user, proof="已送达")
    wish.refresh_from_db()
    with pytest.raises(DomainError, match="请说明心愿完成情况"):
        services.fulfil_wish(wish, by=ann.person.user, proof=" ")


def test_confirm_and_withdraw_are_the_community_staffs(wish, ann, leader, community_worker, street_admin):
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")
    wish.refresh_from_db()
    services.fulfil_wish(wish, by=ann.person.user, proof="已送达")

    for nobody in (leader, ann.person.user):
        with pytest.raises(Forbidden):
            services.confirm_wish(wish, by=nobody)
        with pytest.raises(Forbidden):
            services.withdraw_wish(wish, by=nobody, reason="不需要了")
    assert services.confirm_wish(wish, by=street_admin).status == "confirmed"


def test_withdrawing_needs_a_reason(wish, community_worker):
    with pytest.raises(DomainError, match="请填写撤回原因"):
        services.withdraw_wish(wish, by=community_worker, reason="")


# --- posting --------------------------------------------------------------------------------------


def test_a_wish_is_posted_in_the_beneficiarys_community(wish, tree, community_worker):
    event = wish.events.get()

    assert (wish.area, wish.status, wish.posted_by, wish.claim_days) == (
        tree["C1"],
        "posted",
        community_worker,
        3,
    )
    assert (event.action, event.to_status, event.actor) == ("post", "posted", community_worker)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "请填写心愿内容"),
        ({"category": "car"}, "未知的心愿类别"),
        ({"estimated_value": "-1"}, "预估价值须在 0 到 100,000 元之间"),
        ({"estimated_value": "100001"}, "预估价值须在 0 到 100,000 元之间"),
        ({"estimated_value": "很多"}, "不是有效的数字"),
        ({"expires_on": "today"}, "征集截止日期须晚于今天"),
        ({"claim_days": 0}, "认领后完成期限须在 1 到 90 天之间"),
        ({"claim_days": 91}, "认领后完成期限须在 1 到 90 天之间"),
    ],
)
def test_posting_checks_the_wish(community_worker, veteran, changes, message):
    fields = {
        "title": "一副老花镜",
        "category": "daily",
        "estimated_value": "120",
        "expires_on": days(30),
        "claim_days": 14,
        **changes,
    }
    if fields["expires_on"] == "today":
        fields["expires_on"] = TODAY()

    with pytest.raises(DomainError, match=message):
        services.post_wish(by=community_worker, beneficiary=veteran, **fields)


def test_posting_is_for_staff_over_the_beneficiarys_community(tree, veteran, leader, grid_member):
    elsewhere = make_person(grid=tree["G3"], name="灵峰老人")
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    worker = UserFactory(username="c2_worker")
    assign_role(worker, role="community_worker", area=tree["C2"])

    for nobody in (leader, grid_member):
        with pytest.raises(Forbidden):
            services.post_wish(
                by=nobody,
                beneficiary=veteran,
                title="x",
                category="daily",
                estimated_value="1",
                expires_on=days(5),
            )
    with pytest.raises(Forbidden, match="百合社区"):
        services.post_wish(
            by=worker,
            beneficiary=veteran,
            title="x",
            category="daily",
            estimated_value="1",
            expires_on=days(5),
        )
    posted = services.post_wish(
        by=worker, beneficiary=elsewhere, title="x", category="daily", estimated_value="1", expires_on=days(5)
    )
    assert posted.area == tree["C2"]
