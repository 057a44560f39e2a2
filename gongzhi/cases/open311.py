"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Any Open311 client can list the case categories (services), read their attribute definitions,
follow reported cases (service requests) and, with an API key issued to its application by a
district admin (``gongzhi.cases.keys``), report new ones. Every resource comes as ``.xml``
(the spec's required format, shaped like its examples) and ``.json`` (the same data, by the
spec's Spark convention).

Decisions the spec leaves to the implementer:

* ``jurisdiction_id`` is the code of a district (a root of the area tree). It may be left out
  while the installation serves one district; an unknown code answers 404.
* A service is an active category without active sub-categories; its ``group`` is the parent
  category. ``metadata`` is true for categories with attributes (``CATEGORY_ATTRIBUTES``),
  e.g. 僵尸车 asks for an optional plate number and how long the car has stood there.
* ``service_request_id`` is the case number (事件编号); the token of ``tokens/{token}`` is the
  case's tracking code (查询码). Requests are created synchronously (``type`` realtime), so
  POST answers with the id, and with the tracking code in its ``service_notice`` — the only
  place a client learns it, because the code also lets its holder rate the result.
* Locations need ``lat`` and ``long``: the grid is found from the point, and there is no
  address register to geocode ``address_string`` or ``address_id``; those alone get a 400
  saying that coordinates are required. ``address_string`` sent with coordinates is kept as
  the case's address.
* Public reads show no personal data: never the reporter's name, phone, email, device or
  account, nor attribute answers (a plate number identifies a person), nor timeline notes
  other than a refusal's reason. ``media_url`` is the URL the reporting client sent, which
  that client has published itself; photos uploaded through Gongzhi are not published here,
  since they are served only to those who may see the case.
* Lists are bounded: at most 1000 rows a response (the spec's default), paged with the
  common ``page``/``page_size`` extension; a date range may span at most 90 days.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import xml.etree.ElementTree as ET  # builds answers, parses nothing  # nosec B405
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from gongzhi.areas.models import Area
from gongzhi.cases.choices import FINAL_STATUSES, CaseAction, CaseLevel, CaseSource, CaseStatus, Stage
from gongzhi.cases.keys import application_for_key
from gongzhi.cases.models import Case, CaseCategory, CaseEvent
from gongzhi.cases.services import report_case
from gongzhi.core.exceptions import DomainError

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
FORMATS_MIME = ("text/xml", "application/json")  # as discovery lists them
MAX_ROWS = 1000  # the spec's default limit, and our cap for page_size
MAX_SPAN = datetime.timedelta(days=90)  # the spec's default and widest date range
MAX_DESCRIPTION = 4000  # the spec's limit for description
MAX_MEDIA_URL = 500
# Before any category change is in the history, discovery's changeset is this version's date.
BASE_CHANGESET = "2026-01-01 00:00"

# XML element names for the items of each list (the spec's examples: services → service …).
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry even escaped; a description pasted from elsewhere may hold them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """An error answered as the spec's ``errors`` array with this HTTP status."""

    def __init__(self, status: int, description: Any):
        super().__init__(str(description))
        self.status = status
        self.description = str(description)


# ---------------------------------------------------------------------------------------------
# Service definitions: attributes asked of some categories


@dataclass(frozen=True)
class Attribute:
    """One extra question of a service (``attribute[CODE]`` on POST)."""

    code: str
    description: Any
    datatype: str = "string"  # string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool = False
    datatype_description: Any = ""
    values: tuple[tuple[str, Any], ...] = ()

    def as_dict(self, order: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": str(self.datatype_description) or None,
            "order": order,
            "description": str(self.description),
        }
        if self.values:
            data["values"] = [{"key": key, "name": str(name)} for key, name in self.values]
        return data

    def clean(self, values: list[str]) -> str | list[str]:
        """The answer to store, or Open311Error(400) saying what is wrong with it."""
        values = [v.strip() for v in values if v.strip()]
        if self.datatype == "multivaluelist":
            keys = {key for key, _name in self.values}
            if any(v not in keys for v in values):
                raise Open311Error(400, self._choose_from())
            return values[:20]
        value = values[-1] if values else ""
        if not value:
            return ""
        if self.datatype == "singlevaluelist" and value not in {key for key, _name in self.values}:
            raise Open311Error(400, self._choose_from())
        if self.datatype == "number":
            try:
                float(value)
            except ValueError:
                raise Open311Error(400, _("attribute[%(code)s] 应为数字。") % {"code": self.code}) from None
        if self.datatype == "datetime" and _parse_when(value, end=False) is None:
            raise Open311Error(
                400,
                _("attribute[%(code)s] 应为 ISO 8601 时间，例如 2026-01-01T08:00:00+08:00。")
                % {"code": self.code},
            )
        limit = 1000 if self.datatype == "text" else 200
        return value[:limit]

    def _choose_from(self) -> str:
        return _("attribute[%(code)s] 只能取以下值：%(keys)s。") % {
            "code": self.code,
            "keys": ", ".join(key for key, _name in self.values),
        }


# By category name, since categories are data (admin, demo) and their codes differ between
# installations; a category not listed here has no attributes (metadata false).
CATEGORY_ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "僵尸车": (
        Attribute(
            code="PLATE",
            description=gettext_lazy("车牌号（如能看清）"),
            datatype_description=gettext_lazy("例如 浙B12345；只供处置单位使用，不会公开"),
        ),
        Attribute(
            code="PARKED",
            description=gettext_lazy("车辆已在此停放多久？"),
            datatype="singlevaluelist",
            values=(
                ("week", gettext_lazy("一周以内")),
                ("month", gettext_lazy("一周到一个月")),
                ("longer", gettext_lazy("一个月以上")),
            ),
        ),
    ),
}


def category_attributes(category: CaseCategory) -> tuple[Attribute, ...]:
    return CATEGORY_ATTRIBUTES.get(category.name, ())


# ---------------------------------------------------------------------------------------------
# Rendering: the spec's XML shapes and their JSON mapping


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, XML_ITEMS[name], item)
    elif value is not None:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )


def render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """``data`` as ``fmt``; ``root`` names the XML root element (and so its items' names)."""
    body = json.dumps(data, ensure_ascii=False).encode() if fmt == "json" else to_xml(root, data)
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["xml"]))


def render_error(fmt: str, status: int, description: Any) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": str(description)}], status=status)


def w3(moment: datetime.datetime | None) -> str | None:
    """A datetime in the spec's w3 format, in local time with its UTC offset."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# The view wrapper: format, jurisdiction, errors


def _param(request: HttpRequest, name: str) -> str:
    """A parameter from the form body (POST) or the query string; empty means absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name)
    return (value or "").strip()


def _jurisdiction(request: HttpRequest) -> Area | None:
    """The district this call is about (``jurisdiction_id``), or the only district there is."""
    code = _param(request, "jurisdiction_id")
    roots = list(Area.objects.filter(parent__isnull=True).only("pk", "code", "name", "path"))
    if code:
        for root in roots:
            if root.code == code:
                return root
        raise Open311Error(
            404, _("找不到 jurisdiction_id“%(code)s”：它应是本系统所辖区的编码。") % {"code": code}
        )
    if len(roots) > 1:
        raise Open311Error(
            400,
            _("本系统服务多个区，请用 jurisdiction_id 指明区的编码：%(codes)s。")
            % {"codes": ", ".join(root.code for root in roots)},
        )
    return roots[0] if roots else None


def open311_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Check the format and jurisdiction, then answer any error in the spec's error format."""

    @csrf_exempt  # clients authenticate with api_key, never with a session cookie
    @wraps(view)
    def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return render_error("xml", 404, _("不支持的格式“%(fmt)s”：请使用 .xml 或 .json。") % {"fmt": fmt})
        try:
            jurisdiction = _jurisdiction(request)
            return view(request, fmt, jurisdiction, **kwargs)
        except Open311Error as exc:
            return render_error(fmt, exc.status, exc.description)
        except DomainError as exc:
            return render_error(fmt, 400, exc.message)

    return wrapper


def _only(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise Open311Error(
            405,
            _("不支持 %(method)s 请求，请使用 %(allowed)s。")
            % {"method": request.method, "allowed": "/".join(methods)},
        )


# ---------------------------------------------------------------------------------------------
# Discovery and services


@open311_view
def discovery(request: HttpRequest, fmt: str, jurisdiction: Area | None) -> HttpResponse:
    _only(request, "GET", "HEAD")
    # Category changes are in the change history; they are what the changeset signals.
    latest = LogEntry.objects.get_for_model(CaseCategory).aggregate(latest=Max("timestamp"))["latest"]
    changeset = timezone.localtime(latest).strftime("%Y-%m-%d %H:%M") if latest else BASE_CHANGESET
    url = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    data = {
        "changeset": changeset,
        "contact": _("如有问题，请联系本区网格化服务管理中心（区级管理员）。"),
        "key_service": _(
            "API 密钥由区级管理员为应用签发（管理后台或 gongzhi issue-api-key 命令）；查询无需密钥，报事需要。"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changeset,
                "type": "test" if settings.DEBUG else "production",
                "formats": list(FORMATS_MIME),
            }
        ],
    }
    return render(fmt, "discovery", data)


def _time_limits(category: CaseCategory) -> dict[str, float]:
    """Working hours of each stage at grid level (where every case starts)."""
    overrides = {
        limit.stage: float(limit.hours)
        for limit in category.time_limits.all()
        if limit.level == CaseLevel.GRID
    }
    return {stage: overrides.get(stage, category.stage_hours(stage)) for stage in Stage.values}


def _hours(value: float) -> str:
    return f"{value:g}"


def service_notice(category: CaseCategory) -> str:
    limits = _time_limits(category)
    to_close = sum(limits[s] for s in (Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE, Stage.VERIFY))
    return _("此类事件在上报后 %(register)s 个工作小时内立案，立案后 %(close)s 个工作小时内办结。") % {
        "register": _hours(limits[Stage.REGISTER]),
        "close": _hours(to_close),
    }


def _services() -> QuerySet[CaseCategory]:
    """Categories a report can be filed under: active ones without active sub-categories."""
    return (
        CaseCategory.objects.filter(is_active=True)
        .annotate(active_children=Count("children", filter=Q(children__is_active=True)))
        .filter(active_children=0)
        .select_related("parent")
        .prefetch_related("time_limits")
        .order_by("code")
    )


def service(category: CaseCategory) -> dict[str, Any]:
    group = category.parent.name if category.parent_id else category.name
    keywords = [category.name] + ([group] if group != category.name else [])
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(group)s · %(name)s（%(urgency)s）。%(notice)s")
        % {
            "group": group,
            "name": category.name,
            "urgency": category.get_urgency_display(),
            "notice": service_notice(category),
        },
        "metadata": bool(category_attributes(category)),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": group,
    }


def _service_or_404(code: str) -> CaseCategory:
    category = _services().filter(code=code).first() if code else None
    if category is None:
        raise Open311Error(
            404, _("找不到 service_code“%(code)s”：请从 services 列表中选择。") % {"code": code}
        )
    return category


@open311_view
def services(request: HttpRequest, fmt: str, jurisdiction: Area | None) -> HttpResponse:
    _only(request, "GET", "HEAD")
    return render(fmt, "services", [service(category) for category in _services()])


@open311_view
def service_definition(
    request: HttpRequest, fmt: str, jurisdiction: Area | None, service_code: str
) -> HttpResponse:
    _only(request, "GET", "HEAD")
    category = _service_or_404(service_code)
    attributes = [attr.as_dict(order) for order, attr in enumerate(category_attributes(category), start=1)]
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


# ---------------------------------------------------------------------------------------------
# Service requests: the public view of a case


def _public_cases(jurisdiction: Area | None) -> QuerySet[Case]:
    cases = Case.objects.select_related("category", "handling_unit", "responsible_area", "merged_into")
    if jurisdiction is None:
        return cases.none()
    events = CaseEvent.objects.filter(action__in=[CaseAction.REPORT, CaseAction.REJECT]).only(
        "case_id", "action", "note", "data", "created_at"
    )
    return (
        cases.filter(grid__path__prefix=jurisdiction.path, category__is_public=True)
        .prefetch_related(
            "category__time_limits",
            Prefetch("events", queryset=events.order_by("created_at", "id"), to_attr="public_events"),
        )
        .only(
            "number",
            "status",
            "level",
            "resolved_level",
            "description",
            "address",
            "lat",
            "lng",
            "reported_at",
            "updated_at",
            "closed_at",
            "due_at",
            "category__code",
            "category__name",
            "category__register_hours",
            "category__dispatch_hours",
            "category__accept_hours",
            "category__handle_hours",
            "category__verify_hours",
            "handling_unit__name",
            "responsible_area__name",
            "merged_into__number",
        )
        .order_by("-reported_at", "-id")
    )


def status_notes(case: Case) -> str:
    """Why the case is where it is, in words fit for the public (no names, no internal notes)."""
    if case.status == CaseStatus.REJECTED:
        reasons = [e.note for e in case.public_events if e.action == CaseAction.REJECT and e.note]
        if reasons:
            return _("不予立案：%(reason)s") % {"reason": reasons[-1]}
        return str(CaseStatus.REJECTED.label)
    if case.status == CaseStatus.MERGED:
        number = case.merged_into.number if case.merged_into_id else ""
        return _("与事件 %(number)s 重复，已合并处理。") % {"number": number}
    if case.status == CaseStatus.CLOSED:
        level = CaseLevel(case.resolved_level).label if case.resolved_level else ""
        return _("已结案，在%(level)s层级解决。") % {"level": level}
    label = case.get_status_display()
    if case.level != CaseLevel.GRID:
        return _("%(status)s（已上报至%(level)s层级处理）") % {
            "status": label,
            "level": case.get_level_display(),
        }
    return str(label)


def service_request(case: Case) -> dict[str, Any]:
    """One case as the spec's ``request`` element, without any personal data."""
    closed = case.status in FINAL_STATUSES
    report = next((e for e in case.public_events if e.action == CaseAction.REPORT), None)
    media_url = (report.data or {}).get("media_url") if report is not None else None
    updated = case.closed_at if case.status == CaseStatus.CLOSED and case.closed_at else case.updated_at
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.handling_unit.name
        if case.handling_unit_id
        else case.responsible_area.name,
        "service_notice": service_notice(case.category),
        "requested_datetime": w3(case.reported_at),
        "updated_datetime": w3(updated),
        "expected_datetime": w3(case.due_at),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media_url or None,
    }


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_when(value: str, *, end: bool) -> datetime.datetime | None:
    """A w3 datetime; a bare date means the start of that day (or, as an end, its end)."""
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.datetime.combine(day, datetime.time.min)
            if end:
                moment += datetime.timedelta(days=1) - datetime.timedelta(microseconds=1)
    except ValueError:
        return None
    if timezone.is_naive(moment):  # the spec wants an offset; read a missing one as local time
        moment = timezone.make_aware(moment)
    return moment


def _date_param(request: HttpRequest, name: str, *, end: bool) -> datetime.datetime | None:
    value = _param(request, name)
    if not value:
        return None
    moment = _parse_when(value, end=end)
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s“%(value)s”不是有效的时间，请用 w3 格式，例如 2026-01-01T00:00:00+08:00。")
            % {"name": name, "value": value},
        )
    return moment


def _int_param(request: HttpRequest, name: str, default: int, *, low: int, high: int) -> int:
    value = _param(request, name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise Open311Error(
            400,
            _("%(name)s 应为 %(low)s 到 %(high)s 之间的整数。") % {"name": name, "low": low, "high": high},
        )
    return number


def _filter_requests(request: HttpRequest, cases: QuerySet[Case]) -> QuerySet[Case]:
    ids = _csv(_param(request, "service_request_id"))
    if ids:  # "This overrides all other arguments."
        if len(ids) > MAX_ROWS:
            raise Open311Error(400, _("一次最多查询 %(n)s 个 service_request_id。") % {"n": MAX_ROWS})
        return cases.filter(number__in=ids)
    codes = _csv(_param(request, "service_code"))
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = set(_csv(_param(request, "status")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔同时查询）。"))
    if statuses == {"open"}:
        cases = cases.exclude(status__in=FINAL_STATUSES)
    elif statuses == {"closed"}:
        cases = cases.filter(status__in=FINAL_STATUSES)
    start = _date_param(request, "start_date", end=False)
    end = _date_param(request, "end_date", end=True)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date 到 end_date 的跨度不能超过 90 天。"))
    return cases.filter(reported_at__gte=start, reported_at__lte=end)


@open311_view
def requests(request: HttpRequest, fmt: str, jurisdiction: Area | None) -> HttpResponse:
    _only(request, "GET", "HEAD", "POST")
    if request.method == "POST":
        return _create_request(request, fmt, jurisdiction)
    cases = _filter_requests(request, _public_cases(jurisdiction))
    page = _int_param(request, "page", 1, low=1, high=1_000_000)
    page_size = _int_param(request, "page_size", MAX_ROWS, low=1, high=MAX_ROWS)
    offset = (page - 1) * page_size
    rows = [service_request(case) for case in cases[offset : offset + page_size]]
    return render(fmt, "service_requests", rows)


@open311_view
def request_detail(
    request: HttpRequest, fmt: str, jurisdiction: Area | None, service_request_id: str
) -> HttpResponse:
    _only(request, "GET", "HEAD")
    case = _public_cases(jurisdiction).filter(number=service_request_id).first()
    if case is None:
        raise Open311Error(404, _("找不到 service_request_id“%(id)s”的事件。") % {"id": service_request_id})
    return render(fmt, "service_requests", [service_request(case)])


@open311_view
def token(request: HttpRequest, fmt: str, jurisdiction: Area | None, token_id: str) -> HttpResponse:
    _only(request, "GET", "HEAD")
    number = None
    if jurisdiction is not None:
        number = (
            Case.objects.filter(tracking_token=token_id, grid__path__prefix=jurisdiction.path)
            .values_list("number", flat=True)
            .first()
        )
    if number is None:
        raise Open311Error(404, _("找不到查询码（token）“%(token)s”。") % {"token": token_id})
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token_id}])


# ---------------------------------------------------------------------------------------------
# POST a service request


def _coordinate(request: HttpRequest, name: str, low: float, high: float) -> float:
    value = _param(request, name)
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise Open311Error(
            400, _("%(name)s“%(value)s”不是有效的 WGS84 坐标。") % {"name": name, "value": value}
        )
    return number


def _location(request: HttpRequest) -> tuple[float, float]:
    lat, lng = _param(request, "lat"), _param(request, "long")
    if lat and lng:
        return _coordinate(request, "lat", -90, 90), _coordinate(request, "long", -180, 180)
    if lat or lng:
        raise Open311Error(400, _("lat 与 long 须同时提供。"))
    if _param(request, "address_string") or _param(request, "address_id"):
        raise Open311Error(
            400,
            _(
                "本系统需要经纬度（lat 与 long）才能确定事件所在网格，暂不能仅凭地址报事；"
                "请在地图上选点或用定位取得坐标后提交，地址可放在 address_string 中一并提交。"
            ),
        )
    raise Open311Error(400, _("请提供事件位置：lat 与 long（WGS84 经纬度）。"))


def _attributes(request: HttpRequest, category: CaseCategory) -> dict[str, Any]:
    """The answers to the category's attributes; unknown codes are ignored."""
    sent: dict[str, list[str]] = {}
    for key in request.POST:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            sent.setdefault(match[1], []).extend(request.POST.getlist(key))
    answers: dict[str, Any] = {}
    for attribute in category_attributes(category):
        value = attribute.clean(sent.get(attribute.code, []))
        if value:
            answers[attribute.code] = value
        elif attribute.required:
            raise Open311Error(
                400,
                _("请填写 attribute[%(code)s]（%(description)s）。")
                % {"code": attribute.code, "description": attribute.description},
            )
    return answers


def _reporter_name(first: str, last: str) -> str:
    # Chinese names put the family name first, without a space; others the given name first.
    if re.search(r"[\u3400-\u9fff]", first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _contact(request: HttpRequest) -> dict[str, str]:
    email = _param(request, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, _("email“%(email)s”不是有效的邮箱地址。") % {"email": email}) from None
    phone = _param(request, "phone")
    if len(phone) > Case._meta.get_field("reporter_phone_masked").max_length:
        raise Open311Error(400, _("phone 过长，请只填写一个电话号码。"))
    return {
        "reporter_name": _reporter_name(_param(request, "first_name"), _param(request, "last_name")),
        "reporter_phone": phone,
        "reporter_email": email,
    }


def _media_url(request: HttpRequest) -> str:
    url = _param(request, "media_url")
    if not url:
        return ""
    try:
        if len(url) > MAX_MEDIA_URL:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise Open311Error(
            400, _("media_url 应为不超过 %(n)s 个字符的 http(s) 地址。") % {"n": MAX_MEDIA_URL}
        ) from None
    return url


def _tracking_notice(request: HttpRequest, case: Case) -> str:
    """The tracking code (and page), told only to the client that reported the case."""
    try:
        url = request.build_absolute_uri(reverse("track", args=[case.tracking_token]))
    except NoReverseMatch:  # an API-only deployment without the public pages
        return _("查询码：%(token)s（凭此码可查询进度，结案后可评价，请妥善保存）。") % {
            "token": case.tracking_token
        }
    return _("查询码：%(token)s，凭此码可在 %(url)s 查询进度，结案后可评价，请妥善保存。") % {
        "token": case.tracking_token,
        "url": url,
    }


def _create_request(request: HttpRequest, fmt: str, jurisdiction: Area | None) -> HttpResponse:
    """POST requests: report a case for the application holding ``api_key``.

    The case is created by ``report_case`` (source Open311), which finds the grid from the
    point and refuses a point outside the application's area. What the client sent beyond the
    case's own fields (media_url, attribute answers, device_id, account_id) is kept in the
    report event's data, for staff only.
    """
    application = application_for_key(_param(request, "api_key"))
    if application is None:
        message = (
            _("api_key 无效或已吊销，无法报事。")
            if _param(request, "api_key")
            else _("缺少 api_key：报事需要区级管理员签发的 API 密钥。")
        )
        raise Open311Error(403, message)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code：请从 services 列表中选择事件类别。"))
    category = _service_or_404(code)
    lat, lng = _location(request)
    description = _param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description 不能超过 %(n)s 个字符。") % {"n": MAX_DESCRIPTION})
    answers = _attributes(request, category)
    contact = _contact(request)
    extra = {
        key: value
        for key, value in {
            "media_url": _media_url(request),
            "attributes": answers,
            "device_id": _param(request, "device_id")[:100],
            "account_id": _param(request, "account_id")[:100],
        }.items()
        if value
    }
    with transaction.atomic():
        case = report_case(
            category=category,
            description=description,
            source=CaseSource.OPEN311,
            lat=lat,
            lng=lng,
            address=_param(request, "address_string"),
            application=application,
            data=extra,
            **contact,
        )
        if jurisdiction is None or not case.grid.path.startswith(jurisdiction.path):
            # Rolls the case back: the point lies in another district than the one asked.
            raise Open311Error(400, _("该位置不在 jurisdiction_id 所指的区内。"))
    notice = service_notice(category) + _tracking_notice(request, case)
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": case.number, "service_notice": notice, "account_id": None}],
        status=201,
    )


# ---------------------------------------------------------------------------------------------
# The root and anything else under /open311/v2/


def root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("open311:discovery", args=["xml"]))


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "json" if rest.endswith(".json") else "xml"
    return render_error(
        fmt,
        404,
        _(
            "没有这个 Open311 资源，可用的有：discovery、services、services/{service_code}、"
            "requests、requests/{service_request_id}、tokens/{token}，加 .xml 或 .json。"
        ),
    )
