"""``/api/v1/`` for volunteers: the register, activities with sign-up and QR check-in/out,
service records and their approval, micro-wishes (and the public wish wall), certificates
(and their public verification), and community correction for the justice role.

Views stay thin: rows come from ``visible_to(request.user)`` (outside the caller's sight a
row answers 404, like one that does not exist), bodies are validated by serializers, and every
change is a call to ``gongzhi.volunteers.services``, whose domain errors (Forbidden, Conflict,
InvalidTransition, QrRefused …) the API exception handler turns into JSON.

Privacy: no response here carries a person's tags. Community correction appears only under
``/corrections/``, which answers 403 to everyone without ``people.view_correction_tag`` before
looking anything up (so nobody learns whether a person is there), and every correction row it
shows is logged with ``services.log_correction_views``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import segno
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.fields import CharField
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from gongzhi.areas.models import Area
from gongzhi.core.concurrency import ConditionalUpdateMixin
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.http import client_ip
from gongzhi.core.idempotency import idempotent
from gongzhi.core.permissions import RolePermission
from gongzhi.core.scoping import can, jurisdiction_paths
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.organizations.models import Alliance, Organization
from gongzhi.people.api import reveal_phone_response, reveal_phone_schema
from gongzhi.people.models import Person
from gongzhi.volunteers import queries, services
from gongzhi.volunteers.choices import LIVE_SIGNUP_STATUSES, WishStatus
from gongzhi.volunteers.filters import (
    ActivityFilter,
    ServiceRecordFilter,
    VolunteerFilter,
    WallFilter,
    WishFilter,
)
from gongzhi.volunteers.models import (
    Activity,
    Affiliation,
    Certificate,
    CorrectionAssignment,
    ServiceRecord,
    Signup,
    SupervisionEvent,
    Volunteer,
    Wish,
    WishEvent,
)
from gongzhi.volunteers.serializers import (
    ActivitySerializer,
    ActivityWriteSerializer,
    AdjustSerializer,
    ApproveSerializer,
    CancelBodySerializer,
    CertificateSerializer,
    CertificateVerificationSerializer,
    CertificateWriteSerializer,
    ClaimSerializer,
    CorrectionFiguresSerializer,
    CorrectionSerializer,
    CorrectionWriteSerializer,
    EndCorrectionSerializer,
    FiguresQuerySerializer,
    FulfilSerializer,
    ManualRecordSerializer,
    MyVolunteerSerializer,
    QrQuerySerializer,
    QrSerializer,
    RosterBodySerializer,
    RosterEntrySerializer,
    ServiceRecordSerializer,
    SignupBodySerializer,
    SignupSerializer,
    StatsQuerySerializer,
    SupervisionEventWriteSerializer,
    TokenSerializer,
    VolunteerPatchSerializer,
    VolunteerReasonSerializer,
    VolunteerSerializer,
    VolunteerStatsSerializer,
    VolunteerWriteSerializer,
    WallWishSerializer,
    WishDetailSerializer,
    WishNoteSerializer,
    WishSerializer,
    WishWriteSerializer,
    thresholds_by_district,
)

CORRECTION_TAG = "people.view_correction_tag"
_MULTIPART_OR_JSON = [JSONParser, MultiPartParser, FormParser]
_PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("PDF 文件"))}


class VolunteerPermission(RolePermission):
    """``RolePermission`` where an action may name several permissions: any one suffices.

    Most volunteer actions are open to any signed-in user (``own_record_actions``): what they
    may touch is decided by ``visible_to`` (404 outside) and by the service (403 for a role
    that may not act, e.g. a volunteer approving hours)."""

    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if isinstance(needed, tuple):
            user = request.user
            return bool(user and user.is_authenticated and any(user.has_perm(p) for p in needed))
        return super().has_permission(request, view)


# ---------------------------------------------------------------------------------------------
# Lookups shared by the views: each turns an id from a body into a row the caller may see,
# or a 400 naming the field (never saying whether the row exists elsewhere).


def own_volunteer(user: Any) -> Volunteer:
    volunteer = services.volunteer_for(user)
    if volunteer is None:
        raise DomainError(_("您还不是注册志愿者，请先注册后再进行此项操作。"), field="volunteer")
    return volunteer


def volunteer_by_id(user: Any, pk: int, field: str = "volunteer") -> Volunteer:
    volunteer = Volunteer.objects.visible_to(user).select_related("person__area").filter(pk=pk).first()
    if volunteer is None:
        raise DomainError(_("志愿者 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field=field)
    return volunteer


def organization_by_id(
    user: Any, pk: int, field: str = "organization", perm: str | None = None
) -> Organization:
    org = Organization.objects.visible_to(user, perm).select_related("area").filter(pk=pk).first()
    if org is None:
        raise DomainError(_("组织 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field=field)
    return org


def person_by_id(user: Any, pk: int, field: str = "person") -> Person:
    person = Person.objects.visible_to(user).select_related("area", "home_grid").filter(pk=pk).first()
    if person is None:
        raise DomainError(_("人员 %(id)s 不存在或不在您的管辖范围内。") % {"id": pk}, field=field)
    return person


def is_organizer(user: Any, activity: Activity) -> bool:
    """The organizer's leaders, or staff who manage activities in the activity's area."""
    if can(user, "volunteers.change_activity", activity.area):
        return True
    return services.led_organizations(user).filter(pk=activity.organizer_id).exists()


def require_organizer(user: Any, activity: Activity) -> None:
    if not is_organizer(user, activity):
        raise Forbidden(_("只有活动的组织方可以查看或进行此项操作。"))


def request_fields(request: Request) -> dict[str, Any]:
    """The body's plain fields (multipart: the last value of each key; files left out)."""
    data = request.data
    if hasattr(data, "getlist"):
        return {key: data.get(key) for key in data if key not in request.FILES}
    return dict(data) if isinstance(data, dict) else {}


# ---------------------------------------------------------------------------------------------
# Volunteers


def decorated_volunteers(rows: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Volunteers with their approved hours, person, area and current organizations: a page
    in a fixed number of queries."""
    current = Prefetch(
        "affiliations",
        queryset=Affiliation.objects.filter(left_on__isnull=True)
        .select_related("organization")
        .order_by("joined_on", "pk"),
        to_attr="current_affiliations",
    )
    return queries.with_hours(rows).select_related("person__area").prefetch_related(current)


class VolunteerViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Registered volunteers the caller may see: staff in their jurisdiction, organization
    leaders their organizations' volunteers, a volunteer themself. No tags, ever."""

    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilter
    permission_classes = [VolunteerPermission]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    own_record_actions = {"list", "retrieve", "create", "partial_update", "me", "stats"}
    action_permissions: dict[str, Any] = {}

    def get_queryset(self):
        return decorated_volunteers(Volunteer.objects.visible_to(self.request.user)).order_by("number", "pk")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "policies": thresholds_by_district()}

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        # Shown even if the caller could not list it (their own action just made or changed it).
        volunteer = decorated_volunteers(Volunteer.objects.filter(pk=pk)).get()
        return Response(self.get_serializer(volunteer).data, status=code)

    @extend_schema(
        request=VolunteerWriteSerializer,
        responses={201: VolunteerSerializer},
        summary=_("注册志愿者"),
        description=_(
            "本人注册（person 为自己的人员 ID），或辖区工作人员、所填组织的负责人为他人登记。"
            "organizations 为服务的组织 ID 列表。已是志愿者 → 409。"
        ),
    )
    def create(self, request, *args, **kwargs):
        body = VolunteerWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        person = person_by_id(request.user, values["person"])
        wanted = list(dict.fromkeys(values["organizations"]))
        # Joining an organization is open to anyone: any live (filed or registered) one will do.
        organizations = list(Organization.objects.filter(pk__in=wanted, status__in=LIVE_STATUSES))
        missing = sorted(set(wanted) - {o.pk for o in organizations})
        if missing:
            raise DomainError(
                _("组织 %(ids)s 不存在或不是活跃组织。") % {"ids": _("、").join(str(m) for m in missing)},
                field="organizations",
            )
        volunteer = services.register_volunteer(
            person,
            by=request.user,
            skills=values["skills"],
            availability=values["availability"],
            organizations=organizations,
        )
        return self._detail(volunteer.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=VolunteerPatchSerializer,
        responses={200: VolunteerSerializer},
        summary=_("修改技能特长和可服务时间"),
    )
    def partial_update(self, request, *args, **kwargs):
        volunteer = self.get_object()
        body = VolunteerPatchSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.update_volunteer(volunteer, by=request.user, **body.validated_data)
        return self._detail(volunteer.pk)

    @extend_schema(responses={200: MyVolunteerSerializer}, summary=_("我的志愿者信息和时长"))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def me(self, request):
        """The caller's own volunteer record with their figures (hours, records, pending
        records, star level, hours for the next star); 404 for someone not registered."""
        volunteer = decorated_volunteers(Volunteer.objects.filter(person__user_id=request.user.pk)).first()
        if volunteer is None:
            raise NotFound(_("您还不是注册志愿者：请先通过 POST /api/v1/volunteers/ 注册。"))
        return Response(MyVolunteerSerializer(volunteer, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[StatsQuerySerializer],
        responses={200: VolunteerStatsSerializer},
        summary=_("志愿服务统计"),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def stats(self, request):
        """Volunteers (and party members and activists among them), activities, approved
        service records and hours in an area the caller may see (default: their top area).
        Community-correction volunteers count as volunteers like anyone: nothing here tells
        them apart."""
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        visible = Area.objects.visible_to(request.user)
        if values.get("under"):
            area = visible.filter(code=values["under"]).first()
        else:
            roots = jurisdiction_paths(request.user, "areas.view_area")
            area = visible.filter(path=roots[0]).first() if roots else None
        if area is None:
            raise Http404
        figures = queries.volunteer_stats(area, since=values.get("since"), until=values.get("until"))
        data = {"area": area.code, "area_name": area.name, **asdict(figures)}
        return Response(VolunteerStatsSerializer(data).data)


# ---------------------------------------------------------------------------------------------
# Activities


class ActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Volunteer activities the caller may see, with sign-up, QR check-in and check-out, the
    organizer's roster and QR display, and cancellation."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    permission_classes = [VolunteerPermission]
    lookup_value_regex = r"\d+"
    own_record_actions = {
        "list",
        "retrieve",
        "create",  # organizers only: checked in the view and by the service
        "signup",
        "cancel",
        "check_in",
        "check_out",
        "roster",
        "cancel_activity",
        "qr",
        "signups",
    }
    action_permissions: dict[str, Any] = {}

    def get_queryset(self):
        user = self.request.user
        rows = Activity.objects.visible_to(user)
        if user.is_authenticated:
            mine: Any = Subquery(
                Signup.objects.filter(activity=OuterRef("pk"), volunteer__person__user_id=user.pk)
                .order_by("-created_at", "-pk")
                .values("status")[:1]
            )
        else:  # the schema generator's anonymous request
            mine = Value(None, output_field=CharField())
        return (
            queries.with_signup_counts(rows)
            .select_related("organizer", "area")
            .annotate(my_signup=mine)
            .order_by("-starts_at", "pk")
        )

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        user = self.request.user
        mine = (
            Signup.objects.filter(activity=OuterRef("pk"), volunteer__person__user_id=user.pk)
            .order_by("-created_at", "-pk")
            .values("status")[:1]
        )
        activity = (
            queries.with_signup_counts(Activity.objects.filter(pk=pk))
            .select_related("organizer", "area")
            .annotate(my_signup=Subquery(mine))
            .get()
        )
        return Response(ActivitySerializer(activity).data, status=code)

    @extend_schema(
        request=ActivityWriteSerializer, responses={201: ActivitySerializer}, summary=_("发布活动")
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        if not (user.has_perm("volunteers.add_activity") or services.led_organizations(user).exists()):
            raise Forbidden(_("只有组织负责人或辖区工作人员可以发布活动。"))
        body = ActivityWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        organizer = organization_by_id(user, values.pop("organizer"), "organizer")
        code = values.pop("area")
        area = Area.objects.visible_to(user).filter(code=code).first()
        if area is None:
            raise DomainError(
                _("区域“%(code)s”不存在或不在您的管辖范围内，请检查编码。") % {"code": code}, field="area"
            )
        alliance_id = values.pop("alliance", None)
        alliance = None
        if alliance_id:
            alliance = Alliance.objects.filter(pk=alliance_id, memberships__organization=organizer).first()
            if alliance is None:
                raise DomainError(
                    _("联盟 %(id)s 不存在，或“%(o)s”不是它的成员单位。")
                    % {"id": alliance_id, "o": organizer.name},
                    field="alliance",
                )
        project_id = values.pop("project", None)
        project = None
        if project_id:
            from gongzhi.projects.choices import ClaimStatus
            from gongzhi.projects.models import Project

            project = Project.objects.filter(
                pk=project_id, claims__organization=organizer, claims__status=ClaimStatus.UNDERTAKING
            ).first()
            if project is None:
                raise DomainError(
                    _("项目 %(id)s 不存在，或“%(o)s”没有承接它。") % {"id": project_id, "o": organizer.name},
                    field="project",
                )
        activity = services.create_activity(
            by=user, organizer=organizer, area=area, alliance=alliance, project=project, **values
        )
        return self._detail(activity.pk, code=status.HTTP_201_CREATED)

    # --- sign-up ------------------------------------------------------------------------------

    @extend_schema(
        request=SignupBodySerializer,
        responses={201: SignupSerializer},
        summary=_("报名"),
        description=_(
            "名额未满为 confirmed，已满为 waitlisted（有人取消时按报名先后自动转正）。"
            "不在报名时间内或活动已取消 → 409；已报名 → 409。"
        ),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def signup(self, request, pk=None):
        activity = self.get_object()
        body = SignupBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chosen = body.validated_data.get("volunteer")
        volunteer = volunteer_by_id(request.user, chosen) if chosen else own_volunteer(request.user)
        signup = services.sign_up(activity, volunteer, by=request.user)
        return Response(SignupSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CancelBodySerializer,
        responses={200: SignupSerializer},
        summary=_("取消报名"),
        description=_("活动开始前的截止时间之后不能取消（组织方除外）→ 409。"),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        body = CancelBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chosen = body.validated_data.get("signup")
        rows = Signup.objects.filter(activity=activity).select_related("volunteer__person", "activity__area")
        if chosen:
            signup = rows.filter(
                pk__in=Signup.objects.visible_to(request.user).values("pk"), pk=chosen
            ).first()
            if signup is None:
                raise DomainError(_("报名 %(id)s 不存在或不属于本活动。") % {"id": chosen}, field="signup")
        else:
            volunteer = own_volunteer(request.user)
            signup = rows.filter(volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES).first()
            if signup is None:
                raise DomainError(_("您没有报名本活动。"), field="signup")
        signup = services.cancel_signup(signup, by=request.user)
        return Response(SignupSerializer(signup).data)

    # --- check-in and check-out ---------------------------------------------------------------

    @extend_schema(
        request=TokenSerializer,
        responses={200: SignupSerializer},
        summary=_("扫码签到"),
        description=_("二维码过期、已使用、伪造或不是本活动的 → 409 error.code = qr_refused。"),
    )
    @action(detail=True, methods=["post"], url_path="check-in", url_name="check-in", filter_backends=[])
    @idempotent
    def check_in(self, request, pk=None):
        activity = self.get_object()
        body = TokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signup = services.check_in(
            activity, own_volunteer(request.user), token=body.validated_data["token"], by=request.user
        )
        return Response(SignupSerializer(signup).data)

    @extend_schema(
        request=TokenSerializer,
        responses={201: ServiceRecordSerializer},
        summary=_("扫码签退"),
        description=_("签退后生成待审核的服务记录。二维码无效 → 409 error.code = qr_refused。"),
    )
    @action(detail=True, methods=["post"], url_path="check-out", url_name="check-out", filter_backends=[])
    @idempotent
    def check_out(self, request, pk=None):
        activity = self.get_object()
        body = TokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.check_out(
            activity, own_volunteer(request.user), token=body.validated_data["token"], by=request.user
        )
        return Response(record_detail(record.pk), status=status.HTTP_201_CREATED)

    # --- the organizer's side -----------------------------------------------------------------

    @extend_schema(
        request=RosterBodySerializer,
        responses={201: ServiceRecordSerializer},
        summary=_("现场名单登记（无手机的志愿者）"),
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def roster(self, request, pk=None):
        activity = self.get_object()
        require_organizer(request.user, activity)
        body = RosterBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        record = services.roster_attendance(
            activity,
            volunteer_by_id(request.user, values["volunteer"]),
            by=request.user,
            checked_in_at=values["checked_in_at"],
            checked_out_at=values["checked_out_at"],
        )
        return Response(record_detail(record.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VolunteerReasonSerializer, responses={200: ActivitySerializer}, summary=_("取消活动")
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="cancel-activity",
        url_name="cancel-activity",
        filter_backends=[],
    )
    def cancel_activity(self, request, pk=None):
        activity = self.get_object()
        body = VolunteerReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.cancel_activity(activity, by=request.user, reason=body.validated_data["reason"])
        return self._detail(activity.pk)

    @extend_schema(
        parameters=[QrQuerySerializer],
        responses={200: QrSerializer},
        summary=_("签到/签退二维码（组织方）"),
        description=_("令牌在 expires_in 秒后过期，现场屏幕应在此之前重新获取。非组织方 → 403。"),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def qr(self, request, pk=None):
        activity = self.get_object()
        require_organizer(request.user, activity)
        query = QrQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        purpose = query.validated_data["purpose"]
        token = services.make_qr_token(activity, purpose)
        svg = segno.make(token, error="m").svg_inline(scale=4, border=2)
        return Response(
            QrSerializer(
                {"purpose": purpose, "token": token, "expires_in": services.qr_ttl(), "svg": svg}
            ).data
        )

    @extend_schema(responses={200: RosterEntrySerializer(many=True)}, summary=_("报名名单（组织方）"))
    @action(detail=True, methods=["get"], filter_backends=[])
    def signups(self, request, pk=None):
        """Every sign-up of the activity in sign-up order, with check-in and check-out times
        (organizers only: 403 otherwise)."""
        activity = self.get_object()
        require_organizer(request.user, activity)
        rows = (
            Signup.objects.filter(activity=activity)
            .select_related("volunteer__person")
            .order_by("created_at", "pk")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RosterEntrySerializer(page, many=True).data)


# ---------------------------------------------------------------------------------------------
# Service records


def record_rows(rows: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    return rows.select_related("volunteer__person", "organization", "activity", "area", "decided_by")


def record_detail(pk: int) -> dict[str, Any]:
    return ServiceRecordSerializer(record_rows(ServiceRecord.objects.filter(pk=pk)).get()).data


class ServiceRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Volunteer service records (志愿服务记录) the caller may see: staff in their
    jurisdiction, organizers their organizations' records, a volunteer their own. Approved
    records never change; a correction is a new adjusting record."""

    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter
    permission_classes = [VolunteerPermission]
    lookup_value_regex = r"\d+"
    # Approvers are staff with volunteers.approve_servicerecord or the organization's leaders;
    # the service refuses (403) anyone else.
    own_record_actions = {"list", "retrieve", "create", "approve", "adjust", "decline"}
    action_permissions: dict[str, Any] = {}

    def get_queryset(self):
        return record_rows(ServiceRecord.objects.visible_to(self.request.user)).order_by("-served_on", "-pk")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        request=ManualRecordSerializer,
        responses={201: ServiceRecordSerializer},
        summary=_("手工补录服务记录"),
        description=_("活动以外的服务，由组织方补录并说明原因；与同一人其他记录时间重叠 → 409。"),
    )
    def create(self, request, *args, **kwargs):
        body = ManualRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        volunteer = volunteer_by_id(request.user, values.pop("volunteer"))
        organization = organization_by_id(request.user, values.pop("organization"))
        record = services.add_manual_record(volunteer, by=request.user, organization=organization, **values)
        return Response(record_detail(record.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ApproveSerializer,
        responses={200: ServiceRecordSerializer},
        summary=_("认定时长"),
        description=_("可改定时长（须说明原因，不超过签到签退计算的时长）。已认定或未认定的记录 → 409。"),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        record = self.get_object()
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.approve_record(record, by=request.user, hours=values.get("hours"), reason=values["reason"])
        return Response(record_detail(record.pk))

    @extend_schema(
        request=AdjustSerializer,
        responses={201: ServiceRecordSerializer},
        summary=_("调整已认定的记录"),
        description=_("原记录不变，新增一条调整记录（时长可为负数，须说明原因）。"),
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        record = self.get_object()
        body = AdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        adjustment = services.adjust_record(
            record, by=request.user, hours=values["hours"], reason=values["reason"]
        )
        return Response(record_detail(adjustment.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VolunteerReasonSerializer, responses={200: ServiceRecordSerializer}, summary=_("不予认定")
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        record = self.get_object()
        body = VolunteerReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.decline_record(record, by=request.user, reason=body.validated_data["reason"])
        return Response(record_detail(record.pk))


# ---------------------------------------------------------------------------------------------
# Micro-wishes


class WishViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Micro-wishes (微心愿) the caller may see, with their life cycle: posted → claimed →
    fulfilled → confirmed, or withdrawn. The beneficiary is named only to callers who may see
    that person. ``wall/`` is the public wall: no beneficiary fields at all."""

    serializer_class = WishSerializer
    filterset_class = WishFilter
    permission_classes = [VolunteerPermission]
    parser_classes = _MULTIPART_OR_JSON
    lookup_value_regex = r"\d+"
    # Anyone signed in may claim a wish on the wall; the claimer reports it fulfilled.
    own_record_actions = {"list", "retrieve", "claim", "fulfil"}
    action_permissions = {
        "create": "volunteers.add_wish",
        "confirm": "volunteers.confirm_wish",
        "withdraw": "volunteers.add_wish",
        "reveal_claimer_phone": "people.view_full_phone",
    }

    def get_queryset(self):
        rows: QuerySet[Wish] = Wish.objects.visible_to(self.request.user)
        if self.action == "claim":
            # A wish on the public wall may be claimed by anyone signed in.
            rows = Wish.objects.filter(Q(pk__in=rows.values("pk")) | Q(status=WishStatus.POSTED))
        rows = rows.select_related("area", "beneficiary").prefetch_related("photos")
        if self.action != "list":
            rows = rows.prefetch_related(
                Prefetch("events", queryset=WishEvent.objects.order_by("created_at", "pk"))
            )
        return rows.order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return WishSerializer if self.action == "list" else WishDetailSerializer

    def _render(self, wishes: list[Wish], *, many: bool) -> Any:
        user = self.request.user
        people = {w.beneficiary_id for w in wishes}
        visible_people = set(
            Person.objects.visible_to(user).filter(pk__in=people).values_list("pk", flat=True)
        )
        phone_visible = {
            w.pk for w in wishes if w.claimed_by_id == user.pk or can(user, "volunteers.add_wish", w.area)
        }
        context = {
            **self.get_serializer_context(),
            "visible_people": visible_people,
            "phone_visible": phone_visible,
        }
        serializer_class = WishSerializer if many else WishDetailSerializer
        return serializer_class(wishes if many else wishes[0], many=many, context=context).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._render(list(page), many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._render([self.get_object()], many=False))

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        wish = (
            Wish.objects.filter(pk=pk)
            .select_related("area", "beneficiary")
            .prefetch_related(
                "photos", Prefetch("events", queryset=WishEvent.objects.order_by("created_at", "pk"))
            )
            .get()
        )
        return Response(self._render([wish], many=False), status=code)

    @extend_schema(
        request=WishWriteSerializer, responses={201: WishDetailSerializer}, summary=_("发布微心愿")
    )
    def create(self, request, *args, **kwargs):
        body = WishWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        beneficiary = person_by_id(request.user, values.pop("beneficiary"), "beneficiary")
        wish = services.post_wish(by=request.user, beneficiary=beneficiary, **values)
        return self._detail(wish.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ClaimSerializer,
        responses={200: WishDetailSerializer},
        summary=_("认领心愿"),
        description=_("以志愿者、爱心人士或组织（须为负责人）的名义认领；已被认领 → 409。"),
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        wish = self.get_object()
        body = ClaimSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        organization = (
            organization_by_id(request.user, values["organization"]) if values.get("organization") else None
        )
        services.claim_wish(
            wish,
            by=request.user,
            claimer_kind=values["claimer_kind"],
            claimer_name=values["claimer_name"],
            organization=organization,
            phone=values["phone"],
        )
        return self._detail(wish.pk)

    @extend_schema(
        request={"multipart/form-data": FulfilSerializer, "application/json": FulfilSerializer},
        responses={200: WishDetailSerializer},
        summary=_("提交完成情况（认领人）"),
        description=_("multipart/form-data：proof（说明）和 photos（可多张照片）。"),
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        wish = self.get_object()
        fields = request_fields(request)
        fields.pop("photos", None)
        body = FulfilSerializer(data=fields)
        body.is_valid(raise_exception=True)
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        services.fulfil_wish(wish, by=request.user, proof=body.validated_data["proof"], photos=photos)
        return self._detail(wish.pk)

    @extend_schema(request=WishNoteSerializer, responses={200: WishDetailSerializer}, summary=_("确认完成"))
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        wish = self.get_object()
        body = WishNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.confirm_wish(wish, by=request.user, note=body.validated_data["note"])
        return self._detail(wish.pk)

    @reveal_phone_schema
    @action(detail=True, methods=["post"], url_path="reveal-claimer-phone")
    def reveal_claimer_phone(self, request, pk=None):
        """The claimer's full phone, for a role with people.view_full_phone over the wish's
        community, who gives a reason; logged and audited (people.services.reveal_phone)."""
        return reveal_phone_response(request, self.get_object())

    @extend_schema(
        request=VolunteerReasonSerializer, responses={200: WishDetailSerializer}, summary=_("撤回心愿")
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        wish = self.get_object()
        body = VolunteerReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.withdraw_wish(wish, by=request.user, reason=body.validated_data["reason"])
        return self._detail(wish.pk)

    @extend_schema(
        responses={200: WallWishSerializer(many=True)},
        summary=_("心愿墙（公开）"),
        description=_("待认领的心愿：类别、心愿、描述、社区和预估价值，不含任何心愿人信息。无需登录。"),
    )
    @action(
        detail=False,
        methods=["get"],
        url_name="public-wall",
        permission_classes=[AllowAny],
        filterset_class=WallFilter,
    )
    def wall(self, request):
        rows = (
            Wish.objects.filter(status=WishStatus.POSTED, expires_on__gte=timezone.localdate())
            .select_related("area")
            .order_by("-created_at", "-pk")
        )
        page = self.paginate_queryset(self.filter_queryset(rows))
        return self.get_paginated_response(WallWishSerializer(page, many=True).data)


# ---------------------------------------------------------------------------------------------
# Certificates


class CertificateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Volunteer service certificates (志愿服务证明): issue one (for yourself by default),
    download the PDF (the volunteer or staff over their area), and the public verification."""

    serializer_class = CertificateSerializer
    permission_classes = [VolunteerPermission]
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    filterset_fields = ["volunteer"]
    own_record_actions = {"list", "create", "pdf"}
    action_permissions: dict[str, Any] = {}

    def get_queryset(self):
        user = self.request.user
        rows = Certificate.objects.select_related("volunteer__person").order_by("-issued_at", "-pk")
        if not user.is_authenticated:
            return rows.none()
        if user.is_superuser:
            return rows
        # The volunteer's own, and those of volunteers in the caller's jurisdiction.
        condition = Q(volunteer__person__user_id=user.pk)
        for path in jurisdiction_paths(user, "volunteers.view_volunteer"):
            condition |= Q(volunteer__person__area__path__prefix=path)
        return rows.filter(condition)

    def get_object(self) -> Certificate:
        certificate = self.get_queryset().filter(number=self.kwargs["number"].strip().upper()).first()
        if certificate is None:
            raise Http404
        return certificate

    @extend_schema(
        request=CertificateWriteSerializer,
        responses={201: CertificateSerializer},
        summary=_("开具志愿服务证明"),
        description=_("默认为本人开具；辖区工作人员可为志愿者开具。还没有已认定时长 → 400。"),
    )
    def create(self, request, *args, **kwargs):
        body = CertificateWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chosen = body.validated_data.get("volunteer")
        volunteer = volunteer_by_id(request.user, chosen) if chosen else own_volunteer(request.user)
        certificate = services.issue_certificate(volunteer, by=request.user)
        certificate = Certificate.objects.select_related("volunteer__person").get(pk=certificate.pk)
        return Response(CertificateSerializer(certificate).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=_PDF_RESPONSE, summary=_("下载证明（PDF）"))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def pdf(self, request, number=None):
        from gongzhi.volunteers.certificates import certificate_pdf

        certificate = self.get_object()
        content = certificate_pdf(certificate, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
        return response

    @extend_schema(
        responses={200: CertificateVerificationSerializer},
        summary=_("核验证明编号（公开）"),
        description=_("无需登录。编号不存在 → 404。姓名脱敏为首字加 *。"),
    )
    @action(
        detail=True,
        methods=["get"],
        url_name="verification",
        permission_classes=[AllowAny],
        pagination_class=None,
        filter_backends=[],
    )
    def verify(self, request, number=None):
        from gongzhi.volunteers.certificates import masked_name

        certificate = services.verify_certificate(number or "")
        if certificate is None:
            raise NotFound(
                _("没有编号为“%(n)s”的志愿服务证明，请核对证明上的编号后重试。")
                % {"n": (number or "").upper()}
            )
        data = {
            "number": certificate.number,
            "valid": True,
            "name": masked_name(certificate.volunteer.person.name),
            "hours": certificate.hours,
            "records": certificate.records,
            "star_level": certificate.star_level,
            "issued_at": certificate.issued_at,
        }
        return Response(CertificateVerificationSerializer(data).data)


# ---------------------------------------------------------------------------------------------
# Community correction (the justice role only)


class CorrectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Community-correction persons serving as volunteers (社区矫正), for the justice role
    alone: their participation, supervision events, and the office's figures. Everyone else
    gets 403 for every address here, whatever the id, so nothing about a person is revealed;
    every row shown is logged as a sensitive access."""

    serializer_class = CorrectionSerializer
    permission_classes = [VolunteerPermission]
    lookup_value_regex = r"\d+"
    action_permissions = {
        "list": CORRECTION_TAG,
        "retrieve": CORRECTION_TAG,
        "create": "volunteers.add_correctionassignment",
        "events": "volunteers.add_supervisionevent",
        "end": "volunteers.change_correctionassignment",
        "figures": CORRECTION_TAG,
    }

    def get_queryset(self):
        return (
            CorrectionAssignment.objects.visible_to(self.request.user)
            .select_related("person", "organization")
            .prefetch_related(
                Prefetch("events", queryset=SupervisionEvent.objects.order_by("-occurred_on", "-pk"))
            )
            .order_by("-starts_on", "-pk")
        )

    def _logged(self, assignments: list[CorrectionAssignment]) -> list[CorrectionAssignment]:
        services.log_correction_views(self.request.user, assignments, ip=client_ip(self.request))
        return assignments

    def list(self, request, *args, **kwargs):
        page = self._logged(list(self.paginate_queryset(self.get_queryset())))
        context = {**self.get_serializer_context(), "participation": queries.participation_many(page)}
        return self.get_paginated_response(CorrectionSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        (assignment,) = self._logged([self.get_object()])
        return Response(CorrectionSerializer(assignment).data)

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        (assignment,) = self._logged([self.get_queryset().get(pk=pk)])
        return Response(CorrectionSerializer(assignment).data, status=code)

    @extend_schema(
        request=CorrectionWriteSerializer,
        responses={201: CorrectionSerializer},
        summary=_("登记矫正对象志愿服务"),
    )
    def create(self, request, *args, **kwargs):
        body = CorrectionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        person = person_by_id(request.user, values.pop("person"))
        organization = organization_by_id(request.user, values.pop("organization"), perm=CORRECTION_TAG)
        assignment = services.assign_correction(person, by=request.user, organization=organization, **values)
        return self._detail(assignment.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=SupervisionEventWriteSerializer,
        responses={201: CorrectionSerializer},
        summary=_("记录监管事件（脱管、再犯罪）"),
    )
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        assignment = self.get_object()
        body = SupervisionEventWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.record_supervision_event(assignment, by=request.user, **body.validated_data)
        return self._detail(assignment.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=EndCorrectionSerializer, responses={200: CorrectionSerializer}, summary=_("矫正结束")
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        body = EndCorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.end_correction(assignment, by=request.user, ends_on=body.validated_data["ends_on"])
        return self._detail(assignment.pk)

    @extend_schema(
        parameters=[FiguresQuerySerializer],
        responses={200: CorrectionFiguresSerializer},
        summary=_("服务人数、脱管率和再犯罪率"),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def figures(self, request):
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        rows = CorrectionAssignment.objects.visible_to(request.user)
        if values.get("under"):
            area = Area.objects.filter(code=values["under"]).first()
            if area is None or not can(request.user, CORRECTION_TAG, area):
                raise Http404
            rows = rows.filter(person__area__path__prefix=area.path)
        figures = queries.correction_figures(rows, since=values.get("since"))
        return Response(CorrectionFiguresSerializer(asdict(figures)).data)
