"""The organizations API's boundary: how organizations, members, applications, incubations,
reports, ratings and alliances look, and the bodies each write accepts.

Statuses and kinds are plain strings next to a ``*_display`` label; areas travel as codes,
people and organizations as ids. Writes are validated here and carried out by
``gongzhi.organizations.services``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongzhi.organizations.choices import (
    FilingCategory,
    IncubationStage,
    LegalForm,
    MemberRole,
    PartyOrgType,
    RatingLevel,
    ServiceDomain,
    Track,
)
from gongzhi.organizations.models import (
    Alliance,
    AlliancePost,
    AnnualReport,
    FilingApplication,
    Incubation,
    Membership,
    Organization,
    Rating,
    ServicePlatform,
)
from gongzhi.people.choices import PoliticalStatus

TRACK_HELP = _("管理类型：filed 备案、registered 登记")
STATUS_HELP = _(
    "状态：draft 草稿、applying 备案申请中、filed 已备案、registered 已登记、suspended 暂停活动、deregistered 已注销"
)
RATING_HELP = _("当前有效的评估等级（1A–5A），没有则为 null")


def level_label(level: int | None) -> str | None:
    return RatingLevel(level).label if level else None


# ---------------------------------------------------------------------------------------------
# Organizations


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization as lists and details show it. ``member_count`` and ``rating`` come from
    annotations on the queryset (one query for a whole page)."""

    track = serializers.CharField(help_text=TRACK_HELP)
    track_display = serializers.CharField(source="get_track_display")
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    category_display = serializers.CharField(source="get_category_display")
    legal_form_display = serializers.CharField(source="get_legal_form_display")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("所在区域编码"))
    area_name = serializers.CharField(source="area.name")
    street = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("备案街道编码"))
    leader = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("负责人（人员 ID）"))
    leader_name = serializers.SerializerMethodField()
    has_charter = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField(help_text=RATING_HELP)
    domains = serializers.SerializerMethodField(help_text=_("服务领域代码列表"))
    member_count = serializers.IntegerField(read_only=True, help_text=_("现有成员数"))

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "track",
            "track_display",
            "status",
            "status_display",
            "category",
            "category_display",
            "legal_form",
            "legal_form_display",
            "credit_code",
            "registering_authority",
            "registered_on",
            "area",
            "area_name",
            "street",
            "venue",
            "leader",
            "leader_name",
            "has_charter",
            "description",
            "phone",
            "founded_on",
            "filing_number",
            "filed_on",
            "rating",
            "domains",
            "party_org_type",
            "party_org_name",
            "is_incubating",
            "member_count",
            "created_at",
            "updated_at",
        ]

    def get_leader_name(self, obj: Organization) -> str | None:
        return obj.leader.name if obj.leader_id else None

    def get_has_charter(self, obj: Organization) -> bool:
        return bool(obj.charter)

    @extend_schema_field({"type": "string", "nullable": True, "pattern": "^[1-5]A$", "example": "3A"})
    def get_rating(self, obj: Organization) -> str | None:
        return level_label(getattr(obj, "rating_level", None))

    def get_domains(self, obj: Organization) -> list[str]:
        return sorted(d.domain for d in obj.domains.all())


class OrganizationWriteSerializer(serializers.Serializer):
    """The body of create (JSON or multipart with ``charter``) and patch."""

    name = serializers.CharField(max_length=100)
    track = serializers.ChoiceField(
        choices=Track.choices,
        required=False,
        default=Track.FILED,
        help_text=_("filed（默认）新建备案草稿；registered 直接登记，需同时给出登记信息"),
    )
    category = serializers.ChoiceField(choices=FilingCategory.choices, required=False, allow_blank=True)
    area = serializers.CharField(max_length=32, help_text=_("所在区域编码（须在您的管辖范围内）"))
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    leader = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("负责人（人员 ID，须在您可见的人员中）")
    )
    description = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    founded_on = serializers.DateField(required=False, allow_null=True)
    domains = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceDomain.choices),
        required=False,
        help_text=_("服务领域代码；修改时整体替换"),
    )
    charter = serializers.FileField(required=False, help_text=_("章程文件（multipart/form-data 上传）"))
    legal_form = serializers.ChoiceField(choices=LegalForm.choices, required=False)
    credit_code = serializers.CharField(max_length=18, required=False)
    registering_authority = serializers.CharField(max_length=100, required=False)
    registered_on = serializers.DateField(required=False)


class OrganizationPatchSerializer(OrganizationWriteSerializer):
    track = None  # type: ignore[assignment]
    legal_form = None  # type: ignore[assignment]
    credit_code = None  # type: ignore[assignment]
    registering_authority = None  # type: ignore[assignment]
    registered_on = None  # type: ignore[assignment]


class MembershipSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("人员 ID"))
    person_name = serializers.CharField(source="person.name")
    is_party_member = serializers.SerializerMethodField()
    role = serializers.CharField(help_text=_("职务：leader、deputy、secretary、member"))
    role_display = serializers.CharField(source="get_role_display")

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "person_name",
            "is_party_member",
            "role",
            "role_display",
            "joined_on",
            "left_on",
        ]

    def get_is_party_member(self, obj: Membership) -> bool:
        return obj.person.political_status in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)


class MembershipWriteSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text=_("人员 ID（须在您可见的人员中）"))
    role = serializers.ChoiceField(choices=MemberRole.choices, required=False, default=MemberRole.MEMBER)
    joined_on = serializers.DateField(required=False, allow_null=True)


class LeaveSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text=_("退出日期，默认今天"))


class RuleResultSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text=_("规则编码"))
    message = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField(help_text=_("还缺什么（已满足时为现状或空）"))


class RegisterSerializer(serializers.Serializer):
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    credit_code = serializers.CharField(
        max_length=32, help_text=_("统一社会信用代码（18 位，GB 32100 校验）")
    )
    registering_authority = serializers.CharField(max_length=100)
    registered_on = serializers.DateField()


class OrgReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PartyBuildingSerializer(serializers.Serializer):
    party_org_type = serializers.ChoiceField(choices=PartyOrgType.choices)
    party_org_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class FilingApplicationSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    street = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("受理街道编码"))
    status = serializers.CharField(help_text=_("状态：pending 待审核、approved 准予备案、refused 不予备案"))
    status_display = serializers.CharField(source="get_status_display")
    checklist = RuleResultSerializer(many=True, help_text=_("申请时的条件核验结果"))

    class Meta:
        model = FilingApplication
        fields = [
            "id",
            "organization",
            "organization_name",
            "street",
            "status",
            "status_display",
            "checklist",
            "submitted_at",
            "decided_at",
            "refusal_reason",
            "filing_number",
        ]


class ImportProblemSerializer(serializers.Serializer):
    sheet = serializers.CharField(help_text=_("工作表：组织 或 成员"))
    row = serializers.IntegerField(help_text=_("行号（表头为第 1 行）"))
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    organizations = serializers.IntegerField(help_text=_("新建组织数"))
    members = serializers.IntegerField(help_text=_("新增成员数"))
    people = serializers.IntegerField(help_text=_("新登记人员数"))
    applications = serializers.IntegerField(help_text=_("提交的备案申请数"))


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("XLSX 文件（工作表“组织”和“成员”，见导入模板）"))
    dry_run = serializers.BooleanField(required=False, default=False, help_text=_("只检查，不写入"))


class StatsQuerySerializer(serializers.Serializer):
    under = serializers.CharField(help_text=_("区域编码"))


class PartyBuildingSharesSerializer(serializers.Serializer):
    party_members = serializers.IntegerField()
    party_members_in_orgs = serializers.IntegerField()
    member_share = serializers.FloatField(allow_null=True)
    leaders = serializers.IntegerField()
    party_leaders = serializers.IntegerField()
    leader_share = serializers.FloatField(allow_null=True)


class OrganizationStatsSerializer(serializers.Serializer):
    area = serializers.CharField()
    population = serializers.IntegerField()
    total = serializers.IntegerField()
    by_track = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    per_10k = serializers.DictField(child=serializers.FloatField(allow_null=True))
    party_building = PartyBuildingSharesSerializer()


# ---------------------------------------------------------------------------------------------
# Incubation and platforms


class ServicePlatformSerializer(serializers.ModelSerializer):
    level = serializers.CharField(help_text=_("层级：district、street、community"))
    level_display = serializers.CharField(source="get_level_display")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ServicePlatform
        fields = ["id", "name", "level", "level_display", "area", "address"]


class IncubationSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    platform_name = serializers.CharField(source="platform.name")
    stage = serializers.CharField(
        help_text=_("阶段：entered 入驻、cultivating 培育、graduated 出壳、withdrawn 退出")
    )
    stage_display = serializers.CharField(source="get_stage_display")

    class Meta:
        model = Incubation
        fields = [
            "id",
            "organization",
            "organization_name",
            "platform",
            "platform_name",
            "stage",
            "stage_display",
            "mentor",
            "entered_on",
            "cultivating_on",
            "ended_on",
            "outcome",
        ]


class IncubationWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    platform = serializers.IntegerField()
    mentor = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    entered_on = serializers.DateField(required=False, allow_null=True)


class AdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[IncubationStage.CULTIVATING, IncubationStage.GRADUATED, IncubationStage.WITHDRAWN]
    )
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True)


# ---------------------------------------------------------------------------------------------
# Annual reports and ratings


class AnnualReportSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "organization",
            "organization_name",
            "year",
            "activities",
            "members",
            "income",
            "expenses",
            "party_building",
            "summary",
            "submitted_at",
        ]


class AnnualReportWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField()
    activities = serializers.IntegerField(min_value=0, required=False, default=0)
    members = serializers.IntegerField(min_value=0, required=False, default=0)
    income = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    expenses = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    party_building = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class MissingReportsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("年度"))
    under = serializers.CharField(help_text=_("区域编码"))


class RatingSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    level = serializers.SerializerMethodField(help_text=_("等级：1A–5A"))

    class Meta:
        model = Rating
        fields = [
            "id",
            "organization",
            "organization_name",
            "level",
            "score",
            "rated_on",
            "valid_until",
            "assessor",
        ]

    @extend_schema_field({"type": "string", "pattern": "^[1-5]A$", "example": "3A"})
    def get_level(self, obj: Rating) -> str:
        return RatingLevel(obj.level).label


@extend_schema_field({"type": "string", "pattern": "^[1-5]A$", "example": "3A"})
class RatingLevelField(serializers.Field):
    """``"3A"`` (or the number 3)."""

    default_error_messages = {"invalid": _("等级应为 1A–5A。")}

    def to_internal_value(self, data: Any) -> int:
        text = str(data).strip().upper().removesuffix("A")
        if text.isdigit() and 1 <= int(text) <= 5:
            return int(text)
        self.fail("invalid")
        return 0  # pragma: no cover - fail raises

    def to_representation(self, value: int) -> str:
        return RatingLevel(value).label


class RatingWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    level = RatingLevelField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1)
    rated_on = serializers.DateField()
    assessor = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# Alliances


class AllianceSerializer(serializers.ModelSerializer):
    """An alliance with its combined figures (annotated on the queryset)."""

    lead_name = serializers.CharField(source="lead.name")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    member_organizations = serializers.IntegerField(read_only=True, help_text=_("成员组织数"))
    total_members = serializers.IntegerField(read_only=True, help_text=_("成员组织的现有成员（人，去重）"))
    posts = serializers.IntegerField(source="post_count", read_only=True, help_text=_("动态条数"))

    class Meta:
        model = Alliance
        fields = [
            "id",
            "name",
            "lead",
            "lead_name",
            "area",
            "description",
            "founded_on",
            "member_organizations",
            "total_members",
            "posts",
        ]


class AllianceMemberSerializer(serializers.Serializer):
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    joined_on = serializers.DateField()


class AllianceDetailSerializer(AllianceSerializer):
    members = AllianceMemberSerializer(source="memberships", many=True)

    class Meta(AllianceSerializer.Meta):
        fields = [*AllianceSerializer.Meta.fields, "members"]


class AllianceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    lead = serializers.IntegerField(help_text=_("牵头组织 ID"))
    area = serializers.CharField(max_length=32, help_text=_("区域编码"))
    description = serializers.CharField(required=False, allow_blank=True, default="")
    founded_on = serializers.DateField(required=False, allow_null=True)


class AllianceJoinSerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("加入的组织 ID"))
    joined_on = serializers.DateField(required=False, allow_null=True)


class AlliancePostSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name")
    author = serializers.CharField(source="author.username")

    class Meta:
        model = AlliancePost
        fields = ["id", "organization", "organization_name", "author", "title", "body", "created_at"]


class AlliancePostWriteSerializer(serializers.Serializer):
    organization = serializers.IntegerField(help_text=_("发布组织 ID（须为联盟成员）"))
    title = serializers.CharField(max_length=100)
    body = serializers.CharField()
