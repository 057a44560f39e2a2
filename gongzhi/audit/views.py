"""The auditor's pages: search, one event, export, and the chain check.

Only the security auditor (``audit.view_auditevent``; exports ``audit.export_auditevent``)
opens them; which events they list is decided by ``queries.visible_events``. Also here: the
site's ``handler403``, which records every refused page before showing the usual 403 page.
"""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_http_methods

from gongzhi.audit import queries
from gongzhi.audit.filters import AuditEventFilter
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import Category, record, record_denial, verify_and_record
from gongzhi.core.spreadsheet import safe_cell

EVENTS_PER_PAGE = 50
# An export is for an investigation, not a copy of the whole log: narrow the search instead.
EXPORT_LIMIT = 50_000
SHANGHAI = "Asia/Shanghai"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: record the refusal, then answer with the usual 403 page."""
    record_denial(request, reason=str(exception or ""))
    return defaults.permission_denied(request, exception)


def _search(request: HttpRequest, perm: str = queries.VIEW_PERMISSION) -> AuditEventFilter:
    return AuditEventFilter(request.GET, queryset=queries.visible_events(request.user, perm))


@login_required
@permission_required(queries.VIEW_PERMISSION, raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    """Search by time, actor, category, action, outcome, object and address; 50 a page."""
    search = _search(request)
    events = search.qs if search.is_valid() else AuditEvent.objects.none()
    page = Paginator(events.order_by("-at", "-id"), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "search": search,
            "page": page,
            "query": query.urlencode(),
            "tz": SHANGHAI,
            "can_export": request.user.has_perm(queries.EXPORT_PERMISSION),
        },
    )


@login_required
@permission_required(queries.VIEW_PERMISSION, raise_exception=True)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = queries.visible_events(request.user).filter(pk=pk).first()
    if event is None:
        raise Http404
    detail = json.dumps(event.detail, ensure_ascii=False, indent=2, sort_keys=True)
    return render(request, "audit/detail.html", {"event": event, "detail": detail, "tz": SHANGHAI})


def _columns() -> list[str]:
    return [
        _("ID"),
        _("链序号"),
        _("时间（北京时间）"),
        _("操作人ID"),
        _("操作人"),
        _("来源地址"),
        _("客户端"),
        _("类别"),
        _("操作"),
        _("结果"),
        _("对象类型"),
        _("对象ID"),
        _("对象"),
        _("详情"),
        _("摘要"),
    ]


_cell = safe_cell  # a text cell starting with = + - @ would run as a formula in a spreadsheet


def _rows(events):
    with timezone.override(SHANGHAI):
        for e in events:
            yield [
                _cell(v)
                for v in (
                    e.pk,
                    e.seq,
                    timezone.localtime(e.at).isoformat(timespec="seconds"),
                    e.actor_id,
                    e.actor_name,
                    e.ip or "",
                    e.user_agent,
                    str(e.get_category_display()),
                    e.action,
                    str(e.get_outcome_display()),
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
                    e.hash,
                )
            ]


def _xlsx(events) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("审计日志"))
    sheet.append(_columns())
    for row in _rows(events):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(events) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_columns())
    writer.writerows(_rows(events))
    # With a byte-order mark, spreadsheet programs read the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@login_required
@permission_required(queries.EXPORT_PERMISSION, raise_exception=True)
def event_export(request: HttpRequest) -> HttpResponse:
    """The filtered rows as XLSX (default) or CSV (``?format=csv``); the export is audited."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        return HttpResponse(
            _("导出格式应为 xlsx 或 csv。"), status=400, content_type="text/plain; charset=utf-8"
        )
    search = _search(request, queries.EXPORT_PERMISSION)
    if not search.is_valid():
        return HttpResponse(
            _("筛选条件有误：%(errors)s") % {"errors": search.errors.as_text()},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    events = list(search.qs.order_by("-at", "-id")[: EXPORT_LIMIT + 1])
    if len(events) > EXPORT_LIMIT:
        return HttpResponse(
            _("符合条件的记录超过 %(n)s 条，请缩小时间范围或增加筛选条件后再导出。") % {"n": EXPORT_LIMIT},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = {k: v for k, v in search.form.cleaned_data.items() if v not in (None, "")}
    record(
        "audit.export",
        category=Category.ADMIN,
        detail={"format": fmt, "count": len(events), "filters": filters},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        response = HttpResponse(_csv(events), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(_xlsx(events), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    return response


@login_required
@permission_required(queries.VIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def verification(request: HttpRequest) -> HttpResponse:
    """The latest check of the hash chain, and a button to run one now."""
    if request.method == "POST":
        result = verify_and_record(actor=request.user)
        if result.ok:
            messages.success(request, _("校验通过：%(n)s 条审计记录完整。") % {"n": result.count})
        else:
            messages.error(
                request,
                _("校验未通过：发现 %(p)s 处问题，详见下方。") % {"p": len(result.problems)},
            )
        return redirect("audit:verify")
    return render(
        request, "audit/verify.html", {"last": queries.last_verification(request.user), "tz": SHANGHAI}
    )
