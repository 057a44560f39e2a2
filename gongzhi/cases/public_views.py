"""Public pages, no sign-in: a resident reports a problem, follows it by its tracking link,
and rates the result once it is closed.

The tracking page is public to whoever holds the link, so it shows no personal data: no
names or phone numbers, no handler, no internal notes — only what happened and when, in
public terms, and the result. Photos are thumbnails of the report and of the result, served
through a route that checks the token.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.geo import locate_grid
from gongzhi.areas.models import Area
from gongzhi.cases import services
from gongzhi.cases.choices import CaseAction, CaseSource, CaseStatus
from gongzhi.cases.forms import PublicRatingForm, ResidentReportForm
from gongzhi.cases.models import Case, CasePhoto, PhotoPhase
from gongzhi.cases.views import MAP_GRID_LIMIT, _float
from gongzhi.core.exceptions import DomainError

# What the public sees of each timeline entry; anything not listed (supervision, warnings,
# campaigns …) is internal and not shown at all.
PUBLIC_STEPS: dict[str, Any] = {
    CaseAction.REPORT: gettext_lazy("问题已提交"),
    CaseAction.REGISTER: gettext_lazy("已受理立案"),
    CaseAction.REJECT: gettext_lazy("不予立案"),
    CaseAction.DISPATCH: gettext_lazy("已交办处置单位"),
    CaseAction.ACCEPT: gettext_lazy("处置单位已接收"),
    CaseAction.FEEDBACK: gettext_lazy("已处置，待现场核查"),
    CaseAction.REWORK: gettext_lazy("核查未通过，重新处置"),
    CaseAction.VERIFY: gettext_lazy("核查通过，已办结"),
    CaseAction.CLOSE: gettext_lazy("已办结"),
    CaseAction.RESOLVE_ON_SITE: gettext_lazy("网格员现场处置，已办结"),
    CaseAction.ESCALATE: gettext_lazy("已转上级部门办理"),
    CaseAction.AUTO_ESCALATE: gettext_lazy("已转上级部门办理"),
    CaseAction.EXTEND: gettext_lazy("办理期限已延长"),
    CaseAction.DEFER: gettext_lazy("暂缓办理"),
    CaseAction.MERGE: gettext_lazy("与相同问题合并办理"),
    CaseAction.EVALUATE: gettext_lazy("已评价"),
}

# Statuses in public words (internal queue names such as 待派遣 mean nothing to a resident).
PUBLIC_STATUS: dict[str, Any] = {
    CaseStatus.REPORTED: gettext_lazy("已提交，待受理"),
    CaseStatus.REGISTERED: gettext_lazy("已受理，办理中"),
    CaseStatus.DISPATCHED: gettext_lazy("办理中"),
    CaseStatus.HANDLING: gettext_lazy("办理中"),
    CaseStatus.FED_BACK: gettext_lazy("已处置，待核查"),
    CaseStatus.DEFERRED: gettext_lazy("暂缓办理"),
    CaseStatus.CLOSED: gettext_lazy("已办结"),
    CaseStatus.REJECTED: gettext_lazy("不予立案"),
    CaseStatus.MERGED: gettext_lazy("已合并办理"),
}

PUBLIC_PHOTO_PHASES = (PhotoPhase.REPORT, PhotoPhase.FEEDBACK, PhotoPhase.ON_SITE)
# The result a resident may read: what was done (closed) or why it was refused (rejected).
RESULT_ACTIONS = {
    CaseStatus.CLOSED: (CaseAction.FEEDBACK, CaseAction.RESOLVE_ON_SITE),
    CaseStatus.REJECTED: (CaseAction.REJECT,),
}


def _all_grids():
    return Area.objects.filter(level=AreaLevel.GRID).select_related("parent").order_by("path")


def report(request: HttpRequest) -> HttpResponse:
    """A resident's report: category, description, location, optional name and phone, photos.
    Afterwards: the case number and the tracking link."""
    grids = _all_grids()
    form = ResidentReportForm(request.POST or None, request.FILES or None, grids=grids)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.report_case(
                    category=data["category"],
                    description=data["description"],
                    source=CaseSource.RESIDENT,
                    by=request.user if request.user.is_authenticated else None,
                    address=data["address"],
                    photos=data["photos"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    **form.location(),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request, _("已收到您反映的问题，事件编号 %(number)s。") % {"number": case.number}
                )
                return redirect(reverse("track", args=[case.tracking_token]) + "?submitted=1")
    rows = list(grids.filter(boundary__isnull=False).values("code", "name", "boundary")[: MAP_GRID_LIMIT + 1])
    context = {
        "form": form,
        "map_grids": [] if len(rows) > MAP_GRID_LIMIT else rows,
        "locate_url": reverse("public-locate"),
    }
    return render(request, "cases/public_report.html", context, status=status)


@require_GET
def locate(request: HttpRequest) -> HttpResponse:
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    grid = locate_grid(lat, lng) if lat is not None and lng is not None else None
    context = {"grid": grid, "asked": lat is not None and lng is not None, "allowed": True, "public": True}
    return render(request, "cases/_locate.html", context)


def _case_by_token(token: str) -> Case:
    return get_object_or_404(
        Case.objects.select_related("category", "grid", "merged_into"), tracking_token=token
    )


def _track_context(case: Case, rating_form: PublicRatingForm | None = None) -> dict[str, Any]:
    events = list(case.events.order_by("created_at", "id"))
    steps = [
        {"label": PUBLIC_STEPS[e.action], "at": e.created_at} for e in events if e.action in PUBLIC_STEPS
    ]
    result = ""
    result_actions = RESULT_ACTIONS.get(case.status, ())
    for event in reversed(events):
        if event.action in result_actions and event.note:
            result = event.note
            break
    photos = CasePhoto.objects.filter(case=case, phase__in=PUBLIC_PHOTO_PHASES).order_by("id")
    return {
        "case": case,
        "public_status": PUBLIC_STATUS.get(case.status, ""),
        "steps": steps,
        "result": result,
        "photos": photos,
        "may_rate": case.status == CaseStatus.CLOSED and case.evaluated_at is None,
        "rating_form": rating_form or PublicRatingForm(),
    }


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    """The public tracking page of one case (whoever holds the link)."""
    case = _case_by_token(token)
    context = _track_context(case)
    context["submitted"] = request.GET.get("submitted") == "1"
    return render(request, "cases/track.html", context)


@never_cache
@require_POST
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """满意 / 基本满意 / 不满意, once, after close (``services.evaluate_case(via_token=True)``)."""
    case = _case_by_token(token)
    form = PublicRatingForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.evaluate_case(case, satisfaction=form.cleaned_data["satisfaction"], via_token=True)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("track", token=token)
    case.refresh_from_db()
    return render(request, "cases/track.html", _track_context(case, form), status=status)


def track_photo(request: HttpRequest, token: str, pk: int) -> FileResponse:
    """A thumbnail of the report or the result, for the holder of the case's tracking link."""
    case = _case_by_token(token)
    found = CasePhoto.objects.filter(pk=pk, case=case, phase__in=PUBLIC_PHOTO_PHASES).first()
    if found is None:
        raise Http404
    field = found.thumbnail
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    # Private: the link is the key, so no shared cache may keep the image.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
