"""Transitions through the API: every endpoint's happy path with its timeline, and refusals —
wrong status (409), wrong role (403), outside the jurisdiction (404), stale version (409)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Campaign, Case, CaseEvent, CasePhoto
from tests.cases.conftest import G1_POINT, G3_POINT, MONDAY_9
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(case, action: str) -> str:
    return f"/api/v1/cases/{case.pk}/{action}/"


def actions(data) -> list[str]:
    return [event["action"] for event in data["timeline"]]


def error(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def resident(tree):
    user = UserFactory(username="resident", display_name="李阿姨")
    assign_role(user, role=Role.RESIDENT, area=tree["G1"])
    return user


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
def far_case(categories, grids, media):
    """A case in G3 (street S2), outside every S1 persona's jurisdiction."""
    return services.report_case(
        category=categories["clutter"],
        description="灵峰路堆物",
        source=CaseSource.RESIDENT,
        lat=G3_POINT[0],
        lng=G3_POINT[1],
        now=MONDAY_9,
    )


# ---------------------------------------------------------------------------------------------
# 立案 / 不予立案


def test_register(api, community_worker, reported):
    response = api(community_worker).post(url(reported, "register"), {"note": "属实"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "registered"
    assert actions(data) == ["report", "register"]
    assert data["timeline"][-1]["note"] == "属实"
    assert data["timeline"][-1]["actor"] == str(community_worker)
    assert data["version"] == 2


def test_register_twice_is_409_with_the_services_message(api, community_worker, registered):
    response = api(community_worker).post(url(registered, "register"), {}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert error(response)["message"] == "事件当前状态为“待派遣”，不能执行“立案”。"
    assert CaseEvent.objects.filter(case=registered).count() == 2


def test_register_needs_a_dispatcher_role(api, grid_member, reported):
    response = api(grid_member).post(url(reported, "register"), {}, format="json")

    assert response.status_code == 403
    assert Case.objects.get().status == "reported"


def test_register_outside_the_jurisdiction_is_404(api, community_worker, far_case):
    response = api(community_worker).post(url(far_case, "register"), {}, format="json")

    assert response.status_code == 404
    assert Case.objects.get().status == "reported"


def test_reject_with_a_reason(api, community_worker, reported):
    response = api(community_worker).post(url(reported, "reject"), {"reason": "重复上报"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["timeline"][-1]["note"] == "重复上报"


def test_reject_without_a_reason_is_400(api, community_worker, reported):
    response = api(community_worker).post(url(reported, "reject"), {"reason": " "}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"reason": ["请填写不予立案的理由。"]}
    assert Case.objects.get().status == "reported"


# ---------------------------------------------------------------------------------------------
# 派遣 / 接收 / 反馈


def test_dispatch(api, community_worker, registered, unit):
    response = api(community_worker).post(
        url(registered, "dispatch"), {"unit": unit.pk, "note": "速办"}, format="json"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["handling_unit"]) == (
        "dispatched",
        {"id": unit.pk, "name": "百合社区环卫队"},
    )
    assert actions(data) == ["report", "register", "dispatch"]


def test_dispatch_to_a_unit_out_of_sight_is_400(api, community_worker, registered, tree):
    from gongzhi.cases.models import HandlingUnit

    other = HandlingUnit.objects.create(name="大碶城管", kind="department", area=tree["S2"])

    response = api(community_worker).post(url(registered, "dispatch"), {"unit": other.pk}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"unit": ["处置单位不存在或不在您的管辖范围内。"]}


def test_dispatch_before_register_is_409(api, community_worker, reported, unit):
    response = api(community_worker).post(url(reported, "dispatch"), {"unit": unit.pk}, format="json")

    assert response.status_code == 409
    assert error(response)["message"] == "事件当前状态为“待立案”，不能执行“派遣”。"


def test_accept_by_a_unit_member(api, handler, dispatched):
    response = api(handler).post(url(dispatched, "accept"), {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "handling"
    assert response.json()["timeline"][-1]["actor"] == "物业张师傅"


def test_accept_by_someone_outside_the_unit_is_403(api, community_worker, dispatched):
    response = api(community_worker).post(url(dispatched, "accept"), {}, format="json")

    assert response.status_code == 403
    assert error(response)["message"] == "只有被派遣的处置单位成员可以接收该事件。"
    assert Case.objects.get().status == "dispatched"


def test_accept_of_a_case_not_dispatched_to_me_is_404(api, handler, registered):
    response = api(handler).post(url(registered, "accept"), {}, format="json")

    assert response.status_code == 404


def test_feedback_with_photos(api, handler, handling, photo):
    response = api(handler).post(
        url(handling, "feedback"), {"result": "已清运", "photos": [photo(), photo()]}, format="multipart"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "fed_back"
    event = data["timeline"][-1]
    assert (event["action"], event["note"]) == ("feedback", "已清运")
    stored = list(CasePhoto.objects.filter(phase="feedback").order_by("pk"))
    assert [p["id"] for p in event["photos"]] == [p.pk for p in stored]
    assert event["photos"][0]["url"] == f"http://testserver/api/v1/case-photos/{stored[0].pk}/"


def test_feedback_without_a_result_is_400(api, handler, handling):
    response = api(handler).post(url(handling, "feedback"), {"result": ""}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"result": ["请填写处置结果。"]}


def test_feedback_by_a_grid_member_is_403(api, grid_member, handling):
    response = api(grid_member).post(url(handling, "feedback"), {"result": "x"}, format="json")

    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# 核查 / 返工 / 结案 / 评价


def test_verify_passed_closes_at_grid_level(api, grid_member, fed_back):
    response = api(grid_member).post(url(fed_back, "verify"), {"note": "现场已清理"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["resolved_level"]) == ("closed", "grid")
    assert actions(data) == ["report", "register", "dispatch", "accept", "feedback", "verify"]


def test_verify_failed_sends_it_back_for_rework(api, grid_member, fed_back):
    response = api(grid_member).post(
        url(fed_back, "verify"), {"passed": False, "note": "仍有残留"}, format="multipart"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["rework_count"]) == ("handling", 1)
    assert data["timeline"][-1]["action"] == "rework"


def test_verify_by_the_handler_is_403(api, handler, fed_back):
    response = api(handler).post(url(fed_back, "verify"), {}, format="json")

    assert response.status_code == 403
    assert error(response)["message"] == "只有上报人或本网格的网格员可以核查。"


def test_verify_before_feedback_is_409(api, grid_member, handling):
    assert api(grid_member).post(url(handling, "verify"), {}, format="json").status_code == 409


def test_rework(api, grid_member, fed_back, photo):
    response = api(grid_member).post(
        url(fed_back, "rework"), {"note": "还没清完", "photos": [photo()]}, format="multipart"
    )

    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["timeline"][-1]["action"]) == ("handling", "rework")
    assert len(data["timeline"][-1]["photos"]) == 1


def test_rework_without_a_note_is_400(api, grid_member, fed_back):
    response = api(grid_member).post(url(fed_back, "rework"), {"note": ""}, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["note"]


def test_close_by_a_dispatcher(api, community_worker, fed_back):
    response = api(community_worker).post(url(fed_back, "close"), {"note": "电话回访确认"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["timeline"][-1]["action"]) == ("closed", "close")


def test_close_by_a_grid_member_is_403(api, grid_member, fed_back):
    assert api(grid_member).post(url(fed_back, "close"), {}, format="json").status_code == 403


def test_evaluate_by_the_reporter_once(
    api, resident, community_worker, handler, unit, categories, grids, media
):
    case = services.report_case(
        category=categories["clutter"],
        description="楼道堆物",
        source=CaseSource.RESIDENT,
        by=resident,
        grid=grids["G1"],
    )
    services.register_case(case, by=community_worker)
    services.dispatch_case(case, to=unit, by=community_worker)
    services.accept_case(case, by=handler)
    services.feedback_case(case, by=handler, result="已清理")
    services.close_case(case, by=community_worker)
    client = api(resident)

    other = api(community_worker).post(url(case, "evaluate"), {"satisfaction": "dissatisfied"}, format="json")
    first = client.post(url(case, "evaluate"), {"satisfaction": "satisfied", "note": "很快"}, format="json")
    again = client.post(url(case, "evaluate"), {"satisfaction": "dissatisfied"}, format="json")

    assert first.status_code == 200, first.content
    assert (first.json()["satisfaction"], first.json()["satisfaction_display"]) == ("satisfied", "满意")
    assert first.json()["timeline"][-1]["data"] == {"satisfaction": "satisfied"}
    assert again.status_code == 409
    assert error(again)["message"] == "该事件已评价过。"
    assert other.status_code == 403
    assert error(other)["message"] == "只有上报人可以评价。"
    assert Case.objects.get().satisfaction == "satisfied"


def test_evaluate_an_open_case_is_409(api, grid_member, reported):
    response = api(grid_member).post(url(reported, "evaluate"), {"satisfaction": "satisfied"}, format="json")

    assert response.status_code == 409


def test_evaluate_with_an_unknown_answer_is_400(api, grid_member, reported):
    response = api(grid_member).post(url(reported, "evaluate"), {"satisfaction": "great"}, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["satisfaction"]


# ---------------------------------------------------------------------------------------------
# 上报 / 延期 / 缓办 / 督办


def test_escalate_by_the_grid_member(api, grid_member, reported):
    response = api(grid_member).post(url(reported, "escalate"), {"note": "需社区协调"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["level"], data["responsible_area"]["code"]) == (
        "registered",
        "community",
        "C1",
    )
    assert data["timeline"][-1]["action"] == "escalate"


def test_escalate_without_a_note_is_400(api, grid_member, reported):
    response = api(grid_member).post(url(reported, "escalate"), {"note": ""}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"note": ["请说明上报原因（本级为何无法解决）。"]}


def test_escalate_by_a_resident_is_403(api, resident, categories, grids, media):
    case = services.report_case(
        category=categories["clutter"],
        description="堆物",
        source=CaseSource.RESIDENT,
        by=resident,
        grid=grids["G1"],
    )

    response = api(resident).post(url(case, "escalate"), {"note": "没人管"}, format="json")

    assert response.status_code == 403
    assert Case.objects.get().level == "grid"


def test_escalate_a_closed_case_is_409(api, community_worker, fed_back):
    services.close_case(fed_back, by=community_worker)

    response = api(community_worker).post(url(fed_back, "escalate"), {"note": "x"}, format="json")

    assert response.status_code == 409


def test_extend(api, community_worker, handling):
    before = Case.objects.get().stage_deadline

    response = api(community_worker).post(
        url(handling, "extend"), {"hours": 8, "reason": "等配件"}, format="json"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["extension_count"] == 1
    assert data["timeline"][-1]["data"] == {"hours": 8.0}
    assert Case.objects.get().stage_deadline > before


def test_extend_a_reported_case_is_409(api, community_worker, reported):
    response = api(community_worker).post(url(reported, "extend"), {"hours": 8, "reason": "x"}, format="json")

    assert response.status_code == 409


def test_extend_by_zero_hours_is_400(api, community_worker, handling):
    response = api(community_worker).post(url(handling, "extend"), {"hours": 0, "reason": "x"}, format="json")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["hours"]


def test_defer(api, community_worker, registered):
    response = api(community_worker).post(url(registered, "defer"), {"reason": "待拆迁"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["due_at"]) == ("deferred", None)


def test_defer_by_a_handler_is_403(api, handler, handling):
    assert api(handler).post(url(handling, "defer"), {"reason": "x"}, format="json").status_code == 403


def test_supervise(api, street_admin, handling, handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(street_admin).post(url(handling, "supervise"), {"note": "请今日办结"}, format="json")

    assert response.status_code == 200
    assert response.json()["is_supervised"] is True
    assert handler.notifications.get().text == f"督办：事件 {handling.number} —— 请今日办结"


def test_supervise_by_a_community_worker_is_403(api, community_worker, handling):
    assert (
        api(community_worker).post(url(handling, "supervise"), {"note": "x"}, format="json").status_code
        == 403
    )


def test_supervise_outside_the_jurisdiction_is_404(api, street_admin, far_case):
    assert api(street_admin).post(url(far_case, "supervise"), {"note": "x"}, format="json").status_code == 404


# ---------------------------------------------------------------------------------------------
# 自处置 / 合并 / 专项整治


def test_resolve_on_site_with_an_after_photo(api, grid_member, reported, photo):
    response = api(grid_member).post(
        url(reported, "resolve-on-site"), {"note": "已当场清理", "photos": [photo()]}, format="multipart"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["resolved_level"]) == ("closed", "grid")
    assert data["timeline"][-1]["action"] == "resolve_on_site"
    assert data["timeline"][-1]["photos"][0]["phase"] == "on_site"


def test_resolve_on_site_without_a_photo_is_400(api, grid_member, reported):
    response = api(grid_member).post(url(reported, "resolve-on-site"), {"note": "已清理"}, format="multipart")

    assert response.status_code == 400
    assert error(response)["fields"] == {"photos": ["请至少上传一张照片。"]}
    assert Case.objects.get().status == "reported"


def test_resolve_on_site_of_someone_elses_case_is_403(api, grid_member, categories, grids, photo, media):
    case = services.report_case(
        category=categories["clutter"], description="居民报的", source=CaseSource.RESIDENT, grid=grids["G1"]
    )

    response = api(grid_member).post(
        url(case, "resolve-on-site"), {"note": "x", "photos": [photo()]}, format="multipart"
    )

    assert response.status_code == 403
    assert CasePhoto.objects.count() == 0


def test_merge_and_duplicates(api, community_worker, reported, categories, grid_member):
    twin = services.report_case(
        category=categories["clutter"],
        description="同一处",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
    )
    client = api(community_worker)

    dupes = client.get(url(twin, "duplicates")).json()
    merged = client.post(url(twin, "merge"), {"into": reported.pk, "note": "重复"}, format="json")

    assert [(d["id"], d["distance_m"]) for d in dupes] == [(reported.pk, 0)]
    assert merged.status_code == 200, merged.content
    assert merged.json()["status"] == "merged"
    assert merged.json()["merged_into"] == {"id": reported.pk, "number": reported.number}


def test_merge_into_a_case_out_of_sight_is_400(api, community_worker, reported, far_case):
    response = api(community_worker).post(url(reported, "merge"), {"into": far_case.pk}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"into": ["要合并到的事件不存在或不在您的管辖范围内。"]}


def test_add_to_campaign(api, street_admin, reported, tree):
    campaign = Campaign.objects.create(name="新碶环境整治", area=tree["S1"], start_date=MONDAY_9.date())

    response = api(street_admin).post(url(reported, "campaign"), {"campaign": campaign.pk}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["campaign"] == {"id": campaign.pk, "name": "新碶环境整治"}
    assert response.json()["timeline"][-1]["action"] == "campaign"


def test_add_to_a_campaign_of_another_area_is_400(api, district_admin, reported, tree):
    campaign = Campaign.objects.create(name="大碶整治", area=tree["S2"], start_date=MONDAY_9.date())

    response = api(district_admin).post(url(reported, "campaign"), {"campaign": campaign.pk}, format="json")

    assert response.status_code == 400
    assert error(response)["fields"] == {"campaign": ["事件不在该专项整治的区域内。"]}


# ---------------------------------------------------------------------------------------------
# Version check and races


def test_stale_version_is_409_and_changes_nothing(api, community_worker, reported):
    response = api(community_worker).post(
        url(reported, "register"), {"version": 7, "note": "x"}, format="json"
    )

    assert response.status_code == 409
    assert error(response)["code"] == "stale_version"
    case = Case.objects.get()
    assert (case.status, case.version) == ("reported", 1)
    assert list(case.events.values_list("action", flat=True)) == ["report"]


def test_current_version_is_accepted(api, community_worker, reported):
    response = api(community_worker).post(url(reported, "register"), {"version": 1}, format="json")

    assert response.status_code == 200
    assert response.json()["version"] == 2


def _race(clients_and_bodies, path):
    """POST from several threads at once (each thread its own connection); the responses."""
    barrier = threading.Barrier(len(clients_and_bodies))
    results = [None] * len(clients_and_bodies)

    def run(i, client, body):
        try:
            barrier.wait()
            results[i] = client.post(path, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c, b)) for i, (c, b) in enumerate(clients_and_bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes whole-database writes; row locks (select_for_update) race only on PostgreSQL",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_members_accepting_at_once_one_wins(api, handler, dispatched, unit):
    second = UserFactory(username="handler2")
    unit.members.add(second)

    results = _race([(api(handler), {}), (api(second), {})], url(dispatched, "accept"))

    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["error"]["message"] == "事件当前状态为“处置中”，不能执行“接收”。"
    case = Case.objects.get()
    assert (case.status, case.version) == ("handling", 4)
    assert list(case.events.values_list("action", flat=True)).count("accept") == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_with_the_same_version_one_wins(
    api, community_worker, street_admin, registered, unit, street_unit
):
    results = _race(
        [
            (api(community_worker), {"unit": unit.pk, "version": 2}),
            (api(street_admin), {"unit": street_unit.pk, "version": 2}),
        ],
        url(registered, "dispatch"),
    )

    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["error"]["code"] == "stale_version"
    case = Case.objects.get()
    assert case.version == 3
    assert list(case.events.values_list("action", flat=True)) == ["report", "register", "dispatch"]
    winner = next(r for r in results if r.status_code == 200)
    assert winner.json()["handling_unit"]["id"] == case.handling_unit_id


# ---------------------------------------------------------------------------------------------
# The refusal matrix: every endpoint, from the same closed case


@pytest.fixture
def closed(fed_back, grid_member):
    return services.verify_case(fed_back, by=grid_member, note="已核查", now=MONDAY_9)


def _body(action, unit, other, photo):
    return {
        "reject": {"reason": "x"},
        "dispatch": {"unit": unit.pk},
        "feedback": {"result": "x"},
        "rework": {"note": "x"},
        "escalate": {"note": "x"},
        "extend": {"hours": 4, "reason": "x"},
        "defer": {"reason": "x"},
        "supervise": {"note": "x"},
        "resolve-on-site": {"note": "x", "photos": [photo()]},
        "merge": {"into": other.pk},
    }.get(action, {})


ACTORS = {
    "register": "community_worker",
    "reject": "community_worker",
    "dispatch": "community_worker",
    "accept": "handler",
    "feedback": "handler",
    "verify": "grid_member",
    "rework": "grid_member",
    "close": "community_worker",
    "escalate": "community_worker",
    "extend": "community_worker",
    "defer": "community_worker",
    "supervise": "street_admin",
    "resolve-on-site": "grid_member",
    "merge": "community_worker",
}


@pytest.mark.parametrize("action", list(ACTORS))
def test_every_transition_of_a_closed_case_is_409(
    request, api, action, closed, unit, categories, grids, photo
):
    other = services.report_case(
        category=categories["clutter"], description="另一件", source=CaseSource.RESIDENT, grid=grids["G1"]
    )
    actor = request.getfixturevalue(ACTORS[action])

    response = api(actor).post(url(closed, action), _body(action, unit, other, photo), format="multipart")

    assert response.status_code == 409, response.content
    assert error(response)["code"] == "invalid_transition"
    assert error(response)["message"].startswith("事件当前状态为“已结案”")
    case = Case.objects.get(pk=closed.pk)
    assert (case.status, case.version) == ("closed", closed.version)


# action → (a persona without the right, the state the action starts from)
WRONG_ROLE = {
    "register": ("grid_member", "reported"),
    "reject": ("grid_member", "reported"),
    "dispatch": ("grid_member", "registered"),
    "accept": ("community_worker", "dispatched"),
    "feedback": ("grid_member", "handling"),
    "verify": ("handler", "fed_back"),
    "rework": ("handler", "fed_back"),
    "close": ("grid_member", "fed_back"),
    "extend": ("grid_member", "handling"),
    "defer": ("handler", "handling"),
    "supervise": ("community_worker", "handling"),
    "resolve-on-site": ("community_worker", "reported"),
    "merge": ("grid_member", "handling"),
    "evaluate": ("community_worker", "closed"),
}


@pytest.mark.parametrize("action", list(WRONG_ROLE))
def test_every_transition_by_a_wrong_role_is_403(request, api, action, unit, photo):
    persona, state = WRONG_ROLE[action]
    case = request.getfixturevalue(state)  # the state the action needs: only the role is wrong
    user = request.getfixturevalue(persona)
    body = {"satisfaction": "satisfied"} if action == "evaluate" else _body(action, unit, case, photo)

    response = api(user).post(url(case, action), body, format="multipart")

    assert response.status_code == 403, response.content
    assert error(response)["code"] == "permission_denied"
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("action", [*ACTORS, "evaluate", "campaign"])
def test_every_transition_outside_the_jurisdiction_is_404(
    api, action, street_admin, grid_member, far_case, unit, photo
):
    # Each caller holds the role for the action, but not over street S2.
    user = grid_member if action == "resolve-on-site" else street_admin

    response = api(user).post(url(far_case, action), _body(action, unit, far_case, photo), format="multipart")

    assert response.status_code == 404, response.content
    assert "灵峰路堆物" not in response.content.decode()
    assert Case.objects.get(pk=far_case.pk).version == 1
