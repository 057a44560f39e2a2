"""Forms for the organization pages. They collect input; every rule lives in
``organizations.services``.

Fields a service checks (a reason, a credit code, a name) are optional or loosely typed here,
so that the service's own message — which says what to fix — is the one the user sees.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError
from gongzhi.organizations.choices import (
    FilingCategory,
    IncubationStage,
    LegalForm,
    MemberRole,
    OrgStatus,
    PartyOrgType,
    RatingLevel,
    ServiceDomain,
    Track,
)
from gongzhi.organizations.models import ServicePlatform
from gongzhi.people.choices import PoliticalStatus
from gongzhi.people.models import Person

# Levels an organization may be placed at (the service refuses anything above a street).
ORG_AREA_LEVELS = (AreaLevel.STREET, AreaLevel.ZONE, AreaLevel.COMMUNITY, AreaLevel.GRID)
PARTY_STATUSES = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)
INDENT = "\u3000"  # an ideographic space: indents Chinese names by one character


class DomainErrorFormMixin:
    """Puts a service's DomainError on the form field it names (or on the whole form)."""

    field_aliases: dict[str, str] = {}

    def add_domain_error(self, exc: DomainError) -> None:
        field = self.field_aliases.get(exc.field or "", exc.field)
        self.add_error(field if field in self.fields else None, str(exc.message))


class AreaChoiceField(forms.ModelChoiceField):
    """Areas in tree order, indented by depth so streets, communities and grids read as a tree."""

    def label_from_instance(self, obj: Area) -> str:
        return f"{INDENT * max(obj.depth - 1, 0)}{obj.name}（{obj.code}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


def person_label(person: Person) -> str:
    grid = person.home_grid.name if person.home_grid_id and person.home_grid else ""
    return f"{person.name} · {person.id_number_masked}" + (f" · {grid}" if grid else "")


def org_areas(user: Any, perm: str) -> QuerySet[Area]:
    return Area.objects.visible_to(user, perm).filter(level__in=ORG_AREA_LEVELS).order_by("path")


def people_for(user: Any) -> QuerySet[Person]:
    """People the user may pick (as a leader or a member): those in their jurisdiction."""
    return (
        Person.objects.visible_to(user)
        .select_related("home_grid")
        .defer("id_number_encrypted", "id_number_hash")
        .order_by("name", "id")
    )


# --- the filing form ----------------------------------------------------------------------


class OrganizationForm(DomainErrorFormMixin, forms.Form):
    """A community organization's profile: the facts the filing rules look at (leader,
    charter, venue; members are added on the profile) and the rest of its description."""

    name = forms.CharField(label=_("组织名称"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("请选择类别")), *FilingCategory.choices], required=False
    )
    area = AreaChoiceField(label=_("所在区域"), queryset=Area.objects.none(), empty_label=_("请选择区域"))
    venue = forms.CharField(
        label=_("活动场所"),
        max_length=200,
        required=False,
        help_text=_("相对固定的活动地点，例如“百合社区党群服务中心二楼”。"),
    )
    leader = PersonChoiceField(
        label=_("负责人"), queryset=Person.objects.none(), required=False, empty_label=_("请选择负责人")
    )
    charter = forms.FileField(
        label=_("章程"),
        required=False,
        help_text=_("PDF、Word 或图片。"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.doc,.docx,image/*", "data-charter-input": ""}),
    )
    domains = forms.MultipleChoiceField(
        label=_("服务领域"),
        choices=ServiceDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, perm: str = "organizations.add_organization", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area"].queryset = org_areas(user, perm)
        self.fields["leader"].queryset = people_for(user)


# --- members ------------------------------------------------------------------------------


class AddMemberForm(DomainErrorFormMixin, forms.Form):
    person = PersonChoiceField(label=_("人员"), queryset=Person.objects.none(), empty_label=_("请先搜索姓名"))
    role = forms.ChoiceField(label=_("职务"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    joined_on = forms.DateField(
        label=_("加入日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_for(user)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("职务"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


# --- lifecycle actions on the profile ----------------------------------------------------


class EmptyForm(DomainErrorFormMixin, forms.Form):
    pass


class ReasonForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, required=False)


class RegisterForm(DomainErrorFormMixin, forms.Form):
    """Registration (登记) with the civil-affairs bureau; ``name`` and ``area`` only for a new one."""

    name = forms.CharField(label=_("组织名称"), max_length=100, required=False)
    area = AreaChoiceField(label=_("所在区域"), queryset=Area.objects.none(), empty_label=_("请选择区域"))
    legal_form = forms.ChoiceField(
        label=_("登记类型"), choices=[("", _("请选择")), *LegalForm.choices], required=False
    )
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
        help_text=_("18 位，数字和大写字母，最后一位为校验位。"),
    )
    registering_authority = forms.CharField(
        label=_("登记管理机关"), max_length=100, required=False, initial=_("北仑区民政局")
    )
    registered_on = forms.DateField(
        label=_("登记日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )

    field_aliases = {"organization": "__all__"}

    def __init__(self, *args: Any, user: Any, new: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if new:
            self.fields["area"].queryset = Area.objects.visible_to(
                user, "organizations.register_organization"
            ).order_by("path")
        else:
            del self.fields["area"]
            self.fields["name"].help_text = _("留空则沿用现名称。")


class IncubateForm(DomainErrorFormMixin, forms.Form):
    platform = forms.ModelChoiceField(
        label=_("服务平台"), queryset=ServicePlatform.objects.none(), empty_label=None
    )
    mentor = forms.CharField(label=_("导师（可选）"), max_length=50, required=False)

    def __init__(self, *args: Any, platforms: QuerySet[ServicePlatform], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms


class AdvanceForm(DomainErrorFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("转为"), choices=())
    outcome = forms.CharField(label=_("孵化成果（出壳、退出时填写）"), max_length=500, required=False)

    def __init__(self, *args: Any, stages: tuple[str, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, IncubationStage(s).label) for s in stages]


class AnnualReportForm(DomainErrorFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"))
    activities = forms.IntegerField(label=_("开展活动次数"), min_value=0, initial=0)
    members = forms.IntegerField(label=_("年末成员数"), min_value=0, initial=0)
    income = forms.DecimalField(label=_("收入（元）"), max_digits=14, decimal_places=2, initial=0)
    expenses = forms.DecimalField(label=_("支出（元）"), max_digits=14, decimal_places=2, initial=0)
    party_building = forms.CharField(
        label=_("党建工作情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = forms.CharField(
        label=_("年度工作总结"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RateForm(DomainErrorFormMixin, forms.Form):
    level = forms.TypedChoiceField(label=_("等级"), choices=RatingLevel.choices, coerce=int)
    score = forms.DecimalField(label=_("得分"), max_digits=5, decimal_places=1, min_value=0)
    rated_on = forms.DateField(
        label=_("评估日期"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    assessor = forms.CharField(label=_("评估机构（可选）"), max_length=100, required=False)

    field_aliases = {"organization": "__all__"}


class PartyBuildingForm(DomainErrorFormMixin, forms.Form):
    party_org_type = forms.ChoiceField(label=_("党组织形式"), choices=PartyOrgType.choices)
    party_org_name = forms.CharField(label=_("党组织名称"), max_length=100, required=False)


# --- the street's review ------------------------------------------------------------------


class RefuseForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("不予备案理由"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- lists --------------------------------------------------------------------------------


class DirectoryFilterForm(forms.Form):
    """The directory's filters; every one optional, unknown values ignored."""

    q = forms.CharField(label=_("名称"), required=False)
    track = forms.ChoiceField(label=_("管理类型"), choices=[("", _("全部")), *Track.choices], required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *FilingCategory.choices], required=False
    )
    domain = forms.ChoiceField(
        label=_("服务领域"), choices=[("", _("全部")), *ServiceDomain.choices], required=False
    )
    area = forms.CharField(label=_("区域编码"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *OrgStatus.choices], required=False)
    rating = forms.TypedChoiceField(
        label=_("等级"),
        choices=[("", _("全部")), *RatingLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    incubating = forms.ChoiceField(
        label=_("孵化"), choices=[("", _("全部")), ("yes", _("孵化中")), ("no", _("未孵化"))], required=False
    )


class AlliancePostForm(DomainErrorFormMixin, forms.Form):
    organization = forms.ModelChoiceField(label=_("发布组织"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    body = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
