"""The case API's boundary: how cases, their timeline and photos look to each caller.

Statuses, levels and actions are plain strings next to a ``*_display`` label (the enum values
are listed in each field's help text), and the reporter's contact details are masked unless
the caller reported the case or may dispatch it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, router
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from gongzhi.cases.choices import OPEN_STATUSES, CaseSource, Satisfaction, UnitKind, Warning
from gongzhi.cases.models import (
    Campaign,
    CampaignPost,
    Case,
    CaseCategory,
    CaseEvent,
    CasePhoto,
    CategoryTimeLimit,
    HandlingUnit,
    PhotoPhase,
)
from gongzhi.cases.services import may_dispatch
from gongzhi.core.api import FieldsBuiltOnce, representer
from gongzhi.core.masking import mask_name

STATUS_HELP = _(
    "状态：reported 待立案、registered 待派遣、dispatched 待接收、handling 处置中、fed_back 待核查、deferred 缓办挂账、closed 已结案、rejected 不予立案、merged 已合并"
)
LEVEL_HELP = _("层级：grid 网格、community 社区、street 街道、district 区")
WARNING_NAMES = {Warning.NONE: "none", Warning.YELLOW: "yellow", Warning.RED: "red"}


def _page_photos(case_ids: list[int]) -> dict[int, tuple[int, int | None]]:
    """For each case of a page that has photos: (how many, the first report photo's id). One
    statement written out, not built by the ORM: the list runs it on every page, and building
    it cost 2 of its 2.5 ms (bench R2). Counted in the page's own query instead, PostgreSQL may
    count the photos of every case it sorts, before the limit."""
    if not case_ids:
        return {}
    meta = CasePhoto._meta
    connection = connections[router.db_for_read(CasePhoto)]
    quote = connection.ops.quote_name
    table, case, phase, pk = (
        quote(name)
        for name in (
            meta.db_table,
            meta.get_field("case").column,
            meta.get_field("phase").column,
            meta.pk.column,
        )
    )
    sql = (
        f"SELECT {case}, COUNT(*), MIN(CASE WHEN {phase} = %s THEN {pk} END) "  # noqa: S608 # nosec B608 - names from the model
        f"FROM {table} WHERE {case} IN ({', '.join(['%s'] * len(case_ids))}) GROUP BY {case}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [PhotoPhase.REPORT.value, *case_ids])
        return {case_id: (count, first) for case_id, count, first in cursor.fetchall()}


def _shown_as_is(field: serializers.Field) -> type | None:
    """The Python type whose values ``field`` shows unchanged (its to_representation is
    ``str(v)``, ``int(v)`` or ``float(v)``), or None when every value goes through it."""
    if type(field) is serializers.CharField:
        return str
    if type(field) is serializers.IntegerField or (
        type(field) is serializers.BigIntegerField
        and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        return int
    if type(field) is serializers.FloatField:
        return float
    return None


# Citizens' names are personal data; staff who report in the line of duty are not masked.
CITIZEN_SOURCES = (CaseSource.RESIDENT, CaseSource.OPEN311)


def photo_urls(request: Any, photo_id: int) -> tuple[str, str]:
    """The image and thumbnail URLs of a photo: the view behind them checks the viewer."""
    image = reverse("api-case-photo", args=[photo_id])
    thumb = reverse("api-case-photo-thumbnail", args=[photo_id])
    if request is not None:
        return request.build_absolute_uri(image), request.build_absolute_uri(thumb)
    return image, thumb


def sees_reporter(user: Any, case: Case) -> bool:
    """The reporter themselves and the dispatchers of the case see the reporter's details."""
    return (case.reporter_id is not None and case.reporter_id == user.pk) or may_dispatch(user, case)


class _RequestMixin:
    def _request(self):
        return self.context.get("request")

    def _user(self):
        request = self._request()
        return getattr(request, "user", None)


# ---------------------------------------------------------------------------------------------
# Small references


class CaseCategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseAreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseUnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class CampaignRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseUserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


# ---------------------------------------------------------------------------------------------
# Categories and handling units


class CaseStageHoursSerializer(serializers.Serializer):
    """A category's default working-hour limit per stage."""

    register = serializers.FloatField(source="register_hours")
    dispatch = serializers.FloatField(source="dispatch_hours")
    accept = serializers.FloatField(source="accept_hours")
    handle = serializers.FloatField(source="handle_hours")
    verify = serializers.FloatField(source="verify_hours")


class CategoryTimeLimitSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(help_text=_("环节：register、dispatch、accept、handle、verify"))
    level = serializers.CharField(help_text=LEVEL_HELP)
    hours = serializers.FloatField()

    class Meta:
        model = CategoryTimeLimit
        fields = ["stage", "level", "hours"]


class CaseCategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("上级类别编码")
    )
    urgency = serializers.CharField(help_text=_("紧急程度：normal、urgent、critical"))
    urgency_display = serializers.CharField(source="get_urgency_display")
    default_unit = CaseUnitRefSerializer(allow_null=True, help_text=_("默认处置单位"))
    stage_hours = CaseStageHoursSerializer(source="*", help_text=_("各环节默认时限（工作小时）"))
    level_limits = CategoryTimeLimitSerializer(
        source="time_limits", many=True, help_text=_("按层级覆盖的时限（工作小时）")
    )

    class Meta:
        model = CaseCategory
        fields = [
            "code",
            "name",
            "parent",
            "urgency",
            "urgency_display",
            "default_unit",
            "stage_hours",
            "level_limits",
            "auto_escalate",
            "is_active",
        ]


class HandlingUnitSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(
        help_text=_("类型：department、community_team、social_organization、property_company、grid_team")
    )
    kind_display = serializers.CharField(source="get_kind_display")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("服务区域编码"))
    area_name = serializers.CharField(source="area.name")
    members = CaseUserRefSerializer(many=True)

    class Meta:
        model = HandlingUnit
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "area",
            "area_name",
            "members",
            "contact_phone",
            "is_active",
        ]


class HandlingUnitWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    area = serializers.CharField(max_length=32, help_text=_("服务区域编码（须在您的管辖范围内）"))
    members = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        help_text=_("成员：用户名或用户 ID 的列表；修改时整体替换"),
    )
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


# ---------------------------------------------------------------------------------------------
# Photos and the timeline


class CasePhotoSerializer(FieldsBuiltOnce, _RequestMixin, serializers.ModelSerializer):
    phase = serializers.CharField(help_text=_("阶段：report、on_site、feedback、verify、campaign"))
    phase_display = serializers.CharField(source="get_phase_display")
    url = serializers.SerializerMethodField(help_text=_("原图（经权限检查的地址）"))
    thumbnail_url = serializers.SerializerMethodField(help_text=_("缩略图"))

    class Meta:
        model = CasePhoto
        fields = ["id", "phase", "phase_display", "url", "thumbnail_url", "width", "height", "created_at"]

    def get_url(self, obj: CasePhoto) -> str:
        return photo_urls(self._request(), obj.pk)[0]

    def get_thumbnail_url(self, obj: CasePhoto) -> str:
        return photo_urls(self._request(), obj.pk)[1]


class CaseEventSerializer(FieldsBuiltOnce, _RequestMixin, serializers.ModelSerializer):
    action = serializers.CharField(help_text=_("动作，如 report、register、dispatch、accept、feedback …"))
    action_display = serializers.CharField(source="get_action_display")
    actor = serializers.SerializerMethodField(help_text=_("操作方"))
    from_status = serializers.CharField(help_text=STATUS_HELP)
    from_status_display = serializers.SerializerMethodField()
    to_status = serializers.CharField(help_text=STATUS_HELP)
    to_status_display = serializers.CharField(source="get_to_status_display")
    level = serializers.CharField(help_text=LEVEL_HELP)
    level_display = serializers.CharField(source="get_level_display")
    data = serializers.JSONField(help_text=_("附加信息（派遣单位、延期小时数、满意度 …）"))
    photos = CasePhotoSerializer(many=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "action",
            "action_display",
            "actor",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "level",
            "level_display",
            "note",
            "data",
            "created_at",
            "photos",
        ]

    def get_actor(self, obj: CaseEvent) -> str:
        case = self.context.get("case")
        if (
            case is not None
            and obj.actor_id is not None
            and obj.actor_id == case.reporter_id
            and case.source in CITIZEN_SOURCES
            and not self.context.get("sees_reporter", False)
        ):
            return mask_name(obj.actor_label)
        return obj.actor_label

    def get_from_status_display(self, obj: CaseEvent) -> str:
        return obj.get_from_status_display() if obj.from_status else ""


# ---------------------------------------------------------------------------------------------
# Cases


@functools.cache
def _choice_labels(field_name: str) -> dict[Any, Any]:
    # Model.get_FOO_display rebuilds this dict (hashing every lazy label) on each call.
    return dict(Case._meta.get_field(field_name).flatchoices)


def _display(case: Case, field_name: str) -> str:
    """``case.get_<field>_display()``, from a dict built once (labels translate when shown)."""
    value = getattr(case, field_name)
    return str(_choice_labels(field_name).get(value, value))


class CaseListSerializer(FieldsBuiltOnce, _RequestMixin, serializers.ModelSerializer):
    category = CaseCategoryRefSerializer()
    grid = CaseAreaRefSerializer()
    level = serializers.CharField(help_text=LEVEL_HELP)
    level_display = serializers.CharField(source="get_level_display")
    responsible_area = CaseAreaRefSerializer(help_text=_("当前责任区域"))
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    source = serializers.CharField(
        help_text=_("来源：grid_member、party_volunteer、resident、hotline、inspection、open311")
    )
    source_display = serializers.CharField(source="get_source_display")
    urgency = serializers.CharField(help_text=_("紧急程度：normal、urgent、critical"))
    handling_unit = CaseUnitRefSerializer(allow_null=True)
    campaign = CampaignRefSerializer(allow_null=True)
    warning = serializers.SerializerMethodField(help_text=_("预警：none、yellow（临期）、red（超期）"))
    warning_display = serializers.CharField(source="get_warning_display")
    is_overdue = serializers.SerializerMethodField(help_text=_("未结案且本环节已超期"))
    resolved_level = serializers.CharField(help_text=_("结案时的解决层级（未结案为空）"))
    photo_count = serializers.IntegerField(read_only=True)
    thumbnail_url = serializers.SerializerMethodField(help_text=_("第一张上报照片的缩略图"))

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "category",
            "description",
            "address",
            "lat",
            "lng",
            "grid",
            "level",
            "level_display",
            "responsible_area",
            "status",
            "status_display",
            "source",
            "source_display",
            "urgency",
            "handling_unit",
            "campaign",
            "warning",
            "warning_display",
            "is_overdue",
            "is_supervised",
            "stage_deadline",
            "due_at",
            "reported_at",
            "closed_at",
            "resolved_level",
            "photo_count",
            "thumbnail_url",
            "version",
            "updated_at",
        ]

    # The list's hot path (bench R2): each case of a page straight to a dict, with the declared
    # fields' own to_representation for the typed values, instead of DRF's per-field attribute
    # walk (which inspects every ``get_*_display`` source for being callable, per row). The
    # declared fields above stay the schema; tests/bench/test_case_list.py checks that both
    # paths give the same JSON. Subclasses (detail, created) take DRF's path.
    _PLAIN = ("id", "number", "description", "address", "lat", "lng", "level", "status", "source", "urgency")
    _TYPED = ("is_supervised", "stage_deadline", "due_at", "reported_at", "closed_at", "resolved_level")

    def to_representation(self, instance: Case) -> dict[str, Any]:
        if type(self) is not CaseListSerializer:
            return super().to_representation(instance)
        fields = self.fields
        out: dict[str, Any] = {}
        for name in self._PLAIN:
            value = getattr(instance, name)
            out[name] = None if value is None else fields[name].to_representation(value)
        category, grid, area = instance.category, instance.grid, instance.responsible_area
        unit, campaign = instance.handling_unit, instance.campaign
        out["category"] = {"code": category.code, "name": category.name} if category is not None else None
        out["grid"] = {"code": grid.code, "name": grid.name} if grid is not None else None
        out["level_display"] = _display(instance, "level")
        out["responsible_area"] = {"code": area.code, "name": area.name} if area is not None else None
        out["status_display"] = _display(instance, "status")
        out["source_display"] = _display(instance, "source")
        out["handling_unit"] = {"id": unit.pk, "name": unit.name} if unit is not None else None
        out["campaign"] = {"id": campaign.pk, "name": campaign.name} if campaign is not None else None
        out["warning"] = self.get_warning(instance)
        out["warning_display"] = _display(instance, "warning")
        out["is_overdue"] = self.get_is_overdue(instance)
        for name in self._TYPED:
            value = getattr(instance, name)
            out[name] = None if value is None else fields[name].to_representation(value)
        out["photo_count"] = int(instance.photo_count)
        out["thumbnail_url"] = self.get_thumbnail_url(instance)
        out["version"] = int(instance.version)
        out["updated_at"] = fields["updated_at"].to_representation(instance.updated_at)
        return {name: out[name] for name in self.Meta.fields}

    # The API list reads its rows with ``.values(*VALUES)`` (no model instances: a page of 50
    # cases built 200 of them) and turns them into the same dicts with ``rows()`` below.
    VALUES = (
        *_PLAIN,
        *_TYPED,
        "category_id",
        "category__code",
        "category__name",
        "grid_id",
        "grid__code",
        "grid__name",
        "responsible_area_id",
        "responsible_area__code",
        "responsible_area__name",
        "handling_unit_id",
        "handling_unit__name",
        "campaign_id",
        "warning",
        "version",
        "updated_at",
    )

    @classmethod
    @functools.cache
    def _representers(cls) -> dict[str, serializers.Field]:
        # The declared fields, built once: the ones ``rows`` uses keep no per-request state
        # (a datetime takes the active time zone when it is shown).
        return dict(cls().fields)

    @classmethod
    def rows(cls, values: list[dict[str, Any]], request: Any) -> list[dict[str, Any]]:
        """A page of ``.values(*VALUES)`` rows as the list's JSON objects: exactly what
        ``to_representation`` gives for the same cases (tests/bench/test_case_list.py), with
        labels, the clock and the thumbnail URL worked out once per page, not per row, and the
        photos counted in one query for the page's cases only (counted in the page's own query,
        PostgreSQL may count them for every case it sorts, before the limit)."""
        photos = _page_photos([row["id"] for row in values])
        # Campaign names by their ids, and only when the page has any: one more join in the
        # page's query doubled PostgreSQL's planning of it (bench R2).
        campaign_ids = {row["campaign_id"] for row in values} - {None}
        campaigns = (
            dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "name"))
            if campaign_ids
            else {}
        )
        fields = cls._representers()
        labels = {
            name: {value: str(label) for value, label in _choice_labels(name).items()}
            for name in ("level", "status", "source", "warning")
        }
        level_labels, status_labels, source_labels, warning_labels = (
            labels["level"],
            labels["status"],
            labels["source"],
            labels["warning"],
        )
        # Strings, whole numbers and floats come from the database as what the JSON shows;
        # anything else (a Decimal, a lazy value) takes its field's own representation.
        plain = [(name, fields[name].to_representation, _shown_as_is(fields[name])) for name in cls._PLAIN]
        typed = [(name, representer(fields[name])) for name in cls._TYPED]
        updated = representer(fields["updated_at"])
        now = timezone.now()
        marker = 987654321
        thumb = photo_urls(request, marker)[1].split(str(marker))
        order = cls.Meta.fields
        out = []
        for row in values:
            item: dict[str, Any] = {}
            for name, represent, native in plain:
                value = row[name]
                item[name] = value if value is None or type(value) is native else represent(value)
            status, deadline = row["status"], row["stage_deadline"]
            photo_count, photo = photos.get(row["id"], (0, None))
            unit, campaign = row["handling_unit_id"], row["campaign_id"]
            item["category"] = (
                {"code": row["category__code"], "name": row["category__name"]} if row["category_id"] else None
            )
            item["grid"] = {"code": row["grid__code"], "name": row["grid__name"]} if row["grid_id"] else None
            item["level_display"] = level_labels.get(row["level"], row["level"])
            item["responsible_area"] = (
                {"code": row["responsible_area__code"], "name": row["responsible_area__name"]}
                if row["responsible_area_id"]
                else None
            )
            item["status_display"] = status_labels.get(status, status)
            item["source_display"] = source_labels.get(row["source"], row["source"])
            item["handling_unit"] = {"id": unit, "name": row["handling_unit__name"]} if unit else None
            item["campaign"] = {"id": campaign, "name": campaigns.get(campaign, "")} if campaign else None
            item["warning"] = WARNING_NAMES.get(row["warning"], "none")
            item["warning_display"] = warning_labels.get(row["warning"], row["warning"])
            item["is_overdue"] = status in OPEN_STATUSES and deadline is not None and deadline < now
            for name, represent in typed:
                value = row[name]
                item[name] = None if value is None else represent(value)
            item["photo_count"] = photo_count
            item["thumbnail_url"] = f"{thumb[0]}{photo}{thumb[1]}" if photo else None
            item["version"] = int(row["version"])
            item["updated_at"] = updated(row["updated_at"])
            out.append({name: item[name] for name in order})
        return out

    def get_warning(self, obj: Case) -> str:
        return WARNING_NAMES.get(obj.warning, "none")

    def get_is_overdue(self, obj: Case) -> bool:
        return (
            obj.status in OPEN_STATUSES
            and obj.stage_deadline is not None
            and obj.stage_deadline < timezone.now()
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, obj: Case) -> str | None:
        photo_id = getattr(obj, "first_photo_id", None)
        return photo_urls(self._request(), photo_id)[1] if photo_id else None


class CaseReporterSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("上报人（对无权查看者打码）"))
    phone = serializers.CharField(
        help_text=_(
            "电话：上报人本人看到完整号码，其他人一律脱敏；调度人员可通过 reveal-reporter-phone 说明理由后查看"
        )
    )
    email = serializers.CharField(help_text=_("邮箱（无权查看者为空）"))
    is_you = serializers.BooleanField(help_text=_("调用者就是上报人"))


class CaseDetailSerializer(CaseListSerializer):
    reporter = serializers.SerializerMethodField()
    tracking_token = serializers.SerializerMethodField(
        help_text=_("公开查询码（只给上报人本人，用于查询页和评价）")
    )
    merged_into = CaseRefSerializer(allow_null=True)
    satisfaction = serializers.CharField(
        help_text=_("满意度：satisfied、basically、dissatisfied（未评价为空）")
    )
    satisfaction_display = serializers.CharField(source="get_satisfaction_display")
    timeline = CaseEventSerializer(
        source="events", many=True, help_text=_("时间线：全部流转记录，按时间先后")
    )
    photos = CasePhotoSerializer(many=True)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "reporter",
            "tracking_token",
            "merged_into",
            "yellow_at",
            "registered_at",
            "dispatched_at",
            "dispatch_deadline",
            "accepted_at",
            "handle_deadline",
            "fed_back_at",
            "verify_deadline",
            "verified_at",
            "satisfaction",
            "satisfaction_display",
            "evaluated_at",
            "rework_count",
            "extension_count",
            "requested_extension_hours",
            "requested_extension_reason",
            "escalation_count",
            "timeline",
            "photos",
        ]

    def to_representation(self, instance: Case) -> dict[str, Any]:
        # The timeline masks the reporter's name the same way as ``reporter`` does.
        user = self._user()
        self.context["case"] = instance
        self.context["sees_reporter"] = user is not None and sees_reporter(user, instance)
        return super().to_representation(instance)

    @extend_schema_field(CaseReporterSerializer)
    def get_reporter(self, obj: Case) -> dict[str, Any]:
        full = self.context.get("sees_reporter", False)
        name = obj.reporter_name or (str(obj.reporter) if obj.reporter_id else "")
        if not full and obj.source in CITIZEN_SOURCES:
            name = mask_name(name)
        user = self._user()
        is_you = user is not None and obj.reporter_id is not None and obj.reporter_id == user.pk
        return {
            "name": name,
            # Masked for everyone but the reporter (their own number); staff unmask it with a
            # reason through reveal-reporter-phone (people.services.reveal_phone).
            "phone": obj.reveal_sealed("reporter_phone") if is_you else obj.reporter_phone,
            "email": obj.reporter_email if full else "",
            "is_you": is_you,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tracking_token(self, obj: Case) -> str | None:
        user = self._user()
        return obj.tracking_token if user is not None and obj.reporter_id == user.pk else None


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    distance_m = serializers.IntegerField(help_text=_("与本事件的距离（米）"))
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField()
    category = serializers.CharField(help_text=_("事件类别编码"))
    description = serializers.CharField()
    reported_at = serializers.DateTimeField()


class CaseCreatedSerializer(CaseDetailSerializer):
    possible_duplicates = DuplicateSerializer(
        many=True, read_only=True, help_text=_("附近同类未结案事件（可能重复），由近到远，至多 10 件")
    )

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "possible_duplicates"]


_PHOTOS_HELP = _(
    "照片文件（multipart/form-data，字段名 photos，可多个，每个环节最多 9 张；JPEG、PNG 或 WebP）"
)


def _photos_field(help_text: Any = _PHOTOS_HELP) -> serializers.ListField:
    return serializers.ListField(child=serializers.FileField(), required=False, help_text=help_text)


class CaseCreateSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=32, help_text=_("事件类别编码"))
    description = serializers.CharField(max_length=2000, allow_blank=True, help_text=_("问题描述"))
    lat = serializers.FloatField(required=False, allow_null=True, help_text=_("纬度（WGS84）"))
    lng = serializers.FloatField(required=False, allow_null=True, help_text=_("经度（WGS84）"))
    grid = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text=_("网格编码（没有经纬度时必填）")
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    campaign = serializers.IntegerField(required=False, allow_null=True, help_text=_("纳入的专项整治 ID"))
    source = serializers.ChoiceField(
        choices=[
            (CaseSource.HOTLINE, CaseSource.HOTLINE.label),
            (CaseSource.INSPECTION, CaseSource.INSPECTION.label),
            (CaseSource.GRID_MEMBER, CaseSource.GRID_MEMBER.label),
            (CaseSource.PARTY_VOLUNTEER, CaseSource.PARTY_VOLUNTEER.label),
        ],
        required=False,
        help_text=_("来源：只有调度人员可以指定（如热线来电）；默认由调用者角色决定"),
    )
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    photos = _photos_field(_("现场照片（multipart/form-data，字段名 photos，可多个，1–9 张）"))


# ---------------------------------------------------------------------------------------------
# Transitions: each body carries an optional ``version`` (409 if the case changed meanwhile)


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("期望的事件版本；与当前版本不符时返回 409，不做任何改动")
    )


class NoteSerializer(TransitionSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RequiredNoteSerializer(TransitionSerializer):
    note = serializers.CharField(max_length=2000, allow_blank=True)


class ReasonSerializer(TransitionSerializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class DispatchSerializer(NoteSerializer):
    unit = serializers.IntegerField(help_text=_("处置单位 ID"))


class FeedbackSerializer(TransitionSerializer):
    result = serializers.CharField(max_length=2000, allow_blank=True, help_text=_("处置结果"))
    photos = _photos_field()


class VerifySerializer(NoteSerializer):
    passed = serializers.BooleanField(default=True, help_text=_("true 核查通过结案；false 不通过返工"))
    photos = _photos_field()


class ReworkSerializer(RequiredNoteSerializer):
    photos = _photos_field()


class ExtendSerializer(TransitionSerializer):
    hours = serializers.FloatField(help_text=_("延长的工作小时数"))
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class EvaluateSerializer(NoteSerializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)


class ResolveOnSiteSerializer(RequiredNoteSerializer):
    photos = _photos_field(_("处置后照片（至少 1 张，最多 9 张）"))


class MergeSerializer(NoteSerializer):
    into = serializers.IntegerField(help_text=_("合并到的事件 ID"))


class AddToCampaignSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(help_text=_("专项整治 ID"))


# ---------------------------------------------------------------------------------------------
# KPIs


class KpiSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text=_("0–1 的比率；分母为 0 时为空"))
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    formula = serializers.CharField()


class KpiReportSerializer(serializers.Serializer):
    area = serializers.CharField()
    from_ = serializers.DateField()
    to = serializers.DateField()
    unit = serializers.IntegerField(allow_null=True)
    member = serializers.CharField(allow_null=True)
    kpis = serializers.DictField(child=KpiSerializer(), help_text=_("按指标名，如 grid_resolution_rate"))

    def get_fields(self):
        # "from" is a Python keyword: declared as from_, renamed here in place.
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}


class KpiQuerySerializer(serializers.Serializer):
    under = serializers.CharField(help_text=_("区域编码"))
    from_ = serializers.DateField()
    to = serializers.DateField()
    unit = serializers.IntegerField(required=False, help_text=_("处置单位 ID"))
    member = serializers.CharField(required=False, help_text=_("网格员用户名"))

    def get_fields(self):
        # "from" is a Python keyword: declared as from_, renamed here in place.
        return {("from" if name == "from_" else name): field for name, field in super().get_fields().items()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": _("开始日期不能晚于结束日期。")})
        return attrs


# ---------------------------------------------------------------------------------------------
# Campaigns


class CampaignSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area_name = serializers.CharField(source="area.name")
    created_by = serializers.SerializerMethodField()
    case_count = serializers.IntegerField(read_only=True)
    open_case_count = serializers.IntegerField(read_only=True, help_text=_("未结案（含缓办）事件数"))

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "area",
            "area_name",
            "description",
            "start_date",
            "end_date",
            "created_by",
            "created_at",
            "case_count",
            "open_case_count",
        ]

    def get_created_by(self, obj: Campaign) -> str:
        return str(obj.created_by) if obj.created_by_id else ""


class CampaignDetailSerializer(CampaignSerializer):
    case_counts = serializers.SerializerMethodField(help_text=_('各状态事件数，如 {"closed": 12}'))

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "case_counts"]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_case_counts(self, obj: Campaign) -> dict[str, int]:
        return getattr(obj, "case_counts", {})


class CampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    area = serializers.CharField(max_length=32, help_text=_("区域编码（须在您的管辖范围内）"))
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CampaignPostWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True)
    photo = serializers.FileField(required=False, help_text=_("一张照片（multipart/form-data）"))


class FeedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField()


class FeedPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    thumbnail_url = serializers.CharField()


class FeedItemSerializer(serializers.Serializer):
    """One entry of a campaign's live feed: a progress post, or an event of one of its cases."""

    kind = serializers.ChoiceField(choices=[("post", _("整治动态")), ("event", _("事件流转"))])
    id = serializers.CharField(help_text=_("post-<id> 或 event-<id>"))
    created_at = serializers.DateTimeField()
    author = serializers.CharField()
    text = serializers.CharField()
    action = serializers.CharField(allow_null=True, help_text=_("事件流转的动作（动态为空）"))
    action_display = serializers.CharField(allow_null=True)
    case = FeedCaseSerializer(allow_null=True)
    photos = FeedPhotoSerializer(many=True)


class CampaignFeedSerializer(serializers.Serializer):
    results = FeedItemSerializer(many=True)
    latest = serializers.DateTimeField(
        allow_null=True, help_text=_("本页最新一条的时间：轮询时作为下一次的 since")
    )
    oldest = serializers.DateTimeField(
        allow_null=True, help_text=_("本页最早一条的时间：翻看更早的动态时作为 before")
    )


def feed_post(post: CampaignPost, request: Any) -> dict[str, Any]:
    photos = []
    if post.photo_id:
        url, thumb = photo_urls(request, post.photo_id)
        photos.append({"id": post.photo_id, "url": url, "thumbnail_url": thumb})
    return {
        "kind": "post",
        "id": f"post-{post.pk}",
        "created_at": post.created_at,
        "author": str(post.author),
        "text": post.text,
        "action": None,
        "action_display": None,
        "case": None,
        "photos": photos,
    }


def feed_event(event: CaseEvent, request: Any) -> dict[str, Any]:
    case = event.case
    label = event.actor_label
    if event.actor_id is not None and event.actor_id == case.reporter_id and case.source in CITIZEN_SOURCES:
        label = mask_name(label)  # the feed is for everyone on the campaign: citizens masked
    photos = []
    for photo in event.photos.all():
        url, thumb = photo_urls(request, photo.pk)
        photos.append({"id": photo.pk, "url": url, "thumbnail_url": thumb})
    return {
        "kind": "event",
        "id": f"event-{event.pk}",
        "created_at": event.created_at,
        "author": label,
        "text": event.note,
        "action": event.action,
        "action_display": event.get_action_display(),
        "case": {
            "id": case.pk,
            "number": case.number,
            "category": case.category.name,
            "status": case.status,
            "status_display": case.get_status_display(),
        },
        "photos": photos,
    }


class StartActivitySerializer(serializers.Serializer):
    """Body of POST /cases/{id}/start-activity/: a volunteer activity answering the case."""

    organizer = serializers.IntegerField(help_text=_("组织方社会组织 ID"))
    title = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=16, help_text=_("服务类别代码，如 environment、litter"))
    place = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1)


class ProposeProjectSerializer(serializers.Serializer):
    """Body of POST /cases/{id}/propose-project/: a draft project for what the case revealed."""

    title = serializers.CharField(max_length=200)
    lifecycle_category = serializers.CharField(max_length=16)
    area = serializers.CharField(max_length=32, help_text=_("服务区域编码：事件所在网格或其上级"))
