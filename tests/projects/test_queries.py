"""Reads over the ledgers and deliveries: the coverage matrix on a hand-computed set, annotated
lists that equal the ledger sums, and indicator progress."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from gongzhi.projects import services
from gongzhi.projects.models import Disbursement, FundingSource, Project
from gongzhi.projects.queries import (
    CoverageCell,
    coverage,
    delivery_totals,
    indicator_progress,
    ledger_sum,
    project_budget,
    source_balance,
    with_balances,
    with_totals,
)
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def running(title, category, area, org, by, *, year=None, source=None, amount=None):
    """A project claimed by ``org`` and under way (money allocated first, if any)."""
    project = services.create_project(title=title, lifecycle_category=category, area=area, by=by, year=year)
    if source is not None:
        services.allocate(project, source=source, amount=amount, by=by)
    services.publish_project(project, by=by)
    services.claim_project(project, organization=org, by=by)
    services.start_project(project, by=by)
    return project


def deliver(project, by, person_times, beneficiaries=None, satisfaction=None):
    return services.report_delivery(
        project,
        by=by,
        title="服务",
        held_on=TODAY,
        beneficiaries=beneficiaries if beneficiaries is not None else person_times // 2,
        person_times=person_times,
        satisfaction=satisfaction,
    )


@pytest.fixture
def matrix_set(tree, gov_fund, district_admin, org):
    """Hand-computed: S1 has two elderly projects (10,000 + 20,000; 150 person-times), S2 a
    childcare one (7,000.50; 30), the district a health one (3,000). A draft, a cancelled
    project and last year's project must not count (a reversed allocation neither)."""
    by = district_admin
    c2_org = make_org(tree["C2"], "灵峰亲子社")
    district_org = make_org(tree["D"], "区社工服务中心", status="registered")

    published = services.create_project(
        title="银龄助餐", lifecycle_category="elderly", area=tree["C1"], by=by
    )
    services.allocate(published, source=gov_fund, amount="10000", by=by)
    services.publish_project(published, by=by)

    in_grid = running("网格助老", "elderly", tree["G1"], org, by, source=gov_fund, amount="20000")
    wrong = services.allocate(in_grid, source=gov_fund, amount="5000", by=by)
    services.reverse_allocation(wrong, by=by, reason="重复分配")
    deliver(in_grid, by, 100)
    deliver(in_grid, by, 50)

    childcare = running("四点半课堂", "childcare", tree["C2"], c2_org, by, source=gov_fund, amount="7000.50")
    deliver(childcare, by, 30)

    district_wide = services.create_project(
        title="全区心理健康", lifecycle_category="health", area=tree["D"], by=by
    )
    services.allocate(district_wide, source=gov_fund, amount="3000", by=by)
    services.publish_project(district_wide, by=by)
    services.claim_project(district_wide, organization=district_org, by=by)

    draft = services.create_project(title="草稿项目", lifecycle_category="elderly", area=tree["C1"], by=by)
    services.allocate(draft, source=gov_fund, amount="1000", by=by)

    cancelled = running("困境儿童关爱", "vulnerable", tree["C2"], c2_org, by, source=gov_fund, amount="2000")
    deliver(cancelled, by, 40)
    services.cancel_project(cancelled, by=by, reason="重复立项")

    last_year = running(
        "往年助餐", "elderly", tree["C2"], c2_org, by, year=2025, source=gov_fund, amount="900"
    )
    deliver(last_year, by, 12)
    return tree


def cell(projects, budget, person_times):
    return CoverageCell(projects=projects, budget=Decimal(budget), person_times=person_times)


def test_coverage_matrix_on_a_hand_computed_set(matrix_set, django_assert_max_num_queries):
    tree = matrix_set

    with django_assert_max_num_queries(4):
        matrix = coverage(tree["D"], projects=Project.objects.all(), year=2026)

    assert [c.code for c in matrix.columns] == ["S1", "S2", "D"]
    assert matrix.cells["elderly"]["S1"] == cell(2, "30000.00", 150)
    assert matrix.cells["childcare"]["S2"] == cell(1, "7000.50", 30)
    assert matrix.cells["health"]["D"] == cell(1, "3000.00", 0)
    assert matrix.cells["vulnerable"]["S2"] == cell(0, "0", 0)  # cancelled
    assert matrix.cells["elderly"]["S2"] == cell(0, "0", 0)  # last year's
    assert matrix.row_totals["elderly"] == cell(2, "30000.00", 150)
    assert matrix.column_totals == {
        "S1": cell(2, "30000.00", 150),
        "S2": cell(1, "7000.50", 30),
        "D": cell(1, "3000.00", 0),
    }
    assert matrix.total == cell(4, "40000.50", 180)
    # The district's own column is not a gap: gaps are streets without a category.
    gaps = matrix.gaps()
    assert len(gaps) == 7 * 2 - 2
    assert ("elderly", "S1") not in gaps
    assert ("childcare", "S1") in gaps
    assert not any(code == "D" for _category, code in gaps)


def test_coverage_of_every_year_counts_last_years_project(matrix_set):
    matrix = coverage(matrix_set["D"], projects=Project.objects.all())

    assert matrix.cells["elderly"]["S2"] == cell(1, "900.00", 12)
    assert matrix.total == cell(5, "40900.50", 192)


def test_coverage_under_a_street_has_its_communities_as_columns(matrix_set):
    matrix = coverage(matrix_set["S1"], projects=Project.objects.all(), year=2026)

    assert [c.code for c in matrix.columns] == ["Z1", "S1"]
    assert matrix.cells["elderly"]["Z1"] == cell(2, "30000.00", 150)
    assert matrix.total == cell(2, "30000.00", 150)


def test_coverage_counts_only_what_the_caller_sees(matrix_set, street_admin):
    matrix = coverage(matrix_set["D"], projects=Project.objects.visible_to(street_admin), year=2026)

    assert matrix.total == cell(2, "30000.00", 150)
    assert matrix.column_totals["S2"] == cell(0, "0", 0)


# ---------------------------------------------------------------------------------------------
# Annotated lists equal the ledger sums


def test_with_totals_equals_the_ledger_and_delivery_sums(
    matrix_set, gov_fund, district_admin, django_assert_num_queries
):
    paid = Project.objects.get(title="网格助老")
    first = services.disburse(
        paid, source=gov_fund, amount="8000", voucher="PZ-1", paid_on=TODAY, by=district_admin
    )
    services.reverse_disbursement(first, by=district_admin, reason="金额有误")
    services.disburse(
        paid, source=gov_fund, amount="6000.25", voucher="PZ-2", paid_on=TODAY, by=district_admin
    )

    with django_assert_num_queries(1):
        rows = list(with_totals(Project.objects.all()))

    assert len(rows) == 7
    for project in rows:
        totals = delivery_totals(project)
        disbursed = ledger_sum(Disbursement.objects.filter(project=project))
        assert project.budget == project_budget(project), project.title
        assert project.disbursed == disbursed, project.title
        assert project.unpaid == project.budget - disbursed, project.title
        assert (project.person_times, project.beneficiaries, project.activities) == (
            totals["person_times"],
            totals["beneficiaries"],
            totals["activities"],
        )
    by_title = {p.title: p for p in rows}
    assert (by_title["网格助老"].budget, by_title["网格助老"].disbursed) == (
        Decimal("20000"),
        Decimal("6000.25"),
    )
    assert by_title["困境儿童关爱"].budget == Decimal("0")  # cancelled: returned in full
    assert by_title["网格助老"].person_times == 150


def test_with_balances_equals_source_balance(matrix_set, gov_fund, donation, tree, district_admin):
    elderly = Project.objects.get(title="网格助老")
    services.allocate(elderly, source=donation, amount="1200.75", by=district_admin)
    services.disburse(
        elderly, source=donation, amount="200.25", voucher="PZ-3", paid_on=TODAY, by=district_admin
    )

    rows = list(with_balances(FundingSource.objects.all()))

    assert len(rows) == 2
    for source in rows:
        balance = source_balance(source)
        assert (source.allocated, source.disbursed, source.remaining) == (
            balance.allocated,
            balance.disbursed,
            balance.remaining,
        )
    gov = next(s for s in rows if s.pk == gov_fund.pk)
    # 10,000 + 20,000 + 7,000.50 + 3,000 + 1,000 + 900 (the reversed 5,000 and the cancelled 2,000 are back)
    assert gov.allocated == Decimal("41900.50")
    assert gov.remaining == Decimal("58099.50")


# ---------------------------------------------------------------------------------------------
# Indicator progress


def test_indicator_progress_measures_from_deliveries_and_takes_others_as_entered(tree, district_admin, org):
    project = services.create_project(
        title="银龄助餐",
        lifecycle_category="elderly",
        area=tree["C1"],
        by=district_admin,
        indicators=[
            {"kind": "person_times", "target": "200"},
            {"kind": "beneficiaries", "target": "0"},
            {"kind": "activities", "target": "4"},
            {"kind": "satisfaction", "target": "90"},
            {"kind": "other", "name": "志愿者人数", "target": "10", "unit": "人"},
            {"kind": "other", "name": "宣传报道", "target": "3", "unit": "篇"},
        ],
    )
    services.publish_project(project, by=district_admin)
    services.claim_project(project, organization=org, by=district_admin)
    services.start_project(project, by=district_admin)
    deliver(project, district_admin, 100, beneficiaries=40, satisfaction="90")
    deliver(project, district_admin, 50, beneficiaries=20, satisfaction="95")
    deliver(project, district_admin, 0, beneficiaries=0)
    volunteers = project.indicators.get(name="志愿者人数")
    services.set_indicator_actual(volunteers, actual="12", by=district_admin)

    progress = [(p.indicator.name, p.actual, p.ratio) for p in indicator_progress(project)]

    assert progress == [
        ("服务人次", Decimal("150.00"), Decimal("0.75")),
        ("服务人数", Decimal("60.00"), None),  # no ratio against a zero target
        ("活动场次", Decimal("3.00"), Decimal("0.75")),
        ("满意度（%）", Decimal("92.50"), Decimal("1.03")),  # the mean of the reported ones
        ("志愿者人数", Decimal("12.00"), Decimal("1.20")),
        ("宣传报道", None, None),
    ]
    assert project.deliveries.aggregate(t=Sum("person_times"))["t"] == 150


def test_indicator_progress_of_a_project_without_deliveries(tree, district_admin):
    project = services.create_project(
        title="托育驿站",
        lifecycle_category="childcare",
        area=tree["C2"],
        by=district_admin,
        indicators=[{"kind": "person_times", "target": "50"}, {"kind": "satisfaction", "target": "90"}],
    )

    progress = [(p.actual, p.ratio) for p in indicator_progress(project)]

    assert progress == [(Decimal("0.00"), Decimal("0.00")), (None, None)]
    assert delivery_totals(project)["activities"] == 0
