"""List pages: my cases, the dispatcher queue (row actions, bulk dispatch), the supervision
board, campaigns, KPIs and the inbox — scoped, role-checked, and with capped query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.choices import CaseAction, CaseSource, CaseStatus, Warning
from gongzhi.cases.models import Case, HandlingUnit
from gongzhi.notifications.models import Notification
from tests.cases.conftest import G1_POINT, G2_POINT, G3_POINT, MONDAY_9
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _report(category, point, by, description="堆物", photos=(), now=None, source=CaseSource.GRID_MEMBER):
    return services.report_case(
        category=category,
        description=description,
        source=source,
        by=by,
        lat=point[0],
        lng=point[1],
        photos=photos,
        now=now,
    )


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def spread(categories, grids, grid_member, root, media):
    """Open cases in G1 (by the grid member), G2 and G3 (street S2: could leak)."""
    return {
        "g1": _report(categories["clutter"], G1_POINT, grid_member, "一网格堆物"),
        "g2": _report(categories["zombie"], G2_POINT, root, "二网格僵尸车", source=CaseSource.HOTLINE),
        "g3": _report(categories["clutter"], G3_POINT, root, "大碶堆物", source=CaseSource.HOTLINE),
    }


# --- my cases -------------------------------------------------------------------------------


def test_mine_lists_reported_and_handling_tabs(
    spread, grid_member, handler, unit, community_worker, page, photo
):
    mine = _report(spread["g1"].category, G1_POINT, grid_member, "带照片", photos=[photo()])
    services.register_case(spread["g2"], by=community_worker)
    services.dispatch_case(spread["g2"], to=unit, by=community_worker)

    reported = page(grid_member).get("/cases/mine/")
    handling = page(handler).get("/cases/mine/", {"tab": "handling"})

    assert [c.pk for c in reported.context["page"].object_list] == [mine.pk, spread["g1"].pk]
    photo_id = mine.photos.get().pk
    assert f'src="/api/v1/case-photos/{photo_id}/thumbnail/"' in _html(reported)
    assert "大碶堆物" not in _html(reported)
    assert [c.pk for c in handling.context["page"].object_list] == [spread["g2"].pk]
    assert '<span class="badge status-dispatched">待接收</span>' in _html(handling)


def test_mine_anonymous_redirects_to_login(tree, page):
    assert page().get("/cases/mine/").url == "/login/?next=/cases/mine/"


def test_mine_query_count_does_not_grow(
    categories, grids, grid_member, page, photo, media, django_assert_max_num_queries
):
    for i in range(8):
        _report(categories["clutter"], G1_POINT, grid_member, f"第{i}件", photos=[photo()])
    client = page(grid_member)
    client.get("/cases/mine/")

    with django_assert_max_num_queries(11):
        response = client.get("/cases/mine/")

    assert len(response.context["page"].object_list) == 8


# --- the queue ------------------------------------------------------------------------------


def test_queue_is_for_dispatchers(spread, grid_member, page):
    assert page(grid_member).get("/cases/queue/").status_code == 403


def test_queue_lists_dispatchable_cases_in_jurisdiction(spread, community_worker, street_admin, page):
    worker = page(community_worker).get("/cases/queue/")
    street = page(street_admin).get("/cases/queue/")

    assert sorted(r.case.pk for r in worker.context["rows"]) == sorted([spread["g1"].pk, spread["g2"].pk])
    assert "大碶堆物" not in _html(worker)
    assert sorted(r.case.pk for r in street.context["rows"]) == sorted([spread["g1"].pk, spread["g2"].pk])
    assert [s.name for s, _f in worker.context["rows"][0].actions] == ["register", "reject", "escalate"]


def test_queue_drops_cases_escalated_past_the_user(spread, community_worker, street_admin, page):
    services.escalate_case(spread["g1"], by=community_worker, note="需街道协调")  # → community
    services.escalate_case(spread["g1"], by=community_worker, note="需街道协调")  # → street

    worker = page(community_worker).get("/cases/queue/")
    street = page(street_admin).get("/cases/queue/")

    assert spread["g1"].pk not in [r.case.pk for r in worker.context["rows"]]
    assert spread["g1"].pk in [r.case.pk for r in street.context["rows"]]


def test_queue_filters(spread, community_worker, categories, page):
    client = page(community_worker)
    Case.objects.filter(pk=spread["g2"].pk).update(warning=Warning.RED)

    by_category = client.get("/cases/queue/", {"category": categories["env"].pk})
    by_zombie = client.get("/cases/queue/", {"category": categories["zombie"].pk})
    by_area = client.get("/cases/queue/", {"area": "G1"})
    outside = client.get("/cases/queue/", {"area": "G3"})
    by_warning = client.get("/cases/queue/", {"warning": Warning.RED})
    by_text = client.get("/cases/queue/", {"q": "僵尸"})
    by_status = client.get("/cases/queue/", {"status": CaseStatus.REGISTERED})

    def pks(response):
        return sorted(r.case.pk for r in response.context["rows"])

    assert pks(by_category) == sorted([spread["g1"].pk, spread["g2"].pk])
    assert pks(by_zombie) == [spread["g2"].pk]
    assert pks(by_area) == [spread["g1"].pk]
    assert pks(outside) == []
    assert "没有找到编码为“G3”的区域，或它不在您的管辖范围内。" in _html(outside)
    assert pks(by_warning) == [spread["g2"].pk]
    assert pks(by_text) == [spread["g2"].pk]
    assert pks(by_status) == []


def test_queue_filter_via_htmx_answers_the_panel_only(spread, community_worker, page):
    response = page(community_worker).get("/cases/queue/", {"q": "僵尸"}, HTTP_HX_REQUEST="true")

    html = _html(response)
    assert "<html" not in html
    assert 'id="bulk-form"' in html
    assert "二网格僵尸车" in html


def test_queue_row_actions_answer_the_row(spread, community_worker, unit, page):
    client = page(community_worker)
    case = spread["g1"]
    headers = {"HTTP_HX_REQUEST": "true"}

    registered = client.post(
        reverse("cases:queue_action", args=[case.pk, "register"]),
        {"register-version": case.version},
        **headers,
    )
    case.refresh_from_db()
    dispatched = client.post(
        reverse("cases:queue_action", args=[case.pk, "dispatch"]),
        {"dispatch-unit": unit.pk, "dispatch-version": case.version},
        **headers,
    )
    refused = client.post(
        reverse("cases:queue_action", args=[spread["g2"].pk, "reject"]), {"reject-reason": ""}, **headers
    )

    assert registered.status_code == 200
    assert _html(registered).lstrip().startswith(f'<tr id="queue-row-{case.pk}">')
    assert "已立案" in _html(registered)
    case.refresh_from_db()
    assert (case.status, case.handling_unit) == (CaseStatus.DISPATCHED, unit)
    assert f"事件 {case.number} 已派遣。" in _html(dispatched)
    assert refused.status_code == 400
    assert "请填写不予立案的理由。" in _html(refused)
    assert list(case.events.values_list("action", flat=True)) == [
        CaseAction.REPORT,
        CaseAction.REGISTER,
        CaseAction.DISPATCH,
    ]


def test_queue_row_action_outside_jurisdiction_is_404(spread, community_worker, page):
    response = page(community_worker).post(
        reverse("cases:queue_action", args=[spread["g3"].pk, "register"]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 404
    spread["g3"].refresh_from_db()
    assert spread["g3"].status == CaseStatus.REPORTED


def test_bulk_dispatch_reports_each_row(spread, community_worker, unit, tree, page):
    services.register_case(spread["g1"], by=community_worker)
    client = page(community_worker)

    response = client.post(
        "/cases/queue/bulk/",
        {"action": "dispatch", "unit": unit.pk, "cases": [spread["g1"].pk, spread["g2"].pk, spread["g3"].pk]},
        HTTP_HX_REQUEST="true",
    )

    results = {case.pk: (ok, message) for case, ok, message in response.context["results"]}
    # g3 lies outside the worker's jurisdiction: not even attempted.
    assert results == {
        spread["g1"].pk: (True, "已派遣至百合社区环卫队"),
        spread["g2"].pk: (False, "事件当前状态为“待立案”，不能执行“派遣”。"),
    }
    assert "批量处理完成：成功 1 / 共 2 件" in _html(response)
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses == {
        spread["g1"].pk: CaseStatus.DISPATCHED,
        spread["g2"].pk: CaseStatus.REPORTED,
        spread["g3"].pk: CaseStatus.REPORTED,
    }


def test_bulk_register_then_dispatch_needs_a_unit(spread, community_worker, page):
    client = page(community_worker)

    registered = client.post(
        "/cases/queue/bulk/", {"action": "register", "cases": [spread["g1"].pk, spread["g2"].pk]}
    )
    no_unit = client.post("/cases/queue/bulk/", {"action": "dispatch", "cases": [spread["g1"].pk]})

    assert registered.context["succeeded"] == 2
    assert no_unit.status_code == 400
    assert "批量派遣请选择处置单位。" in _html(no_unit)
    assert set(
        Case.objects.filter(pk__in=[spread["g1"].pk, spread["g2"].pk]).values_list("status", flat=True)
    ) == {CaseStatus.REGISTERED}


def test_queue_query_count_does_not_grow(
    categories, grids, grid_member, community_worker, unit, page, photo, media, django_assert_max_num_queries
):
    for i in range(10):
        case = _report(categories["clutter"], G1_POINT, grid_member, f"第{i}件", photos=[photo()])
        if i % 2:
            services.register_case(case, by=community_worker)
    HandlingUnit.objects.create(name="物业", kind="property_company", area=grids["G1"])
    client = page(community_worker)
    client.get("/cases/queue/")

    with django_assert_max_num_queries(13):
        response = client.get("/cases/queue/")

    assert len(response.context["rows"]) == 10


# --- the supervision board ------------------------------------------------------------------


@pytest.fixture
def board_cases(categories, grids, grid_member, root, media):
    """Red (overdue) in G1 and in G3 (S2, could leak), yellow in G2, and a calm case in G1."""
    now = timezone.now()
    red = _report(categories["clutter"], G1_POINT, grid_member, "超期的堆物", now=MONDAY_9)
    red_s2 = _report(
        categories["clutter"], G3_POINT, root, "大碶超期", now=MONDAY_9, source=CaseSource.HOTLINE
    )
    yellow = _report(categories["zombie"], G2_POINT, root, "临期僵尸车", source=CaseSource.HOTLINE)
    Case.objects.filter(pk=yellow.pk).update(
        warning=Warning.YELLOW,
        yellow_at=now - datetime.timedelta(hours=1),
        stage_deadline=now + datetime.timedelta(days=3),
    )
    calm = _report(categories["dispute"], G1_POINT, grid_member, "刚报的纠纷")
    Case.objects.filter(pk=calm.pk).update(
        yellow_at=now + datetime.timedelta(days=2), stage_deadline=now + datetime.timedelta(days=3)
    )
    return {"red": red, "red_s2": red_s2, "yellow": yellow, "calm": calm}


def test_board_groups_red_then_yellow_within_jurisdiction(board_cases, street_admin, page):
    response = page(street_admin).get("/cases/board/")

    groups = {g["key"]: [r.case.pk for r in g["rows"]] for g in response.context["groups"]}
    assert groups == {"red": [board_cases["red"].pk], "yellow": [board_cases["yellow"].pk]}
    html = _html(response)
    assert "大碶超期" not in html
    assert "刚报的纠纷" not in html
    assert "已超期" in html
    assert html.index("红灯：已超期") < html.index("黄灯：即将到期")
    red_row = response.context["groups"][0]["rows"][0]
    assert red_row.clock.overdue is True
    assert red_row.clock.abs_hours > 0


def test_board_is_for_supervisors(board_cases, community_worker, grid_member, page):
    assert page(community_worker).get("/cases/board/").status_code == 403
    assert page(grid_member).get("/cases/board/").status_code == 403


def test_board_supervise_row(board_cases, street_admin, page):
    case = board_cases["red"]

    response = page(street_admin).post(
        reverse("cases:board_supervise", args=[case.pk]),
        {"supervise-note": "今天务必处理", "supervise-version": case.version},
        HTTP_HX_REQUEST="true",
    )

    assert _html(response).lstrip().startswith(f'<tr id="board-row-{case.pk}">')
    assert f"已督办事件 {case.number}。" in _html(response)
    case.refresh_from_db()
    assert case.is_supervised is True
    assert case.events.last().note == "今天务必处理"


def test_board_supervise_outside_jurisdiction_is_404(board_cases, street_admin, page):
    response = page(street_admin).post(
        reverse("cases:board_supervise", args=[board_cases["red_s2"].pk]), {"supervise-note": "x"}
    )

    assert response.status_code == 404


def test_board_query_count_does_not_grow(
    categories, grids, grid_member, street_admin, page, media, django_assert_max_num_queries
):
    for i in range(10):
        _report(categories["clutter"], G1_POINT, grid_member, f"第{i}件", now=MONDAY_9)
    client = page(street_admin)
    client.get("/cases/board/")

    with django_assert_max_num_queries(13):
        response = client.get("/cases/board/")

    assert len(response.context["groups"][0]["rows"]) == 10


# --- campaigns ------------------------------------------------------------------------------


def test_campaign_create_list_and_feed(spread, street_admin, community_worker, tree, page, photo, media):
    client = page(street_admin)

    created = client.post(
        "/cases/campaigns/",
        {
            "name": "新碶环境整治",
            "area": tree["S1"].pk,
            "start_date": "2026-11-01",
            "description": "清理堆物",
        },
    )
    campaign = spread["g1"].__class__.campaign.field.related_model.objects.get()
    services.add_to_campaign(spread["g1"], campaign=campaign, by=street_admin)
    services.register_case(spread["g1"], by=community_worker)
    posted = client.post(
        reverse("cases:campaign_post", args=[campaign.pk]), {"text": "今天清理了三处", "photo": photo()}
    )
    listing = client.get("/cases/campaigns/")
    detail = client.get(reverse("cases:campaign", args=[campaign.pk]))
    feed = client.get(reverse("cases:campaign_feed", args=[campaign.pk]))

    assert created.status_code == 302
    assert posted.status_code == 302
    row = listing.context["page"].object_list[0]
    assert (row.name, row.total, row.open, row.closed) == ("新碶环境整治", 1, 1, 0)
    assert detail.context["total"] == 1
    assert detail.context["progress"] == [("待派遣", 1)]
    assert 'hx-trigger="every 15s"' in _html(detail)
    kinds = [item["kind"] for item in feed.context["feed"]]
    assert kinds == ["post", "event", "event", "event"]
    html = _html(feed)
    assert "今天清理了三处" in html
    assert "<html" not in html
    assert "纳入专项整治" in html


def test_campaign_pages_query_count_does_not_grow(
    categories, grids, grid_member, street_admin, tree, page, photo, media, django_assert_max_num_queries
):
    campaign = services.create_campaign(
        name="新碶环境整治", area=tree["S1"], start_date=datetime.date(2026, 11, 1), by=street_admin
    )
    for i in range(10):
        case = _report(categories["clutter"], G1_POINT, grid_member, f"第{i}件", photos=[photo()])
        services.add_to_campaign(case, campaign=campaign, by=street_admin)
        services.post_campaign_update(campaign, by=street_admin, text=f"进展{i}", photo=photo())
    client = page(street_admin)
    client.get(reverse("cases:campaign", args=[campaign.pk]))

    with django_assert_max_num_queries(10):
        listing = client.get("/cases/campaigns/")
    with django_assert_max_num_queries(14):
        detail = client.get(reverse("cases:campaign", args=[campaign.pk]))
    with django_assert_max_num_queries(10):
        feed = client.get(reverse("cases:campaign_feed", args=[campaign.pk]))

    assert listing.context["page"].object_list[0].total == 10
    assert len(detail.context["cases"]) == 10
    assert len(feed.context["feed"]) == 30  # 10 posts, 10 reports, 10 "纳入专项整治"


def test_campaign_refusals_show_the_service_message(tree, street_admin, page):
    response = page(street_admin).post(
        "/cases/campaigns/", {"name": "", "area": tree["S1"].pk, "start_date": "2026-11-01"}
    )

    assert response.status_code == 400
    assert "请填写专项整治名称。" in _html(response)


def test_campaign_outside_jurisdiction_is_404(tree, district_admin, street_admin, page):
    campaign = services.create_campaign(
        name="大碶整治", area=tree["S2"], start_date=datetime.date(2026, 11, 1), by=district_admin
    )

    assert page(street_admin).get(reverse("cases:campaign", args=[campaign.pk])).status_code == 404
    assert "大碶整治" not in _html(page(street_admin).get("/cases/campaigns/"))


# --- KPIs -----------------------------------------------------------------------------------


def test_kpis_page_shows_the_table_for_an_area(reported, grid_member, street_admin, page, photo, media):
    services.resolve_on_site(reported, by=grid_member, note="已清理", photos=[photo()])

    response = page(street_admin).get(
        "/cases/kpis/", {"under": "S1", "from": "2026-11-01", "to": "2026-11-30"}
    )

    kpis = {k.name: k for k in response.context["rows"]}
    assert response.context["area"].code == "S1"
    grid_rate = kpis["grid_resolution_rate"]
    assert (grid_rate.numerator, grid_rate.denominator, grid_rate.value) == (1, 1, 1.0)
    html = _html(response)
    assert "100.0%" in html
    assert f'<abbr title="{grid_rate.formula}">{grid_rate.label}</abbr>' in html


def test_kpis_outside_jurisdiction_is_404_and_wrong_role_403(tree, street_admin, grid_member, page):
    assert page(street_admin).get("/cases/kpis/", {"under": "S2"}).status_code == 404
    assert page(grid_member).get("/cases/kpis/").status_code == 403


def test_kpis_default_to_the_jurisdiction_root(tree, community_worker, page):
    response = page(community_worker).get("/cases/kpis/")

    assert response.context["area"].code == "C1"
    assert response.context["start"] == timezone.localdate().replace(day=1)


# --- inbox ----------------------------------------------------------------------------------


def test_inbox_lists_marks_read_and_counts_in_the_nav(grid_member, community_worker, page):
    first = Notification.objects.create(
        recipient=grid_member, verb="case_closed", text="事件 1 已结案。", url="/cases/1/"
    )
    Notification.objects.create(recipient=grid_member, verb="case_closed", text="事件 2 已结案。")
    Notification.objects.create(recipient=community_worker, verb="case_reported", text="别人的消息")
    client = page(grid_member)

    before = client.get("/cases/inbox/")
    count_before = client.get("/cases/inbox/unread-count/", HTTP_HX_REQUEST="true")
    read = client.post(reverse("cases:inbox_read", args=[first.pk]), HTTP_HX_REQUEST="true")
    go = client.post(reverse("cases:inbox_read", args=[first.pk]), {"go": "1"})
    count_after = client.get("/cases/inbox/unread-count/")
    client.post(reverse("cases:inbox_read_all"))
    count_none = client.get("/cases/inbox/unread-count/")

    html = _html(before)
    assert "事件 1 已结案。" in html
    assert "别人的消息" not in html
    assert 'hx-get="/cases/inbox/unread-count/" hx-trigger="load, every 60s"' in html
    assert _html(count_before).strip().endswith('title="2 条未读">2</span>')
    assert 'class="notification"' in _html(read)
    assert go.url == "/cases/1/"
    assert _html(count_after).strip().endswith('title="1 条未读">1</span>')
    assert _html(count_none).strip() == ""
    assert Notification.objects.filter(recipient=grid_member, read_at__isnull=True).count() == 0
    other = Notification.objects.get(recipient=community_worker)
    assert page(grid_member).post(reverse("cases:inbox_read", args=[other.pk])).status_code == 404


def test_inbox_query_count_does_not_grow(grid_member, page, django_assert_max_num_queries):
    for i in range(20):
        Notification.objects.create(recipient=grid_member, verb="case_closed", text=f"事件 {i} 已结案。")
    client = page(grid_member)
    client.get("/cases/inbox/")

    with django_assert_max_num_queries(8):
        response = client.get("/cases/inbox/")

    assert len(response.context["page"].object_list) == 20


def test_nav_links_follow_permissions(tree, grid_member, street_admin, page):
    member = _html(page(grid_member).get("/"))
    street = _html(page(street_admin).get("/"))

    assert 'href="/cases/">事件</a>' in member
    assert 'href="/cases/board/"' not in member
    assert 'href="/cases/board/">督办</a>' in street
    assert 'href="/cases/inbox/">消息<span hx-get=' in member
