"""``/api/v1/`` for public-welfare projects and their money: funding sources, programmes,
projects and their transitions, the allocation and disbursement ledgers, deliveries with
photos, milestones, indicators, claims, caseworkers, case records, awards, the life-cycle
coverage matrix and the XLSX ledger export.

Views stay thin: rows come from ``visible_to(request.user)`` (outside the jurisdiction a
project answers 404, like one that does not exist), bodies are validated by serializers, and
every change is a call to ``gongzhi.projects.services`` — the only place the rules live.

Organization leaders hold no project permission: they see projects through
``ProjectQuerySet.own_rows`` (published ones open to their organization, those it claimed)
and act as undertakers, so the actions they use are ``own_record_actions`` and the services
decide (403 when the caller may not). Case records are seen by the project's caseworkers and
holders of ``projects.view_caserecord``, and every record shown is logged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.areas.models import Area
from gongzhi.core.concurrency import ConditionalUpdateMixin
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.http import client_ip
from gongzhi.core.idempotency import idempotent
from gongzhi.core.permissions import RolePermission
from gongzhi.core.scoping import can, jurisdiction_paths
from gongzhi.organizations.models import Organization
from gongzhi.people.models import Person
from gongzhi.projects import exporter, queries, services
from gongzhi.projects.choices import CaseAccessAction, ClaimStatus
from gongzhi.projects.filters import (
    AwardFilter,
    CaseRecordFilter,
    FundingSourceFilter,
    ProgrammeFilter,
    ProjectFilter,
)
from gongzhi.projects.models import (
    Allocation,
    Award,
    CaseNote,
    CaseRecord,
    Delivery,
    DeliveryPhoto,
    Disbursement,
    FundingSource,
    Indicator,
    Milestone,
    Programme,
    Project,
    ProjectCaseworker,
    ProjectChange,
    ProjectClaim,
    ancestor_paths,
)
from gongzhi.projects.serializers import (
    AcceptBodySerializer,
    AllocationSerializer,
    AllocationWriteSerializer,
    ApplyBodySerializer,
    AwardSerializer,
    AwardWriteSerializer,
    CaseCloseSerializer,
    CaseNoteSerializer,
    CaseNoteWriteSerializer,
    CaseRecordDetailSerializer,
    CaseRecordSerializer,
    CaseRecordWriteSerializer,
    CaseworkerSerializer,
    CaseworkerWriteSerializer,
    ClaimBodySerializer,
    ClaimSerializer,
    CoverageQuerySerializer,
    CoverageSerializer,
    DeliverySerializer,
    DeliveryWriteSerializer,
    DisbursementSerializer,
    DisbursementWriteSerializer,
    EvaluateBodySerializer,
    FundingSourceSerializer,
    FundingSourceWriteSerializer,
    IndicatorActualSerializer,
    IndicatorProgressSerializer,
    IndicatorWriteSerializer,
    MilestoneCompleteSerializer,
    MilestoneSerializer,
    MilestoneWriteSerializer,
    NoteBodySerializer,
    ProgrammeSerializer,
    ProgrammeWriteSerializer,
    ProjectDetailSerializer,
    ProjectPatchSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    ReasonBodySerializer,
    SelectBodySerializer,
    WithdrawBodySerializer,
)

VIEW = "projects.view_project"
ADD = "projects.add_project"
CHANGE = "projects.change_project"
PUBLISH = "projects.publish_project"
CANCEL = "projects.cancel_project"
SELECT = "projects.select_project"
ACCEPT = "projects.accept_project"
EVALUATE = "projects.evaluate_project"
VIEW_PROGRAMME = "projects.view_programme"
ADD_PROGRAMME = "projects.add_programme"
VIEW_SOURCE = "projects.view_fundingsource"
ADD_SOURCE = "projects.add_fundingsource"
VIEW_ALLOCATION = "projects.view_allocation"
ADD_ALLOCATION = "projects.add_allocation"
VIEW_DISBURSEMENT = "projects.view_disbursement"
ADD_DISBURSEMENT = "projects.add_disbursement"
ADD_AWARD = "projects.add_award"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_RESPONSE = {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=_("XLSX 文件"))}


class ProjectPermission(RolePermission):
    """``RolePermission`` where an action answering GET and POST needs a further permission to
    write (``write_permissions``): reading the ledger is not enough to add to it. Where the
    permission applies (the project's area) is still the service's check."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        needed = getattr(view, "write_permissions", {}).get(getattr(view, "action", None))
        if needed and request.method not in SAFE_METHODS:
            return request.user.has_perm(needed)
        return True


# ---------------------------------------------------------------------------------------------
# Reads and lookups shared by the views


def with_figures(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Projects with their money and delivery totals, area, programme, service domains and
    undertaking organizations: a fixed number of queries for a whole page."""
    undertaking = (
        ProjectClaim.objects.filter(status=ClaimStatus.UNDERTAKING)
        .select_related("organization")
        .order_by("created_at", "pk")
    )
    return (
        queries.with_totals(projects)
        .select_related("area", "programme")
        .prefetch_related("domains", Prefetch("claims", queryset=undertaking, to_attr="undertaking_claims"))
    )


def with_details(projects: QuerySet[Project]) -> QuerySet[Project]:
    """``with_figures`` plus what the detail shows: milestones, indicators, acceptance,
    evaluation, awards and the status history."""
    return (
        with_figures(projects)
        .select_related("acceptance__accepted_by", "evaluation__evaluator")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("completed_by").order_by("due_on", "pk"),
            ),
            Prefetch("indicators", queryset=Indicator.objects.order_by("pk")),
            Prefetch("awards", queryset=Award.objects.select_related("project", "organization", "area")),
            Prefetch(
                "changes", queryset=ProjectChange.objects.select_related("actor").order_by("created_at", "pk")
            ),
        )
    )


def area_for(user: Any, code: str, perm: str, field: str = "area") -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None or not can(user, perm, area):
        raise DomainError(
            _("区域“%(code)s”不存在或不在您的管辖范围内，请检查编码。") % {"code": code}, field=field
        )
    return area


def organization_for(user: Any, pk: int, field: str = "organization") -> Organization:
    org = Organization.objects.visible_to(user).select_related("area").filter(pk=pk).first()
    if org is None:
        raise DomainError(_("组织 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field=field)
    return org


def source_for(user: Any, pk: int) -> FundingSource:
    source = FundingSource.objects.visible_to(user).filter(pk=pk).first()
    if source is None:
        raise DomainError(_("资金来源 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field="source")
    return source


def programme_for(user: Any, pk: int | None, area: Area) -> Programme | None:
    """A programme the caller sees, or one covering the project's target area (a district
    programme takes projects from the streets)."""
    if pk is None:
        return None
    covering = Q(area__path__in=[*ancestor_paths(area.path), area.path])
    programme = (
        Programme.objects.filter(Q(pk__in=Programme.objects.visible_to(user).values("pk")) | covering)
        .select_related("area")
        .filter(pk=pk)
        .first()
    )
    if programme is None:
        raise DomainError(_("项目计划 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field="programme")
    return programme


def body_fields(request: Request) -> dict[str, Any]:
    """The body's plain fields as a dict (multipart: the last value of each key). Photos travel
    as files in multipart; a JSON body carrying them is refused with a clear message."""
    data = request.data
    if hasattr(data, "getlist"):
        return {key: data.get(key) for key in data if key not in request.FILES}
    fields = dict(data) if isinstance(data, dict) else {}
    if fields.pop("photos", None):
        raise DomainError(
            _("照片请用 multipart/form-data 上传（字段名 photos），JSON 请求不能携带照片。"), field="photos"
        )
    return fields


def validated(serializer_class: type, data: Any) -> dict[str, Any]:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Funding sources and programmes


class FundingSourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Funding sources (资金来源) with their allocated, disbursed and remaining money."""

    serializer_class = FundingSourceSerializer
    filterset_class = FundingSourceFilter
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {"list": VIEW_SOURCE, "retrieve": VIEW_SOURCE, "create": ADD_SOURCE}

    def get_queryset(self):
        sources = FundingSource.objects.visible_to(self.request.user).select_related("area")
        return queries.with_balances(sources).order_by("-year", "name", "pk")

    @extend_schema(
        request=FundingSourceWriteSerializer,
        responses={201: FundingSourceSerializer},
        summary=_("登记资金来源"),
        description=_("企业定向捐赠须填写捐赠企业及其统一社会信用代码，可限定用途（民生类别）。"),
    )
    def create(self, request, *args, **kwargs):
        values = validated(FundingSourceWriteSerializer, request.data)
        values["area"] = area_for(request.user, values["area"], ADD_SOURCE)
        source = services.create_funding_source(by=request.user, **values)
        source = queries.with_balances(
            FundingSource.objects.filter(pk=source.pk).select_related("area")
        ).get()
        return Response(FundingSourceSerializer(source).data, status=status.HTTP_201_CREATED)


class ProgrammeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Programmes (项目计划): batches of projects published together."""

    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {"list": VIEW_PROGRAMME, "retrieve": VIEW_PROGRAMME, "create": ADD_PROGRAMME}

    def _with_counts(self, programmes: QuerySet[Programme]) -> QuerySet[Programme]:
        # Only the projects the caller sees are counted.
        visible = (
            Project.objects.visible_to(self.request.user)
            .filter(programme=OuterRef("pk"))
            .order_by()
            .values("programme")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return programmes.select_related("area").annotate(
            project_count=Coalesce(Subquery(visible, output_field=IntegerField()), 0)
        )

    def get_queryset(self):
        return self._with_counts(Programme.objects.visible_to(self.request.user)).order_by(
            "-year", "name", "pk"
        )

    @extend_schema(
        request=ProgrammeWriteSerializer, responses={201: ProgrammeSerializer}, summary=_("新建项目计划")
    )
    def create(self, request, *args, **kwargs):
        values = validated(ProgrammeWriteSerializer, request.data)
        values["area"] = area_for(request.user, values["area"], ADD_PROGRAMME)
        programme = services.create_programme(by=request.user, **values)
        programme = self._with_counts(Programme.objects.filter(pk=programme.pk)).get()
        return Response(ProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Projects


_FILTERED_ACTIONS = ("list", "ledger_export")


class ProjectViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Public-welfare projects in the caller's sight, their transitions (POST sub-resources),
    money ledgers, deliveries, milestones, indicators, claims and caseworkers; the coverage
    matrix and the ledger export."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    permission_classes = [ProjectPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    version_related = ("domains",)  # the ETag covers the service domains a PATCH may change
    action_permissions = {
        "create": ADD,
        "partial_update": CHANGE,
        "publish": PUBLISH,
        "select": SELECT,
        "accept": ACCEPT,
        "return_project": ACCEPT,
        "evaluate": EVALUATE,
        "cancel": CANCEL,
        "allocations": VIEW_ALLOCATION,
        "reverse_allocation": ADD_ALLOCATION,
        "disbursements": VIEW_DISBURSEMENT,
        "reverse_disbursement": ADD_DISBURSEMENT,
        "coverage": VIEW,
        "ledger_export": VIEW_DISBURSEMENT,
    }
    write_permissions = {
        "allocations": ADD_ALLOCATION,
        "disbursements": ADD_DISBURSEMENT,
        "milestones": CHANGE,
        "indicators": CHANGE,
    }
    # Organization leaders and caseworkers hold no project permission: visible_to shows them
    # their projects, and the services refuse (403) what they may not do.
    own_record_actions = (
        "list",
        "retrieve",
        "claim",
        "apply",
        "withdraw",
        "start",
        "complete",
        "deliveries",
        "milestones",
        "complete_milestone",
        "indicators",
        "indicator_actual",
        "claims",
        "caseworkers",
    )

    def get_queryset(self):
        projects = Project.objects.visible_to(self.request.user)
        if self.action == "list":
            return with_figures(projects).order_by("-created_at", "-pk")
        if self.action == "retrieve":
            return with_details(projects)
        # Transitions and sub-resources find the project by id; the service locks its row.
        return projects.select_related("area", "claimed_by").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    def filter_queryset(self, queryset):
        # Query-string filters narrow the list and the export; other actions find by id alone.
        return super().filter_queryset(queryset) if self.action in _FILTERED_ACTIONS else queryset

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        # Shown even if the change moved it out of the caller's sight (their own action).
        project = with_details(Project.objects.all()).get(pk=pk)
        return Response(
            ProjectDetailSerializer(project, context=self.get_serializer_context()).data, status=code
        )

    def _sees_all(self, project: Project) -> bool:
        """Staff reading projects over its area (not only as its undertaker or applicant)."""
        return can(self.request.user, VIEW, project.area)

    # --- create and change --------------------------------------------------------------------

    @extend_schema(
        request=ProjectWriteSerializer,
        responses={201: ProjectDetailSerializer},
        summary=_("新建公益项目（草稿）"),
        description=_(
            "可同时给出里程碑 milestones [{title, due_on}] 和目标指标 indicators [{kind, name, target, unit}]。"
        ),
    )
    def create(self, request, *args, **kwargs):
        values = validated(ProjectWriteSerializer, request.data)
        user = request.user
        values["area"] = area_for(user, values["area"], ADD)
        values["programme"] = programme_for(user, values.get("programme"), values["area"])
        values["milestones"] = [dict(m) for m in values["milestones"]]
        values["indicators"] = [dict(i) for i in values["indicators"]]
        project = services.create_project(by=user, **values)
        return self._detail(project.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectPatchSerializer,
        responses={200: ProjectDetailSerializer},
        summary=_("修改公益项目（认领或申报之前）"),
    )
    def partial_update(self, request, *args, **kwargs):
        project = self.get_object()
        values = validated(ProjectPatchSerializer, request.data)
        if values:
            services.update_project(project, by=request.user, **values)
        return self._detail(project.pk)

    # --- transitions --------------------------------------------------------------------------

    def _claim(self, project: Project, pk: int) -> ProjectClaim:
        claim = (
            ProjectClaim.objects.select_related("organization__area", "project__area")
            .filter(project=project, pk=pk)
            .first()
        )
        if claim is None:
            raise DomainError(_("该项目没有编号为 %(id)s 的认领或申报。") % {"id": pk}, field="claim")
        return claim

    @extend_schema(request=None, responses={200: ProjectDetailSerializer}, summary=_("发布"))
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, pk=None):
        project = services.publish_project(self.get_object(), by=request.user)
        return self._detail(project.pk)

    @extend_schema(
        request=ClaimBodySerializer,
        responses={200: ProjectDetailSerializer},
        summary=_("认领"),
        description=_(
            "组织负责人为其组织认领（或发布单位代为登记）。组织未备案/登记或不在服务区域内 → 422 not_eligible；"
            "已认领或名额已满 → 409。"
        ),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def claim(self, request, pk=None):
        project = self.get_object()
        values = validated(ClaimBodySerializer, request.data)
        org = organization_for(request.user, values["organization"])
        services.claim_project(project, organization=org, by=request.user)
        return self._detail(project.pk)

    @extend_schema(
        request=ApplyBodySerializer, responses={200: ProjectDetailSerializer}, summary=_("竞争性申报")
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def apply(self, request, pk=None):
        project = self.get_object()
        values = validated(ApplyBodySerializer, request.data)
        org = organization_for(request.user, values["organization"])
        services.apply_for_project(project, organization=org, by=request.user, proposal=values["proposal"])
        return self._detail(project.pk)

    @extend_schema(
        request=SelectBodySerializer, responses={200: ProjectDetailSerializer}, summary=_("选定承接方")
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def select(self, request, pk=None):
        project = self.get_object()
        values = validated(SelectBodySerializer, request.data)
        services.select_applicant(self._claim(project, values["claim"]), by=request.user, note=values["note"])
        return self._detail(project.pk)

    @extend_schema(
        request=WithdrawBodySerializer, responses={200: ProjectDetailSerializer}, summary=_("撤回申报")
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, pk=None):
        project = self.get_object()
        values = validated(WithdrawBodySerializer, request.data)
        services.withdraw_application(self._claim(project, values["claim"]), by=request.user)
        return self._detail(project.pk)

    @extend_schema(request=None, responses={200: ProjectDetailSerializer}, summary=_("开始实施"))
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request, pk=None):
        project = services.start_project(self.get_object(), by=request.user)
        return self._detail(project.pk)

    @extend_schema(
        request=NoteBodySerializer,
        responses={200: ProjectDetailSerializer},
        summary=_("完成（申请验收）"),
        description=_("所有里程碑须已完成，否则 400 并列出未完成的里程碑。"),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def complete(self, request, pk=None):
        project = self.get_object()
        values = validated(NoteBodySerializer, request.data)
        services.complete_project(project, by=request.user, note=values["note"])
        return self._detail(project.pk)

    @extend_schema(request=AcceptBodySerializer, responses={200: ProjectDetailSerializer}, summary=_("验收"))
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        project = self.get_object()
        values = validated(AcceptBodySerializer, request.data)
        services.accept_project(
            project, by=request.user, opinion=values["opinion"], accepted_on=values.get("accepted_on")
        )
        return self._detail(project.pk)

    @extend_schema(
        request=ReasonBodySerializer, responses={200: ProjectDetailSerializer}, summary=_("退回整改")
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filter_backends=[])
    def return_project(self, request, pk=None):
        project = self.get_object()
        values = validated(ReasonBodySerializer, request.data)
        services.return_project(project, by=request.user, reason=values["reason"])
        return self._detail(project.pk)

    @extend_schema(
        request=EvaluateBodySerializer,
        responses={200: ProjectDetailSerializer},
        summary=_("绩效评估"),
        description=_("四项得分各 0–100，按 数量 30%、质量 30%、满意度 20%、资金使用 20% 加权得总分和等级。"),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def evaluate(self, request, pk=None):
        project = self.get_object()
        values = validated(EvaluateBodySerializer, request.data)
        services.evaluate_project(project, by=request.user, **values)
        return self._detail(project.pk)

    @extend_schema(
        request=ReasonBodySerializer,
        responses={200: ProjectDetailSerializer},
        summary=_("取消"),
        description=_("已分配未拨付的资金以冲销分录退回各资金来源。"),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        project = self.get_object()
        values = validated(ReasonBodySerializer, request.data)
        services.cancel_project(project, by=request.user, reason=values["reason"])
        return self._detail(project.pk)

    # --- money --------------------------------------------------------------------------------

    def _ledger(self, project: Project, model: type, perm: str) -> QuerySet:
        if not can(self.request.user, perm, project.area):
            raise Forbidden(_("您无权查看该项目的资金台账。"))
        return (
            model.objects.filter(project=project)
            .select_related("source", "created_by")
            .annotate(is_reversed=Exists(model.objects.filter(reversal_of=OuterRef("pk"))))
            .order_by("created_at", "pk")
        )

    def _entry(self, project: Project, model: type, entry_id: str) -> Any:
        entry = (
            model.objects.select_related("project__area", "source")
            .filter(project=project, pk=entry_id)
            .first()
        )
        if entry is None:
            raise Http404
        return entry

    def _entry_response(
        self, project: Project, model: type, serializer: type, pk: int, code: int
    ) -> Response:
        entry = self._ledger(
            project, model, VIEW_ALLOCATION if model is Allocation else VIEW_DISBURSEMENT
        ).get(pk=pk)
        return Response(serializer(entry).data, status=code)

    @extend_schema(
        methods=["GET"], responses={200: AllocationSerializer(many=True)}, summary=_("预算分配台账")
    )
    @extend_schema(
        methods=["POST"],
        request=AllocationWriteSerializer,
        responses={201: AllocationSerializer},
        summary=_("从资金来源分配预算"),
        description=_(
            "超出资金来源的可分配余额 → 409 budget_exceeded（说明超出多少）；定向捐赠用途不符 → 409 restricted_funds。"
        ),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    @idempotent
    def allocations(self, request, pk=None):
        project = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(self._ledger(project, Allocation, VIEW_ALLOCATION))
            return self.get_paginated_response(AllocationSerializer(page, many=True).data)
        values = validated(AllocationWriteSerializer, request.data)
        entry = services.allocate(
            project,
            source=source_for(request.user, values["source"]),
            amount=values["amount"],
            note=values["note"],
            by=request.user,
        )
        return self._entry_response(
            project, Allocation, AllocationSerializer, entry.pk, status.HTTP_201_CREATED
        )

    @extend_schema(
        request=ReasonBodySerializer,
        responses={201: AllocationSerializer},
        summary=_("冲销一笔分配"),
        description=_(
            "追加一笔负数分录，资金退回来源；已冲销 → 409；冲销后低于已拨付 → 409 budget_exceeded。"
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"allocations/(?P<entry_id>\d+)/reverse",
        url_name="allocation-reverse",
        filter_backends=[],
    )
    @idempotent
    def reverse_allocation(self, request, pk=None, entry_id=None):
        project = self.get_object()
        entry = self._entry(project, Allocation, entry_id)
        values = validated(ReasonBodySerializer, request.data)
        reversal = services.reverse_allocation(entry, by=request.user, reason=values["reason"])
        return self._entry_response(
            project, Allocation, AllocationSerializer, reversal.pk, status.HTTP_201_CREATED
        )

    @extend_schema(methods=["GET"], responses={200: DisbursementSerializer(many=True)}, summary=_("拨付台账"))
    @extend_schema(
        methods=["POST"],
        request=DisbursementWriteSerializer,
        responses={201: DisbursementSerializer},
        summary=_("拨付"),
        description=_("超出该资金来源分配给本项目的未拨付余额 → 409 budget_exceeded（说明超出多少）。"),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    @idempotent
    def disbursements(self, request, pk=None):
        project = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(self._ledger(project, Disbursement, VIEW_DISBURSEMENT))
            return self.get_paginated_response(DisbursementSerializer(page, many=True).data)
        values = validated(DisbursementWriteSerializer, request.data)
        entry = services.disburse(
            project,
            source=source_for(request.user, values["source"]),
            amount=values["amount"],
            voucher=values["voucher"],
            paid_on=values["paid_on"],
            note=values["note"],
            by=request.user,
        )
        return self._entry_response(
            project, Disbursement, DisbursementSerializer, entry.pk, status.HTTP_201_CREATED
        )

    @extend_schema(
        request=ReasonBodySerializer,
        responses={201: DisbursementSerializer},
        summary=_("冲销一笔拨付"),
        description=_("追加一笔同凭证号的负数分录；已冲销或冲销记录本身 → 409。"),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"disbursements/(?P<entry_id>\d+)/reverse",
        url_name="disbursement-reverse",
        filter_backends=[],
    )
    @idempotent
    def reverse_disbursement(self, request, pk=None, entry_id=None):
        project = self.get_object()
        entry = self._entry(project, Disbursement, entry_id)
        values = validated(ReasonBodySerializer, request.data)
        reversal = services.reverse_disbursement(entry, by=request.user, reason=values["reason"])
        return self._entry_response(
            project, Disbursement, DisbursementSerializer, reversal.pk, status.HTTP_201_CREATED
        )

    # --- delivery -----------------------------------------------------------------------------

    @extend_schema(methods=["GET"], responses={200: DeliverySerializer(many=True)}, summary=_("服务记录"))
    @extend_schema(
        methods=["POST"],
        request={"application/json": DeliveryWriteSerializer, "multipart/form-data": DeliveryWriteSerializer},
        responses={201: DeliverySerializer},
        summary=_("填报服务记录"),
        description=_(
            "实施中的项目由承接组织（或发布单位）填报；带照片时用 multipart/form-data（字段 photos）。"
        ),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def deliveries(self, request, pk=None):
        project = self.get_object()
        rows = (
            Delivery.objects.filter(project=project)
            .select_related("organization", "reported_by")
            .prefetch_related(Prefetch("photos", queryset=DeliveryPhoto.objects.order_by("pk")))
            .order_by("-held_on", "-pk")
        )
        context = self.get_serializer_context()
        if request.method == "GET":
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(DeliverySerializer(page, many=True, context=context).data)
        values = validated(DeliveryWriteSerializer, body_fields(request))
        values.pop("photos", None)
        milestone_id = values.pop("milestone", None)
        milestone = None
        if milestone_id is not None:
            milestone = Milestone.objects.filter(project=project, pk=milestone_id).first()
            if milestone is None:
                raise DomainError(_("该里程碑不属于本项目。"), field="milestone")
        organization_id = values.pop("organization", None)
        organization = None
        if organization_id is not None:
            organization = Organization.objects.filter(
                pk=organization_id, project_claims__project=project
            ).first()
            if organization is None:
                raise DomainError(
                    _("组织 %(id)s 不是本项目的承接组织。") % {"id": organization_id}, field="organization"
                )
        delivery = services.report_delivery(
            project,
            by=request.user,
            milestone=milestone,
            organization=organization,
            photos=request.FILES.getlist("photos"),
            **values,
        )
        return Response(
            DeliverySerializer(rows.get(pk=delivery.pk), context=context).data, status=status.HTTP_201_CREATED
        )

    # --- milestones and indicators ------------------------------------------------------------

    @extend_schema(methods=["GET"], responses={200: MilestoneSerializer(many=True)}, summary=_("里程碑"))
    @extend_schema(
        methods=["POST"],
        request=MilestoneWriteSerializer,
        responses={201: MilestoneSerializer},
        summary=_("添加里程碑"),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def milestones(self, request, pk=None):
        project = self.get_object()
        if request.method == "GET":
            rows = (
                Milestone.objects.filter(project=project)
                .select_related("completed_by")
                .order_by("due_on", "pk")
            )
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(MilestoneSerializer(page, many=True).data)
        values = validated(MilestoneWriteSerializer, request.data)
        milestone = services.add_milestone(project, by=request.user, **values)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MilestoneCompleteSerializer, responses={200: MilestoneSerializer}, summary=_("完成里程碑")
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>\d+)/complete",
        url_name="milestone-complete",
        filter_backends=[],
    )
    def complete_milestone(self, request, pk=None, milestone_id=None):
        project = self.get_object()
        milestone = (
            Milestone.objects.select_related("project__area").filter(project=project, pk=milestone_id).first()
        )
        if milestone is None:
            raise Http404
        values = validated(MilestoneCompleteSerializer, request.data)
        milestone = services.complete_milestone(
            milestone, by=request.user, evidence=values["evidence"], completed_on=values.get("completed_on")
        )
        milestone = Milestone.objects.select_related("completed_by").get(pk=milestone.pk)
        return Response(MilestoneSerializer(milestone).data)

    def _progress(self, project: Project, indicator_id: int) -> dict[str, Any]:
        rows = [p for p in queries.indicator_progress(project) if p.indicator.pk == indicator_id]
        return IndicatorProgressSerializer(rows[0]).data

    @extend_schema(
        methods=["GET"],
        responses={200: IndicatorProgressSerializer(many=True)},
        summary=_("目标指标及完成情况"),
    )
    @extend_schema(
        methods=["POST"],
        request=IndicatorWriteSerializer,
        responses={201: IndicatorProgressSerializer},
        summary=_("添加目标指标"),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def indicators(self, request, pk=None):
        project = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(queries.indicator_progress(project))
            return self.get_paginated_response(IndicatorProgressSerializer(page, many=True).data)
        values = validated(IndicatorWriteSerializer, request.data)
        indicator = services.add_indicator(project, by=request.user, **values)
        return Response(self._progress(project, indicator.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=IndicatorActualSerializer,
        responses={200: IndicatorProgressSerializer},
        summary=_("填写指标实际值（other 类）"),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"indicators/(?P<indicator_id>\d+)/actual",
        url_name="indicator-actual",
        filter_backends=[],
    )
    def indicator_actual(self, request, pk=None, indicator_id=None):
        project = self.get_object()
        indicator = (
            Indicator.objects.select_related("project__area").filter(project=project, pk=indicator_id).first()
        )
        if indicator is None:
            raise Http404
        values = validated(IndicatorActualSerializer, request.data)
        services.set_indicator_actual(indicator, actual=values["actual"], by=request.user)
        return Response(self._progress(project, indicator.pk))

    # --- claims and caseworkers ---------------------------------------------------------------

    @extend_schema(
        responses={200: ClaimSerializer(many=True)},
        summary=_("认领与申报"),
        description=_("管辖范围内的工作人员看到全部；组织负责人只看到本组织的认领与申报。"),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def claims(self, request, pk=None):
        project = self.get_object()
        rows = ProjectClaim.objects.filter(project=project).select_related("organization")
        if not self._sees_all(project):
            rows = rows.filter(organization__in=services.led_organizations(request.user).values("pk"))
        page = self.paginate_queryset(rows.order_by("created_at", "pk"))
        return self.get_paginated_response(ClaimSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses={200: CaseworkerSerializer(many=True)}, summary=_("个案社工"))
    @extend_schema(
        methods=["POST"],
        request=CaseworkerWriteSerializer,
        responses={201: CaseworkerSerializer},
        summary=_("指定个案社工"),
        description=_("发布单位或承接组织负责人指定；社工可查看和填写本项目的个案档案。"),
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def caseworkers(self, request, pk=None):
        project = self.get_object()
        user = request.user
        if request.method == "GET":
            if not (
                self._sees_all(project)
                or services.is_undertaker(user, project)
                or services.is_caseworker(user, project)
            ):
                raise Forbidden(_("只有项目的工作人员、承接组织或个案社工可以查看个案社工名单。"))
            rows = (
                ProjectCaseworker.objects.filter(project=project)
                .select_related("user")
                .order_by("created_at", "pk")
            )
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(CaseworkerSerializer(page, many=True).data)
        values = validated(CaseworkerWriteSerializer, request.data)
        worker = get_user_model().objects.filter(pk=values["user"], is_active=True).first()
        if worker is None:
            raise DomainError(_("用户 %(id)s 不存在或已停用。") % {"id": values["user"]}, field="user")
        caseworker = services.add_caseworker(project, user=worker, by=user)
        caseworker = ProjectCaseworker.objects.select_related("user").get(pk=caseworker.pk)
        return Response(CaseworkerSerializer(caseworker).data, status=status.HTTP_201_CREATED)

    # --- coverage and export ------------------------------------------------------------------

    @extend_schema(
        parameters=[CoverageQuerySerializer],
        responses={200: CoverageSerializer},
        summary=_("民生七有覆盖矩阵"),
        description=_(
            "七个民生类别 × under 下一级区域（及 under 本级）的项目数、预算和服务人次；草稿和已取消的项目不计。"
            "under 不在您的管辖范围内 → 404。"
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def coverage(self, request):
        query = validated(CoverageQuerySerializer, request.query_params)
        user = request.user
        if query.get("under"):
            area = Area.objects.filter(code=query["under"]).first()
        else:
            roots = jurisdiction_paths(user, VIEW)
            area = (
                Area.objects.filter(path=roots[0]).first()
                if roots
                else Area.objects.filter(parent__isnull=True).order_by("code").first()
            )
        if area is None or not can(user, VIEW, area):
            raise Http404
        matrix = queries.coverage(area, projects=Project.objects.visible_to(user), year=query.get("year"))
        data = {
            "under": area.code,
            "under_name": area.name,
            "year": matrix.year,
            "categories": [{"code": code, "label": str(label)} for code, label in matrix.categories],
            "columns": [{"code": column.code, "name": column.name} for column in matrix.columns],
            "cells": matrix.cells,
            "row_totals": matrix.row_totals,
            "column_totals": matrix.column_totals,
            "total": matrix.total,
            "gaps": [{"category": category, "area": code} for category, code in matrix.gaps()],
        }
        return Response(CoverageSerializer(data).data)

    @extend_schema(
        responses=_XLSX_RESPONSE,
        summary=_("导出资金台账（XLSX，与列表相同的筛选条件）"),
        description=_("工作表：项目台账、资金来源、拨付明细（含冲销）。"),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="ledger-export",
        url_name="ledger-export",
        pagination_class=None,
    )
    def ledger_export(self, request):
        user = request.user
        # Only projects whose ledgers the caller may read (not, say, another street's evaluated
        # projects, which every role sees as results).
        money_scope = Q(pk__in=[])
        for path in jurisdiction_paths(user, VIEW_DISBURSEMENT):
            money_scope |= Q(area__path__prefix=path)
        projects = self.filter_queryset(self.get_queryset())
        if not user.is_superuser:
            projects = projects.filter(money_scope)
        sources = FundingSource.objects.visible_to(user)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return _xlsx(exporter.export_ledger(projects, sources), f"ledger-{stamp}.xlsx")


# ---------------------------------------------------------------------------------------------
# Delivery photos


class DeliveryPhotoView(APIView):
    """The JPEG of one delivery photo (re-encoded on upload, without EXIF), for whoever sees
    the project; 404 — the same as for a photo that does not exist — to anyone else."""

    permission_classes = [IsAuthenticated]
    variant = "image"

    def perform_content_negotiation(self, request, force=False):
        # The body is an image whatever the Accept header says; errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY}, summary=_("服务记录照片"))
    def get(self, request, pk: int):
        photo = DeliveryPhoto.objects.filter(pk=pk).only("pk", "delivery_id", "image", "thumbnail").first()
        if (
            photo is None
            or not Delivery.objects.visible_to(request.user).filter(pk=photo.delivery_id).exists()
        ):
            raise Http404
        try:
            stream = getattr(photo, self.variant).open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(stream, content_type="image/jpeg")
        # Private: a shared cache must never hand one viewer's permitted photo to another.
        response["Cache-Control"] = "private, max-age=86400"
        return response


class DeliveryPhotoThumbnailView(DeliveryPhotoView):
    """The photo's thumbnail (at most 320×320), for lists."""

    variant = "thumbnail"


# ---------------------------------------------------------------------------------------------
# Case records


class CaseRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Case-service records (个案档案): seen only by the project's caseworkers and holders of
    ``projects.view_caserecord`` over its area. Every record a list or detail shows is written
    to the access log (CaseRecordAccess) with the caller and their address."""

    serializer_class = CaseRecordSerializer
    filterset_class = CaseRecordFilter
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    # Caseworkers hold no permission: visible_to adds the records of their projects.
    own_record_actions = ("list", "retrieve", "create", "notes", "close")

    def get_queryset(self):
        records = (
            CaseRecord.objects.visible_to(self.request.user)
            .select_related("project", "person")
            .order_by("project_id", "number", "pk")
        )
        if self.action in ("retrieve", "close"):
            records = records.prefetch_related(
                Prefetch(
                    "notes", queryset=CaseNote.objects.select_related("written_by").order_by("noted_on", "pk")
                )
            )
        return records

    def get_serializer_class(self):
        return CaseRecordSerializer if self.action == "list" else CaseRecordDetailSerializer

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _log(self, records: Any, action_name: str) -> None:
        services.log_case_access(
            records, user=self.request.user, action=action_name, ip_address=client_ip(self.request)
        )

    def _shown(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        self.action = "retrieve"
        record = self.get_queryset().get(pk=pk)
        self._log([record], CaseAccessAction.VIEW)
        return Response(CaseRecordDetailSerializer(record).data, status=code)

    @extend_schema(
        responses={200: CaseRecordSerializer(many=True)}, summary=_("个案档案（每条均记入查看日志）")
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._log(page, CaseAccessAction.LIST)
        return self.get_paginated_response(CaseRecordSerializer(page, many=True).data)

    @extend_schema(responses={200: CaseRecordDetailSerializer}, summary=_("个案档案详情（记入查看日志）"))
    def retrieve(self, request, *args, **kwargs):
        return self._shown(self.get_object().pk)

    @extend_schema(
        request=CaseRecordWriteSerializer, responses={201: CaseRecordDetailSerializer}, summary=_("开立个案")
    )
    def create(self, request, *args, **kwargs):
        values = validated(CaseRecordWriteSerializer, request.data)
        user = request.user
        project = (
            Project.objects.visible_to(user).select_related("area").filter(pk=values.pop("project")).first()
        )
        if project is None:
            raise DomainError(_("项目不存在或不在您的管辖范围内。"), field="project")
        person_id = values.pop("person", None)
        person = None
        if person_id is not None:
            person = Person.objects.visible_to(user).filter(pk=person_id).first()
            if person is None:
                raise DomainError(
                    _("人员 %(id)s 不存在或不在您的管辖范围内。") % {"id": person_id}, field="person"
                )
        record = services.open_case_record(project, by=user, person=person, **values)
        return self._shown(record.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseNoteWriteSerializer, responses={201: CaseNoteSerializer}, summary=_("添加服务记录")
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        record = self.get_object()
        values = validated(CaseNoteWriteSerializer, request.data)
        note = services.add_case_note(
            record, by=request.user, content=values["content"], noted_on=values.get("noted_on")
        )
        note = CaseNote.objects.select_related("written_by").get(pk=note.pk)
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseCloseSerializer, responses={200: CaseRecordDetailSerializer}, summary=_("结案")
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        record = self.get_object()
        values = validated(CaseCloseSerializer, request.data)
        services.close_case_record(record, by=request.user, closed_on=values.get("closed_on"))
        return self._shown(record.pk)


# ---------------------------------------------------------------------------------------------
# Awards


class AwardViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Awards (获奖荣誉) won by projects and organizations in the caller's jurisdiction."""

    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    permission_classes = [RolePermission]
    action_permissions = {"list": VIEW, "create": ADD_AWARD}

    def get_queryset(self):
        return (
            Award.objects.visible_to(self.request.user)
            .select_related("project", "organization", "area")
            .order_by("-awarded_on", "-pk")
        )

    @extend_schema(request=AwardWriteSerializer, responses={201: AwardSerializer}, summary=_("记录获奖荣誉"))
    def create(self, request, *args, **kwargs):
        values = validated(AwardWriteSerializer, request.data)
        user = request.user
        project_id = values.pop("project", None)
        project = None
        if project_id is not None:
            project = Project.objects.visible_to(user).select_related("area").filter(pk=project_id).first()
            if project is None:
                raise DomainError(
                    _("项目 %(id)s 不存在或不在您的管辖范围内。") % {"id": project_id}, field="project"
                )
        organization_id = values.pop("organization", None)
        organization = organization_for(user, organization_id) if organization_id is not None else None
        award = services.record_award(by=user, project=project, organization=organization, **values)
        award = Award.objects.select_related("project", "organization", "area").get(pk=award.pk)
        return Response(AwardSerializer(award).data, status=status.HTTP_201_CREATED)
