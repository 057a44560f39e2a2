"""KPI formulas on a small, hand-computed set of cases (docs/kpis.md has the formulas).

November 2026 in 新碶街道 (S1), every case built through the services with explicit times:

  A  G1 占道堆物  grid member reports, resolves on site                     closed · grid
  B  G1 占道堆物  full chain, all on time, reporter satisfied              closed · grid
  C  G2 占道堆物  resident report, late dispatch, extension, one rework,
                  closed by the dispatcher, rated 基本满意                   closed · grid
  D  G1 占道堆物  escalated to the community at once, rated 不满意          closed · community
  E  G1 僵尸车    escalated twice, handled by the street's unit            closed · street
  F  G1 占道堆物  dispatched and accepted, never fed back (overdue)        handling
  G  G1 占道堆物  refused (不予立案)                                       rejected
  H  G1 占道堆物  reported, not yet registered                             reported
  I  G1 占道堆物  late dispatch, late feedback, late check                  closed · grid, late
  J  G1 占道堆物  duplicate of F, merged                                   merged
and, to make sure they never count in S1: X1 (resolved on site) and X2 (refused) in 大碶街道's
grid G3, and Y, a G1 case closed in October.
"""

from __future__ import annotations

import datetime

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.cases.choices import CaseLevel, CaseSource, CaseStatus, Satisfaction
from gongzhi.cases.kpis import KPI_NAMES, compute_kpis, kpis_by_name
from gongzhi.cases.models import Case
from gongzhi.cases.services import (
    accept_case,
    close_case,
    dispatch_case,
    escalate_case,
    evaluate_case,
    extend_case,
    feedback_case,
    merge_case,
    register_case,
    reject_case,
    report_case,
    resolve_on_site,
    rework_case,
    verify_case,
)
from tests.cases.conftest import G1_POINT, G2_POINT, G3_POINT, SHANGHAI
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
AFTER_ALL = datetime.datetime(2026, 11, 30, 18, 0, tzinfo=SHANGHAI)


def at(day: int, clock: str, month: int = 11) -> datetime.datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def people(grids, grid_member, community_worker, street_admin, handler, unit, street_unit):
    street_unit.members.add(handler)
    g3_member = UserFactory(username="g3_member")
    assign_role(g3_member, role=Role.GRID_MEMBER, area=grids["G3"])
    g3_worker = UserFactory(username="g3_worker")
    assign_role(g3_worker, role=Role.COMMUNITY_WORKER, area=grids["C2"])
    return {
        "member": grid_member,
        "worker": community_worker,
        "street": street_admin,
        "handler": handler,
        "unit": unit,
        "street_unit": street_unit,
        "g3_member": g3_member,
        "g3_worker": g3_worker,
    }


@pytest.fixture
def cases(people, categories, media, photo):
    p, clutter, zombie = people, categories["clutter"], categories["zombie"]

    def report(when, *, by=p["member"], point=G1_POINT, category=clutter, **kw):
        kw.setdefault("source", CaseSource.GRID_MEMBER)
        return report_case(
            category=category, description="人行道堆放杂物", by=by, lat=point[0], lng=point[1], now=when, **kw
        )

    made = {}

    a = report(at(2, "09:00"))
    made["A"] = resolve_on_site(a, by=p["member"], note="已清理", photos=[photo()], now=at(2, "09:30"))

    b = report(at(2, "09:00"))
    register_case(b, by=p["worker"], now=at(2, "09:30"))
    dispatch_case(b, to=p["unit"], by=p["worker"], now=at(2, "10:00"))
    accept_case(b, by=p["handler"], now=at(2, "10:30"))
    feedback_case(b, by=p["handler"], result="已清运", now=at(2, "14:00"))
    verify_case(b, by=p["member"], now=at(2, "15:00"))
    made["B"] = evaluate_case(b, by=p["member"], satisfaction=Satisfaction.SATISFIED, now=at(2, "16:00"))

    c = report(at(3, "09:00"), by=None, point=G2_POINT, source=CaseSource.RESIDENT, reporter_name="李女士")
    register_case(c, by=p["worker"], now=at(3, "09:10"))
    dispatch_case(c, to=p["unit"], by=p["worker"], now=at(3, "14:00"))  # deadline 11:10: late
    accept_case(c, by=p["handler"], now=at(3, "14:30"))
    extend_case(c, by=p["worker"], hours=8, reason="需协调车辆", now=at(3, "15:00"))
    feedback_case(c, by=p["handler"], result="已清运", now=at(4, "16:00"))
    rework_case(c, by=p["worker"], note="仍有残留", now=at(5, "09:00"))
    feedback_case(c, by=p["handler"], result="残留已清", now=at(5, "11:00"))
    close_case(c, by=p["worker"], note="电话回访确认", now=at(5, "14:00"))
    made["C"] = evaluate_case(c, via_token=True, satisfaction=Satisfaction.BASICALLY, now=at(6, "10:00"))

    d = report(at(4, "09:00"))
    escalate_case(d, by=p["member"], note="涉及多户，需社区协调", now=at(4, "09:30"))
    dispatch_case(d, to=p["unit"], by=p["worker"], now=at(4, "10:00"))
    accept_case(d, by=p["handler"], now=at(4, "10:30"))
    feedback_case(d, by=p["handler"], result="已协调清理", now=at(4, "11:00"))
    verify_case(d, by=p["member"], now=at(4, "11:30"))
    made["D"] = evaluate_case(d, by=p["member"], satisfaction=Satisfaction.DISSATISFIED, now=at(4, "15:00"))

    e = report(at(5, "09:00"), category=zombie)
    register_case(e, by=p["worker"], now=at(5, "09:10"))
    escalate_case(e, by=p["worker"], note="车主不明", now=at(5, "09:20"))
    escalate_case(e, by=p["worker"], note="需执法拖移", now=at(5, "09:30"))
    dispatch_case(e, to=p["street_unit"], by=p["street"], now=at(5, "10:00"))
    accept_case(e, by=p["handler"], now=at(5, "10:30"))
    feedback_case(e, by=p["handler"], result="已拖移", now=at(6, "10:00"))
    made["E"] = verify_case(e, by=p["member"], now=at(6, "11:00"))

    f = report(at(9, "09:00"))
    register_case(f, by=p["worker"], now=at(9, "09:30"))
    dispatch_case(f, to=p["unit"], by=p["worker"], now=at(9, "10:00"))
    made["F"] = accept_case(f, by=p["handler"], now=at(9, "10:30"))

    g = report(at(10, "09:00"))
    made["G"] = reject_case(g, by=p["worker"], reason="不属于网格事件", now=at(10, "09:30"))

    made["H"] = report(at(10, "10:00"))

    i = report(at(12, "09:00"))
    register_case(i, by=p["worker"], now=at(12, "09:05"))
    dispatch_case(i, to=p["unit"], by=p["worker"], now=at(13, "10:00"))  # deadline Thu 11:05
    accept_case(i, by=p["handler"], now=at(13, "10:30"))
    feedback_case(i, by=p["handler"], result="已清理", now=at(23, "09:00"))  # due Mon 16th
    made["I"] = verify_case(i, by=p["member"], now=at(23, "16:00"))  # due 14:30

    j = report(at(9, "09:10"))
    made["J"] = merge_case(j, into=made["F"], by=p["worker"], note="重复上报", now=at(9, "09:20"))

    x1 = report(at(2, "09:00"), by=p["g3_member"], point=G3_POINT)
    made["X1"] = resolve_on_site(x1, by=p["g3_member"], note="已清理", photos=[photo()], now=at(2, "09:20"))
    x2 = report(at(2, "10:00"), by=p["g3_member"], point=G3_POINT)
    made["X2"] = reject_case(x2, by=p["g3_worker"], reason="重复", now=at(2, "10:30"))

    y = report(at(28, "09:00", month=10))
    made["Y"] = resolve_on_site(
        y, by=p["member"], note="已清理", photos=[photo()], now=at(28, "09:30", month=10)
    )
    return made


def fractions(kpis) -> dict[str, tuple[int, int]]:
    return {k.name: (k.numerator, k.denominator) for k in kpis}


def test_the_hand_computed_set_is_what_the_table_says(cases):
    # Guards the arithmetic below: if a service changed a timestamp, this fails first.
    c = {name: Case.objects.get(pk=case.pk) for name, case in cases.items()}

    assert {n: (x.status, x.resolved_level) for n, x in c.items() if x.status == CaseStatus.CLOSED} == {
        "A": (CaseStatus.CLOSED, CaseLevel.GRID),
        "B": (CaseStatus.CLOSED, CaseLevel.GRID),
        "C": (CaseStatus.CLOSED, CaseLevel.GRID),
        "D": (CaseStatus.CLOSED, CaseLevel.COMMUNITY),
        "E": (CaseStatus.CLOSED, CaseLevel.STREET),
        "I": (CaseStatus.CLOSED, CaseLevel.GRID),
        "X1": (CaseStatus.CLOSED, CaseLevel.GRID),
        "Y": (CaseStatus.CLOSED, CaseLevel.GRID),
    }
    assert c["C"].dispatched_at > c["C"].dispatch_deadline
    assert c["I"].dispatched_at > c["I"].dispatch_deadline
    assert c["I"].fed_back_at > c["I"].handle_deadline
    assert c["I"].verified_at > c["I"].verify_deadline
    assert c["I"].closed_at > c["I"].due_at
    assert c["F"].due_at < AFTER_ALL
    assert (c["C"].rework_count, c["C"].extension_count) == (1, 1)


def test_kpis_of_a_street_for_a_month(cases, grids):
    kpis = compute_kpis(area=grids["S1"], start=NOVEMBER[0], end=NOVEMBER[1], now=AFTER_ALL)

    assert [k.name for k in kpis] == list(KPI_NAMES)
    assert fractions(kpis) == {
        "grid_resolution_rate": (4, 6),  # A B C I of A B C D E I
        "street_resolution_rate": (6, 6),
        "on_time_close_rate": (5, 7),  # due: A B C D E F I; F still open, I late
        "on_time_dispatch_rate": (4, 6),  # dispatched: B C D E F I; C and I late
        "handling_rate": (5, 6),  # F never fed back
        "on_time_handling_rate": (4, 5),  # fed back: B C D E I; I late
        "rework_rate": (1, 5),  # C
        "extension_rate": (1, 6),  # C
        "satisfaction_rate": (2, 3),  # B 满意, C 基本满意, D 不满意
        "satisfaction_score": (180, 300),  # 100 + 80 + 0 of 3 × 100
        "valid_report_rate": (7, 9),  # decided: all but H; G refused, J merged
        "on_time_verification_rate": (3, 4),  # checked: B D E I; I late (A has no check stage)
    }
    by_name = kpis_by_name(kpis)
    assert by_name["grid_resolution_rate"].value == pytest.approx(4 / 6)
    assert by_name["satisfaction_score"].value == pytest.approx(0.6)
    assert by_name["on_time_close_rate"].label == "按期结案率"
    assert by_name["on_time_close_rate"].formula.startswith("结案期限在期内且已到期的事件中")


def test_kpis_of_another_street_never_count_ours(cases, grids):
    kpis = fractions(compute_kpis(area=grids["S2"], start=NOVEMBER[0], end=NOVEMBER[1], now=AFTER_ALL))

    assert kpis["grid_resolution_rate"] == (1, 1)  # X1
    assert kpis["valid_report_rate"] == (1, 2)  # X1 of X1, X2
    assert kpis["on_time_dispatch_rate"] == (0, 0)


def test_kpis_of_the_district_add_up_its_streets(cases, grids):
    kpis = fractions(compute_kpis(area=grids["D"], start=NOVEMBER[0], end=NOVEMBER[1], now=AFTER_ALL))

    assert kpis["grid_resolution_rate"] == (5, 7)
    assert kpis["valid_report_rate"] == (8, 11)


def test_kpis_of_a_grid_member(cases, grids, grid_member):
    kpis = fractions(
        compute_kpis(area=grids["S1"], start=NOVEMBER[0], end=NOVEMBER[1], member=grid_member, now=AFTER_ALL)
    )

    # Their reports: all but C (a resident's); their checks: B D E I (A is on-site, no check).
    assert kpis["valid_report_rate"] == (6, 8)  # A B D E F I of A B D E F G I J
    assert kpis["on_time_verification_rate"] == (3, 4)
    assert kpis["grid_resolution_rate"] == (3, 5)  # A B I of A B D E I


def test_kpis_of_a_handling_unit(cases, grids, unit):
    kpis = fractions(
        compute_kpis(area=grids["S1"], start=NOVEMBER[0], end=NOVEMBER[1], unit=unit, now=AFTER_ALL)
    )

    # The community team had B C D F I (E went to the street's unit).
    assert kpis["on_time_dispatch_rate"] == (3, 5)
    assert kpis["grid_resolution_rate"] == (3, 4)
    assert kpis["rework_rate"] == (1, 4)


def test_close_deadline_not_yet_passed_is_not_due(cases, grids):
    # On the 10th at noon E (closed early, but due at street level on the 11th) and F (due on
    # the 11th) are not due yet; I was registered on the 12th. A case counts once, when due.
    kpis = fractions(
        compute_kpis(
            area=grids["S1"],
            start=NOVEMBER[0],
            end=NOVEMBER[1],
            now=datetime.datetime(2026, 11, 10, 12, 0, tzinfo=SHANGHAI),
        )
    )

    assert kpis["on_time_close_rate"] == (4, 4)  # A B C D


def test_kpis_count_each_case_in_the_period_of_its_moment(cases, grids):
    # 1–4 November: closed A B D (C closed on the 5th); dispatched B C D.
    kpis = fractions(
        compute_kpis(
            area=grids["S1"], start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 4), now=AFTER_ALL
        )
    )

    assert kpis["grid_resolution_rate"] == (2, 3)
    assert kpis["on_time_dispatch_rate"] == (2, 3)
    assert kpis["satisfaction_rate"] == (1, 2)  # B on the 2nd, D on the 4th


def test_kpis_of_an_empty_period_have_no_value(cases, grids):
    kpis = compute_kpis(
        area=grids["S1"], start=datetime.date(2026, 12, 1), end=datetime.date(2026, 12, 31), now=AFTER_ALL
    )

    assert {(k.value, k.numerator, k.denominator) for k in kpis} == {(None, 0, 0)}


def test_kpis_take_one_query(cases, grids, django_assert_num_queries):
    with django_assert_num_queries(1):
        compute_kpis(area=grids["S1"], start=NOVEMBER[0], end=NOVEMBER[1], now=AFTER_ALL)
