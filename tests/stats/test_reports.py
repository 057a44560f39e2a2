"""The monthly report (XLSX and PDF) and the table export, on a month computed by hand.

Last month, district D: the C1 project (S1) served 40 people / 120 person-times, the C2
project (S2) 10 / 30; a delivery of this month (999 person-times) must not count. Ann (a
party member in G1) served 2.5 approved hours. A case was reported in G1 and one in G3 (and
one in G1 the month before, for the trend). 12,345.67 yuan of a government purchase fund went
to the C1 project. Population: G1 1,200 + G2 800 + G3 500.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import Case, CaseCategory
from gongzhi.core.exceptions import DomainError
from gongzhi.projects import services as project_services
from gongzhi.projects.models import Delivery, Project
from gongzhi.stats import indicators as ind
from gongzhi.stats import reports
from gongzhi.volunteers import services as vol_services
from tests.volunteers.test_certificates import shown_text

pytestmark = pytest.mark.django_db


def last_month() -> ind.Period:
    first = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    nxt = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return ind.Period(first, nxt - datetime.timedelta(days=1))


def noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _project(area, title: str, category: str, year: int) -> Project:
    return Project.objects.create(
        title=title, lifecycle_category=category, area=area, status="in_progress", year=year
    )


def _case(number: str, grid, reported_on: datetime.date) -> Case:
    category = CaseCategory.objects.get_or_create(code="01", defaults={"name": "市容环境"})[0]
    return Case.objects.create(
        number=number,
        category=category,
        description="占道堆物",
        grid=grid,
        responsible_area=grid.parent,
        status="reported",
        source="grid_member",
        reported_at=noon(reported_on),
    )


@pytest.fixture
def month(tree, club, ann, leader, district_admin):
    period = last_month()
    elderly = _project(tree["C1"], "银龄助餐", "elderly", period.start.year)
    childcare = _project(tree["C2"], "四点半课堂", "childcare", period.start.year)
    day = period.start + datetime.timedelta(days=4)
    Delivery.objects.create(
        project=elderly, organization=club, title="助餐", held_on=day, beneficiaries=40, person_times=120
    )
    Delivery.objects.create(
        project=childcare, title="作业辅导", held_on=day, beneficiaries=10, person_times=30
    )
    Delivery.objects.create(
        project=elderly, title="本月助餐", held_on=period.end + datetime.timedelta(days=1), person_times=999
    )
    record = vol_services.add_manual_record(
        ann,
        by=leader,
        organization=club,
        served_on=period.start + datetime.timedelta(days=9),
        hours="2.5",
        content="清扫楼道",
        reason="纸质签到补录",
    )
    vol_services.approve_record(record, by=leader)
    _case("M1", tree["G1"], period.start + datetime.timedelta(days=2))
    _case("M2", tree["G3"], period.end)
    _case("M0", tree["G1"], period.start - datetime.timedelta(days=3))
    fund = project_services.create_funding_source(
        kind="government_purchase",
        name="政府购买服务资金",
        year=period.start.year,
        amount="100000.00",
        area=tree["D"],
        by=district_admin,
    )
    project_services.allocate(elderly, source=fund, amount="12345.67", by=district_admin)
    return period


def _sheet_rows(sheet, first_row: int = 5) -> list[tuple]:
    return [
        row for row in sheet.iter_rows(min_row=first_row, values_only=True) if any(v is not None for v in row)
    ]


def _workbook(content: bytes):
    import io

    return openpyxl.load_workbook(io.BytesIO(content))


# ---------------------------------------------------------------------------------------------
# Parameters


def test_month_parses_to_the_whole_calendar_month():
    assert reports.parse_month("2024-02", today=datetime.date(2026, 11, 27)) == ind.Period(
        datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)
    )
    assert reports.parse_month("", today=datetime.date(2026, 1, 15)) == ind.Period(
        datetime.date(2025, 12, 1), datetime.date(2025, 12, 31)
    )


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "abc", "２０２６-０３", "2026-03-01"])
def test_month_refuses_what_is_not_a_month(text):
    with pytest.raises(DomainError) as exc:
        reports.parse_month(text, today=datetime.date(2026, 11, 27))

    assert str(exc.value.message) == f"月份“{text}”格式不对，应为“年-月”，例如 2026-03。"


def test_month_refuses_a_month_not_yet_begun():
    with pytest.raises(DomainError) as exc:
        reports.parse_month("2026-12", today=datetime.date(2026, 11, 27))

    assert str(exc.value.message) == "2026-12 尚未开始，请选择本月或更早的月份。"


# ---------------------------------------------------------------------------------------------
# The report's figures


def test_report_holds_every_figure_of_the_overview(month, tree):
    report = reports.monthly_report(tree["D"], month)
    overview = ind.overview(tree["D"], month)

    values = report.values
    assert set(values) == set(ind.INDICATORS)
    assert {
        "population": values["population"],
        "organizations": {
            "registered": values["organizations_registered"],
            "filed": values["organizations_filed"],
            "total": values["organizations_total"],
            "per_10k": values["organizations_per_10k"],
        },
        "organizations_serving": values["organizations_serving"],
        "projects": values["projects"],
        "funds_total": values["project_funds"],
        "participants": values["participants"],
        "person_times_served": values["person_times_served"],
        "volunteers": {"total": values["volunteers"], "party_members": values["volunteers_party_members"]},
        "activities": values["activities"],
        "service_records": values["service_records"],
        "service_hours": values["service_hours"],
        "cases": {
            "reported": values["cases_reported"],
            "closed": values["cases_closed"],
            "grid_resolution_rate": values["grid_resolution_rate"],
            "street_resolution_rate": values["street_resolution_rate"],
            "on_time_close_rate": values["on_time_close_rate"],
            "overdue": values["cases_overdue"],
        },
        "wishes": {"posted": values["wishes_posted"], "fulfilled": values["wishes_fulfilled"]},
    } == {
        **{k: overview[k] for k in ("population", "organizations", "organizations_serving")},
        "projects": overview["projects"]["count"],
        "funds_total": overview["projects"]["funds"]["total"],
        **{
            k: overview[k]
            for k in (
                "participants",
                "person_times_served",
                "volunteers",
                "activities",
                "service_records",
                "service_hours",
                "cases",
                "wishes",
            )
        },
    }
    categories = {(label, category): value for label, category, value, _unit in report.categories}
    assert categories[("公益项目", "老有所养")] == overview["projects"]["by_lifecycle"]["elderly"] == 1
    assert categories[("项目资金", "政府购买服务")] == overview["projects"]["funds"]["government_purchase"]


def test_report_figures_match_the_hand_computed_month(month, tree):
    values = reports.monthly_report(tree["D"], month).values

    assert (
        values["population"],
        values["projects"],
        values["project_funds"],
        values["participants"],
        values["person_times_served"],
        values["service_records"],
        values["service_hours"],
        values["cases_reported"],
        values["volunteers_party_members"],
    ) == (2500, 2, Decimal("12345.67"), 50, 150, 1, Decimal("2.50"), 2, 1)


def test_breakdown_keeps_the_areas_own_part_last(month, tree):
    street_project = _project(tree["S1"], "街道助老", "elderly", month.start.year)
    Delivery.objects.create(project=street_project, title="助老", held_on=month.start, person_times=7)

    rows = reports.breakdown_rows(tree["S1"], month, ["person_times_served", "service_hours"])

    assert [(r.code, reports.row_label(r), r.values) for r in rows] == [
        ("Z1", "百合片区", {"person_times_served": 120, "service_hours": Decimal("2.50")}),
        ("S1", "新碶街道（本级）", {"person_times_served": 7, "service_hours": Decimal("0.00")}),
    ]


# ---------------------------------------------------------------------------------------------
# XLSX


def test_monthly_xlsx_opens_with_the_right_figures(month, tree, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:report_xlsx"), {"area": "D", "month": month.start.strftime("%Y-%m")}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == reports_xlsx_type()
    assert response["Content-Disposition"].startswith("attachment;")
    book = _workbook(response.content)
    assert book.sheetnames == ["月报概览", "分类明细", "下级区域", "事件趋势"]

    overview = book["月报概览"]
    assert overview["A1"].value == f"北仑区 {month.start.year} 年 {month.start.month} 月工作月报"
    figures = {row[0]: row[1] for row in _sheet_rows(overview)}
    assert (
        figures["常住人口"],
        figures["公益项目"],
        figures["项目资金"],
        figures["服务人数"],
        figures["服务人次"],
        figures["志愿服务时长"],
        figures["上报事件"],
        figures["网格内解决率"],
    ) == (2500, 2, 12345.67, 50, 150, 2.5, 2, "—")
    formats = {row[0].value: row[1].number_format for row in overview.iter_rows(min_row=5)}
    assert (formats["服务人次"], formats["项目资金"], formats["每万人社会组织数"]) == (
        "#,##0",
        "#,##0.00",
        "#,##0.0",
    )

    breakdown = book["下级区域"]
    headers = [c.value for c in breakdown[4]]
    column = headers.index("服务人次（人次）")
    rows = {row[0]: (row[1], row[column]) for row in _sheet_rows(breakdown)}
    assert rows == {"S1": ("新碶街道", 120), "S2": ("大碶街道", 30), "D": ("合计（北仑区）", 150)}

    categories = {(row[0], row[1]): row[2] for row in _sheet_rows(book["分类明细"])}
    assert (categories[("公益项目", "老有所养")], categories[("公益项目", "幼有所育")]) == (1, 1)

    trend = _sheet_rows(book["事件趋势"])
    assert len(trend) == 12
    previous = (month.start - datetime.timedelta(days=1)).strftime("%Y-%m")
    assert trend[-2:] == [(previous, 1, 0), (month.start.strftime("%Y-%m"), 2, 0)]


def reports_xlsx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_monthly_xlsx_defaults_to_the_callers_street(month, street_admin, page):
    response = page(street_admin).get(reverse("stats:report_xlsx"), {"month": month.start.strftime("%Y-%m")})

    book = _workbook(response.content)
    figures = {row[0]: row[1] for row in _sheet_rows(book["月报概览"])}
    assert book["月报概览"]["A1"].value.startswith("新碶街道 ")
    assert (figures["服务人次"], figures["上报事件"], figures["常住人口"]) == (120, 1, 2000)


# ---------------------------------------------------------------------------------------------
# PDF


def test_monthly_pdf_carries_the_area_and_figures(month, tree):
    report = reports.monthly_report(tree["D"], month)

    pdf = reports.monthly_pdf(report, compress=False)

    shown = shown_text(pdf)
    assert pdf.startswith(b"%PDF-")
    assert b"/FlateDecode" not in pdf
    assert f"北仑区 {month.start.year} 年 {month.start.month} 月工作月报" in shown
    for text in ("服务人次", "150", "12,345.67", "2.50", "新碶街道", "大碶街道", "120", "30", "2,500"):
        assert text in shown, text
    # The line chart's months (YY-MM) and its legend.
    assert month.start.strftime("%y-%m") in shown
    assert "上报事件" in shown


def test_monthly_pdf_shows_names_as_plain_text(month, tree):
    from gongzhi.areas.models import Area

    Area.objects.filter(pk=tree["D"].pk).update(name="北仑<区>&")
    tree["D"].refresh_from_db()
    report = reports.monthly_report(tree["D"], month)

    shown = shown_text(reports.monthly_pdf(report, compress=False))

    assert f"北仑<区>& {month.start.year} 年 {month.start.month} 月工作月报" in shown


def test_monthly_pdf_download(month, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:report_pdf"), {"area": "S1", "month": month.start.strftime("%Y-%m")}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"新碶街道 {month.start.year} 年 {month.start.month} 月工作月报" in shown_text(response.content)


def test_monthly_pdf_of_a_grid_has_no_breakdown(month, tree):
    report = reports.monthly_report(tree["G1"], month)

    shown = shown_text(reports.monthly_pdf(report, compress=False))

    assert report.breakdown == []
    assert "本区域没有下级区域。" in shown


# ---------------------------------------------------------------------------------------------
# Table export


def test_table_export_by_child_area(month, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:table_xlsx"),
        {"area": "D", "indicator": "person_times_served", "from": month.start, "to": month.end},
    )

    assert response.status_code == 200
    sheet = _workbook(response.content).active
    assert sheet["A1"].value == "北仑区 · 服务人次"
    assert [c.value for c in sheet[4]] == ["区域编码", "区域名称", "层级", "服务人次（人次）"]
    assert _sheet_rows(sheet) == [
        ("S1", "新碶街道", "街道", 120),
        ("S2", "大碶街道", "街道", 30),
        ("D", "合计（北仑区）", "区", 150),
    ]
    assert sheet["D5"].number_format == "#,##0"


def test_table_export_by_category(month, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:table_xlsx"),
        {"area": "D", "indicator": "project_funds", "by": "category", "from": month.start, "to": month.end},
    )

    rows = dict(_sheet_rows(_workbook(response.content).active))
    assert (rows["政府购买服务"], rows["企业定向捐赠"], rows["合计"]) == (12345.67, 0, 12345.67)


def test_table_export_of_a_ratio_has_no_total_row(month, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:table_xlsx"), {"area": "D", "indicator": "organizations_per_10k"}
    )

    sheet = _workbook(response.content).active
    # The club (C1) among S1's 2,000 residents; nobody's organization among S2's 500.
    assert _sheet_rows(sheet) == [("S1", "新碶街道", "街道", 5.0), ("S2", "大碶街道", "街道", 0.0)]
    assert sheet["D5"].number_format == "#,##0.0"


def test_table_export_by_category_needs_categories(month, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:table_xlsx"), {"area": "D", "indicator": "service_hours", "by": "category"}
    )

    assert response.status_code == 400
    assert "指标“志愿服务时长”没有按类别的分解。" in response.content.decode()


def test_table_export_keeps_a_formula_like_name_as_text(month, tree, district_admin, page):
    from gongzhi.areas.models import Area

    Area.objects.filter(pk=tree["S2"].pk).update(name="=1+1")
    response = page(district_admin).get(
        reverse("stats:table_xlsx"),
        {"area": "D", "indicator": "person_times_served", "from": month.start, "to": month.end},
    )

    sheet = _workbook(response.content).active
    assert (sheet["B6"].value, sheet["B6"].data_type) == ("=1+1", "s")


def test_table_export_refuses_an_unknown_indicator(month, district_admin, page):
    response = page(district_admin).get(reverse("stats:table_xlsx"), {"area": "D", "indicator": "nonsense"})

    assert response.status_code == 400
    assert "没有名为“nonsense”的指标。" in response.content.decode()


def test_table_export_refuses_an_end_before_the_start(month, district_admin, page):
    response = page(district_admin).get(
        reverse("stats:table_xlsx"),
        {"area": "D", "indicator": "projects", "from": "2026-03-31", "to": "2026-03-01"},
    )

    assert response.status_code == 400
    assert "结束日期不能早于开始日期。" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Errors and access


@pytest.mark.parametrize("name", ["stats:report_xlsx", "stats:report_pdf"])
def test_bad_month_answers_400_in_chinese(name, tree, district_admin, page):
    response = page(district_admin).get(reverse(name), {"area": "D", "month": "2026-13"})

    assert response.status_code == 400
    assert "月份“2026-13”格式不对，应为“年-月”，例如 2026-03。" in response.content.decode()


def test_report_page_shows_a_bad_month_and_offers_last_month(tree, street_admin, page):
    response = page(street_admin).get(reverse("stats:reports"), {"month": "三月"})

    assert response.status_code == 400
    assert response.context["problem"] == "月份“三月”格式不对，应为“年-月”，例如 2026-03。"
    assert response.context["month"] == last_month().start.strftime("%Y-%m")


def test_report_page_offers_the_downloads(tree, street_admin, page):
    response = page(street_admin).get(reverse("stats:reports"), {"area": "C1", "month": "2026-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["area"] == tree["C1"]
    assert 'name="month" value="2026-01"' in html
    assert '<option value="C1" selected>' in html
    assert f'formaction="{reverse("stats:report_xlsx")}"' in html
    assert f'formaction="{reverse("stats:report_pdf")}"' in html
    assert f'action="{reverse("stats:table_xlsx")}"' in html


@pytest.mark.parametrize(
    "name", ["stats:reports", "stats:report_xlsx", "stats:report_pdf", "stats:table_xlsx"]
)
def test_another_streets_report_is_not_found(name, tree, street_admin, page):
    response = page(street_admin).get(reverse(name), {"area": "S2", "indicator": "projects"})

    assert response.status_code == 404


def test_reports_without_jurisdiction_are_not_found(tree, outsider, page):
    assert page(outsider).get(reverse("stats:report_xlsx")).status_code == 404
    assert page(outsider).get(reverse("stats:reports")).status_code == 404
