"""Query-string filters for the projects API (``/api/v1/projects/?status=…&under=…``).

The ledger export (``/api/v1/projects/ledger-export/``) takes the same filters as the list.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area, related_areas
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.projects.choices import (
    LIVE_CLAIM_STATUSES,
    AwardLevel,
    CaseRecordStatus,
    ClaimStatus,
    FundingKind,
    LifecycleCategory,
    ProjectStatus,
)
from gongzhi.projects.models import (
    Award,
    CaseRecord,
    FundingSource,
    Programme,
    Project,
    ProjectClaim,
)
from gongzhi.projects.services import led_organizations


def _under(queryset: QuerySet, lookup: str, code: str) -> QuerySet:
    # The caller's scope is already on the queryset; an area outside it simply adds nothing.
    root = Area.objects.filter(code=code).only("path").first()
    if root is None:
        return queryset.none()
    return queryset.filter(**{f"{lookup}__prefix": root.path})


def open_to(queryset: QuerySet, user) -> QuerySet:
    """Projects an organization ``user`` leads may still claim or apply for: published (or
    claimed with places left), aimed at an area containing or inside the organization's area,
    and not already claimed or applied for by one of the user's live organizations."""
    orgs = led_organizations(user).filter(status__in=LIVE_STATUSES)
    paths = sorted(set(orgs.values_list("area__path", flat=True)))
    if not paths:
        return queryset.none()
    where = Q(pk__in=[])
    for path in paths:
        where |= related_areas(path)
    full = (
        Project.objects.filter(status=ProjectStatus.CLAIMED)
        .annotate(
            taken=Count("claims", filter=Q(claims__status=ClaimStatus.UNDERTAKING)),
        )
        .filter(taken__gte=F("max_claimants"))
        .values("pk")
    )
    mine = ProjectClaim.objects.filter(
        status__in=LIVE_CLAIM_STATUSES, organization__in=orgs.values("pk")
    ).values("project_id")
    return (
        queryset.filter(where, status__in=(ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED))
        .exclude(pk__in=full)
        .exclude(pk__in=mine)
    )


class FundingSourceFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))
    kind = django_filters.ChoiceFilter(choices=FundingKind.choices, label=_("资金类型"))

    class Meta:
        model = FundingSource
        fields = ["year", "kind"]


class ProgrammeFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = Programme
        fields = ["year"]


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=ProjectStatus.choices, label=_("状态（可重复：?status=published&status=claimed）")
    )
    lifecycle_category = django_filters.ChoiceFilter(choices=LifecycleCategory.choices, label=_("民生类别"))
    year = django_filters.NumberFilter(label=_("年度"))
    programme = django_filters.NumberFilter(field_name="programme_id", label=_("项目计划 ID"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码：服务区域在该区域内的项目"))
    open_to_me = django_filters.BooleanFilter(
        method="filter_open_to_me", label=_("我负责的组织可以认领或申报的已发布项目")
    )
    title = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("名称包含"))

    class Meta:
        model = Project
        fields = ["status", "lifecycle_category", "year", "programme", "under", "open_to_me", "title"]

    def filter_under(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _under(queryset, "area__path", value)

    def filter_open_to_me(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        return open_to(queryset, self.request.user)


class CaseRecordFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", label=_("项目 ID"))
    status = django_filters.ChoiceFilter(choices=CaseRecordStatus.choices, label=_("状态"))

    class Meta:
        model = CaseRecord
        fields = ["project", "status"]


class AwardFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id", label=_("项目 ID"))
    organization = django_filters.NumberFilter(field_name="organization_id", label=_("组织 ID"))
    level = django_filters.ChoiceFilter(choices=AwardLevel.choices, label=_("级别"))

    class Meta:
        model = Award
        fields = ["project", "organization", "level"]
