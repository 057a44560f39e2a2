"""The volunteers API's boundary: how volunteers, activities, sign-ups, service records,
micro-wishes, certificates and correction assignments look, and the bodies each write accepts.

Statuses and kinds are plain strings next to a ``*_display`` label; areas travel as codes,
people, volunteers and organizations as ids. Nothing here renders a person's tags: the
community-correction fact lives only in ``CorrectionSerializer``, which only the justice role
ever receives.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongzhi.volunteers.choices import (
    DEFAULT_STAR_THRESHOLDS,
    ActivityCategory,
    ClaimerKind,
    SupervisionEventKind,
    WishCategory,
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
    VolunteerPolicy,
    Wish,
    WishEvent,
)

HOURS = {"max_digits": 10, "decimal_places": 2}


def district_path(area_path: str) -> str:
    """The path of the district holding an area path (``/D/S1/C1/`` → ``/D/``)."""
    return f"/{area_path.strip('/').split('/')[0]}/"


def thresholds_by_district() -> dict[str, tuple[int, ...]]:
    """Every district's star thresholds by district path, in one query (there are few)."""
    return {p.area.path: p.thresholds for p in VolunteerPolicy.objects.select_related("area")}


def star_level_of(hours: Any, area_path: str, policies: dict[str, tuple[int, ...]] | None) -> int:
    from gongzhi.volunteers.services import star_level

    thresholds = (policies or {}).get(district_path(area_path), DEFAULT_STAR_THRESHOLDS)
    return star_level(hours or 0, thresholds)


class CodeField(serializers.CharField):
    """One code from a fixed list, checked here. The schema shows a plain string with the codes
    in its description: several apps have a ``category`` with different choices, and enum
    components of the same name would collide."""

    default_error_messages = {"invalid_choice": _("“{input}”不是有效的选项，可选：{codes}。")}

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        self.codes = [value for value, _label in choices]
        kwargs.setdefault("help_text", "、".join(self.codes))
        super().__init__(max_length=32, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value not in self.codes:
            self.fail("invalid_choice", input=value, codes="、".join(self.codes))
        return value


# ---------------------------------------------------------------------------------------------
# Volunteers


class AffiliationSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="organization_id", help_text=_("组织 ID"))
    name = serializers.CharField(source="organization.name")

    class Meta:
        model = Affiliation
        fields = ["id", "name", "team"]


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer as lists and details show it: no tags, no ID number. ``total_hours`` is an
    annotation (``queries.with_hours``); the star level uses the district's thresholds, passed
    in the context as ``policies`` so a page costs no extra query per row."""

    person = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("人员 ID"))
    name = serializers.CharField(source="person.name")
    organizations = AffiliationSerializer(
        source="current_affiliations", many=True, help_text=_("现在服务的组织和服务队")
    )
    total_hours = serializers.DecimalField(
        read_only=True, help_text=_("已认定的累计服务时长（小时）"), **HOURS
    )
    star_level = serializers.SerializerMethodField(help_text=_("星级：0–5"))
    status = serializers.CharField(help_text=_("状态：active 在册、left 已注销"))
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "person",
            "name",
            "number",
            "skills",
            "availability",
            "organizations",
            "total_hours",
            "star_level",
            "registered_on",
            "status",
            "status_display",
        ]

    def get_star_level(self, obj: Volunteer) -> int:
        return star_level_of(obj.total_hours, obj.person.area.path, self.context.get("policies"))


class VolunteerSummarySerializer(serializers.Serializer):
    hours = serializers.DecimalField(help_text=_("已认定时长（小时）"), **HOURS)
    records = serializers.IntegerField(help_text=_("已认定的服务记录数"))
    pending = serializers.IntegerField(help_text=_("待审核的记录数"))
    star_level = serializers.IntegerField()
    next_threshold = serializers.IntegerField(allow_null=True, help_text=_("下一星级所需时长，已满星为 null"))


class MyVolunteerSerializer(VolunteerSerializer):
    summary = serializers.SerializerMethodField()

    class Meta(VolunteerSerializer.Meta):
        fields = [*VolunteerSerializer.Meta.fields, "summary"]

    @extend_schema_field(VolunteerSummarySerializer)
    def get_summary(self, obj: Volunteer) -> dict[str, Any]:
        from gongzhi.volunteers import queries

        return VolunteerSummarySerializer(queries.summary(obj)).data


class VolunteerWriteSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text=_("人员 ID（本人，或您可见的人员）"))
    skills = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list, help_text=_("技能特长")
    )
    availability = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organizations = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text=_("服务的组织 ID")
    )


class VolunteerPatchSerializer(serializers.Serializer):
    skills = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    availability = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StatsQuerySerializer(serializers.Serializer):
    under = serializers.CharField(required=False, help_text=_("区域编码，默认为您管辖的最上级区域"))
    since = serializers.DateField(required=False, help_text=_("起始日期（含）"))
    until = serializers.DateField(required=False, help_text=_("截止日期（含）"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": _("截止日期不能早于起始日期。")})
        return attrs


class VolunteerStatsSerializer(serializers.Serializer):
    area = serializers.CharField(help_text=_("区域编码"))
    area_name = serializers.CharField()
    volunteers = serializers.IntegerField(help_text=_("在册志愿者"))
    party_members = serializers.IntegerField(help_text=_("其中党员及入党积极分子"))
    activities = serializers.IntegerField(help_text=_("举办的活动（不含已取消）"))
    service_records = serializers.IntegerField(help_text=_("已认定的服务记录（不含调整记录）"))
    hours = serializers.DecimalField(help_text=_("已认定时长（小时）"), **HOURS)


# ---------------------------------------------------------------------------------------------
# Activities and sign-ups


class ActivitySerializer(serializers.ModelSerializer):
    """An activity with its sign-up counts (``queries.with_signup_counts``) and the caller's own
    sign-up status (``my_signup``, annotated by the view)."""

    category = serializers.CharField(help_text=_("服务类别代码"))
    category_display = serializers.CharField(source="get_category_display")
    organizer = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("组织方（组织 ID）"))
    organizer_name = serializers.CharField(source="organizer.name")
    alliance = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("联合发布的联盟 ID")
    )
    project = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text=_("关联项目 ID"))
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("区域编码"))
    confirmed = serializers.IntegerField(read_only=True, help_text=_("已报名人数"))
    waitlisted = serializers.IntegerField(read_only=True, help_text=_("候补人数"))
    status = serializers.CharField(help_text=_("状态：open 已发布、cancelled 已取消"))
    status_display = serializers.CharField(source="get_status_display")
    my_signup = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_("您的报名状态：confirmed、waitlisted、cancelled；未报名为 null"),
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "category",
            "category_display",
            "description",
            "organizer",
            "organizer_name",
            "team",
            "alliance",
            "project",
            "area",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "confirmed",
            "waitlisted",
            "signup_opens_at",
            "signup_closes_at",
            "cancel_cutoff_hours",
            "status",
            "status_display",
            "my_signup",
        ]


class ActivityWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = CodeField(ActivityCategory.choices)
    organizer = serializers.IntegerField(help_text=_("组织方（组织 ID，须为您负责或管辖的组织）"))
    area = serializers.CharField(max_length=32, help_text=_("活动所在区域编码"))
    place = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, help_text=_("招募人数"))
    signup_opens_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("默认现在"))
    signup_closes_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("默认活动开始时间")
    )
    cancel_cutoff_hours = serializers.IntegerField(
        min_value=0, max_value=168, required=False, default=2, help_text=_("开始前多少小时停止取消报名")
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    team = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    alliance = serializers.IntegerField(required=False, allow_null=True, help_text=_("联合发布的联盟 ID"))
    project = serializers.IntegerField(required=False, allow_null=True, help_text=_("关联项目 ID"))


class SignupSerializer(serializers.ModelSerializer):
    """One sign-up, as its volunteer or organizer sees it after a change."""

    status = serializers.CharField(help_text=_("状态：confirmed 已报名、waitlisted 候补、cancelled 已取消"))
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Signup
        fields = [
            "id",
            "activity",
            "volunteer",
            "status",
            "status_display",
            "checked_in_at",
            "checked_out_at",
            "check_method",
            "promoted_at",
            "cancelled_at",
            "created_at",
        ]


class RosterEntrySerializer(SignupSerializer):
    """A line of the organizer's roster: who and when, nothing about the person beyond the
    name and volunteer number (never tags)."""

    name = serializers.CharField(source="volunteer.person.name")
    number = serializers.CharField(source="volunteer.number")

    class Meta(SignupSerializer.Meta):
        fields = [
            "id",
            "volunteer",
            "name",
            "number",
            "status",
            "status_display",
            "checked_in_at",
            "checked_out_at",
            "check_method",
            "promoted_at",
            "created_at",
        ]


class SignupBodySerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("志愿者 ID；省略为本人（组织方可为他人报名）")
    )


class CancelBodySerializer(serializers.Serializer):
    signup = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("报名 ID；省略为本人的报名（组织方可取消他人的报名）")
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500, help_text=_("扫描现场二维码得到的令牌"))


class RosterBodySerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(help_text=_("志愿者 ID"))
    checked_in_at = serializers.DateTimeField()
    checked_out_at = serializers.DateTimeField()


class VolunteerReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class QrQuerySerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=[("in", _("签到")), ("out", _("签退"))], required=False, default="in"
    )


class QrSerializer(serializers.Serializer):
    purpose = serializers.CharField(help_text=_("in 签到、out 签退"))
    token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text=_("有效秒数：现场屏幕应在此之前刷新"))
    svg = serializers.CharField(help_text=_("二维码 SVG（内嵌）"))


# ---------------------------------------------------------------------------------------------
# Service records


class ServiceRecordSerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.person.name")
    volunteer_number = serializers.CharField(source="volunteer.number")
    activity_title = serializers.SerializerMethodField()
    organization_name = serializers.CharField(source="organization.name")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("区域编码"))
    kind = serializers.CharField(help_text=_("类型：activity 活动记录、manual 手工补录、adjustment 调整记录"))
    kind_display = serializers.CharField(source="get_kind_display")
    status = serializers.CharField(help_text=_("状态：pending 待审核、approved 已认定、declined 未认定"))
    status_display = serializers.CharField(source="get_status_display")
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "volunteer_number",
            "activity",
            "activity_title",
            "organization",
            "organization_name",
            "area",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "served_on",
            "started_at",
            "ended_at",
            "place",
            "content",
            "computed_hours",
            "hours",
            "reason",
            "adjusts",
            "decided_by",
            "decided_at",
            "created_at",
        ]

    def get_activity_title(self, obj: ServiceRecord) -> str | None:
        return obj.activity.title if obj.activity_id else None


class ManualRecordSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(help_text=_("志愿者 ID"))
    organization = serializers.IntegerField(help_text=_("认定组织 ID"))
    served_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    content = serializers.CharField()
    reason = serializers.CharField(help_text=_("手工补录的原因"))
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    ended_at = serializers.DateTimeField(required=False, allow_null=True)


class ApproveSerializer(serializers.Serializer):
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, help_text=_("改定的时长（可选）")
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text=_("改定时长须说明原因")
    )


class AdjustSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, help_text=_("增减的时长，可为负数"))
    reason = serializers.CharField(max_length=2000)


# ---------------------------------------------------------------------------------------------
# Micro-wishes


class WishEventSerializer(serializers.ModelSerializer):
    action = serializers.CharField()
    action_display = serializers.CharField(source="get_action_display")
    from_status = serializers.CharField(help_text=_("原状态（发布时为空）"))
    to_status = serializers.CharField(help_text=_("新状态"))

    class Meta:
        model = WishEvent
        fields = ["action", "action_display", "from_status", "to_status", "note", "created_at"]


class WishSerializer(serializers.ModelSerializer):
    """A wish as staff and claimers see it. ``beneficiary`` and ``beneficiary_name`` appear only
    for callers who may see that person (``context["visible_people"]``); otherwise the keys are
    left out. ``claimer_phone`` appears only to the claimer and the community's staff."""

    category = serializers.CharField(help_text=_("类别代码"))
    category_display = serializers.CharField(source="get_category_display")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("社区编码"))
    community = serializers.CharField(source="area.name")
    status = serializers.CharField(
        help_text=_(
            "状态：posted 待认领、claimed 已认领、fulfilled 已完成、confirmed 已确认、withdrawn 已撤回、expired 已过期"
        )
    )
    status_display = serializers.CharField(source="get_status_display")
    beneficiary = serializers.IntegerField(
        source="beneficiary_id", required=False, help_text=_("心愿人（人员 ID），仅对可查看此人的用户显示")
    )
    beneficiary_name = serializers.CharField(
        source="beneficiary.name", required=False, help_text=_("心愿人姓名，仅对可查看此人的用户显示")
    )
    claimer_phone = serializers.CharField(
        required=False,
        help_text=_(
            "仅认领人和社区工作人员可见；认领人本人看到完整号码，工作人员看到脱敏号码，"
            "可通过 reveal-claimer-phone 说明理由后查看完整号码"
        ),
    )
    photo_count = serializers.SerializerMethodField()

    class Meta:
        model = Wish
        fields = [
            "id",
            "title",
            "category",
            "category_display",
            "description",
            "estimated_value",
            "area",
            "community",
            "beneficiary",
            "beneficiary_name",
            "status",
            "status_display",
            "expires_on",
            "claim_days",
            "fulfil_by",
            "claimer_kind",
            "claimer_name",
            "claimer_organization",
            "claimer_phone",
            "proof",
            "photo_count",
            "created_at",
        ]

    def get_photo_count(self, obj: Wish) -> int:
        return len(obj.photos.all())

    def to_representation(self, instance: Wish) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.beneficiary_id not in self.context.get("visible_people", ()):
            data.pop("beneficiary", None)
            data.pop("beneficiary_name", None)
        if instance.pk not in self.context.get("phone_visible", ()):
            data.pop("claimer_phone", None)
        else:
            request = self.context.get("request")
            if request is not None and instance.claimed_by_id == getattr(request.user, "pk", None):
                # The claimer's own number, as they typed it; everyone else reads it masked.
                data["claimer_phone"] = instance.reveal_sealed("claimer_phone")
        return data


class WishDetailSerializer(WishSerializer):
    events = WishEventSerializer(many=True)

    class Meta(WishSerializer.Meta):
        fields = [*WishSerializer.Meta.fields, "events"]


class WallWishSerializer(serializers.ModelSerializer):
    """A wish on the public wall: what is wished and where, never who wishes it."""

    category = serializers.CharField(help_text=_("类别代码"))
    category_display = serializers.CharField(source="get_category_display")
    community = serializers.CharField(source="area.name", help_text=_("社区名称"))

    class Meta:
        model = Wish
        fields = [
            "id",
            "category",
            "category_display",
            "title",
            "description",
            "community",
            "estimated_value",
            "expires_on",
        ]


class WishWriteSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(help_text=_("心愿人（人员 ID，须在您的社区）"))
    title = serializers.CharField(max_length=100)
    category = CodeField(WishCategory.choices)
    estimated_value = serializers.DecimalField(max_digits=10, decimal_places=2, help_text=_("预估价值（元）"))
    expires_on = serializers.DateField(help_text=_("征集截止日期"))
    description = serializers.CharField(required=False, allow_blank=True, default="")
    claim_days = serializers.IntegerField(
        min_value=1, max_value=90, required=False, default=14, help_text=_("认领后完成期限（天）")
    )


class ClaimSerializer(serializers.Serializer):
    claimer_kind = serializers.ChoiceField(choices=ClaimerKind.choices)
    claimer_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text=_("爱心人士须填写")
    )
    organization = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("以组织名义认领时的组织 ID（须为您负责的组织）")
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class FulfilSerializer(serializers.Serializer):
    proof = serializers.CharField(help_text=_("完成情况说明"))
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_("照片（multipart/form-data，可多张）"),
    )


class WishNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# Certificates


class CertificateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="volunteer.person.name")
    volunteer_number = serializers.CharField(source="volunteer.number")
    pdf = serializers.SerializerMethodField(help_text=_("PDF 下载地址"))
    verify = serializers.SerializerMethodField(help_text=_("公开核验地址"))

    class Meta:
        model = Certificate
        fields = [
            "number",
            "volunteer",
            "name",
            "volunteer_number",
            "hours",
            "records",
            "first_served_on",
            "last_served_on",
            "star_level",
            "issued_at",
            "pdf",
            "verify",
        ]

    def get_pdf(self, obj: Certificate) -> str:
        return f"/api/v1/certificates/{obj.number}/pdf/"

    def get_verify(self, obj: Certificate) -> str:
        return f"/api/v1/certificates/{obj.number}/verify/"


class CertificateWriteSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("志愿者 ID；省略为本人")
    )


class CertificateVerificationSerializer(serializers.Serializer):
    number = serializers.CharField()
    valid = serializers.BooleanField()
    name = serializers.CharField(help_text=_("姓名（脱敏：首字加 *）"))
    hours = serializers.DecimalField(**HOURS)
    records = serializers.IntegerField()
    star_level = serializers.IntegerField()
    issued_at = serializers.DateTimeField()


# ---------------------------------------------------------------------------------------------
# Community correction (the justice role only)


class SupervisionEventSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_("lost_contact 脱管、reoffence 再犯罪"))
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = SupervisionEvent
        fields = ["id", "kind", "kind_display", "occurred_on", "note", "created_at"]


class ParticipationSerializer(serializers.Serializer):
    activities = serializers.IntegerField(help_text=_("参加的活动"))
    hours = serializers.DecimalField(help_text=_("已认定时长（小时）"), **HOURS)
    missed = serializers.IntegerField(help_text=_("报名后未到的已结束活动"))


class CorrectionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name")
    organization_name = serializers.CharField(source="organization.name")
    participation = serializers.SerializerMethodField()
    events = SupervisionEventSerializer(many=True)

    class Meta:
        model = CorrectionAssignment
        fields = [
            "id",
            "person",
            "name",
            "organization",
            "organization_name",
            "starts_on",
            "ends_on",
            "note",
            "participation",
            "events",
        ]

    @extend_schema_field(ParticipationSerializer)
    def get_participation(self, obj: CorrectionAssignment) -> dict[str, Any]:
        from gongzhi.volunteers import queries

        # A list passes the whole page's participation in the context (three queries per page).
        done = self.context.get("participation", {})
        found = done.get(obj.pk) if done else None
        return ParticipationSerializer(found or queries.participation(obj)).data


class CorrectionWriteSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text=_("人员 ID"))
    organization = serializers.IntegerField(help_text=_("监管服务组织 ID"))
    starts_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SupervisionEventWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SupervisionEventKind.choices)
    occurred_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EndCorrectionSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class FiguresQuerySerializer(serializers.Serializer):
    under = serializers.CharField(required=False, help_text=_("区域编码，默认为您的全部辖区"))
    since = serializers.DateField(required=False, help_text=_("自该日期起"))


class CorrectionFiguresSerializer(serializers.Serializer):
    served = serializers.IntegerField(help_text=_("服务的人数"))
    lost_contact = serializers.IntegerField(help_text=_("其中脱管人数"))
    reoffended = serializers.IntegerField(help_text=_("其中再犯罪人数"))
    lost_contact_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text=_("脱管率（%）")
    )
    reoffence_rate = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text=_("再犯罪率（%）")
    )
