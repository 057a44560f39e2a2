"""Export a list of organizations to XLSX (``/api/v1/organizations/export/``).

The rows are whatever the caller's filtered, scoped list holds; the queryset comes annotated
by ``gongzhi.organizations.api.with_figures`` (member count, current rating level).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from gongzhi.core.spreadsheet import safe_row
from gongzhi.organizations.choices import RatingLevel, ServiceDomain
from gongzhi.organizations.models import Organization


def _columns() -> list[str]:
    return [
        _("ID"),
        _("名称"),
        _("管理类型"),
        _("状态"),
        _("类别"),
        _("登记类型"),
        _("统一社会信用代码"),
        _("区域编码"),
        _("所在区域"),
        _("负责人"),
        _("活动场所"),
        _("备案编号"),
        _("备案日期"),
        _("登记日期"),
        _("评估等级"),
        _("服务领域"),
        _("党组织形式"),
        _("孵化中"),
        _("成员数"),
    ]


def organizations_xlsx(organizations: Iterable[Organization]) -> bytes:
    """One sheet, a header row and one row per organization."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("社会组织")
    sheet.append(_columns())
    for org in organizations:
        level = getattr(org, "rating_level", None)
        sheet.append(
            safe_row(
                [
                    org.pk,
                    org.name,
                    str(org.get_track_display()),
                    str(org.get_status_display()),
                    str(org.get_category_display()) if org.category else "",
                    str(org.get_legal_form_display()) if org.legal_form else "",
                    org.credit_code,
                    org.area.code,
                    org.area.name,
                    org.leader.name if org.leader_id else "",
                    org.venue,
                    org.filing_number or "",
                    org.filed_on,
                    org.registered_on,
                    RatingLevel(level).label if level else "",
                    _("、").join(str(ServiceDomain(d.domain).label) for d in org.domains.all()),
                    str(org.get_party_org_type_display()),
                    _("是") if org.is_incubating else _("否"),
                    getattr(org, "member_count", 0),
                ]
            )
        )
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
