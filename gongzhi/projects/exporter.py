"""Export the money ledger to XLSX (the 台账 download of the ledger page and the API).

Three sheets, one query each: 项目台账 (a row per project with its budget, disbursed and
unpaid money), 资金来源 (a row per funding source with its allocated, disbursed and remaining
money) and 拨付明细 (every disbursement entry of those projects, reversals included, so the
sheet adds up to the 已拨付 column). Balances come from ``queries.with_totals`` and
``queries.with_balances``: they are ledger sums, never stored totals.

Callers pass querysets already scoped to the user (``visible_to``): projects by
``projects.view_project`` and sources by ``projects.view_fundingsource``; the disbursement rows
are limited to the projects given.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongzhi.core.spreadsheet import safe_row
from gongzhi.projects.models import Disbursement
from gongzhi.projects.queries import CENT, with_balances, with_totals

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"


def _money(value: Any) -> Decimal:
    # Annotated sums come back from SQLite with up to 15 significant digits (2.5000000): the
    # ledger is in cents, so is the workbook.
    return Decimal(value or 0).quantize(CENT)


def _sheet(workbook: Any, title: str, headers: Sequence[tuple[str, int]], *, first: bool = False) -> Any:
    """A sheet with a bold, frozen header row and the given column widths."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append([header for header, _width in headers])
    bold = Font(bold=True)
    for index, (_header, width) in enumerate(headers, start=1):
        sheet.cell(row=1, column=index).font = bold
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _format(sheet: Any, columns: dict[int, str]) -> None:
    """Give the data cells of the 1-based ``columns`` their number format."""
    for row in sheet.iter_rows(min_row=2):
        for index, number_format in columns.items():
            row[index - 1].number_format = number_format


def _projects_sheet(workbook: Any, projects: QuerySet) -> None:
    sheet = _sheet(
        workbook,
        _("项目台账"),
        [
            (_("项目名称"), 36),
            (_("项目计划"), 20),
            (_("民生类别"), 12),
            (_("服务区域"), 16),
            (_("状态"), 10),
            (_("承接组织"), 28),
            (_("预算"), 16),
            (_("已拨付"), 16),
            (_("未拨付"), 16),
        ],
        first=True,
    )
    rows = with_totals(projects).select_related("programme", "area", "claimed_by").order_by("pk")
    for project in rows:
        sheet.append(
            safe_row(
                [
                    project.title,
                    project.programme.name if project.programme_id else "",
                    str(project.get_lifecycle_category_display()),
                    project.area.name,
                    str(project.get_status_display()),
                    project.claimed_by.name if project.claimed_by_id else "",
                    _money(project.budget),
                    _money(project.disbursed),
                    _money(project.unpaid),
                ]
            )
        )
    _format(sheet, {7: MONEY_FORMAT, 8: MONEY_FORMAT, 9: MONEY_FORMAT})


def _sources_sheet(workbook: Any, sources: QuerySet) -> None:
    sheet = _sheet(
        workbook,
        _("资金来源"),
        [
            (_("名称"), 32),
            (_("类型"), 16),
            (_("年度"), 8),
            (_("金额"), 18),
            (_("已分配"), 18),
            (_("已拨付"), 18),
            (_("可分配余额"), 18),
        ],
    )
    for source in with_balances(sources).order_by("-year", "name", "pk"):
        sheet.append(
            safe_row(
                [
                    source.name,
                    str(source.get_kind_display()),
                    source.year,
                    _money(source.amount),
                    _money(source.allocated),
                    _money(source.disbursed),
                    _money(source.remaining),
                ]
            )
        )
    _format(sheet, {4: MONEY_FORMAT, 5: MONEY_FORMAT, 6: MONEY_FORMAT, 7: MONEY_FORMAT})


def _disbursements_sheet(workbook: Any, projects: QuerySet) -> None:
    sheet = _sheet(
        workbook,
        _("拨付明细"),
        [
            (_("日期"), 12),
            (_("凭证号"), 20),
            (_("项目"), 36),
            (_("资金来源"), 28),
            (_("金额"), 16),
            (_("说明"), 40),
        ],
    )
    entries = (
        Disbursement.objects.filter(project__in=projects.order_by().values("pk"))
        .select_related("project", "source")
        .order_by("paid_on", "pk")
    )
    for entry in entries:
        sheet.append(
            safe_row(
                [
                    entry.paid_on,
                    entry.voucher,
                    entry.project.title,
                    str(entry.source),
                    _money(entry.amount),
                    entry.note,
                ]
            )
        )
    _format(sheet, {1: DATE_FORMAT, 5: MONEY_FORMAT})


def export_ledger(projects: QuerySet, sources: QuerySet) -> bytes:
    """The ledger workbook of ``projects`` and ``sources`` (both already scoped to the caller):
    sheets 项目台账, 资金来源 and 拨付明细, money as numbers formatted ``#,##0.00``."""
    from openpyxl import Workbook

    workbook = Workbook()
    _projects_sheet(workbook, projects)
    _sources_sheet(workbook, sources)
    _disbursements_sheet(workbook, projects)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
