"""Query-string filters for the case API (``/api/v1/cases/?status=…&under=…``)."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.cases.choices import OPEN_STATUSES, CaseLevel, CaseSource, CaseStatus, UnitKind, Warning
from gongzhi.cases.models import Case, CaseCategory, HandlingUnit


def category_subtree_ids(code: str) -> list[int]:
    """Ids of the category with ``code`` and of all categories below it (one query: the tree
    is a few dozen rows)."""
    rows = list(CaseCategory.objects.values_list("pk", "parent_id", "code"))
    children: dict[int | None, list[int]] = {}
    root = None
    for pk, parent_id, row_code in rows:
        children.setdefault(parent_id, []).append(pk)
        if row_code == code:
            root = pk
    if root is None:
        return []
    found, stack = [], [root]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def under_area(request, code: str) -> Area | None:
    """The area ``?under=`` names (its path and level), read once per request: the case list
    asks for it to choose its scope, and the filter to narrow to it."""
    cache = request.__dict__.setdefault("_under_areas", {})
    if code not in cache:
        cache[code] = Area.objects.filter(code=code).only("path", "level").first()
    return cache[code]


class DateOrDateTimeField(forms.Field):
    """``2026-11-23`` or ``2026-11-23T09:00:00+08:00``; a date is the start of that local day,
    a naive datetime is read in the server's time zone. Cleans to (aware datetime, is_date)."""

    default_error_messages = {
        "invalid": _("请输入日期（2026-11-23）或日期时间（2026-11-23T09:00:00+08:00）。"),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            # A date first: parse_datetime would also read "2026-11-23" (as midnight).
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return moment, False
        if day is not None:
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
            return start, True
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField


_WARNINGS = {"yellow": Warning.YELLOW, "red": Warning.RED}


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, label=_("状态（可重复：?status=reported&status=registered）")
    )
    category = django_filters.CharFilter(method="filter_category", label=_("事件类别编码（含下级类别）"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码：该区域内各网格的事件"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("true：未结案且本环节已超期；false：未超期")
    )
    warning = django_filters.ChoiceFilter(
        choices=[("yellow", _("黄灯（临期）")), ("red", _("红灯（超期）"))],
        method="filter_warning",
        label=_("预警：yellow 或 red"),
    )
    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("专项整治 ID"))
    reported_after = DateOrDateTimeFilter(
        method="filter_reported_after", label=_("上报时间不早于（日期或日期时间）")
    )
    reported_before = DateOrDateTimeFilter(
        method="filter_reported_before", label=_("上报时间早于（日期时含当天）")
    )
    level = django_filters.ChoiceFilter(choices=CaseLevel.choices, label=_("责任层级"))
    source = django_filters.ChoiceFilter(choices=CaseSource.choices, label=_("来源"))
    handling_unit = django_filters.NumberFilter(field_name="handling_unit_id", label=_("处置单位 ID"))
    is_supervised = django_filters.BooleanFilter(label=_("督办中"))

    class Meta:
        model = Case
        fields = [
            "status",
            "category",
            "under",
            "overdue",
            "warning",
            "campaign",
            "reported_after",
            "reported_before",
            "level",
            "source",
            "handling_unit",
            "is_supervised",
        ]

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(category_id__in=category_subtree_ids(value))

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The caller's scope is already on the queryset; an area outside it simply adds nothing.
        root = under_area(self.request, value)
        if root is None:
            return queryset.none()
        if root.level == AreaLevel.GRID:
            # A grid has no areas below it: its subtree is itself, and the equality lets
            # PostgreSQL read the page straight off the (grid, reported_at, id) index instead
            # of sorting every case the grid ever had.
            return queryset.filter(grid_id=root.pk)
        return queryset.filter(grid__path__prefix=root.path)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_STATUSES, stage_deadline__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_warning(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(warning=_WARNINGS[value])

    def filter_reported_after(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        moment, _is_date = value
        return queryset.filter(reported_at__gte=moment)

    def filter_reported_before(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        moment, is_date = value
        if is_date:  # a date means "up to and including that day"
            moment = timezone.make_aware(
                datetime.datetime.combine(
                    timezone.localdate(moment) + datetime.timedelta(days=1), datetime.time.min
                )
            )
        return queryset.filter(reported_at__lt=moment)


class HandlingUnitFilter(django_filters.FilterSet):
    serves = django_filters.CharFilter(
        method="filter_serves", label=_("区域编码：服务于该区域的单位（上级区域的单位与区域内的单位）")
    )
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("类型"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = HandlingUnit
        fields = ["serves", "kind", "is_active"]

    def filter_serves(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        area = Area.objects.filter(code=value).only("path").first()
        if area is None:
            return queryset.none()
        codes = area.path.strip("/").split("/")
        return queryset.filter(Q(area__code__in=codes) | Q(area__path__prefix=area.path))
