"""The case state machine: every allowed transition, refusals, the ledger, who may act."""

import datetime

import pytest

from gongzhi.cases import services
from gongzhi.cases.choices import ALLOWED_TRANSITIONS, CaseAction, CaseLevel, CaseStatus, Satisfaction
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.notifications.models import Notification
from tests.cases.conftest import MONDAY_9

pytestmark = pytest.mark.django_db


def actions(case):
    return list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))


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
def fed_back(handling, handler, photo):
    return services.feedback_case(handling, by=handler, result="已清运", photos=[photo()], now=MONDAY_9)


def test_report_finds_grid_and_starts_register_clock(reported):
    assert (reported.grid.code, reported.level, reported.responsible_area.code) == ("G1", "grid", "G1")
    assert reported.status == CaseStatus.REPORTED
    assert reported.number == f"20261123{reported.pk:07d}"
    # 2 working hours from Monday 09:00.
    assert reported.stage_deadline == MONDAY_9 + datetime.timedelta(hours=2)
    assert actions(reported) == ["report"]


def test_report_outside_every_grid_is_refused(categories, grids, grid_member):
    with pytest.raises(DomainError) as err:
        services.report_case(
            category=categories["clutter"],
            description="x",
            source="grid_member",
            by=grid_member,
            lat=10.0,
            lng=10.0,
        )

    assert err.value.field == "lat"
    assert Case.objects.count() == 0


def test_staff_cannot_report_outside_jurisdiction(categories, grids, grid_member):
    with pytest.raises(DomainError) as err:
        services.report_case(
            category=categories["clutter"],
            description="x",
            source="grid_member",
            by=grid_member,
            grid=grids["G3"],
        )

    assert "管辖范围" in str(err.value.message)


def test_full_cycle_closes_at_grid_level(fed_back, grid_member):
    case = services.verify_case(fed_back, by=grid_member, now=MONDAY_9)

    assert case.status == CaseStatus.CLOSED
    assert case.resolved_level == CaseLevel.GRID
    assert case.closed_at == MONDAY_9
    assert actions(case) == ["report", "register", "dispatch", "accept", "feedback", "verify"]
    events = list(CaseEvent.objects.filter(case=case).values_list("from_status", "to_status"))
    assert events == [
        ("", "reported"),
        ("reported", "registered"),
        ("registered", "dispatched"),
        ("dispatched", "handling"),
        ("handling", "fed_back"),
        ("fed_back", "closed"),
    ]
    assert case.version == 6


def test_verify_fail_is_rework_back_to_unit(
    fed_back, grid_member, handler, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.verify_case(fed_back, by=grid_member, passed=False, note="仍有垃圾未清理")

    assert case.status == CaseStatus.HANDLING
    assert case.rework_count == 1
    assert actions(case)[-1] == "rework"
    assert Notification.objects.filter(recipient=handler, verb="case_rework").count() == 1


def test_rework_requires_a_note(fed_back, grid_member):
    with pytest.raises(DomainError) as err:
        services.rework_case(fed_back, by=grid_member, note="")

    assert err.value.field == "note"


def test_reject_needs_reason_and_ends_case(
    reported, community_worker, grid_member, django_capture_on_commit_callbacks
):
    with pytest.raises(DomainError):
        services.reject_case(reported, by=community_worker, reason=" ")

    with django_capture_on_commit_callbacks(execute=True):
        case = services.reject_case(reported, by=community_worker, reason="不属于网格事件")

    assert case.status == CaseStatus.REJECTED
    assert case.stage_deadline is None
    assert Notification.objects.get(recipient=grid_member).verb == "case_rejected"


def test_dispatch_notifies_unit_members(
    registered, community_worker, unit, handler, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispatched = services.dispatch_case(registered, to=unit, by=community_worker)

    assert dispatched.handling_unit.name == "百合社区环卫队"
    assert Notification.objects.filter(recipient=handler, verb="case_dispatched").count() == 1


def test_dispatch_to_unit_of_another_area_is_refused(registered, community_worker, grids):
    from gongzhi.cases.models import HandlingUnit

    far = HandlingUnit.objects.create(name="灵峰物业", kind="property_company", area=grids["C2"])

    with pytest.raises(DomainError) as err:
        services.dispatch_case(registered, to=far, by=community_worker)

    assert err.value.field == "unit"
    assert Case.objects.get(pk=registered.pk).status == CaseStatus.REGISTERED


def test_only_unit_members_accept(dispatched, community_worker):
    with pytest.raises(Forbidden):
        services.accept_case(dispatched, by=community_worker)


def test_grid_member_cannot_dispatch(registered, grid_member, unit):
    with pytest.raises(Forbidden):
        services.dispatch_case(registered, to=unit, by=grid_member)


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("accept", lambda c, u: services.accept_case(c, by=u["handler"])),
        ("feedback", lambda c, u: services.feedback_case(c, by=u["handler"], result="x")),
        ("verify", lambda c, u: services.verify_case(c, by=u["grid_member"])),
        ("close", lambda c, u: services.close_case(c, by=u["community_worker"])),
        ("evaluate", lambda c, u: services.evaluate_case(c, by=u["grid_member"], satisfaction="satisfied")),
    ],
)
def test_refused_transitions_from_reported(reported, handler, grid_member, community_worker, action, call):
    users = {"handler": handler, "grid_member": grid_member, "community_worker": community_worker}

    with pytest.raises(InvalidTransition) as err:
        call(reported, users)

    assert "待立案" in str(err.value.message)
    assert Case.objects.get(pk=reported.pk).version == 1
    assert actions(reported) == ["report"]


def test_every_action_in_the_table_has_a_service():
    services_by_action = {
        CaseAction.REGISTER: services.register_case,
        CaseAction.REJECT: services.reject_case,
        CaseAction.DISPATCH: services.dispatch_case,
        CaseAction.ACCEPT: services.accept_case,
        CaseAction.FEEDBACK: services.feedback_case,
        CaseAction.VERIFY: services.verify_case,
        CaseAction.REWORK: services.rework_case,
        CaseAction.CLOSE: services.close_case,
        CaseAction.ESCALATE: services.escalate_case,
        CaseAction.EXTEND: services.extend_case,
        CaseAction.REQUEST_EXTENSION: services.request_extension,
        CaseAction.DECLINE_EXTENSION: services.decline_extension,
        CaseAction.DEFER: services.defer_case,
        CaseAction.SUPERVISE: services.supervise_case,
        CaseAction.EVALUATE: services.evaluate_case,
        CaseAction.RESOLVE_ON_SITE: services.resolve_on_site,
        CaseAction.MERGE: services.merge_case,
    }

    assert set(services_by_action) == set(ALLOWED_TRANSITIONS)


def test_close_by_dispatcher_after_feedback(fed_back, community_worker):
    case = services.close_case(fed_back, by=community_worker, note="居民电话确认")

    assert (case.status, case.resolved_level) == (CaseStatus.CLOSED, CaseLevel.GRID)


def test_evaluate_once_by_reporter(fed_back, grid_member, community_worker):
    case = services.verify_case(fed_back, by=grid_member)

    with pytest.raises(Forbidden):
        services.evaluate_case(case, by=community_worker, satisfaction=Satisfaction.SATISFIED)
    case = services.evaluate_case(case, by=grid_member, satisfaction=Satisfaction.BASICALLY)
    with pytest.raises(Conflict):
        services.evaluate_case(case, by=grid_member, satisfaction=Satisfaction.SATISFIED)

    assert Case.objects.get(pk=case.pk).satisfaction == "basically"


def test_evaluate_via_tracking_token(fed_back, grid_member):
    case = services.verify_case(fed_back, by=grid_member)

    case = services.evaluate_case(case, satisfaction=Satisfaction.DISSATISFIED, via_token=True)

    assert case.satisfaction == "dissatisfied"
    assert CaseEvent.objects.filter(case=case).last().actor_label == "上报人"


def test_resolve_on_site_closes_at_grid_with_after_photo(reported, grid_member, photo):
    with pytest.raises(DomainError) as err:
        services.resolve_on_site(reported, by=grid_member, note="已清理", photos=[])
    assert err.value.field == "photos"

    case = services.resolve_on_site(reported, by=grid_member, note="已现场清理", photos=[photo()])

    assert (case.status, case.resolved_level, case.closed_at is not None) == (CaseStatus.CLOSED, "grid", True)
    assert case.photos.filter(phase="on_site").count() == 1
    assert actions(case) == ["report", "resolve_on_site"]


def test_resolve_on_site_only_by_reporter(reported, community_worker, photo):
    with pytest.raises(Forbidden):
        services.resolve_on_site(reported, by=community_worker, note="x", photos=[photo()])


def test_escalation_ladder(registered, community_worker, street_admin, district_admin):
    case = services.escalate_case(registered, by=community_worker, note="需要街道协调")
    assert (case.level, case.responsible_area.code, case.status) == ("community", "C1", CaseStatus.REGISTERED)

    case = services.escalate_case(case, by=community_worker, note="社区无法解决")
    assert (case.level, case.responsible_area.code) == ("street", "S1")
    with pytest.raises(Forbidden):  # beyond the community worker now
        services.escalate_case(case, by=community_worker, note="再上报")

    case = services.escalate_case(case, by=street_admin, note="需区级部门")
    assert (case.level, case.responsible_area.code, case.escalation_count) == ("district", "D", 3)
    with pytest.raises(InvalidTransition):
        services.escalate_case(case, by=district_admin, note="无处可报")


def test_escalation_clears_unit_and_needs_reason(dispatched, community_worker):
    with pytest.raises(DomainError):
        services.escalate_case(dispatched, by=community_worker, note="")

    case = services.escalate_case(dispatched, by=community_worker, note="需要街道执法")

    assert case.handling_unit is None
    assert case.status == CaseStatus.REGISTERED


def test_street_level_case_closes_at_street_level(
    registered, community_worker, street_admin, street_unit, grid_member
):
    case = services.escalate_case(registered, by=community_worker, note="x")
    case = services.escalate_case(case, by=community_worker, note="y")
    street_unit.members.add(street_admin)
    case = services.dispatch_case(case, to=street_unit, by=street_admin)
    case = services.accept_case(case, by=street_admin)
    case = services.feedback_case(case, by=street_admin, result="已拆除")
    case = services.verify_case(case, by=grid_member)

    assert case.resolved_level == "street"


def test_extend_moves_deadlines(handling, community_worker):
    before = handling.stage_deadline

    case = services.extend_case(handling, by=community_worker, hours=8, reason="需采购材料")

    assert case.extension_count == 1
    assert case.stage_deadline > before
    assert case.handle_deadline == case.stage_deadline
    assert CaseEvent.objects.filter(case=case).last().data == {"hours": 8}


def test_extend_validates_hours(handling, community_worker):
    with pytest.raises(DomainError) as err:
        services.extend_case(handling, by=community_worker, hours=0, reason="x")

    assert err.value.field == "hours"


def test_defer_stops_clock_and_dispatch_resumes(handling, community_worker, unit):
    case = services.defer_case(handling, by=community_worker, reason="待拆迁统一处理")
    assert (case.status, case.stage_deadline, case.due_at) == (CaseStatus.DEFERRED, None, None)

    case = services.dispatch_case(case, to=unit, by=community_worker)

    assert case.status == CaseStatus.DISPATCHED
    assert case.stage_deadline is not None


def test_supervise_notifies_handler(
    handling, street_admin, handler, community_worker, django_capture_on_commit_callbacks
):
    with pytest.raises(Forbidden):
        services.supervise_case(handling, by=community_worker, note="x")

    with django_capture_on_commit_callbacks(execute=True):
        case = services.supervise_case(handling, by=street_admin, note="请今天内处理完毕")

    assert case.is_supervised is True
    note = Notification.objects.get(recipient=handler, verb="case_supervised")
    assert "请今天内处理完毕" in note.text


def test_merge_duplicate(reported, categories, grid_member, community_worker):
    duplicate = services.report_case(
        category=categories["clutter"],
        description="同一处堆物",
        source="grid_member",
        by=grid_member,
        lat=reported.lat + 0.0002,
        lng=reported.lng,
    )

    assert services.possible_duplicates(
        category=categories["clutter"], lat=duplicate.lat, lng=duplicate.lng, exclude=duplicate
    ) == [reported]
    merged = services.merge_case(duplicate, into=reported, by=community_worker)

    assert (merged.status, merged.merged_into_id) == (CaseStatus.MERGED, reported.pk)
    with pytest.raises(DomainError):
        services.merge_case(reported, into=reported, by=community_worker)


def test_duplicates_ignore_far_and_other_categories(reported, categories, grid_member):
    assert (
        services.possible_duplicates(category=categories["zombie"], lat=reported.lat, lng=reported.lng) == []
    )
    assert (
        services.possible_duplicates(
            category=categories["clutter"], lat=reported.lat + 0.01, lng=reported.lng
        )
        == []
    )


def test_stale_version_is_conflict(reported, community_worker):
    with pytest.raises(Conflict):
        services.register_case(reported, by=community_worker, expected_version=7)

    assert Case.objects.get(pk=reported.pk).status == CaseStatus.REPORTED


def test_second_of_two_same_transitions_is_refused(reported, community_worker, street_admin):
    stale_copy = Case.objects.get(pk=reported.pk)
    services.register_case(reported, by=community_worker)

    with pytest.raises(InvalidTransition):
        services.register_case(stale_copy, by=street_admin)

    assert actions(reported) == ["report", "register"]


def test_unit_requests_extension_and_dispatcher_grants_it(handling, handler, community_worker):
    with pytest.raises(Forbidden):
        services.request_extension(handling, by=community_worker, hours=8, reason="x")

    case = services.request_extension(handling, by=handler, hours=8, reason="需采购配件")
    with pytest.raises(Conflict):
        services.request_extension(case, by=handler, hours=4, reason="再申请")
    before = case.stage_deadline
    case = services.extend_case(case, by=community_worker, hours=8, reason="同意")

    assert case.requested_extension_hours is None
    assert case.stage_deadline > before
    assert actions(case)[-2:] == ["request_extension", "extend"]


def test_dispatcher_declines_extension_request(handling, handler, community_worker):
    with pytest.raises(InvalidTransition):
        services.decline_extension(handling, by=community_worker, reason="无申请")
    case = services.request_extension(handling, by=handler, hours=16, reason="天气原因")
    deadline = case.stage_deadline

    case = services.decline_extension(case, by=community_worker, reason="今日可完成")

    assert (case.requested_extension_hours, case.stage_deadline, case.extension_count) == (None, deadline, 0)
    assert actions(case)[-1] == "decline_extension"
