"""The monthly report of an area (XLSX and PDF) and the export of a dashboard table to XLSX.

Every figure comes from the indicator registry (``gongzhi.stats.indicators``): the report
holds each indicator of the overview for the month (``compute``), its breakdown by category
(``by_category``: projects by life-cycle category, funds by funding kind), the breakdown of
the main additive indicators by child area (``breakdown_by_child``) and the cases of the last
twelve months (``timeseries``). Nothing is counted here.

The PDF is drawn with reportlab (platypus for the text and tables, reportlab.graphics for the
charts) in the built-in CID font STSong-Light, so no font file ships with the project.

Justice indicators (``justice_only``) appear only for holders of
``people.view_correction_tag``, and never in a breakdown (a small cell could identify
someone; ``gongzhi.volunteers.queries.MIN_CELL``).
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError
from gongzhi.stats.indicators import INDICATORS, Indicator, Period, breakdown_by_child, timeseries

# The additive indicators broken down by child area in the report (the XLSX holds them all;
# the PDF, a page wide, the first PDF_BREAKDOWN_COLUMNS of them).
MAIN_ADDITIVE = (
    "population",
    "organizations_total",
    "organizations_serving",
    "projects",
    "project_funds",
    "participants",
    "person_times_served",
    "volunteers",
    "volunteers_party_members",
    "activities",
    "service_records",
    "service_hours",
    "cases_reported",
    "cases_closed",
    "cases_overdue",
    "wishes_posted",
    "wishes_fulfilled",
)
PDF_BREAKDOWN = (
    "population",
    "organizations_total",
    "projects",
    "person_times_served",
    "service_hours",
    "cases_reported",
    "wishes_posted",
)
TREND = ("cases_reported", "cases_closed")
TREND_MONTHS = 12

INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
FLOAT_FORMAT = "#,##0.0"
RATE_FORMAT = "0.0%"

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"


# ---------------------------------------------------------------------------------------------
# Parameters


def parse_month(text: str | None, *, today: datetime.date | None = None) -> Period:
    """``YYYY-MM`` → the whole calendar month; empty → last month. A month not yet begun or
    before 2000 is refused (DomainError, 400)."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        first = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    else:
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise DomainError(
                _("月份“%(m)s”格式不对，应为“年-月”，例如 2026-03。") % {"m": text}, field="month"
            )
        first = datetime.date(int(match.group(1)), int(match.group(2)), 1)
    if first.year < 2000:
        raise DomainError(_("月份不能早于 2000 年。"), field="month")
    if first > today:
        raise DomainError(
            _("%(m)s 尚未开始，请选择本月或更早的月份。") % {"m": first.strftime("%Y-%m")}, field="month"
        )
    nxt = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return Period(first, nxt - datetime.timedelta(days=1))


def parse_period(start: str | None, end: str | None, *, today: datetime.date | None = None) -> Period:
    """``from``/``to`` as ISO dates; either missing → this year to date. Refuses a bad date or
    an end before the start (DomainError, 400)."""
    default = Period.year_to_date(today or timezone.localdate())
    days = []
    for text, fallback, name in ((start, default.start, "from"), (end, default.end, "to")):
        text = (text or "").strip()
        if not text:
            days.append(fallback)
            continue
        try:
            days.append(datetime.date.fromisoformat(text))
        except ValueError:
            raise DomainError(
                _("日期“%(d)s”格式不对，应为“年-月-日”，例如 2026-03-31。") % {"d": text}, field=name
            ) from None
    if days[1] < days[0]:
        raise DomainError(_("结束日期不能早于开始日期。"), field="to")
    return Period(days[0], days[1])


def shows_justice(user: Any) -> bool:
    return bool(user and user.has_perm("people.view_correction_tag"))


def indicator_for_table(name: str, user: Any) -> Indicator:
    """The indicator a table export names; unknown ones — and justice ones, which are never
    broken down — are refused (DomainError, 400)."""
    ind = INDICATORS.get((name or "").strip())
    if ind is None or (ind.justice_only and not shows_justice(user)):
        raise DomainError(_("没有名为“%(n)s”的指标。") % {"n": name}, field="indicator")
    if ind.justice_only:
        raise DomainError(_("司法矫正指标不按下级区域或类别分解。"), field="indicator")
    return ind


# ---------------------------------------------------------------------------------------------
# The report's figures


def _category_labels() -> dict[str, str]:
    from gongzhi.projects.choices import FundingKind, LifecycleCategory

    return {key: str(label) for key, label in [*LifecycleCategory.choices, *FundingKind.choices]}


def level_label(level: str) -> str:
    try:
        return str(AreaLevel(level).label)
    except ValueError:
        return level


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    unit: str
    value: Any
    formula: str
    period_rule: str


@dataclass(frozen=True)
class BreakdownRow:
    code: str
    name: str
    level: str
    values: dict[str, Any]
    own: bool = False  # the part lying on the area itself, not on a child


@dataclass
class MonthlyReport:
    area: Area
    period: Period
    figures: list[Figure]
    categories: list[tuple[str, str, Any, str]]  # indicator label, category label, value, unit
    breakdown_names: list[str]
    breakdown: list[BreakdownRow]
    trend: list[dict[str, Any]]  # {"month": "2026-03", <indicator name>: value, ...}
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    @property
    def month(self) -> str:
        return self.period.start.strftime("%Y-%m")

    @property
    def values(self) -> dict[str, Any]:
        return {f.name: f.value for f in self.figures}

    @property
    def title(self) -> str:
        return _("%(area)s %(year)s 年 %(month)s 月工作月报") % {
            "area": self.area.name,
            "year": self.period.start.year,
            "month": self.period.start.month,
        }

    @property
    def period_text(self) -> str:
        return _("统计期：%(start)s 至 %(end)s（时点指标为生成时的当前值）") % {
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }


def breakdown_rows(area: Area, period: Period, names: Sequence[str]) -> list[BreakdownRow]:
    """One row per child area (and one for the area's own part, when any indicator has one),
    with each indicator's value from ``breakdown_by_child``; the rows add up to the area."""
    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        for row in breakdown_by_child(name, area, period):
            entry = rows.setdefault(
                row["code"],
                {
                    "code": row["code"],
                    "name": row["name"],
                    "level": row["level"],
                    "own": bool(row.get("own")),
                },
            )
            entry[name] = row["value"]
    # The own row lists only indicators with a part on the area itself: elsewhere it is 0, of
    # the indicator's type (money and hours are Decimal).
    zero = {
        name: Decimal("0.00") if any(isinstance(e.get(name), Decimal) for e in rows.values()) else 0
        for name in names
    }
    result = []
    for entry in rows.values():
        values = {name: entry.get(name, zero[name]) for name in names}
        result.append(BreakdownRow(entry["code"], entry["name"], entry["level"], values, own=entry["own"]))
    if all(row.own for row in result):
        return []  # an area without children (a grid): nothing to break down
    # Children in code order (as the registry lists them), the area's own part last.
    return sorted(result, key=lambda r: (r.own, r.code))


def trend_rows(area: Area, end: datetime.date, names: Iterable[str] = TREND) -> list[dict[str, Any]]:
    """The indicators month by month over the ``TREND_MONTHS`` months ending with ``end``'s."""
    first = end.replace(day=1)
    for _i in range(TREND_MONTHS - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    period = Period(first, end)
    rows: dict[datetime.date, dict[str, Any]] = {}
    for name in names:
        for point in timeseries(name, area, period):
            rows.setdefault(point["from"], {"month": point["from"].strftime("%Y-%m")})[name] = point["value"]
    return [rows[key] for key in sorted(rows)]


def monthly_report(area: Area, period: Period, *, user: Any = None) -> MonthlyReport:
    """The report's figures for ``area`` and the month ``period``."""
    justice = shows_justice(user)
    labels = _category_labels()
    figures, categories = [], []
    for ind in INDICATORS.values():
        if ind.justice_only and not justice:
            continue
        figures.append(
            Figure(
                ind.name,
                str(ind.label),
                str(ind.unit),
                ind.compute(area, period),
                str(ind.formula),
                str(ind.period_rule),
            )
        )
        if ind.by_category is not None:
            for key, value in ind.by_category(area, period).items():
                categories.append((str(ind.label), labels.get(key, key), value, str(ind.unit)))
    names = [n for n in MAIN_ADDITIVE if n in INDICATORS and not INDICATORS[n].justice_only]
    return MonthlyReport(
        area=area,
        period=period,
        figures=figures,
        categories=categories,
        breakdown_names=names,
        breakdown=breakdown_rows(area, period, names),
        trend=trend_rows(area, period.end),
    )


# ---------------------------------------------------------------------------------------------
# Formatting


def is_rate(name: str) -> bool:
    # The case KPIs (grid/street resolution, on-time close) are ratios 0–1.
    return name.endswith("_rate")


def number_format(name: str, value: Any) -> str:
    if is_rate(name):
        return RATE_FORMAT
    if isinstance(value, Decimal):
        return DECIMAL_FORMAT
    if isinstance(value, float):
        return FLOAT_FORMAT
    return INT_FORMAT


def display(name: str, value: Any) -> str:
    """A figure as text: “—” for none, rates in per cent, thousands separated."""
    if value is None:
        return "—"
    if is_rate(name):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _cell_value(value: Any) -> Any:
    return "—" if value is None else value


def row_label(row: BreakdownRow) -> str:
    return _("%(name)s（本级）") % {"name": row.name} if row.own else row.name


# ---------------------------------------------------------------------------------------------
# XLSX


def _workbook() -> Any:
    from openpyxl import Workbook

    return Workbook()


def _sheet(
    workbook: Any,
    title: str,
    heading: str,
    subheading: str,
    headers: Sequence[tuple[str, int]],
    *,
    first: bool = False,
) -> Any:
    """A sheet with a title, a line under it, then a bold, frozen header row (row 4)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet["A1"] = heading
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = subheading
    sheet["A2"].font = Font(color="666666")
    bold = Font(bold=True)
    for index, (header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=4, column=index, value=header)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A5"
    return sheet


def _put(sheet: Any, row: int, column: int, name: str, value: Any) -> None:
    cell = sheet.cell(row=row, column=column, value=_cell_value(value))
    if value is not None:
        cell.number_format = number_format(name, value)


def _save(workbook: Any) -> bytes:
    # The reports write no formulas: a name beginning with “=” (an area's, say) stays text
    # rather than becoming a formula the spreadsheet would run.
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def monthly_xlsx(report: MonthlyReport) -> bytes:
    """The monthly report as a workbook: 月报概览 (every figure with unit, formula and period
    rule), 分类明细, 下级区域 (the breakdown with a total row) and 事件趋势 (12 months)."""
    from openpyxl.styles import Font

    workbook = _workbook()
    workbook.properties.title = report.title
    workbook.properties.creator = _("共治 · 基层社会治理平台")

    sheet = _sheet(
        workbook,
        _("月报概览"),
        report.title,
        report.period_text,
        [(_("指标"), 22), (_("数值"), 16), (_("单位"), 10), (_("计算方法"), 60), (_("统计口径"), 26)],
        first=True,
    )
    for row, fig in enumerate(report.figures, start=5):
        sheet.cell(row=row, column=1, value=fig.label)
        _put(sheet, row, 2, fig.name, fig.value)
        sheet.cell(row=row, column=3, value=fig.unit)
        sheet.cell(row=row, column=4, value=fig.formula)
        sheet.cell(row=row, column=5, value=fig.period_rule)

    sheet = _sheet(
        workbook,
        _("分类明细"),
        report.title,
        report.period_text,
        [(_("指标"), 16), (_("类别"), 18), (_("数值"), 16), (_("单位"), 10)],
    )
    for row, (label, category, value, unit) in enumerate(report.categories, start=5):
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=category)
        cell = sheet.cell(row=row, column=3, value=value)
        cell.number_format = DECIMAL_FORMAT if isinstance(value, Decimal) else INT_FORMAT
        sheet.cell(row=row, column=4, value=unit)

    names = report.breakdown_names
    sheet = _sheet(
        workbook,
        _("下级区域"),
        report.title,
        report.period_text,
        [
            (_("区域编码"), 14),
            (_("区域名称"), 18),
            (_("层级"), 8),
            *[(f"{INDICATORS[n].label}（{INDICATORS[n].unit}）", 14) for n in names],
        ],
    )
    row = 5
    for entry in report.breakdown:
        sheet.cell(row=row, column=1, value=entry.code)
        sheet.cell(row=row, column=2, value=row_label(entry))
        sheet.cell(row=row, column=3, value=level_label(entry.level))
        for column, name in enumerate(names, start=4):
            _put(sheet, row, column, name, entry.values[name])
        row += 1
    values = report.values
    total_font = Font(bold=True)
    sheet.cell(row=row, column=1, value=report.area.code).font = total_font
    sheet.cell(row=row, column=2, value=_("合计（%(name)s）") % {"name": report.area.name}).font = total_font
    sheet.cell(row=row, column=3, value=level_label(report.area.level)).font = total_font
    for column, name in enumerate(names, start=4):
        _put(sheet, row, column, name, values[name])
        sheet.cell(row=row, column=column).font = total_font

    sheet = _sheet(
        workbook,
        _("事件趋势"),
        report.title,
        _("近 %(n)s 个月（按月，截至 %(end)s）") % {"n": TREND_MONTHS, "end": report.period.end.isoformat()},
        [(_("月份"), 12), *[(str(INDICATORS[n].label), 14) for n in TREND]],
    )
    for row, point in enumerate(report.trend, start=5):
        sheet.cell(row=row, column=1, value=point["month"])
        for column, name in enumerate(TREND, start=2):
            _put(sheet, row, column, name, point[name])
    return _save(workbook)


def table_xlsx(area: Area, period: Period, ind: Indicator, *, by: str = "child") -> bytes:
    """One dashboard table — the indicator by child area (``breakdown_by_child``, with a
    total row for additive indicators) or by category (``by_category``) — as a workbook."""
    from openpyxl.styles import Font

    workbook = _workbook()
    heading = _("%(area)s · %(indicator)s") % {"area": area.name, "indicator": ind.label}
    sub = _("统计期：%(start)s 至 %(end)s；单位：%(unit)s；%(formula)s") % {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "unit": ind.unit,
        "formula": ind.formula,
    }
    workbook.properties.title = heading
    bold = Font(bold=True)
    if by == "category":
        labels = _category_labels()
        sheet = _sheet(
            workbook,
            _("按类别"),
            heading,
            sub,
            [(_("类别"), 20), (f"{ind.label}（{ind.unit}）", 16)],
            first=True,
        )
        rows = ind.by_category(area, period) if ind.by_category else {}
        row = 5
        for key, value in rows.items():
            sheet.cell(row=row, column=1, value=labels.get(key, key))
            _put(sheet, row, 2, ind.name, value)
            row += 1
        if rows:
            sheet.cell(row=row, column=1, value=_("合计")).font = bold
            _put(sheet, row, 2, ind.name, sum(rows.values()))
            sheet.cell(row=row, column=2).font = bold
        return _save(workbook)

    sheet = _sheet(
        workbook,
        _("按下级区域"),
        heading,
        sub,
        [(_("区域编码"), 14), (_("区域名称"), 20), (_("层级"), 8), (f"{ind.label}（{ind.unit}）", 16)],
        first=True,
    )
    row = 5
    for entry in breakdown_by_child(ind.name, area, period):
        sheet.cell(row=row, column=1, value=entry["code"])
        own = BreakdownRow(entry["code"], entry["name"], entry["level"], {}, own=bool(entry.get("own")))
        sheet.cell(row=row, column=2, value=row_label(own))
        sheet.cell(row=row, column=3, value=level_label(entry["level"]))
        _put(sheet, row, 4, ind.name, entry["value"])
        row += 1
    if ind.additive:
        sheet.cell(row=row, column=1, value=area.code).font = bold
        sheet.cell(row=row, column=2, value=_("合计（%(name)s）") % {"name": area.name}).font = bold
        sheet.cell(row=row, column=3, value=level_label(area.level)).font = bold
        _put(sheet, row, 4, ind.name, ind.compute(area, period))
        sheet.cell(row=row, column=4).font = bold
    return _save(workbook)


# ---------------------------------------------------------------------------------------------
# PDF


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    # The registry is process-wide; registering once is enough.
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _palette() -> list[Any]:
    from reportlab.lib import colors

    return [colors.HexColor("#b3261e"), colors.HexColor("#1565c0"), colors.HexColor("#2e7d32")]


def _count_axis(axis: Any, values: list[float]) -> None:
    """Start at 0; with small counts step by whole numbers (no “0.5 cases”); an empty axis
    still spans 0–1."""
    axis.valueMin = 0
    top = max(values, default=0)
    if top <= 5:
        axis.valueMax = max(top, 1)
        axis.valueStep = 1


def person_times_chart(report: MonthlyReport, width: float, height: float) -> Any:
    """A bar chart of person-times served by child area (the area's own part included)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing

    rows = report.breakdown
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 50
    chart.width, chart.height = width - 60, height - 70
    values = [float(r.values.get("person_times_served", 0) or 0) for r in rows]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [row_label(r) for r in rows]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.angle = 30 if len(rows) > 4 else 0
    chart.valueAxis.labels.fontName = LATIN_FONT
    chart.valueAxis.labels.fontSize = 7
    _count_axis(chart.valueAxis, values)
    chart.bars[0].fillColor = _palette()[0]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = LATIN_FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def cases_trend_chart(report: MonthlyReport, width: float, height: float) -> Any:
    """A line chart of cases reported and closed by month over the last 12 months."""
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing

    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 40, 40
    chart.width, chart.height = width - 60, height - 75
    data = [[float(point[name] or 0) for point in report.trend] for name in TREND]
    chart.data = data
    chart.categoryAxis.categoryNames = [point["month"][2:] for point in report.trend]
    chart.categoryAxis.labels.fontName = LATIN_FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = LATIN_FONT
    chart.valueAxis.labels.fontSize = 7
    _count_axis(chart.valueAxis, [v for series in data for v in series])
    colors = _palette()
    for index in range(len(TREND)):
        chart.lines[index].strokeColor = colors[index]
        chart.lines[index].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 40, height - 12
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = CJK_FONT
    legend.fontSize = 8
    legend.dxTextSpace = 4
    legend.deltax = 80
    legend.colorNamePairs = [(colors[i], str(INDICATORS[name].label)) for i, name in enumerate(TREND)]
    drawing.add(legend)
    return drawing


def _para(text: Any, style: Any) -> Any:
    """A paragraph of plain text: reportlab reads markup in paragraphs, and area names are
    user input, so <, > and & are escaped."""
    from xml.sax.saxutils import escape  # escapes output, parses nothing  # nosec B406

    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), style)


def monthly_pdf(report: MonthlyReport, *, compress: bool = True) -> bytes:
    """The monthly report as an A4 PDF: the figures, the categories, the bar chart of
    person-times by child area, the 12-month line of cases and the breakdown table.
    ``compress=False`` leaves the page streams readable (for tests)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author=_("共治 · 基层社会治理平台"),
        subject=_("工作月报"),
        pageCompression=1 if compress else 0,
    )
    width = doc.width
    title = ParagraphStyle("title", fontName=CJK_FONT, fontSize=17, leading=22, wordWrap="CJK")
    heading = ParagraphStyle(
        "heading", fontName=CJK_FONT, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4, wordWrap="CJK"
    )
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=8.5, leading=11, wordWrap="CJK")
    muted = ParagraphStyle("muted", parent=body, textColor=colors.HexColor("#666666"))
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), CJK_FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e5e4")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )

    def table(
        rows: list[list[Any]], widths: list[float], numbers: tuple[int, int], centred: int | None = None
    ) -> Any:
        """A grid table whose columns ``numbers[0]``–``numbers[1]`` hold figures (right-aligned)."""
        flowable = Table(rows, colWidths=widths, repeatRows=1)
        flowable.setStyle(grid)
        flowable.setStyle(TableStyle([("ALIGN", (numbers[0], 1), (numbers[1], -1), "RIGHT")]))
        if centred is not None:
            flowable.setStyle(TableStyle([("ALIGN", (centred, 0), (centred, -1), "CENTER")]))
        return flowable

    story: list[Any] = [
        _para(report.title, title),
        Spacer(0, 2 * mm),
        _para(report.period_text, muted),
        _para(
            _("区域编码 %(code)s · 生成于 %(at)s")
            % {
                "code": report.area.code,
                "at": timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M"),
            },
            muted,
        ),
        _para(_("一、主要指标"), heading),
    ]
    figure_rows = [[_("指标"), _("数值"), _("单位"), _("统计口径")]]
    figure_rows += [
        [f.label, display(f.name, f.value), f.unit, _para(f.period_rule, body)] for f in report.figures
    ]
    story.append(
        table(figure_rows, [width * 0.32, width * 0.2, width * 0.12, width * 0.36], (1, 1), centred=2)
    )

    if report.categories:
        story.append(_para(_("二、项目与资金分类"), heading))
        rows = [[_("指标"), _("类别"), _("数值"), _("单位")]]
        rows += [
            [label, category, f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}", unit]
            for label, category, value, unit in report.categories
        ]
        story.append(table(rows, [width * 0.3, width * 0.3, width * 0.25, width * 0.15], (2, 2), centred=3))

    story.append(_para(_("三、下级区域服务人次"), heading))
    if report.breakdown:
        story.append(person_times_chart(report, width, 70 * mm))
    else:
        story.append(_para(_("本区域没有下级区域。"), muted))

    story.append(_para(_("四、近 %(n)s 个月事件趋势") % {"n": TREND_MONTHS}, heading))
    story.append(cases_trend_chart(report, width, 65 * mm))

    if report.breakdown:
        story.append(_para(_("五、下级区域主要指标"), heading))
        names = [n for n in PDF_BREAKDOWN if n in report.breakdown_names]
        header = [
            _("区域"),
            *[_para(f"{INDICATORS[n].label}（{INDICATORS[n].unit}）", body) for n in names],
        ]
        rows = [header]
        rows += [[row_label(r), *[display(n, r.values[n]) for n in names]] for r in report.breakdown]
        values = report.values
        rows.append([_("合计"), *[display(n, values[n]) for n in names]])
        first = width * 0.2
        breakdown = table(rows, [first] + [(width - first) / len(names)] * len(names), (1, len(names)))
        breakdown.setStyle(TableStyle([("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eeeeee"))]))
        story.append(breakdown)

    story.append(Spacer(0, 4 * mm))
    story.append(_para(_("各指标的计算方法见 docs/indicators.md；“—”表示分母为 0，无法计算。"), muted))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawCentredString(A4[0] / 2, 10 * mm, _("第 %(n)s 页") % {"n": document.page})
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
