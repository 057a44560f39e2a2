"""Query-string filters for the volunteers API (``/api/v1/volunteers/?under=…&skill=…``).

The caller's scope is already on each queryset: a filter only narrows it, and an area code
outside the scope simply matches nothing.
"""

from __future__ import annotations

import django_filters
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.volunteers.choices import (
    ActivityCategory,
    ActivityStatus,
    RecordKind,
    RecordStatus,
    WishCategory,
    WishStatus,
)
from gongzhi.volunteers.models import Activity, ServiceRecord, Volunteer, Wish
from gongzhi.volunteers.queries import PARTY_STATUSES


def _under(queryset: QuerySet, lookup: str, code: str) -> QuerySet:
    root = Area.objects.filter(code=code).only("path").first()
    if root is None:
        return queryset.none()
    return queryset.filter(**{f"{lookup}__prefix": root.path})


class VolunteerFilter(django_filters.FilterSet):
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码：该区域的志愿者"))
    organization = django_filters.NumberFilter(
        method="filter_organization", label=_("组织 ID：现在在该组织服务的志愿者")
    )
    skill = django_filters.CharFilter(method="filter_skill", label=_("技能特长（完全一致）"))
    party_member = django_filters.BooleanFilter(method="filter_party", label=_("党员及入党积极分子"))
    status = django_filters.ChoiceFilter(
        choices=[("active", _("在册")), ("left", _("已注销"))], label=_("状态")
    )

    class Meta:
        model = Volunteer
        fields = ["under", "organization", "skill", "party_member", "status"]

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "person__area__path", value)

    def filter_organization(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        # One current affiliation per organization (a unique constraint): no repeated rows.
        return queryset.filter(affiliations__organization_id=value, affiliations__left_on__isnull=True)

    def filter_skill(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if connection.features.supports_json_field_contains:
            return queryset.filter(skills__contains=[value])
        # SQLite has no JSON containment; json_each looks inside the list instead. The value
        # travels as a query parameter and the table name comes from the model.
        table = Volunteer._meta.db_table
        matching = RawSQL(  # noqa: S611  # nosec B611
            f"SELECT v.id FROM {table} v, json_each(v.skills) s WHERE s.value = %s",  # noqa: S608  # nosec B608
            [value],
        )
        return queryset.filter(pk__in=matching)

    def filter_party(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if value:
            return queryset.filter(person__political_status__in=PARTY_STATUSES)
        return queryset.exclude(person__political_status__in=PARTY_STATUSES)


class ActivityFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=ActivityCategory.choices, label=_("服务类别"))
    organizer = django_filters.NumberFilter(field_name="organizer_id", label=_("组织方 ID"))
    alliance = django_filters.NumberFilter(field_name="alliance_id", label=_("联盟 ID"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码：该区域的活动"))
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming", label=_("true：尚未结束且未取消的活动；false：已结束的活动")
    )
    status = django_filters.ChoiceFilter(choices=ActivityStatus.choices, label=_("状态"))

    class Meta:
        model = Activity
        fields = ["category", "organizer", "alliance", "under", "upcoming", "status"]

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "area__path", value)

    def filter_upcoming(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        now = timezone.now()
        if value:
            return queryset.filter(ends_at__gt=now, status=ActivityStatus.OPEN)
        return queryset.filter(ends_at__lte=now)


class ServiceRecordFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=RecordKind.choices, label=_("类型"))
    volunteer = django_filters.NumberFilter(field_name="volunteer_id", label=_("志愿者 ID"))
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("认定组织 ID"))
    activity = django_filters.NumberFilter(field_name="activity_id", label=_("活动 ID"))
    since = django_filters.DateFilter(field_name="served_on", lookup_expr="gte", label=_("服务日期起"))
    until = django_filters.DateFilter(field_name="served_on", lookup_expr="lte", label=_("服务日期止"))

    class Meta:
        model = ServiceRecord
        fields = ["status", "kind", "volunteer", "organization", "activity", "since", "until"]


class WishFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WishStatus.choices, label=_("状态"))
    category = django_filters.ChoiceFilter(choices=WishCategory.choices, label=_("类别"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码"))

    class Meta:
        model = Wish
        fields = ["status", "category", "under"]

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "area__path", value)


class WallFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=WishCategory.choices, label=_("类别"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码：该区域的心愿"))

    class Meta:
        model = Wish
        fields = ["category", "under"]

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "area__path", value)
