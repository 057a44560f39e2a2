"""The money core of public-welfare projects: limits, reversals, cancellation, precision,
jurisdiction, and the race for the last yuan on PostgreSQL."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden
from gongzhi.projects import services
from gongzhi.projects.models import Allocation, Disbursement
from gongzhi.projects.queries import project_budget, project_ledger, source_balance
from gongzhi.projects.services import BudgetExceeded, RestrictedFunds

TODAY = datetime.date(2026, 5, 1)


def pay(project, source, amount, by, voucher="PZ-001"):
    return services.disburse(project, source=source, amount=amount, voucher=voucher, paid_on=TODAY, by=by)


def test_source_over_allocation_refused_with_the_excess(
    gov_fund, elderly_project, childcare_project, district_admin
):
    services.allocate(elderly_project, source=gov_fund, amount="98765.50", by=district_admin)
    with pytest.raises(BudgetExceeded) as exc:
        services.allocate(childcare_project, source=gov_fund, amount="5000", by=district_admin)
    assert exc.value.status_code == 409
    assert str(exc.value) == "超出资金来源“政府购买服务资金”的可分配余额 1,234.50 元（超出 3,765.50 元）。"
    services.allocate(childcare_project, source=gov_fund, amount="1234.50", by=district_admin)
    balance = source_balance(gov_fund)
    assert (balance.allocated, balance.disbursed, balance.remaining) == (
        Decimal("100000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_project_over_disbursement_is_per_source(gov_fund, donation, elderly_project, district_admin):
    services.allocate(elderly_project, source=gov_fund, amount="1000", by=district_admin)
    services.allocate(elderly_project, source=donation, amount="3000", by=district_admin)
    pay(elderly_project, gov_fund, "600", district_admin)
    # The project has 3,400 unpaid in all, but only 400 of it from the government fund.
    with pytest.raises(BudgetExceeded) as exc:
        pay(elderly_project, gov_fund, "500", district_admin, voucher="PZ-002")
    assert (
        str(exc.value)
        == "超出资金来源“政府购买服务资金”分配给本项目的未拨付余额 400.00 元（超出 100.00 元）。"
    )
    pay(elderly_project, donation, "3000", district_admin, voucher="PZ-003")
    with pytest.raises(BudgetExceeded, match=r"未拨付余额 0\.00 元（超出 0\.01 元）"):
        pay(elderly_project, donation, "0.01", district_admin, voucher="PZ-004")
    lines = {line.source.pk: line for line in project_ledger(elderly_project)}
    assert (lines[gov_fund.pk].allocated, lines[gov_fund.pk].disbursed, lines[gov_fund.pk].remaining) == (
        Decimal("1000.00"),
        Decimal("600.00"),
        Decimal("400.00"),
    )
    assert lines[donation.pk].remaining == Decimal("0.00")
    assert project_budget(elderly_project) == Decimal("4000.00")
    assert source_balance(donation).disbursed == Decimal("3000.00")


def test_restricted_donation_refused_for_another_category(
    donation, childcare_project, elderly_project, district_admin
):
    with pytest.raises(RestrictedFunds) as exc:
        services.allocate(childcare_project, source=donation, amount="100", by=district_admin)
    assert exc.value.status_code == 409
    assert str(exc.value) == "资金来源“爱心企业定向捐赠”限定用于“老有所养”，不能用于“幼有所育”类项目。"
    assert not Allocation.objects.exists()
    services.allocate(elderly_project, source=donation, amount="100", by=district_admin)


def test_reversal_may_not_leave_disbursements_above_the_allocation(gov_fund, elderly_project, district_admin):
    first = services.allocate(elderly_project, source=gov_fund, amount="1000", by=district_admin)
    services.allocate(elderly_project, source=gov_fund, amount="500", by=district_admin)
    pay(elderly_project, gov_fund, "700", district_admin)
    with pytest.raises(BudgetExceeded) as exc:
        services.reverse_allocation(first, by=district_admin, reason="录错")
    assert str(exc.value) == (
        "冲销后资金来源“政府购买服务资金”在本项目的分配为 500.00 元，低于已拨付的 700.00 元（差 200.00 元）；请先冲销拨付。"
    )
    assert Allocation.objects.count() == 2


def test_reversals_restore_balances_and_happen_once(gov_fund, elderly_project, district_admin):
    entry = services.allocate(elderly_project, source=gov_fund, amount="2000", by=district_admin)
    payment = pay(elderly_project, gov_fund, "1500", district_admin)

    reversal = services.reverse_disbursement(payment, by=district_admin, reason="凭证号错误")
    assert reversal.amount == Decimal("-1500.00")
    assert reversal.voucher == "PZ-001"
    with pytest.raises(Conflict, match="已冲销过"):
        services.reverse_disbursement(payment, by=district_admin, reason="再来一次")
    with pytest.raises(Conflict, match="冲销记录本身不能再冲销"):
        services.reverse_disbursement(reversal, by=district_admin, reason="冲销冲销")
    assert source_balance(gov_fund).disbursed == Decimal("0.00")

    services.reverse_allocation(entry, by=district_admin, reason="改由福彩公益金承担")
    with pytest.raises(Conflict, match="已冲销过"):
        services.reverse_allocation(entry, by=district_admin, reason="再来一次")
    balance = source_balance(gov_fund)
    assert (balance.allocated, balance.disbursed, balance.remaining) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("100000.00"),
    )
    # Append-only: the originals are untouched, the corrections are extra rows.
    assert list(Allocation.objects.order_by("id").values_list("amount", flat=True)) == [
        Decimal("2000.00"),
        Decimal("-2000.00"),
    ]
    assert Disbursement.objects.count() == 2


def test_cancellation_returns_the_undisbursed_money(gov_fund, donation, elderly_project, district_admin):
    services.allocate(elderly_project, source=gov_fund, amount="3000", by=district_admin)
    services.allocate(elderly_project, source=gov_fund, amount="2000", by=district_admin)
    services.allocate(elderly_project, source=donation, amount="1000", by=district_admin)
    pay(elderly_project, gov_fund, "3500", district_admin)

    with pytest.raises(DomainError, match="取消原因"):
        services.cancel_project(elderly_project, by=district_admin, reason=" ")
    project = services.cancel_project(elderly_project, by=district_admin, reason="承接组织退出")

    assert project.status == "cancelled"
    assert project.changes.last().to_status == "cancelled"
    lines = {line.source.pk: line for line in project_ledger(project)}
    assert (lines[gov_fund.pk].allocated, lines[gov_fund.pk].disbursed, lines[gov_fund.pk].remaining) == (
        Decimal("3500.00"),
        Decimal("3500.00"),
        Decimal("0.00"),
    )
    assert lines[donation.pk].allocated == Decimal("0.00")
    assert source_balance(gov_fund).remaining == Decimal("96500.00")
    assert source_balance(donation).remaining == Decimal("5000.00")
    # Returned by reversal entries only: 1,500 of the newest 2,000, and the donation's 1,000.
    reversals = Allocation.objects.filter(amount__lt=0).order_by("amount")
    assert [(r.reversal_of.amount, r.amount) for r in reversals] == [
        (Decimal("2000.00"), Decimal("-1500.00")),
        (Decimal("1000.00"), Decimal("-1000.00")),
    ]
    with pytest.raises(Exception, match="不能再分配资金"):
        services.allocate(project, source=gov_fund, amount="1", by=district_admin)


def test_money_is_exact_decimal(gov_fund, elderly_project, district_admin):
    for _ in range(10):
        services.allocate(elderly_project, source=gov_fund, amount="0.1", by=district_admin)
    services.allocate(elderly_project, source=gov_fund, amount=Decimal("0.2"), by=district_admin)
    assert project_budget(elderly_project) == Decimal("1.20")
    assert source_balance(gov_fund).remaining == Decimal("99998.80")
    for _ in range(3):
        pay(elderly_project, gov_fund, "0.10", district_admin)
    assert project_ledger(elderly_project)[0].remaining == Decimal("0.90")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "必须大于 0"),
        ("-5", "必须大于 0"),
        ("1.005", "最多保留两位小数"),
        (0.3, "不能使用浮点数"),
        ("abc", "不是有效的数字"),
        ("NaN", "不是有效的数字"),
    ],
)
def test_bad_amounts_refused(gov_fund, elderly_project, district_admin, amount, message):
    with pytest.raises(DomainError, match=message):
        services.allocate(elderly_project, source=gov_fund, amount=amount, by=district_admin)


def test_corporate_donation_needs_a_valid_credit_code(tree, district_admin):
    with pytest.raises(DomainError, match="校验位错误") as exc:
        services.create_funding_source(
            kind="corporate_donation",
            name="捐赠",
            year=2026,
            amount="1",
            area=tree["D"],
            by=district_admin,
            donor_name="某公司",
            donor_credit_code="91330206MA2AB12340",
        )
    assert exc.value.field == "donor_credit_code"
    with pytest.raises(DomainError, match="只有企业定向捐赠"):
        services.create_funding_source(
            kind="welfare_lottery",
            name="福彩",
            year=2026,
            amount="1",
            area=tree["D"],
            by=district_admin,
            restriction="elderly",
        )


def test_street_admin_cannot_allocate_or_disburse(
    gov_fund, elderly_project, childcare_project, street_admin, district_admin
):
    with pytest.raises(Forbidden):
        services.allocate(elderly_project, source=gov_fund, amount="1", by=street_admin)
    services.allocate(elderly_project, source=gov_fund, amount="1", by=district_admin)
    with pytest.raises(Forbidden):
        pay(elderly_project, gov_fund, "1", street_admin)
    # A street publishes and cancels its own projects, not another street's.
    with pytest.raises(Forbidden):
        services.cancel_project(childcare_project, by=street_admin, reason="越权")
    assert not Disbursement.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"
)
def test_concurrent_disbursements_race_for_the_last_yuan(
    transactional_db, gov_fund, elderly_project, district_admin
):
    services.allocate(elderly_project, source=gov_fund, amount="100", by=district_admin)
    pay(elderly_project, gov_fund, "99", district_admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(voucher: str) -> None:
        try:
            barrier.wait()
            pay(elderly_project, gov_fund, "1", district_admin, voucher=voucher)
            outcomes.append("paid")
        except BudgetExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(f"PZ-R{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["paid", "refused"]
    line = project_ledger(elderly_project)[0]
    assert (line.disbursed, line.remaining) == (Decimal("100.00"), Decimal("0.00"))
