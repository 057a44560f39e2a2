"""The ledger workbook: three sheets whose figures are the ledger sums, money as formatted numbers."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gongzhi.projects import services
from gongzhi.projects.exporter import export_ledger
from gongzhi.projects.models import FundingSource, Project
from gongzhi.projects.queries import with_totals

PAID_ON = datetime.date(2026, 5, 1)


@pytest.fixture
def ledger(gov_fund, donation, elderly_project, childcare_project, district_admin, org):
    services.claim_project(elderly_project, organization=org, by=district_admin)
    services.allocate(elderly_project, source=gov_fund, amount="30000", by=district_admin)
    services.allocate(elderly_project, source=donation, amount="2000.50", by=district_admin)
    services.allocate(childcare_project, source=gov_fund, amount="10000", by=district_admin)
    first = services.disburse(
        elderly_project, source=gov_fund, amount="12000", voucher="PZ-001", paid_on=PAID_ON, by=district_admin
    )
    services.disburse(
        elderly_project,
        source=donation,
        amount="2000.50",
        voucher="PZ-002",
        paid_on=PAID_ON + datetime.timedelta(days=1),
        by=district_admin,
        note="捐赠款",
    )
    services.reverse_disbursement(first, by=district_admin, reason="金额录错")
    services.disburse(
        elderly_project,
        source=gov_fund,
        amount="10000",
        voucher="PZ-003",
        paid_on=PAID_ON + datetime.timedelta(days=2),
        by=district_admin,
    )
    return elderly_project, childcare_project


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_ledger_has_three_sheets_with_headers(ledger):
    workbook = _open(export_ledger(Project.objects.all(), FundingSource.objects.all()))

    assert workbook.sheetnames == ["项目台账", "资金来源", "拨付明细"]
    assert _rows(workbook["项目台账"])[0] == [
        "项目名称",
        "项目计划",
        "民生类别",
        "服务区域",
        "状态",
        "承接组织",
        "预算",
        "已拨付",
        "未拨付",
    ]
    assert _rows(workbook["资金来源"])[0] == [
        "名称",
        "类型",
        "年度",
        "金额",
        "已分配",
        "已拨付",
        "可分配余额",
    ]
    assert _rows(workbook["拨付明细"])[0] == ["日期", "凭证号", "项目", "资金来源", "金额", "说明"]
    assert all(cell.font.bold for cell in workbook["项目台账"][1])
    assert workbook["项目台账"].column_dimensions["A"].width == 36


def test_export_ledger_project_rows_are_ledger_sums(ledger):
    workbook = _open(export_ledger(Project.objects.all(), FundingSource.objects.all()))

    rows = _rows(workbook["项目台账"])[1:]
    assert rows == [
        ["银龄助餐", None, "老有所养", "百合社区", "已认领", "夕阳红服务社", 32000.5, 12000.5, 20000],
        ["四点半课堂", None, "幼有所育", "灵峰社区", "草稿", None, 10000, 0, 10000],
    ]
    money_cell = workbook["项目台账"]["G2"]
    assert money_cell.number_format == "#,##0.00"


def test_export_ledger_source_rows(ledger):
    workbook = _open(export_ledger(Project.objects.all(), FundingSource.objects.all()))

    rows = _rows(workbook["资金来源"])[1:]
    assert rows == [
        ["政府购买服务资金", "政府购买服务", 2026, 100000, 40000, 10000, 60000],
        ["爱心企业定向捐赠", "企业定向捐赠", 2026, 5000, 2000.5, 2000.5, 2999.5],
    ]
    assert workbook["资金来源"]["D2"].number_format == "#,##0.00"


def test_export_ledger_disbursement_rows_include_reversals_and_add_up(ledger):
    elderly_project, _childcare = ledger
    workbook = _open(export_ledger(Project.objects.all(), FundingSource.objects.all()))

    rows = _rows(workbook["拨付明细"])[1:]
    assert [(row[1], row[2], row[3], row[4]) for row in rows] == [
        ("PZ-001", "银龄助餐", "政府购买服务资金（2026）", 12000),
        ("PZ-001", "银龄助餐", "政府购买服务资金（2026）", -12000),
        ("PZ-002", "银龄助餐", "爱心企业定向捐赠（2026）", 2000.5),
        ("PZ-003", "银龄助餐", "政府购买服务资金（2026）", 10000),
    ]
    assert rows[2][5] == "捐赠款"
    assert rows[0][0].date() == PAID_ON
    assert (
        Decimal(str(sum(row[4] for row in rows)))
        == with_totals(Project.objects.filter(pk=elderly_project.pk)).get().disbursed
    )
    assert workbook["拨付明细"]["E2"].number_format == "#,##0.00"


def test_export_ledger_limits_disbursements_to_the_projects_given(ledger):
    _elderly, childcare_project = ledger
    workbook = _open(
        export_ledger(Project.objects.filter(pk=childcare_project.pk), FundingSource.objects.none())
    )

    assert len(_rows(workbook["项目台账"])) == 2
    assert _rows(workbook["资金来源"]) == [["名称", "类型", "年度", "金额", "已分配", "已拨付", "可分配余额"]]
    assert _rows(workbook["拨付明细"]) == [["日期", "凭证号", "项目", "资金来源", "金额", "说明"]]


def test_export_ledger_accepts_annotated_scoped_querysets(
    ledger, street_admin, django_assert_max_num_queries
):
    projects = with_totals(Project.objects.visible_to(street_admin))
    sources = FundingSource.objects.visible_to(street_admin, "projects.view_fundingsource")

    with django_assert_max_num_queries(3):
        workbook = _open(export_ledger(projects, sources))

    assert [row[0] for row in _rows(workbook["项目台账"])[1:]] == ["银龄助餐"]
    assert len(_rows(workbook["拨付明细"])) == 1 + 4
