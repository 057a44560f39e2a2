"""The case page: what it shows, to whom, and its action forms (each calls a service; the
state and the timeline entry are asserted, and a refusal shows the service's message)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongzhi.cases import services
from gongzhi.cases.choices import CaseAction, CaseLevel, CaseSource, CaseStatus, Satisfaction
from gongzhi.cases.models import Campaign, Case, CasePhoto, PhotoPhase
from tests.cases.conftest import G1_POINT, G3_POINT, MONDAY_9

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _act(client, case, action: str, data: dict | None = None, version: int | None = None):
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    payload[f"{action}-version"] = case.version if version is None else version
    return client.post(reverse("cases:action", args=[case.pk, action]), payload)


def _offered(response) -> list[str]:
    return [spec.name for spec, _form in response.context["actions"]]


@pytest.fixture
def registered(reported, community_worker):
    return services.register_case(reported, by=community_worker, now=MONDAY_9)


@pytest.fixture
def dispatched(registered, community_worker, unit):
    return services.dispatch_case(registered, to=unit, by=community_worker, now=MONDAY_9)


@pytest.fixture
def handling(dispatched, handler):
    return services.accept_case(dispatched, by=handler, now=MONDAY_9)


@pytest.fixture
def fed_back(handling, handler):
    return services.feedback_case(handling, by=handler, result="已清理", now=MONDAY_9)


@pytest.fixture
def s2_case(categories, grids, street_admin, media):
    """A case in G3 (street S2): outside street_admin's S1."""
    from tests.factories import UserFactory

    return services.report_case(
        category=categories["clutter"],
        description="大碶的事件",
        source=CaseSource.HOTLINE,
        by=UserFactory(is_superuser=True),
        lat=G3_POINT[0],
        lng=G3_POINT[1],
    )


# --- who sees it ----------------------------------------------------------------------------


def test_detail_anonymous_redirects_to_login(reported, page):
    response = page().get(reverse("cases:detail", args=[reported.pk]))

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_detail_outside_jurisdiction_is_404(s2_case, street_admin, community_worker, page):
    assert page(street_admin).get(reverse("cases:detail", args=[s2_case.pk])).status_code == 404
    assert page(community_worker).get(reverse("cases:detail", args=[s2_case.pk])).status_code == 404


def test_detail_shows_the_case_its_photos_and_timeline(
    categories, grids, grid_member, street_admin, page, photo, media
):
    case = services.report_case(
        category=categories["clutter"],
        description="人行道堆放建筑垃圾",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        address="富春江路 8 号",
        photos=[photo()],
    )
    services.supervise_case(case, by=street_admin, note="请今天处理")

    response = page(street_admin).get(reverse("cases:detail", args=[case.pk]))

    html = _html(response)
    photo_id = CasePhoto.objects.get().pk
    assert response.status_code == 200
    assert f'<span class="mono case-no">{case.number}</span>' in html
    assert "人行道堆放建筑垃圾" in html
    assert "市容环境 / 占道堆物" in html
    assert '<a href="/areas/G1/">百合一网格</a>' in html
    assert "富春江路 8 号" in html
    assert f'src="/api/v1/case-photos/{photo_id}/thumbnail/"' in html
    assert f'href="/api/v1/case-photos/{photo_id}/"' in html
    assert [e.action for e in response.context["events"]] == [CaseAction.REPORT, CaseAction.SUPERVISE]
    assert "请今天处理" in html
    assert '<span class="badge supervised">督办中</span>' in html
    assert response.context["map_data"]["point"] == [G1_POINT[0], G1_POINT[1]]
    assert response.context["stage_clock"].overdue is False


def test_detail_offers_actions_by_role_and_status(
    reported, grid_member, community_worker, street_admin, page
):
    member = _offered(page(grid_member).get(reverse("cases:detail", args=[reported.pk])))
    worker = _offered(page(community_worker).get(reverse("cases:detail", args=[reported.pk])))
    street = _offered(page(street_admin).get(reverse("cases:detail", args=[reported.pk])))

    assert member == ["resolve_on_site", "escalate"]
    assert worker == ["register", "reject", "escalate", "merge"]
    assert street == ["register", "reject", "escalate", "supervise", "merge"]


def test_detail_hides_reporter_phone_from_those_who_do_not_call_back(
    categories, grids, grid_member, community_worker, page, media
):
    case = services.report_case(
        category=categories["clutter"],
        description="居民反映",
        source=CaseSource.RESIDENT,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        reporter_name="王阿姨",
        reporter_phone="13812345678",
    )

    member = _html(page(grid_member).get(reverse("cases:detail", args=[case.pk])))
    worker = _html(page(community_worker).get(reverse("cases:detail", args=[case.pk])))

    assert "13812345678" not in member
    assert "王阿姨" not in member
    # Masked for the worker too, with a reason form to unmask it (tests/privacy).
    assert "13812345678" not in worker
    assert "138****5678" in worker


# --- actions call the services --------------------------------------------------------------


def test_register_from_the_page(reported, community_worker, page):
    response = _act(page(community_worker), reported, "register", {"note": "属实"})

    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[reported.pk])
    reported.refresh_from_db()
    assert reported.status == CaseStatus.REGISTERED
    assert list(reported.events.values_list("action", "note"))[-1] == (CaseAction.REGISTER, "属实")


def test_reject_without_reason_shows_the_service_message_inline(reported, community_worker, page):
    response = _act(page(community_worker), reported, "reject", {"reason": ""})

    assert response.status_code == 400
    assert response.context["open_action"] == "reject"
    forms = {spec.name: form for spec, form in response.context["actions"]}
    assert forms["reject"].errors == {"reason": ["请填写不予立案的理由。"]}
    assert list(forms) == ["register", "reject", "escalate", "merge"]  # the others stay offered
    assert "请填写不予立案的理由。" in _html(response)
    reported.refresh_from_db()
    assert reported.status == CaseStatus.REPORTED


def test_reject_with_reason(reported, community_worker, page):
    _act(page(community_worker), reported, "reject", {"reason": "不属于网格事项"})

    reported.refresh_from_db()
    assert reported.status == CaseStatus.REJECTED
    assert reported.events.last().note == "不属于网格事项"


def test_wrong_role_gets_403_with_the_service_message(reported, grid_member, page):
    response = _act(page(grid_member), reported, "register")

    assert response.status_code == 403
    assert "您无权为该事件立案。" in _html(response)
    reported.refresh_from_db()
    assert reported.status == CaseStatus.REPORTED


def test_action_outside_jurisdiction_is_404(s2_case, community_worker, page):
    response = _act(page(community_worker), s2_case, "register")

    assert response.status_code == 404
    s2_case.refresh_from_db()
    assert s2_case.status == CaseStatus.REPORTED


def test_stale_version_is_409_with_a_message(reported, community_worker, page):
    response = _act(page(community_worker), reported, "register", version=reported.version + 5)

    assert response.status_code == 409
    assert "事件已被他人更新" in _html(response)


def test_dispatch_offers_units_serving_the_case_and_dispatches(
    registered, community_worker, unit, street_unit, page, tree
):
    from gongzhi.cases.models import HandlingUnit

    far = HandlingUnit.objects.create(name="大碶城管", kind="department", area=tree["S2"])
    client = page(community_worker)

    detail = client.get(reverse("cases:detail", args=[registered.pk]))
    form = {s.name: f for s, f in detail.context["actions"]}["dispatch"]
    response = _act(client, registered, "dispatch", {"unit": unit.pk, "note": "请尽快"})

    assert [pk for pk, _label in form.fields["unit"].choices] == [street_unit.pk, unit.pk]
    assert far.pk not in [pk for pk, _label in form.fields["unit"].choices]
    assert response.status_code == 302
    registered.refresh_from_db()
    assert (registered.status, registered.handling_unit) == (CaseStatus.DISPATCHED, unit)
    assert registered.events.last().action == CaseAction.DISPATCH


def test_handler_accepts_and_feeds_back_with_photos(dispatched, handler, page, photo, media):
    client = page(handler)

    detail = client.get(reverse("cases:detail", args=[dispatched.pk]))
    _act(client, dispatched, "accept")
    dispatched.refresh_from_db()
    response = _act(client, dispatched, "feedback", {"result": "已清运", "photos": [photo()]})

    assert _offered(detail) == ["accept", "request_extension"]
    assert response.status_code == 302
    dispatched.refresh_from_db()
    assert dispatched.status == CaseStatus.FED_BACK
    event = dispatched.events.last()
    assert (event.action, event.note) == (CaseAction.FEEDBACK, "已清运")
    assert list(event.photos.values_list("phase", flat=True)) == [PhotoPhase.FEEDBACK]


def test_verify_pass_closes_and_fail_sends_back(
    fed_back, grid_member, page, handler, community_worker, photo, media
):
    client = page(grid_member)

    refused = _act(client, fed_back, "verify", {"passed": "0", "note": ""})
    failed = _act(client, fed_back, "verify", {"passed": "0", "note": "仍有残留", "photos": [photo()]})
    fed_back.refresh_from_db()
    assert (fed_back.status, fed_back.rework_count) == (CaseStatus.HANDLING, 1)
    services.feedback_case(fed_back, by=handler, result="已彻底清理")
    fed_back.refresh_from_db()
    passed = _act(client, fed_back, "verify", {"passed": "1", "note": "现场已清理"})

    assert refused.status_code == 400
    assert "请说明核查不通过的原因" in _html(refused)
    assert failed.status_code == 302
    assert passed.status_code == 302
    fed_back.refresh_from_db()
    assert (fed_back.status, fed_back.resolved_level) == (CaseStatus.CLOSED, CaseLevel.GRID)
    assert list(fed_back.events.values_list("action", flat=True))[-3:] == [
        CaseAction.REWORK,
        CaseAction.FEEDBACK,
        CaseAction.VERIFY,
    ]


def test_close_by_dispatcher(fed_back, community_worker, page):
    _act(page(community_worker), fed_back, "close", {"note": "电话确认已解决"})

    fed_back.refresh_from_db()
    assert fed_back.status == CaseStatus.CLOSED
    assert fed_back.events.last().action == CaseAction.CLOSE


def test_escalate_needs_a_reason_then_climbs(reported, grid_member, page, tree):
    client = page(grid_member)

    refused = _act(client, reported, "escalate", {"note": ""})
    accepted = _act(client, reported, "escalate", {"note": "涉及多个部门"})

    assert "请说明上报原因" in _html(refused)
    assert accepted.status_code == 302
    reported.refresh_from_db()
    assert (reported.level, reported.responsible_area, reported.status) == (
        CaseLevel.COMMUNITY,
        tree["C1"],
        CaseStatus.REGISTERED,
    )


def test_extend_and_defer(handling, community_worker, page):
    client = page(community_worker)
    before = handling.stage_deadline

    bad = _act(client, handling, "extend", {"hours": "0", "reason": "x"})
    _act(client, handling, "extend", {"hours": "8", "reason": "等待材料"})
    handling.refresh_from_db()
    extended_deadline = handling.stage_deadline
    _act(client, handling, "defer", {"reason": "需要立项资金"})

    assert "延期时长应为 1–720 个工作小时。" in _html(bad)
    assert extended_deadline > before
    handling.refresh_from_db()
    assert handling.status == CaseStatus.DEFERRED
    assert list(handling.events.values_list("action", flat=True))[-2:] == [
        CaseAction.EXTEND,
        CaseAction.DEFER,
    ]


def test_supervise_from_the_page_reaches_the_handler(
    dispatched, street_admin, handler, page, django_capture_on_commit_callbacks
):
    from gongzhi.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        response = _act(page(street_admin), dispatched, "supervise", {"note": "今天务必处理"})

    assert response.status_code == 302
    dispatched.refresh_from_db()
    assert dispatched.is_supervised is True
    assert Notification.objects.filter(recipient=handler, verb="case_supervised").count() == 1


def test_merge_into_a_duplicate_by_number(reported, categories, grid_member, community_worker, page, media):
    twin = services.report_case(
        category=categories["clutter"],
        description="同一处",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
    )
    client = page(community_worker)

    detail = client.get(reverse("cases:detail", args=[twin.pk]))
    unknown = _act(client, twin, "merge", {"into": "20990101"})
    merged = _act(client, twin, "merge", {"into": reported.number})

    assert [d.pk for d in detail.context["duplicates"]] == [reported.pk]
    assert "没有找到编号为“20990101”的事件。" in _html(unknown)
    assert merged.status_code == 302
    twin.refresh_from_db()
    assert (twin.status, twin.merged_into) == (CaseStatus.MERGED, reported)


def test_add_to_campaign(reported, street_admin, tree, page):
    campaign = services.create_campaign(
        name="新碶环境整治", area=tree["S1"], start_date=MONDAY_9.date(), by=street_admin
    )

    response = _act(page(street_admin), reported, "campaign", {"campaign": campaign.pk})

    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.campaign == campaign
    assert reported.events.last().action == CaseAction.CAMPAIGN
    assert Campaign.objects.count() == 1


def test_reporter_evaluates_after_close(reported, grid_member, page, photo, media):
    services.resolve_on_site(reported, by=grid_member, note="已清理", photos=[photo()])
    reported.refresh_from_db()
    client = page(grid_member)

    offered = _offered(client.get(reverse("cases:detail", args=[reported.pk])))
    _act(client, reported, "evaluate", {"satisfaction": Satisfaction.SATISFIED})
    reported.refresh_from_db()
    again = _act(client, reported, "evaluate", {"satisfaction": Satisfaction.SATISFIED})

    assert offered == ["evaluate"]
    reported.refresh_from_db()
    assert reported.satisfaction == Satisfaction.SATISFIED
    assert again.status_code == 409
    assert "该事件已评价过。" in _html(again)


def test_unknown_action_is_404(reported, community_worker, page):
    response = page(community_worker).post(reverse("cases:action", args=[reported.pk, "teleport"]))

    assert response.status_code == 404
    assert Case.objects.get().status == CaseStatus.REPORTED
