"""``/api/v1/`` for grid cases: categories, handling units, cases and their transitions,
KPIs and campaigns.

Views stay thin: rows come from ``visible_to(request.user)`` (outside the jurisdiction a
case answers 404, like one that does not exist), the body is validated by a serializer, and
every change is a call to ``gongzhi.cases.services`` — the only place the rules live.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from gongzhi.accounts.roles import Role
from gongzhi.areas.geo import distance_m, locate_grid
from gongzhi.areas.models import Area
from gongzhi.cases import services
from gongzhi.cases.choices import OPEN_STATUSES, CaseSource, CaseStatus
from gongzhi.cases.filters import CaseFilter, HandlingUnitFilter, under_area
from gongzhi.cases.kpis import compute_kpis
from gongzhi.cases.models import (
    Campaign,
    CampaignPost,
    Case,
    CaseCategory,
    CaseEvent,
    CasePhoto,
    HandlingUnit,
    PhotoPhase,
)
from gongzhi.cases.pagination import CaseCursorPagination
from gongzhi.cases.serializers import (
    AddToCampaignSerializer,
    CampaignDetailSerializer,
    CampaignFeedSerializer,
    CampaignPostWriteSerializer,
    CampaignSerializer,
    CampaignWriteSerializer,
    CaseCategorySerializer,
    CaseCreatedSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    DispatchSerializer,
    DuplicateSerializer,
    EvaluateSerializer,
    ExtendSerializer,
    FeedbackSerializer,
    FeedItemSerializer,
    HandlingUnitSerializer,
    HandlingUnitWriteSerializer,
    KpiQuerySerializer,
    KpiReportSerializer,
    MergeSerializer,
    NoteSerializer,
    ProposeProjectSerializer,
    ReasonSerializer,
    RequiredNoteSerializer,
    ResolveOnSiteSerializer,
    ReworkSerializer,
    StartActivitySerializer,
    VerifySerializer,
    feed_event,
    feed_post,
)
from gongzhi.core.concurrency import ConditionalUpdateMixin
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.idempotency import idempotent
from gongzhi.core.permissions import RolePermission
from gongzhi.core.scoping import active_assignments, can, jurisdiction_paths
from gongzhi.people.api import reveal_phone_response, reveal_phone_schema

# ---------------------------------------------------------------------------------------------
# Reads shared by the views


def with_photo_counts(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Each case's number of photos and its first report photo (for the list thumbnail), as
    subqueries: one query for the page, whatever its length."""
    photos = CasePhoto.objects.filter(case=OuterRef("pk")).order_by()
    return queryset.annotate(
        photo_count=Coalesce(
            Subquery(photos.values("case").annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            0,
        ),
        first_photo_id=Subquery(photos.filter(phase=PhotoPhase.REPORT).order_by("pk").values("pk")[:1]),
    )


def with_timeline(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return (
        with_photo_counts(queryset)
        .select_related("reporter", "merged_into")
        .prefetch_related(
            Prefetch(
                "events", queryset=CaseEvent.objects.order_by("created_at", "pk").prefetch_related("photos")
            ),
            "photos",
        )
    )


def case_list_queryset(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related(
        "category", "grid", "responsible_area", "handling_unit", "campaign"
    ).order_by("-reported_at", "-pk")


# ---------------------------------------------------------------------------------------------
# Request plumbing: JSON or multipart bodies, with photos travelling as files


def request_fields(request: Request, *, file_fields: tuple[str, ...] = ("photos", "photo")) -> dict[str, Any]:
    """The body's plain fields as a dict (multipart: the last value of each key). Photos
    come from ``request_photos``; in a JSON body they are refused with a clear message."""
    data = request.data
    if hasattr(data, "getlist"):
        return {key: data.get(key) for key in data if key not in request.FILES}
    if not isinstance(data, dict):
        return {}
    fields = dict(data)
    for name in file_fields:
        if fields.pop(name, None):
            raise DomainError(
                _("照片请用 multipart/form-data 上传（字段名 %(name)s），JSON 请求不能携带照片。")
                % {"name": name},
                field=name,
            )
    return fields


def request_photos(request: Request, name: str = "photos") -> list[Any]:
    files = getattr(request, "FILES", None)
    return files.getlist(name) if files is not None else []


def _digest(upload: Any) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


class CasePermission(RolePermission):
    """``RolePermission`` where an action may name several permissions: any one suffices."""

    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if isinstance(needed, tuple):
            user = request.user
            return bool(user and user.is_authenticated and any(user.has_perm(p) for p in needed))
        return super().has_permission(request, view)


# ---------------------------------------------------------------------------------------------
# Categories and handling units


class CaseCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The category tree (codes, urgency, stage limits, default unit). Everyone who may report
    a case needs it, so any signed-in user may read it."""

    serializer_class = CaseCategorySerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z_-]+"
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return (
            CaseCategory.objects.select_related("parent", "default_unit")
            .prefetch_related("time_limits")
            .order_by("code")
        )


def _area_in_jurisdiction(user: Any, code: str, perm: str, field: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None or not can(user, perm, area):
        raise DomainError(
            _("区域“%(code)s”不存在或不在您的管辖范围内，请检查编码。") % {"code": code}, field=field
        )
    return area


def _users(values: list[str]) -> list[Any]:
    """Users named by username or id; every one must exist."""
    user_model = get_user_model()
    ids = [int(v) for v in values if v.isascii() and v.isdigit()]
    found = list(user_model.objects.filter(Q(username__in=values) | Q(pk__in=ids)))
    by_name = {u.username: u for u in found}
    by_id = {str(u.pk): u for u in found}
    missing = [v for v in values if v not in by_name and v not in by_id]
    if missing:
        raise DomainError(
            _("找不到这些用户：%(names)s。请填写用户名或用户 ID。") % {"names": "、".join(missing)},
            field="members",
        )
    return list({u.pk: u for u in (by_name.get(v) or by_id[v] for v in values)}.values())


class HandlingUnitViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Handling units inside the caller's jurisdiction, and the units the caller belongs to.
    Street and district admins add and change units of their areas."""

    serializer_class = HandlingUnitSerializer
    filterset_class = HandlingUnitFilter
    permission_classes = [RolePermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    own_record_actions = {"list", "retrieve"}
    action_permissions = {
        "create": "cases.add_handlingunit",
        "partial_update": "cases.change_handlingunit",
    }

    def get_queryset(self):
        return (
            HandlingUnit.objects.visible_to(self.request.user)
            .select_related("area")
            .prefetch_related("members")
            .order_by("area__path", "name", "pk")
        )

    def _saved(self, unit: HandlingUnit) -> dict[str, Any]:
        unit = self.get_queryset().get(pk=unit.pk)
        return HandlingUnitSerializer(unit, context=self.get_serializer_context()).data

    @extend_schema(request=HandlingUnitWriteSerializer, responses={201: HandlingUnitSerializer})
    def create(self, request, *args, **kwargs):
        body = HandlingUnitWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        area = _area_in_jurisdiction(request.user, values.pop("area"), "cases.add_handlingunit", "area")
        members = _users(values.pop("members", []))
        with transaction.atomic():
            unit = HandlingUnit(area=area, **values)
            unit.full_clean()
            unit.save()
            unit.members.set(members)
        return Response(self._saved(unit), status=status.HTTP_201_CREATED)

    @extend_schema(request=HandlingUnitWriteSerializer, responses={200: HandlingUnitSerializer})
    def partial_update(self, request, *args, **kwargs):
        unit = self.get_object()
        if not can(request.user, "cases.change_handlingunit", unit.area):
            raise Forbidden(_("您无权修改此处置单位。"))
        body = HandlingUnitWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        if "area" in values:
            values["area"] = _area_in_jurisdiction(
                request.user, values["area"], "cases.change_handlingunit", "area"
            )
        members = _users(values.pop("members")) if "members" in values else None
        with transaction.atomic():
            for name, value in values.items():
                setattr(unit, name, value)
            unit.full_clean()
            unit.save()
            if members is not None:
                unit.members.set(members)
        return Response(self._saved(unit))


# ---------------------------------------------------------------------------------------------
# Cases

_DISPATCH = "cases.dispatch_case"
_STAFF_ROLES = {Role.GRID_MEMBER, Role.COMMUNITY_WORKER, Role.STREET_ADMIN, Role.DISTRICT_ADMIN}


def source_for(user: Any, requested: str | None) -> str:
    """Where a report comes from, by the caller's role: a grid member patrols (grid_member); a
    dispatcher records an inspection, or names the source (a hotline call); anyone else is a
    resident. Staff sources keep the jurisdiction check in ``report_case``."""
    roles = {role for role, _path in active_assignments(user)}
    dispatcher = user.is_superuser or bool(jurisdiction_paths(user, _DISPATCH))
    if requested:
        if not dispatcher:
            raise Forbidden(_("只有调度人员可以指定事件来源。"))
        return requested
    if Role.GRID_MEMBER in roles:
        return CaseSource.GRID_MEMBER
    if dispatcher or roles & _STAFF_ROLES:
        return CaseSource.INSPECTION
    return CaseSource.RESIDENT


_TRANSITION_DOC = _(
    "返回更新后的事件详情。状态不允许此操作 → 409；角色无权 → 403；不在管辖范围内 → 404；"
    "带 version 而事件已被他人更新 → 409（不做任何改动）。"
)


def _transition_schema(body: type[serializers.Serializer], summary: str, *, files: bool = False):
    request: Any = body
    if files:
        request = {"application/json": body, "multipart/form-data": body}
    return extend_schema(
        request=request, responses={200: CaseDetailSerializer}, summary=summary, description=_TRANSITION_DOC
    )


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Grid cases the caller may see: in their jurisdiction, reported by them, or dispatched to
    a unit they belong to. Newest first, keyset-paginated."""

    serializer_class = CaseListSerializer
    filterset_class = CaseFilter
    pagination_class = CaseCursorPagination
    permission_classes = [CasePermission]
    lookup_value_regex = r"\d+"
    # Handling-unit members and reporters hold no case role: they act on their own rows, and
    # the service refuses (403) what their relation to the case does not allow.
    own_record_actions = {
        "list",
        "retrieve",
        "accept",
        "feedback",
        "verify",
        "rework",
        "evaluate",
        "request_extension",
    }
    action_permissions = {
        "create": "cases.add_case",
        "duplicates": "cases.view_case",
        "kpis": "cases.view_kpis",
        "register": _DISPATCH,
        "reject": _DISPATCH,
        "dispatch_to": _DISPATCH,
        "close": _DISPATCH,
        "extend": _DISPATCH,
        "decline_extension": _DISPATCH,
        "defer": _DISPATCH,
        "merge": _DISPATCH,
        "campaign": _DISPATCH,
        "escalate": (_DISPATCH, "cases.resolve_on_site"),
        "supervise": "cases.supervise_case",
        "reveal_reporter_phone": "people.view_full_phone",
        "resolve_on_site": "cases.resolve_on_site",
        "start_activity": _DISPATCH,
        "propose_project": _DISPATCH,
    }

    def get_queryset(self):
        if self.action == "list":  # plain rows (``list``); their photos are counted per page
            return self._listed().order_by("-reported_at", "-pk")
        queryset = case_list_queryset(Case.objects.visible_to(self.request.user))
        if self.action == "retrieve":
            return with_timeline(queryset)
        return queryset  # transitions: the service locks and re-reads the row

    def _listed(self) -> QuerySet:
        """The cases the caller may see. Asked for an area inside their jurisdiction
        (``?under=``, the usual list of a street or grid), the filter alone is the scope: there
        the visibility condition (jurisdiction, or reported by them, or dispatched to their
        unit) adds no row, only a condition for PostgreSQL to plan (bench R2: 2 of 5 ms)."""
        user = self.request.user
        code = self.request.query_params.get("under")
        area = under_area(self.request, code) if code else None
        if area is not None and can(user, Case.objects.default_permission(), area):
            return Case.objects.all()
        return Case.objects.visible_to(user)

    def filter_queryset(self, queryset):
        # Query-string filters narrow lists only; a transition finds its case by id alone.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseListSerializer

    def list(self, request, *args, **kwargs):
        # Plain rows, not model instances (bench R2); the keyset pagination reads its position
        # from a row's ``reported_at`` as well as from an instance's.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*CaseListSerializer.VALUES))
        return self.get_paginated_response(CaseListSerializer.rows(page, request))

    def _detail(
        self, pk: int, serializer_class: type[CaseDetailSerializer] = CaseDetailSerializer, **extra: Any
    ):
        # The actor just acted on the case, so it is shown even if the change moved it out
        # of their sight (e.g. dispatched away from the unit they belong to).
        case = with_timeline(case_list_queryset(Case.objects.all())).get(pk=pk)
        for name, value in extra.items():
            setattr(case, name, value)
        return serializer_class(case, context=self.get_serializer_context()).data

    def _duplicates(self, case: Case) -> list[dict[str, Any]]:
        # Visibility inside the same query: the nearest few the caller may see, not the
        # nearest few of which some are then hidden.
        found = services.possible_duplicates(
            category=case.category,
            lat=case.lat,
            lng=case.lng,
            exclude=case,
            among=Case.objects.visible_to(self.request.user),
        )
        return [
            {
                "id": c.pk,
                "number": c.number,
                "distance_m": round(distance_m(case.lat, case.lng, c.lat, c.lng)),
                "status": c.status,
                "status_display": c.get_status_display(),
                "category": c.category.code,
                "description": c.description,
                "reported_at": c.reported_at,
            }
            for c in found
        ]

    def _created(self, case: Case) -> dict[str, Any]:
        """The answer to a report, from the rows ``report_case`` just wrote (case, its REPORT
        event, its photos; category, grid, reporter and campaign in hand): no read-back.
        tests/cases/test_create_cost.py checks it equals the detail the case reads as."""
        event = getattr(case, "report_event", None)
        if event is None:  # an earlier request's case (a replay): read it
            return self._detail(case.pk, CaseCreatedSerializer, possible_duplicates=self._duplicates(case))
        photos = list(getattr(event, "stored_photos", ()))
        event._prefetched_objects_cache = {"photos": photos}
        case._prefetched_objects_cache = {"events": [event], "photos": photos}
        case.photo_count = len(photos)
        case.first_photo_id = photos[0].pk if photos else None
        case.possible_duplicates = self._duplicates(case)
        return CaseCreatedSerializer(case, context=self.get_serializer_context()).data

    # --- create -------------------------------------------------------------------------------

    @extend_schema(
        request={"application/json": CaseCreateSerializer, "multipart/form-data": CaseCreateSerializer},
        responses={201: CaseCreatedSerializer, 200: CaseCreatedSerializer},
        summary=_("上报事件"),
        description=_(
            "JSON 或 multipart/form-data（带照片时）。位置给经纬度（据此找到网格）或网格编码。"
            "请求头 Idempotency-Key：同一键重试返回同一事件（200），同一键但内容不同 → 422。"
            "响应中的 possible_duplicates 列出附近同类未结案事件中最近的至多 10 件（由近到远）。"
        ),
    )
    @idempotent(replay_status=status.HTTP_200_OK)  # a replay keeps the documented 200
    def create(self, request, *args, **kwargs):
        user = request.user
        body = CaseCreateSerializer(data=request_fields(request))
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        photos = request_photos(request)
        category = CaseCategory.objects.filter(code=values["category"]).first()
        if category is None:
            raise DomainError(
                _("事件类别“%(code)s”不存在，请从类别列表中选择。") % {"code": values["category"]},
                field="category",
            )
        grid = None
        if values.get("grid"):
            grid = Area.objects.filter(code=values["grid"]).first()
            if grid is None:
                raise DomainError(
                    _("网格“%(code)s”不存在，请检查编码。") % {"code": values["grid"]}, field="grid"
                )
        campaign = None
        if values.get("campaign"):
            campaign = (
                Campaign.objects.visible_to(user).filter(pk=values["campaign"]).select_related("area").first()
            )
            if campaign is None:
                raise DomainError(_("专项整治不存在或不在您的管辖范围内。"), field="campaign")
            where = grid or (
                locate_grid(values["lat"], values["lng"])
                if values.get("lat") is not None and values.get("lng") is not None
                else None
            )
            if where is not None and not where.path.startswith(campaign.area.path):
                raise DomainError(_("事件不在该专项整治的区域内。"), field="campaign")
        source = source_for(user, values.get("source"))

        def report() -> Case:
            return services.report_case(
                category=category,
                description=values["description"],
                source=source,
                by=user,
                lat=values.get("lat"),
                lng=values.get("lng"),
                grid=grid,
                address=values.get("address", ""),
                photos=photos,
                reporter_name=values.get("reporter_name", ""),
                reporter_phone=values.get("reporter_phone", ""),
                campaign=campaign,
            )

        # The fingerprint is the normalized body plus each file's digest, so a retry that
        # re-sends the same photos matches and one with other photos does not.
        payload = {**values, "photos": [_digest(p) for p in photos]}
        case, created = services.create_idempotently(
            scope=f"user:{user.pk}",
            key=request.headers.get("Idempotency-Key"),
            payload=payload,
            create=report,
            # With a key, @idempotent above already holds it for this caller and endpoint.
            claimed=bool(request.headers.get("Idempotency-Key", "").strip()),
        )
        data = (
            self._created(case)
            if created
            else self._detail(case.pk, CaseCreatedSerializer, possible_duplicates=self._duplicates(case))
        )
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    # --- transitions --------------------------------------------------------------------------

    def _act(self, body_class: type[serializers.Serializer], call: Callable[..., Any]) -> Response:
        case = self.get_object()  # outside the caller's sight: 404 before any service call
        body = body_class(data=request_fields(self.request))
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        version = values.pop("version", None)
        kw = {"expected_version": version} if version is not None else {}
        call(case, values, kw)
        return Response(self._detail(case.pk))

    @_transition_schema(NoteSerializer, _("立案"))
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        return self._act(
            NoteSerializer, lambda c, v, kw: services.register_case(c, by=request.user, note=v["note"], **kw)
        )

    @_transition_schema(ReasonSerializer, _("不予立案"))
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(
            ReasonSerializer,
            lambda c, v, kw: services.reject_case(c, by=request.user, reason=v["reason"], **kw),
        )

    @_transition_schema(DispatchSerializer, _("派遣"))
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_to(self, request, pk=None):
        def call(case: Case, values: dict[str, Any], kw: dict[str, Any]) -> None:
            unit = (
                HandlingUnit.objects.visible_to(request.user)
                .select_related("area")
                .filter(pk=values["unit"])
                .first()
            )
            if unit is None:
                raise DomainError(_("处置单位不存在或不在您的管辖范围内。"), field="unit")
            services.dispatch_case(case, to=unit, by=request.user, note=values["note"], **kw)

        return self._act(DispatchSerializer, call)

    @_transition_schema(NoteSerializer, _("接收"))
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(
            NoteSerializer, lambda c, v, kw: services.accept_case(c, by=request.user, note=v["note"], **kw)
        )

    @_transition_schema(FeedbackSerializer, _("反馈处置结果"), files=True)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        photos = request_photos(request)
        return self._act(
            FeedbackSerializer,
            lambda c, v, kw: services.feedback_case(
                c, by=request.user, result=v["result"], photos=photos, **kw
            ),
        )

    @extend_schema(
        request=StartActivitySerializer,
        responses={201: dict},
        summary=_("由事件发起志愿活动（闭环）"),
        description=_("派遣人员为事件发起志愿活动（如清理），活动关联事件，其时长显示在事件时间线上。"),
    )
    @action(detail=True, methods=["post"], url_path="start-activity", url_name="start-activity")
    def start_activity(self, request, pk=None):
        from gongzhi.organizations.models import Organization
        from gongzhi.stats.loop import start_activity_from_case

        case = self.get_object()
        body = StartActivitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        organizer = Organization.objects.filter(pk=values.pop("organizer")).first()
        if organizer is None:
            raise DomainError(_("组织方社会组织不存在。"), field="organizer")
        activity = start_activity_from_case(case, by=request.user, organizer=organizer, **values)
        return Response({"activity": activity.pk, "case": case.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProposeProjectSerializer,
        responses={201: dict},
        summary=_("由事件提议公益项目（闭环）"),
        description=_("派遣人员为事件提议一个草稿公益项目，项目关联事件，其服务人次显示在事件时间线上。"),
    )
    @action(detail=True, methods=["post"], url_path="propose-project", url_name="propose-project")
    def propose_project(self, request, pk=None):
        from gongzhi.stats.loop import propose_project_from_case

        case = self.get_object()
        body = ProposeProjectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        area = Area.objects.visible_to(request.user).filter(code=values.pop("area")).first()
        if area is None:
            raise DomainError(_("区域编码不存在或不在您的管辖范围内。"), field="area")
        project = propose_project_from_case(case, by=request.user, area=area, **values)
        return Response({"project": project.pk, "case": case.pk}, status=status.HTTP_201_CREATED)

    @_transition_schema(VerifySerializer, _("核查（通过结案，不通过返工）"), files=True)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        photos = request_photos(request)
        return self._act(
            VerifySerializer,
            lambda c, v, kw: services.verify_case(
                c, by=request.user, passed=v["passed"], note=v["note"], photos=photos, **kw
            ),
        )

    @_transition_schema(ReworkSerializer, _("核查不通过，返工"), files=True)
    @action(detail=True, methods=["post"])
    def rework(self, request, pk=None):
        photos = request_photos(request)
        return self._act(
            ReworkSerializer,
            lambda c, v, kw: services.rework_case(c, by=request.user, note=v["note"], photos=photos, **kw),
        )

    @_transition_schema(NoteSerializer, _("结案"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(
            NoteSerializer, lambda c, v, kw: services.close_case(c, by=request.user, note=v["note"], **kw)
        )

    @_transition_schema(RequiredNoteSerializer, _("上报上级"))
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(
            RequiredNoteSerializer,
            lambda c, v, kw: services.escalate_case(c, by=request.user, note=v["note"], **kw),
        )

    @_transition_schema(ExtendSerializer, _("延期"))
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._act(
            ExtendSerializer,
            lambda c, v, kw: services.extend_case(
                c, by=request.user, hours=v["hours"], reason=v["reason"], **kw
            ),
        )

    @_transition_schema(ExtendSerializer, _("申请延期（处置单位）"))
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        return self._act(
            ExtendSerializer,
            lambda c, v, kw: services.request_extension(
                c, by=request.user, hours=v["hours"], reason=v["reason"], **kw
            ),
        )

    @_transition_schema(ReasonSerializer, _("驳回延期申请"))
    @action(detail=True, methods=["post"], url_path="decline-extension")
    def decline_extension(self, request, pk=None):
        return self._act(
            ReasonSerializer,
            lambda c, v, kw: services.decline_extension(c, by=request.user, reason=v["reason"], **kw),
        )

    @_transition_schema(ReasonSerializer, _("缓办挂账"))
    @action(detail=True, methods=["post"])
    def defer(self, request, pk=None):
        return self._act(
            ReasonSerializer,
            lambda c, v, kw: services.defer_case(c, by=request.user, reason=v["reason"], **kw),
        )

    @reveal_phone_schema
    @action(detail=True, methods=["post"], url_path="reveal-reporter-phone")
    def reveal_reporter_phone(self, request, pk=None):
        """The reporter's full phone, for a role with people.view_full_phone over the case's
        grid, who gives a reason; logged and audited (people.services.reveal_phone)."""
        return reveal_phone_response(request, self.get_object())

    @_transition_schema(RequiredNoteSerializer, _("督办"))
    @action(detail=True, methods=["post"])
    def supervise(self, request, pk=None):
        return self._act(
            RequiredNoteSerializer,
            lambda c, v, kw: services.supervise_case(c, by=request.user, note=v["note"], **kw),
        )

    @_transition_schema(EvaluateSerializer, _("评价（上报人）"))
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        return self._act(
            EvaluateSerializer,
            lambda c, v, kw: services.evaluate_case(
                c, by=request.user, satisfaction=v["satisfaction"], note=v["note"], **kw
            ),
        )

    @_transition_schema(ResolveOnSiteSerializer, _("现场自处置"), files=True)
    @action(detail=True, methods=["post"], url_path="resolve-on-site", url_name="resolve-on-site")
    def resolve_on_site(self, request, pk=None):
        photos = request_photos(request)
        return self._act(
            ResolveOnSiteSerializer,
            lambda c, v, kw: services.resolve_on_site(
                c, by=request.user, note=v["note"], photos=photos, **kw
            ),
        )

    @_transition_schema(MergeSerializer, _("合并重复事件"))
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        def call(case: Case, values: dict[str, Any], kw: dict[str, Any]) -> None:
            into = Case.objects.visible_to(request.user).filter(pk=values["into"]).first()
            if into is None:
                raise DomainError(_("要合并到的事件不存在或不在您的管辖范围内。"), field="into")
            services.merge_case(case, into=into, by=request.user, note=values["note"], **kw)

        return self._act(MergeSerializer, call)

    @extend_schema(
        request=AddToCampaignSerializer, responses={200: CaseDetailSerializer}, summary=_("纳入专项整治")
    )
    @action(detail=True, methods=["post"])
    def campaign(self, request, pk=None):
        def call(case: Case, values: dict[str, Any], kw: dict[str, Any]) -> None:
            campaign = (
                Campaign.objects.visible_to(request.user)
                .select_related("area")
                .filter(pk=values["campaign"])
                .first()
            )
            if campaign is None:
                raise DomainError(_("专项整治不存在或不在您的管辖范围内。"), field="campaign")
            services.add_to_campaign(case, campaign=campaign, by=request.user)

        return self._act(AddToCampaignSerializer, call)

    # --- reads beside the case ----------------------------------------------------------------

    @extend_schema(responses={200: DuplicateSerializer(many=True)}, summary=_("可能重复的事件"))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def duplicates(self, request, pk=None):
        """Open cases of the same category nearby that the caller can see, nearest first."""
        return Response(DuplicateSerializer(self._duplicates(self.get_object()), many=True).data)

    @extend_schema(
        parameters=[KpiQuerySerializer], responses={200: KpiReportSerializer}, summary=_("考核指标")
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def kpis(self, request):
        """The KPIs of an area (optionally one handling unit or grid member) for a period."""
        query = KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        area = Area.objects.filter(code=values["under"]).first()
        if area is None or not can(request.user, "cases.view_kpis", area):
            raise Http404
        unit = member = None
        if values.get("unit") is not None:
            unit = HandlingUnit.objects.visible_to(request.user).filter(pk=values["unit"]).first()
            if unit is None:
                raise Http404
        if values.get("member"):
            member = get_user_model().objects.filter(username=values["member"]).first()
            if member is None:
                raise Http404
        kpis = compute_kpis(area=area, start=values["from"], end=values["to"], unit=unit, member=member)
        return Response(
            {
                "area": area.code,
                "from": values["from"],
                "to": values["to"],
                "unit": unit.pk if unit else None,
                "member": member.username if member else None,
                "kpis": {
                    k.name: {
                        "label": str(k.label),
                        "value": k.value,
                        "numerator": k.numerator,
                        "denominator": k.denominator,
                        "formula": str(k.formula),
                    }
                    for k in kpis
                },
            }
        )


# ---------------------------------------------------------------------------------------------
# Campaigns

_NOT_FINAL = [*OPEN_STATUSES, CaseStatus.DEFERRED]


class FeedQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="只要此时间之后的动态（轮询）")
    before = serializers.DateTimeField(required=False, help_text="只要此时间之前的动态（翻看更早）")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)


class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Special clean-ups (专项整治) in the caller's jurisdiction, with a live feed of progress."""

    serializer_class = CampaignSerializer
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    action_permissions = {
        "list": "cases.view_campaign",
        "retrieve": "cases.view_campaign",
        "feed": "cases.view_campaign",
        "posts": "cases.view_campaign",
        "create": "cases.add_campaign",
    }

    def get_queryset(self):
        return (
            Campaign.objects.visible_to(self.request.user)
            .select_related("area", "created_by")
            .annotate(
                case_count=Count("cases"),
                open_case_count=Count("cases", filter=Q(cases__status__in=_NOT_FINAL)),
            )
            .order_by("-start_date", "name", "pk")
        )

    def get_serializer_class(self):
        return CampaignDetailSerializer if self.action == "retrieve" else CampaignSerializer

    def _with_counts(self, campaign: Campaign) -> Campaign:
        counts = dict(
            Case.objects.filter(campaign=campaign).order_by().values_list("status").annotate(n=Count("pk"))
        )
        campaign.case_counts = {value: counts.get(value, 0) for value in CaseStatus.values}
        return campaign

    def retrieve(self, request, *args, **kwargs):
        campaign = self._with_counts(self.get_object())
        return Response(CampaignDetailSerializer(campaign, context=self.get_serializer_context()).data)

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignDetailSerializer})
    def create(self, request, *args, **kwargs):
        body = CampaignWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        area = _area_in_jurisdiction(request.user, values.pop("area"), "cases.add_campaign", "area")
        campaign = services.create_campaign(area=area, by=request.user, **values)
        campaign = self._with_counts(self.get_queryset().get(pk=campaign.pk))
        return Response(
            CampaignDetailSerializer(campaign, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[FeedQuerySerializer], responses={200: CampaignFeedSerializer}, summary=_("整治动态")
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def feed(self, request, pk=None):
        """Posts and the events of the campaign's cases, newest first. Poll with ``since`` (the
        previous answer's ``latest``); page back with ``before`` (its ``oldest``)."""
        campaign = self.get_object()
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, before, limit = (query.validated_data.get(k) for k in ("since", "before", "limit"))
        posts = CampaignPost.objects.filter(campaign=campaign).select_related("author")
        events = (
            CaseEvent.objects.filter(case__campaign=campaign, case__in=Case.objects.visible_to(request.user))
            .select_related("case__category")
            .prefetch_related("photos")
        )
        if since:
            posts, events = posts.filter(created_at__gt=since), events.filter(created_at__gt=since)
        if before:
            posts, events = posts.filter(created_at__lt=before), events.filter(created_at__lt=before)
        items = [feed_post(p, request) for p in posts.order_by("-created_at", "-pk")[:limit]]
        items += [feed_event(e, request) for e in events.order_by("-created_at", "-pk")[:limit]]
        items.sort(key=lambda item: item["created_at"], reverse=True)
        items = items[:limit]
        feed = {
            "results": items,
            "latest": items[0]["created_at"] if items else since,
            "oldest": items[-1]["created_at"] if items else None,
        }
        return Response(CampaignFeedSerializer(feed).data)

    @extend_schema(
        request={
            "multipart/form-data": CampaignPostWriteSerializer,
            "application/json": CampaignPostWriteSerializer,
        },
        responses={201: FeedItemSerializer},
        summary=_("发布整治动态"),
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def posts(self, request, pk=None):
        campaign = self.get_object()
        body = CampaignPostWriteSerializer(data=request_fields(request))
        body.is_valid(raise_exception=True)
        photos = request_photos(request, "photo")
        if len(photos) > 1:
            raise DomainError(_("每条动态只能附一张照片。"), field="photo")
        post = services.post_campaign_update(
            campaign, by=request.user, text=body.validated_data["text"], photo=photos[0] if photos else None
        )
        return Response(FeedItemSerializer(feed_post(post, request)).data, status=status.HTTP_201_CREATED)
