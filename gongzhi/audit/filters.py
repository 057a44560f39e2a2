"""The auditor's search, shared by the page, the exports and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.audit.choices import Category, Outcome
from gongzhi.audit.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label=_("起始时间"), help_text=_("如 2026-01-31T08:00+08:00")
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="lte", label=_("截止时间"), help_text=_("不含时区时按北京时间")
    )
    actor = django_filters.CharFilter(method="filter_actor", label=_("操作人（用户名或ID）"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("类别"))
    action = django_filters.CharFilter(
        lookup_expr="istartswith", label=_("操作"), help_text=_("前缀匹配，如 case. 或 access.denied")
    )
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("结果"))
    object_type = django_filters.CharFilter(label=_("对象类型"), help_text=_("如 cases.case"))
    object_id = django_filters.CharFilter(label=_("对象ID"))
    ip = django_filters.CharFilter(method="filter_ip", label=_("来源地址"))

    class Meta:
        model = AuditEvent
        fields = [
            "since",
            "until",
            "actor",
            "category",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "ip",
        ]

    def filter_actor(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q(actor_name__icontains=value)
        if value.isdigit():
            condition |= Q(actor_id=int(value))
        return queryset.filter(condition)

    def filter_ip(self, queryset, name, value):
        # An exact address: GenericIPAddressField compares as inet on PostgreSQL.
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_ipv46_address

        value = value.strip()
        try:
            validate_ipv46_address(value)
        except ValidationError:
            return queryset.none()
        return queryset.filter(ip=value)
