"""The escalation ladder (上报): grid → community → street → district. Each step moves the
responsible area up, clears the handling unit, applies the new level's time limits, notifies
the new level's dispatchers — and only they may act on the case from then on."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.cases.choices import CaseAction, CaseLevel, CaseStatus, Stage
from gongzhi.cases.models import CategoryTimeLimit
from gongzhi.cases.services import (
    accept_case,
    dispatch_case,
    escalate_case,
    may_dispatch,
    register_case,
    resolve_on_site,
)
from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.notifications.models import Notification
from tests.cases.conftest import MONDAY_9

pytestmark = pytest.mark.django_db


def minutes(n: int) -> datetime.datetime:
    return MONDAY_9 + datetime.timedelta(minutes=n)


@pytest.fixture
def staff(grid_member, community_worker, street_admin, district_admin, handler, unit, street_unit):
    return {
        "grid_member": grid_member,
        "community_worker": community_worker,
        "street_admin": street_admin,
        "district_admin": district_admin,
    }


def who_may_dispatch(case, staff) -> list[str]:
    return [name for name, user in staff.items() if may_dispatch(user, case)]


def escalation_notices(case) -> list[str]:
    """Who was told the case now waits at its current level."""
    text = f"事件 {case.number} 已上报至{case.get_level_display()}，请派遣。"
    return sorted(
        Notification.objects.filter(verb="case_escalated", text=text).values_list(
            "recipient__username", flat=True
        )
    )


def test_escalation_ladder_hands_the_case_up_one_level_at_a_time(
    reported, staff, unit, street_unit, handler, django_capture_on_commit_callbacks
):
    grid = reported
    assert (grid.level, grid.responsible_area.code) == (CaseLevel.GRID, "G1")
    assert who_may_dispatch(grid, staff) == ["community_worker", "street_admin", "district_admin"]

    # The grid member cannot solve it: up to the community.
    with django_capture_on_commit_callbacks(execute=True):
        community = escalate_case(grid, by=staff["grid_member"], note="涉及多户，需社区协调", now=minutes(10))
    assert (community.level, community.responsible_area.code, community.status) == (
        CaseLevel.COMMUNITY,
        "C1",
        CaseStatus.REGISTERED,
    )
    assert who_may_dispatch(community, staff) == ["community_worker", "street_admin", "district_admin"]
    assert escalation_notices(community) == ["community_worker", "district_admin", "street_admin"]

    # The community's team takes it on, then the community hands it to the street.
    dispatch_case(community, to=unit, by=staff["community_worker"], now=minutes(20))
    accept_case(community, by=handler, now=minutes(30))
    with django_capture_on_commit_callbacks(execute=True):
        street = escalate_case(community, by=staff["community_worker"], note="需执法力量", now=minutes(40))
    assert (street.level, street.responsible_area.code, street.handling_unit) == (
        CaseLevel.STREET,
        "S1",
        None,
    )
    assert who_may_dispatch(street, staff) == ["street_admin", "district_admin"]
    # Only the street's and the district's dispatchers hear of it now.
    assert escalation_notices(street) == ["district_admin", "street_admin"]
    with pytest.raises(Forbidden) as refused:
        dispatch_case(street, to=unit, by=staff["community_worker"], now=minutes(50))
    assert refused.value.message == "您无权派遣该事件。"
    street = dispatch_case(street, to=street_unit, by=staff["street_admin"], now=minutes(50))
    assert street.handling_unit == street_unit

    # The street hands it to the district: the street admin can no longer dispatch it.
    district = escalate_case(street, by=staff["street_admin"], note="跨街道，需区级协调", now=minutes(60))
    assert (district.level, district.responsible_area.code) == (CaseLevel.DISTRICT, "D")
    assert who_may_dispatch(district, staff) == ["district_admin"]
    with pytest.raises(Forbidden):
        dispatch_case(district, to=street_unit, by=staff["street_admin"], now=minutes(70))

    # Nowhere higher to go.
    with pytest.raises(InvalidTransition) as top:
        escalate_case(district, by=staff["district_admin"], note="再上报", now=minutes(80))
    assert top.value.message == "事件已在区级，无法继续上报。"

    district.refresh_from_db()
    assert district.escalation_count == 3
    assert list(district.events.values_list("action", "from_status", "to_status", "level")) == [
        (CaseAction.REPORT, "", CaseStatus.REPORTED, CaseLevel.GRID),
        (CaseAction.ESCALATE, CaseStatus.REPORTED, CaseStatus.REGISTERED, CaseLevel.COMMUNITY),
        (CaseAction.DISPATCH, CaseStatus.REGISTERED, CaseStatus.DISPATCHED, CaseLevel.COMMUNITY),
        (CaseAction.ACCEPT, CaseStatus.DISPATCHED, CaseStatus.HANDLING, CaseLevel.COMMUNITY),
        (CaseAction.ESCALATE, CaseStatus.HANDLING, CaseStatus.REGISTERED, CaseLevel.STREET),
        (CaseAction.DISPATCH, CaseStatus.REGISTERED, CaseStatus.DISPATCHED, CaseLevel.STREET),
        (CaseAction.ESCALATE, CaseStatus.DISPATCHED, CaseStatus.REGISTERED, CaseLevel.DISTRICT),
    ]
    assert list(
        district.events.filter(action=CaseAction.ESCALATE).values_list("actor__username", "note")
    ) == [
        ("grid_member", "涉及多户，需社区协调"),
        ("community_worker", "需执法力量"),
        ("street_admin", "跨街道，需区级协调"),
    ]


def test_escalation_applies_the_limits_of_the_new_level(reported, staff, categories):
    # The street gets 4 working hours to dispatch 占道堆物 instead of the default 2.
    CategoryTimeLimit.objects.create(
        category=categories["clutter"], stage=Stage.DISPATCH, level="street", hours=4
    )
    register_case(reported, by=staff["community_worker"], now=minutes(0))
    escalate_case(reported, by=staff["community_worker"], note="需社区协调", now=minutes(10))

    case = escalate_case(reported, by=staff["community_worker"], note="需街道协调", now=minutes(60))

    # Monday 10:00 + 4 h: 10:00–12:00, then 13:30–15:30.
    assert case.stage_deadline == case.dispatch_deadline == MONDAY_9.replace(hour=15, minute=30)
    # Close deadline: dispatch 4 + accept 2 + handle 8 + verify 4 = 18 h at street level:
    # Monday 6 h, Tuesday 7.5 h, Wednesday 08:30–12:00 and 13:30–14:30.
    assert case.due_at == MONDAY_9.replace(day=25, hour=14, minute=30)


def test_grid_member_cannot_escalate_a_case_the_community_holds(reported, staff):
    escalate_case(reported, by=staff["grid_member"], note="需社区协调", now=minutes(10))

    with pytest.raises(Forbidden) as refused:
        escalate_case(reported, by=staff["grid_member"], note="再上报", now=minutes(20))

    assert refused.value.message == "您无权上报该事件。"
    reported.refresh_from_db()
    assert reported.level == CaseLevel.COMMUNITY


def test_escalation_needs_a_reason(reported, staff):
    with pytest.raises(DomainError) as refused:
        escalate_case(reported, by=staff["grid_member"], note="  ", now=minutes(10))

    assert (refused.value.message, refused.value.field) == ("请说明上报原因（本级为何无法解决）。", "note")
    assert reported.events.count() == 1


def test_escalated_case_can_no_longer_be_resolved_on_site(reported, staff, photo):
    escalate_case(reported, by=staff["grid_member"], note="需社区协调", now=minutes(10))

    with pytest.raises(InvalidTransition):
        resolve_on_site(reported, by=staff["grid_member"], note="已清理", photos=[photo()], now=minutes(20))
