"""Query-string filters for the organizations API (``/api/v1/organizations/?track=…&under=…``).

The export (``/api/v1/organizations/export/``) takes the same filters as the list.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.organizations.choices import (
    ApplicationStatus,
    FilingCategory,
    OrgStatus,
    RatingLevel,
    ServiceDomain,
    Track,
)
from gongzhi.organizations.models import AnnualReport, FilingApplication, Organization, Rating


def _under(queryset: QuerySet, lookup: str, code: str) -> QuerySet:
    # The caller's scope is already on the queryset; an area outside it simply adds nothing.
    root = Area.objects.filter(code=code).only("path").first()
    if root is None:
        return queryset.none()
    return queryset.filter(**{f"{lookup}__prefix": root.path})


class OrganizationFilter(django_filters.FilterSet):
    track = django_filters.ChoiceFilter(choices=Track.choices, label=_("管理类型"))
    category = django_filters.ChoiceFilter(choices=FilingCategory.choices, label=_("类别"))
    domain = django_filters.ChoiceFilter(
        choices=ServiceDomain.choices, method="filter_domain", label=_("服务领域")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=OrgStatus.choices, label=_("状态（可重复：?status=filed&status=registered）")
    )
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码：该区域内的组织"))
    rating = django_filters.ChoiceFilter(
        choices=[(label, label) for label in RatingLevel.labels],
        method="filter_rating",
        label=_("当前有效的评估等级：1A–5A"),
    )
    incubating = django_filters.BooleanFilter(field_name="is_incubating", label=_("孵化中"))
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称包含"))

    class Meta:
        model = Organization
        fields = ["track", "category", "domain", "status", "under", "rating", "incubating", "name"]

    def filter_domain(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(domains__domain=value)

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "area__path", value)

    def filter_rating(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # ``rating_level`` is annotated by the view (the current, still valid rating).
        return queryset.filter(rating_level=int(value.removesuffix("A")))


class FilingApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, label=_("状态"))
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("组织 ID"))

    class Meta:
        model = FilingApplication
        fields = ["status", "organization"]


class AnnualReportFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("组织 ID"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码"))

    class Meta:
        model = AnnualReport
        fields = ["year", "organization", "under"]

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "organization__area__path", value)


class RatingFilter(django_filters.FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("组织 ID"))

    class Meta:
        model = Rating
        fields = ["organization"]
