"""``/api/v1/`` for social organizations: the registry, members, the filing checklist and
review, registration and lifecycle, incubation, annual reports, ratings, alliances,
statistics, and the XLSX import and export.

Views stay thin: rows come from ``visible_to(request.user)`` (outside the jurisdiction an
organization answers 404, like one that does not exist), bodies are validated by serializers,
and every change is a call to ``gongzhi.organizations.services``.

Import: ``POST /api/v1/organizations/import/`` (multipart ``file``, optional ``dry_run``)
answers 201 with the counts, or 422 ``{"error": {"code": "import_rejected", "problems":
[{"sheet", "row", "column", "message"}], "report": {"filename", "content_type", "base64"}}}``
— the report is the same list as an XLSX workbook, inline. The same import in the background:
``POST /api/v1/organization-imports/`` answers 202 with the job, whose status, counts or
problems ``GET /api/v1/organization-imports/{id}/`` follows (``.../report/``: the XLSX report).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from gongzhi.areas.models import Area
from gongzhi.core.concurrency import ConditionalUpdateMixin
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.permissions import RolePermission
from gongzhi.core.scoping import can
from gongzhi.organizations import exporter, importer, imports, services
from gongzhi.organizations.choices import Track
from gongzhi.organizations.filters import (
    AnnualReportFilter,
    FilingApplicationFilter,
    OrganizationFilter,
    RatingFilter,
)
from gongzhi.organizations.models import (
    Alliance,
    AllianceMembership,
    AlliancePost,
    AnnualReport,
    FilingApplication,
    ImportJob,
    Incubation,
    Membership,
    Organization,
    Rating,
    ServicePlatform,
)
from gongzhi.organizations.serializers import (
    AdvanceSerializer,
    AllianceDetailSerializer,
    AllianceJoinSerializer,
    AlliancePostSerializer,
    AlliancePostWriteSerializer,
    AllianceSerializer,
    AllianceWriteSerializer,
    AnnualReportSerializer,
    AnnualReportWriteSerializer,
    FilingApplicationSerializer,
    ImportProblemSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    IncubationSerializer,
    IncubationWriteSerializer,
    LeaveSerializer,
    MembershipSerializer,
    MembershipWriteSerializer,
    MissingReportsQuerySerializer,
    OptionalReasonSerializer,
    OrganizationPatchSerializer,
    OrganizationSerializer,
    OrganizationStatsSerializer,
    OrganizationWriteSerializer,
    OrgReasonSerializer,
    PartyBuildingSerializer,
    RatingSerializer,
    RatingWriteSerializer,
    RegisterSerializer,
    RuleResultSerializer,
    ServicePlatformSerializer,
    StatsQuerySerializer,
)
from gongzhi.people.api import reveal_phone_response, reveal_phone_schema
from gongzhi.people.models import Person

VIEW = "organizations.view_organization"
ADD = "organizations.add_organization"
CHANGE = "organizations.change_organization"
REVIEW = "organizations.review_filing"
REGISTER = "organizations.register_organization"
RATE = "organizations.rate_organization"
INCUBATE = "organizations.manage_incubation"

XLSX = importer.XLSX_TYPE
_XLSX_RESPONSE = {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=_("XLSX 文件"))}
_MULTIPART_OR_JSON = [JSONParser, MultiPartParser, FormParser]


class OrgPermission(RolePermission):
    """``RolePermission`` where an action may name several permissions: any one suffices."""

    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if isinstance(needed, tuple):
            user = request.user
            return bool(user and user.is_authenticated and any(user.has_perm(p) for p in needed))
        return super().has_permission(request, view)


# ---------------------------------------------------------------------------------------------
# Reads and lookups shared by the views


def with_figures(queryset: QuerySet[Organization]) -> QuerySet[Organization]:
    """Each organization's current member count and current rating level, as subqueries
    (one query for a whole page), plus its area, street, leader and domains."""
    today = timezone.localdate()
    members = Membership.objects.filter(organization=OuterRef("pk"), left_on__isnull=True).order_by()
    rating = Rating.objects.filter(
        organization=OuterRef("pk"), rated_on__lte=today, valid_until__gte=today
    ).order_by("-rated_on", "-pk")
    return (
        queryset.select_related("area", "street", "leader")
        .prefetch_related("domains")
        .annotate(
            member_count=Coalesce(
                Subquery(
                    members.values("organization").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            rating_level=Subquery(rating.values("level")[:1]),
        )
    )


def area_for(user: Any, code: str, perm: str, field: str = "area") -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None or not can(user, perm, area):
        raise DomainError(
            _("区域“%(code)s”不存在或不在您的管辖范围内，请检查编码。") % {"code": code}, field=field
        )
    return area


def person_for(user: Any, pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.visible_to(user).filter(pk=pk).first()
    if person is None:
        raise DomainError(_("人员 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field=field)
    return person


def organization_for(user: Any, pk: int, field: str = "organization") -> Organization:
    org = (
        Organization.objects.visible_to(user).select_related("area", "street", "leader").filter(pk=pk).first()
    )
    if org is None:
        raise DomainError(_("组织 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field=field)
    return org


def may_change(user: Any, org: Organization) -> bool:
    """Staff with the change permission over the organization's area, or its own leader."""
    if can(user, CHANGE, org.area):
        return True
    return bool(org.leader_id and org.leader.user_id == user.pk)


def check_may_change(user: Any, org: Organization) -> None:
    if not may_change(user, org):
        raise Forbidden(_("您无权修改该组织。"))


def request_fields(request: Request) -> dict[str, Any]:
    """The body as a dict; in multipart, list fields (``domains``) keep every value."""
    data = request.data
    if hasattr(data, "getlist"):
        fields: dict[str, Any] = {}
        for key in data:
            values = data.getlist(key)
            fields[key] = values if key == "domains" else values[-1]
        return fields
    return dict(data) if isinstance(data, dict) else {}


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Organizations


class OrganizationViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Social organizations in the caller's jurisdiction (and the caller's own organization),
    with their members, filing checklist, transitions, statistics, import and export."""

    version_related = ("domains",)  # the ETag covers the service domains a PATCH may change

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    permission_classes = [OrgPermission]
    parser_classes = _MULTIPART_OR_JSON
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": ADD,
        "partial_update": CHANGE,
        "members": VIEW,  # POST is checked against the organization in the view
        "remove_member": CHANGE,
        "leave": CHANGE,
        "checklist": VIEW,
        "applications": VIEW,
        "apply_filing": CHANGE,
        "register": REGISTER,
        "suspend": (REVIEW, REGISTER),
        "resume": (REVIEW, REGISTER),
        "deregister": (REVIEW, REGISTER),
        "party_building": CHANGE,
        "stats": VIEW,
        "export": VIEW,
        "import_organizations": ADD,
        "import_template": ADD,
        "reveal_phone": "people.view_full_phone",
    }

    def get_queryset(self):
        return with_figures(Organization.objects.visible_to(self.request.user)).order_by("name", "pk")

    def filter_queryset(self, queryset):
        # Query-string filters narrow the list and the export; other actions find by id alone.
        return super().filter_queryset(queryset) if self.action in ("list", "export") else queryset

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        # Shown even if the change moved it out of the caller's sight (their own action).
        org = with_figures(Organization.objects.all()).get(pk=pk)
        return Response(OrganizationSerializer(org, context=self.get_serializer_context()).data, status=code)

    # --- create and change --------------------------------------------------------------------

    @extend_schema(
        request={
            "application/json": OrganizationWriteSerializer,
            "multipart/form-data": OrganizationWriteSerializer,
        },
        responses={201: OrganizationSerializer},
        summary=_("新建社会组织"),
        description=_(
            "默认新建备案草稿（track=filed）；带章程时用 multipart/form-data（字段 charter）。"
            "track=registered 直接登记，需给出 legal_form、credit_code、registering_authority、registered_on。"
        ),
    )
    def create(self, request, *args, **kwargs):
        body = OrganizationWriteSerializer(data=request_fields(request))
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        user = request.user
        area = area_for(user, values.pop("area"), ADD)
        if values.pop("track") == Track.REGISTERED:
            missing = [
                f
                for f in ("legal_form", "credit_code", "registering_authority", "registered_on")
                if f not in values
            ]
            if missing:
                raise DomainError(
                    _("登记组织还需填写：%(f)s。") % {"f": _("、").join(missing)}, field=missing[0]
                )
            org = services.register_organization(
                by=user,
                name=values["name"],
                area=area,
                legal_form=values["legal_form"],
                credit_code=values["credit_code"],
                registering_authority=values["registering_authority"],
                registered_on=values["registered_on"],
            )
            extra = {
                k: values[k]
                for k in ("venue", "description", "phone", "founded_on", "charter")
                if k in values
            }
            leader = person_for(user, values.get("leader"), "leader")
            if leader is not None:
                extra["leader"] = leader
            if extra:
                org = services.update_organization(org, by=user, **extra)
            if values.get("domains"):
                services.set_domains(org, values["domains"])
            return self._detail(org.pk, code=status.HTTP_201_CREATED)
        org = services.create_organization(
            name=values["name"],
            area=area,
            by=user,
            category=values.get("category", ""),
            venue=values.get("venue", ""),
            leader=person_for(user, values.get("leader"), "leader"),
            description=values.get("description", ""),
            phone=values.get("phone", ""),
            founded_on=values.get("founded_on"),
            domains=values.get("domains", ()),
            charter=values.get("charter"),
        )
        return self._detail(org.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": OrganizationPatchSerializer,
            "multipart/form-data": OrganizationPatchSerializer,
        },
        responses={200: OrganizationSerializer},
        summary=_("修改社会组织"),
    )
    def partial_update(self, request, *args, **kwargs):
        org = self.get_object()
        user = request.user
        check_may_change(user, org)
        body = OrganizationPatchSerializer(data=request_fields(request), partial=True)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        domains = values.pop("domains", None)
        if "area" in values:
            values["area"] = area_for(user, values["area"], CHANGE)
        if "leader" in values:
            values["leader"] = person_for(user, values["leader"], "leader")
        if values:
            services.update_organization(org, by=user, **values)
        if domains is not None:
            services.set_domains(org, domains)
        return self._detail(org.pk)

    # --- members ------------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"], responses={200: MembershipSerializer(many=True)}, summary=_("现有成员（分页）")
    )
    @extend_schema(
        methods=["POST"],
        request=MembershipWriteSerializer,
        responses={201: MembershipSerializer},
        summary=_("添加成员（已是成员则只更新职务：同一人只算一名成员）"),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def members(self, request, pk=None):
        org = self.get_object()
        if request.method == "GET":
            rows = (
                Membership.objects.filter(organization=org, left_on__isnull=True)
                .select_related("person")
                .order_by("role", "joined_on", "pk")
            )
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(MembershipSerializer(page, many=True).data)
        check_may_change(request.user, org)
        body = MembershipWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        membership = services.add_member(
            org,
            person=person_for(request.user, values["person"], "person"),
            role=values["role"],
            joined_on=values.get("joined_on"),
            by=request.user,
        )
        membership = Membership.objects.select_related("person").get(pk=membership.pk)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    def _membership(self, org: Organization, membership_id: str) -> Membership:
        membership = (
            Membership.objects.filter(organization=org, pk=membership_id).select_related("person").first()
        )
        if membership is None:
            raise Http404
        check_may_change(self.request.user, org)
        return membership

    @extend_schema(request=None, responses={204: None}, summary=_("成员退出（今天）"))
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"members/(?P<membership_id>\d+)",
        url_name="member",
        filter_backends=[],
    )
    def remove_member(self, request, pk=None, membership_id=None):
        membership = self._membership(self.get_object(), membership_id)
        services.remove_member(membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=LeaveSerializer, responses={200: MembershipSerializer}, summary=_("成员退出"))
    @action(
        detail=True,
        methods=["post"],
        url_path=r"members/(?P<membership_id>\d+)/leave",
        url_name="member-leave",
        filter_backends=[],
    )
    def leave(self, request, pk=None, membership_id=None):
        membership = self._membership(self.get_object(), membership_id)
        body = LeaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.remove_member(membership, on=body.validated_data.get("on"), by=request.user)
        return Response(MembershipSerializer(membership).data)

    # --- filing -------------------------------------------------------------------------------

    @extend_schema(responses={200: RuleResultSerializer(many=True)}, summary=_("备案条件核验"))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def checklist(self, request, pk=None):
        """Each active filing rule, passed or not, with what is still missing."""
        results = services.filing_checklist(self.get_object())
        return Response(RuleResultSerializer(results, many=True).data)

    @extend_schema(responses={200: FilingApplicationSerializer(many=True)}, summary=_("备案申请历史"))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def applications(self, request, pk=None):
        """Every filing application of the organization, newest first (refused ones stay)."""
        rows = FilingApplication.objects.filter(organization=self.get_object()).select_related(
            "organization", "street"
        )
        return Response(FilingApplicationSerializer(rows, many=True).data)

    @extend_schema(
        request=None,
        responses={201: FilingApplicationSerializer},
        summary=_("申请备案"),
        description=_(
            "不满足备案条件 → 422，error.problems 列出每条未满足的规则 {rule, message}；状态不允许 → 409。"
        ),
    )
    @action(
        detail=True, methods=["post"], url_path="apply-filing", url_name="apply-filing", filter_backends=[]
    )
    def apply_filing(self, request, pk=None):
        org = self.get_object()
        check_may_change(request.user, org)
        application = services.apply_for_filing(org, by=request.user)
        application = FilingApplication.objects.select_related("organization", "street").get(
            pk=application.pk
        )
        return Response(FilingApplicationSerializer(application).data, status=status.HTTP_201_CREATED)

    # --- registration and lifecycle -----------------------------------------------------------

    @extend_schema(request=RegisterSerializer, responses={200: OrganizationSerializer}, summary=_("登记"))
    @action(detail=True, methods=["post"], filter_backends=[])
    def register(self, request, pk=None):
        """Record the registration (登记) of this organization; a filed one keeps its record and
        its history."""
        org = self.get_object()
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.register_organization(org, by=request.user, **body.validated_data)
        return self._detail(org.pk)

    def _lifecycle(self, call: Any, body_class: type[serializers.Serializer]) -> Response:
        org = self.get_object()
        body = body_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        call(org, by=self.request.user, reason=body.validated_data["reason"])
        return self._detail(org.pk)

    @extend_schema(
        request=OrgReasonSerializer, responses={200: OrganizationSerializer}, summary=_("暂停活动")
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def suspend(self, request, pk=None):
        return self._lifecycle(services.suspend_organization, OrgReasonSerializer)

    @extend_schema(
        request=OptionalReasonSerializer, responses={200: OrganizationSerializer}, summary=_("恢复活动")
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def resume(self, request, pk=None):
        return self._lifecycle(services.resume_organization, OptionalReasonSerializer)

    @extend_schema(request=OrgReasonSerializer, responses={200: OrganizationSerializer}, summary=_("注销"))
    @action(detail=True, methods=["post"], filter_backends=[])
    def deregister(self, request, pk=None):
        return self._lifecycle(services.deregister_organization, OrgReasonSerializer)

    @extend_schema(
        request=PartyBuildingSerializer, responses={200: OrganizationSerializer}, summary=_("党组织建设情况")
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="party-building",
        url_name="party-building",
        filter_backends=[],
    )
    def party_building(self, request, pk=None):
        org = self.get_object()
        check_may_change(request.user, org)
        body = PartyBuildingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.set_party_building(org, by=request.user, **body.validated_data)
        return self._detail(org.pk)

    @reveal_phone_schema
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        """The organization's full contact phone (often the leader's own mobile), for a role with
        people.view_full_phone over its area, who gives a reason; logged and audited."""
        return reveal_phone_response(request, self.get_object())

    # --- statistics, export, import -----------------------------------------------------------

    @extend_schema(
        parameters=[StatsQuerySerializer], responses={200: OrganizationStatsSerializer}, summary=_("组织统计")
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def stats(self, request):
        """Counts by track, category and status, density per 10,000 residents, and the
        party-building shares, for one area in the caller's jurisdiction."""
        from gongzhi.organizations import queries

        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area = Area.objects.filter(code=query.validated_data["under"]).first()
        if area is None or not can(request.user, VIEW, area):
            raise Http404
        data = {**queries.organization_stats(area), "party_building": queries.party_building_shares(area)}
        return Response(OrganizationStatsSerializer(data).data)

    @extend_schema(responses=_XLSX_RESPONSE, summary=_("导出为 XLSX（与列表相同的筛选条件）"))
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        rows = self.filter_queryset(self.get_queryset())
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return _xlsx(exporter.organizations_xlsx(rows), f"organizations-{stamp}.xlsx")

    @extend_schema(responses=_XLSX_RESPONSE, summary=_("导入模板（XLSX）"))
    @action(
        detail=False,
        methods=["get"],
        url_path="import-template",
        url_name="import-template",
        pagination_class=None,
        filter_backends=[],
    )
    def import_template(self, request):
        return _xlsx(importer.template_xlsx(), "organizations-import-template.xlsx")

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportResultSerializer, 200: ImportResultSerializer},
        summary=_("从 XLSX 导入组织和成员（全部成功或全部不导入）"),
        description=_(
            "multipart/form-data：file（.xlsx，工作表“组织”和“成员”，见 import-template），dry_run。"
            "成功 → 201（dry_run → 200）返回新建数量；任何一行有问题 → 422，什么也不写入，"
            "error.problems 逐条列出 {sheet, row, column, message}，error.report 为同样内容的 XLSX "
            "（filename、content_type、base64）。"
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_organizations(self, request):
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tables = importer.read_workbook(body.validated_data["file"])
        dry_run = body.validated_data["dry_run"]
        result = importer.import_organizations(tables, by=request.user, dry_run=dry_run)
        return Response(
            ImportResultSerializer(result.as_dict()).data,
            status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED,
        )


# ---------------------------------------------------------------------------------------------
# The street's review queue


class FilingApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Filing applications of the streets the caller reviews (a street admin: their street's
    queue). Another street's application answers 404."""

    serializer_class = FilingApplicationSerializer
    filterset_class = FilingApplicationFilter
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {"list": REVIEW, "retrieve": REVIEW, "approve": REVIEW, "refuse": REVIEW}

    def get_queryset(self):
        return (
            FilingApplication.objects.visible_to(self.request.user, REVIEW)
            .select_related("organization", "street")
            .order_by("-submitted_at", "-pk")
        )

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _detail(self, application: FilingApplication) -> Response:
        application = self.get_queryset().get(pk=application.pk)
        return Response(FilingApplicationSerializer(application).data)

    @extend_schema(
        request=None,
        responses={200: FilingApplicationSerializer},
        summary=_("准予备案（发放备案编号）"),
        description=_("复核备案条件：不满足 → 422 error.problems；已处理 → 409。"),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._detail(services.approve_filing(self.get_object(), by=request.user))

    @extend_schema(
        request=OrgReasonSerializer, responses={200: FilingApplicationSerializer}, summary=_("不予备案")
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        application = self.get_object()
        body = OrgReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._detail(
            services.refuse_filing(application, by=request.user, reason=body.validated_data["reason"])
        )


# ---------------------------------------------------------------------------------------------
# Platforms and incubation


class ServicePlatformViewSet(viewsets.ReadOnlyModelViewSet):
    """Service platforms (三级平台) in the caller's jurisdiction."""

    serializer_class = ServicePlatformSerializer
    permission_classes = [RolePermission]
    action_permissions = {"list": VIEW, "retrieve": VIEW}
    filterset_fields = ["level"]

    def get_queryset(self):
        return (
            ServicePlatform.objects.visible_to(self.request.user)
            .select_related("area")
            .order_by("area__path", "name", "pk")
        )


class IncubationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Incubations (入驻 → 培育 → 出壳) of organizations in the caller's jurisdiction."""

    serializer_class = IncubationSerializer
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    filterset_fields = ["stage", "platform", "organization"]
    action_permissions = {"list": VIEW, "retrieve": VIEW, "create": INCUBATE, "advance": INCUBATE}

    def get_queryset(self):
        return (
            Incubation.objects.visible_to(self.request.user)
            .select_related("organization", "platform__area")
            .order_by("-entered_on", "-pk")
        )

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _detail(self, incubation: Incubation, code: int = status.HTTP_200_OK) -> Response:
        incubation = Incubation.objects.select_related("organization", "platform").get(pk=incubation.pk)
        return Response(IncubationSerializer(incubation).data, status=code)

    @extend_schema(
        request=IncubationWriteSerializer, responses={201: IncubationSerializer}, summary=_("入驻孵化")
    )
    def create(self, request, *args, **kwargs):
        body = IncubationWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        org = organization_for(request.user, values["organization"])
        platform = (
            ServicePlatform.objects.visible_to(request.user, INCUBATE)
            .select_related("area")
            .filter(pk=values["platform"])
            .first()
        )
        if platform is None:
            raise DomainError(_("服务平台不存在或不在您的管辖范围内。"), field="platform")
        incubation = services.enter_incubation(
            org, platform=platform, by=request.user, mentor=values["mentor"], on=values.get("entered_on")
        )
        return self._detail(incubation, status.HTTP_201_CREATED)

    @extend_schema(
        request=AdvanceSerializer, responses={200: IncubationSerializer}, summary=_("推进孵化阶段")
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        incubation = self.get_object()
        body = AdvanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        incubation = services.advance_incubation(
            incubation, to=values["to"], by=request.user, outcome=values["outcome"], on=values.get("on")
        )
        return self._detail(incubation)


# ---------------------------------------------------------------------------------------------
# Annual reports and ratings


class AnnualReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Annual reports (年报) of organizations in the caller's jurisdiction; ``missing/`` lists
    the organizations that owe a year's report."""

    serializer_class = AnnualReportSerializer
    filterset_class = AnnualReportFilter
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {"list": VIEW, "retrieve": VIEW, "create": CHANGE, "missing": VIEW}

    def get_queryset(self):
        return (
            AnnualReport.objects.visible_to(self.request.user)
            .select_related("organization")
            .order_by("-year", "organization__name", "pk")
        )

    @extend_schema(
        request=AnnualReportWriteSerializer, responses={201: AnnualReportSerializer}, summary=_("提交年报")
    )
    def create(self, request, *args, **kwargs):
        body = AnnualReportWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        org = organization_for(request.user, values.pop("organization"))
        check_may_change(request.user, org)
        report = services.submit_annual_report(org, by=request.user, **values)
        report = AnnualReport.objects.select_related("organization").get(pk=report.pk)
        return Response(AnnualReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[MissingReportsQuerySerializer],
        responses={200: OrganizationSerializer(many=True)},
        summary=_("缺报年报的组织"),
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def missing(self, request):
        """Organizations under ``under`` that owe the report of ``year`` (paginated)."""
        from gongzhi.organizations import queries

        query = MissingReportsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area = Area.objects.filter(code=query.validated_data["under"]).first()
        if area is None or not can(request.user, VIEW, area):
            raise Http404
        owing = queries.organizations_missing_reports(area, query.validated_data["year"])
        rows = with_figures(
            Organization.objects.visible_to(request.user).filter(pk__in=owing.values("pk"))
        ).order_by("name", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(OrganizationSerializer(page, many=True).data)


class RatingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Ratings (等级评估) with their whole history, newest first."""

    serializer_class = RatingSerializer
    filterset_class = RatingFilter
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {"list": VIEW, "retrieve": VIEW, "create": RATE}

    def get_queryset(self):
        return (
            Rating.objects.visible_to(self.request.user)
            .select_related("organization")
            .order_by("-rated_on", "-pk")
        )

    @extend_schema(
        request=RatingWriteSerializer, responses={201: RatingSerializer}, summary=_("录入等级评估")
    )
    def create(self, request, *args, **kwargs):
        body = RatingWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        org = organization_for(request.user, values.pop("organization"))
        rating = services.rate_organization(org, by=request.user, **values)
        rating = Rating.objects.select_related("organization").get(pk=rating.pk)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Alliances


class AllianceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Alliances (联盟) with their combined figures, member organizations and news feed."""

    serializer_class = AllianceSerializer
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": CHANGE,
        "members": CHANGE,
        "posts": VIEW,  # POST is checked against the posting organization in the view
    }

    def get_queryset(self):
        current = Membership.objects.filter(
            left_on__isnull=True,
            organization__alliance_memberships__alliance=OuterRef("pk"),
        ).order_by()
        posts = AlliancePost.objects.filter(alliance=OuterRef("pk")).order_by()
        orgs = AllianceMembership.objects.filter(alliance=OuterRef("pk")).order_by()

        def count(rows: QuerySet, group: str, what: str) -> Coalesce:
            counted = rows.values(group).annotate(n=Count(what, distinct=True)).values("n")
            return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

        queryset = (
            Alliance.objects.visible_to(self.request.user)
            .select_related("lead", "area")
            .annotate(
                member_organizations=count(orgs, "alliance", "organization"),
                total_members=count(current, "organization__alliance_memberships__alliance", "person"),
                post_count=count(posts, "alliance", "pk"),
            )
            .order_by("name", "pk")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=AllianceMembership.objects.select_related("organization").order_by(
                        "joined_on", "pk"
                    ),
                )
            )
        return queryset

    def get_serializer_class(self):
        return AllianceDetailSerializer if self.action == "retrieve" else AllianceSerializer

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        self.action = "retrieve"
        alliance = self.get_queryset().get(pk=pk)
        return Response(AllianceDetailSerializer(alliance).data, status=code)

    @extend_schema(
        request=AllianceWriteSerializer, responses={201: AllianceDetailSerializer}, summary=_("建立联盟")
    )
    def create(self, request, *args, **kwargs):
        body = AllianceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        lead = organization_for(request.user, values.pop("lead"), "lead")
        area = area_for(request.user, values.pop("area"), CHANGE)
        alliance = services.create_alliance(lead=lead, area=area, by=request.user, **values)
        return self._detail(alliance.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=AllianceJoinSerializer, responses={200: AllianceDetailSerializer}, summary=_("加入联盟")
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def members(self, request, pk=None):
        alliance = self.get_object()
        body = AllianceJoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = organization_for(request.user, body.validated_data["organization"])
        check_may_change(request.user, org)
        services.join_alliance(
            alliance, organization=org, by=request.user, on=body.validated_data.get("joined_on")
        )
        return self._detail(alliance.pk)

    @extend_schema(methods=["GET"], responses={200: AlliancePostSerializer(many=True)}, summary=_("联盟动态"))
    @extend_schema(
        methods=["POST"],
        request=AlliancePostWriteSerializer,
        responses={201: AlliancePostSerializer},
        summary=_("发布联盟动态"),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def posts(self, request, pk=None):
        alliance = self.get_object()
        if request.method == "GET":
            rows = AlliancePost.objects.filter(alliance=alliance).select_related("organization", "author")
            page = self.paginate_queryset(rows.order_by("-created_at", "-pk"))
            return self.get_paginated_response(AlliancePostSerializer(page, many=True).data)
        body = AlliancePostWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        org = organization_for(request.user, values.pop("organization"))
        check_may_change(request.user, org)
        post = services.post_alliance_news(alliance, organization=org, by=request.user, **values)
        post = AlliancePost.objects.select_related("organization", "author").get(pk=post.pk)
        return Response(AlliancePostSerializer(post).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Organization imports as background jobs (gongzhi.organizations.imports)


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    counts = ImportResultSerializer(allow_null=True, read_only=True, help_text=_("成功（或只检查）时的数量"))
    problems = ImportProblemSerializer(many=True, read_only=True, help_text=_("被拒绝时逐条列出的问题"))
    report_url = serializers.SerializerMethodField(help_text=_("导入报告（XLSX）的地址；没有报告时为 null"))

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "status_display",
            "dry_run",
            "filename",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "counts",
            "problems",
            "error",
            "report_url",
        ]
        read_only_fields = fields

    def get_report_url(self, job: ImportJob) -> str | None:
        if not job.report:
            return None
        return reverse("organization-import-job-report", kwargs={"pk": job.pk})


@extend_schema_view(
    list=extend_schema(summary=_("组织导入任务列表（本人上传的；区管理员：全区的）")),
    retrieve=extend_schema(summary=_("组织导入任务：状态、数量或问题")),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """XLSX organization imports run in the background. The uploader sees their own jobs; a
    district admin sees every job filed in their district; any other job answers 404."""

    serializer_class = ImportJobSerializer
    permission_classes = [RolePermission]
    parser_classes = [MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    action_permissions = {"list": ADD, "retrieve": ADD, "create": ADD, "report": ADD}

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user).select_related("created_by")

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer},
        parameters=[
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[202],
                description=_("导入任务的地址，可轮询其状态"),
            )
        ],
        summary=_("上传 XLSX，在后台导入组织和成员"),
        description=_(
            "multipart/form-data：file（.xlsx，见 organizations/import-template），dry_run。"
            "文件过大或不是 .xlsx 时立即 400；否则 202 返回导入任务（Location 为任务地址），"
            "之后查询任务：status 为 queued、running、succeeded、rejected 或 failed。"
            "被拒绝时 problems 逐条列出 {sheet, row, column, message}，什么也不写入，report_url 为 XLSX 报告。"
        ),
    )
    def create(self, request, *args, **kwargs):
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = imports.start_import(
            body.validated_data["file"], by=request.user, dry_run=body.validated_data["dry_run"]
        )
        job.refresh_from_db()  # in the embedded mode the import already ran after the commit
        location = reverse("organization-import-job-detail", kwargs={"pk": job.pk})
        return Response(
            self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )

    @extend_schema(
        responses={
            **_XLSX_RESPONSE,
            404: OpenApiResponse(description=_("任务不存在、不可见，或还没有报告")),
        },
        summary=_("导入报告（XLSX）：问题清单，或新建的组织"),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def report(self, request, pk=None):
        job = self.get_object()
        if not job.report:
            raise Http404
        with job.report.open("rb") as f:
            content = f.read()
        return _xlsx(content, f"organization-import-{job.pk}-report.xlsx")
