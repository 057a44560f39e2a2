"""Forms for the volunteer pages. They collect input; every rule lives in
``volunteers.services``.

Fields a service checks (a reason, hours, a window) are optional or loosely typed here, so that
the service's own message — which says what to fix — is the one the user sees. Choice fields
take their querysets from the view, which starts them from ``visible_to(user)``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.cases.forms import MultiplePhotoField, photo_help
from gongzhi.organizations.forms import AreaChoiceField, DomainErrorFormMixin
from gongzhi.organizations.models import Organization
from gongzhi.people.models import Person
from gongzhi.volunteers.choices import (
    ActivityCategory,
    ClaimerKind,
    SupervisionEventKind,
    WishCategory,
    WishStatus,
)
from gongzhi.volunteers.models import Volunteer

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def person_label(person: Person) -> str:
    """Name, masked ID number and grid: enough to tell two namesakes apart, and no tags."""
    grid = person.home_grid.name if person.home_grid_id and person.home_grid else ""
    return f"{person.name} · {person.id_number_masked}" + (f" · {grid}" if grid else "")


class PersonField(forms.ModelChoiceField):
    """A person picked by name search (the options arrive by htmx); the queryset the view
    passes decides who may be picked."""

    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


class VolunteerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.person.name}（{obj.number}）"


def split_skills(text: str) -> list[str]:
    """Skills typed as one line: separated by commas (either width), 、 or spaces."""
    for sep in ("，", "、", ";", "；", " "):
        text = text.replace(sep, ",")
    return [s.strip() for s in text.split(",") if s.strip()]


# --- the register --------------------------------------------------------------------------


class VolunteerFilterForm(forms.Form):
    """The register's filters; every one optional, unknown values ignored."""

    q = forms.CharField(label=_("姓名或编号"), required=False)
    under = forms.CharField(label=_("区域编码"), required=False)
    organization = forms.ModelChoiceField(
        label=_("所属组织"), queryset=Organization.objects.none(), required=False, empty_label=_("全部")
    )
    skill = forms.CharField(label=_("技能特长"), required=False)
    party = forms.ChoiceField(
        label=_("政治面貌"),
        choices=[("", _("全部")), ("yes", _("党员及积极分子")), ("no", _("其他"))],
        required=False,
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class VolunteerDetailsForm(DomainErrorFormMixin, forms.Form):
    """Skills, availability and the organizations a volunteer serves with."""

    skills = forms.CharField(
        label=_("技能特长"),
        required=False,
        max_length=500,
        help_text=_("多项用逗号或顿号分隔，例如：理发、法律咨询、摄影。"),
    )
    availability = forms.CharField(
        label=_("可服务时间"),
        required=False,
        max_length=200,
        help_text=_("例如：周末上午、工作日晚上。"),
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("服务的组织"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = organizations

    def clean_skills(self) -> list[str]:
        return split_skills(self.cleaned_data.get("skills") or "")


class RegisterVolunteerForm(VolunteerDetailsForm):
    """Staff (or an organization's leader) register a person already on record."""

    person = PersonField(label=_("人员"), queryset=Person.objects.none(), empty_label=_("请先搜索姓名"))
    registered_on = forms.DateField(
        label=_("注册日期"), required=False, initial=timezone.localdate, widget=_date_input()
    )

    field_order = ["person", "skills", "availability", "organizations", "registered_on"]

    def __init__(self, *args: Any, people: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, organizations=organizations, **kwargs)
        self.fields["person"].queryset = people


# --- activities ----------------------------------------------------------------------------


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("活动名称"), required=False)
    category = forms.ChoiceField(
        label=_("服务类别"), choices=[("", _("全部")), *ActivityCategory.choices], required=False
    )
    organizer = forms.ModelChoiceField(
        label=_("组织方"), queryset=Organization.objects.none(), required=False, empty_label=_("全部")
    )
    when = forms.ChoiceField(
        label=_("时间"),
        choices=[("", _("全部")), ("upcoming", _("未结束")), ("past", _("已结束"))],
        required=False,
    )

    def __init__(self, *args: Any, organizers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = organizers


class ActivityForm(DomainErrorFormMixin, forms.Form):
    organizer = forms.ModelChoiceField(
        label=_("组织方"), queryset=Organization.objects.none(), empty_label=_("请选择组织")
    )
    title = forms.CharField(label=_("活动名称"), max_length=200, required=False)
    category = forms.ChoiceField(
        label=_("服务类别"), choices=[("", _("请选择类别")), *ActivityCategory.choices]
    )
    area = AreaChoiceField(label=_("活动区域"), queryset=Area.objects.none(), empty_label=_("请选择区域"))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_datetime_input())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=_datetime_input())
    capacity = forms.IntegerField(label=_("招募人数"), min_value=1, initial=10)
    signup_opens_at = forms.DateTimeField(
        label=_("报名开始"), required=False, widget=_datetime_input(), help_text=_("留空则立即开始报名。")
    )
    signup_closes_at = forms.DateTimeField(
        label=_("报名截止"), required=False, widget=_datetime_input(), help_text=_("留空则截至活动开始。")
    )
    cancel_cutoff_hours = forms.IntegerField(
        label=_("开始前多少小时停止取消报名"), min_value=0, max_value=168, initial=2
    )
    team = forms.CharField(label=_("服务队（可选）"), max_length=100, required=False)
    alliance = forms.ModelChoiceField(
        label=_("联合发布的联盟（可选）"), queryset=Organization.objects.none(), required=False
    )
    project = forms.ModelChoiceField(
        label=_("关联公益项目（可选）"), queryset=Organization.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, organizers: Any, areas: Any, alliances: Any, projects: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = organizers
        self.fields["area"].queryset = areas
        self.fields["alliance"].queryset = alliances
        self.fields["project"].queryset = projects


class ReasonForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, required=False)


class RosterForm(DomainErrorFormMixin, forms.Form):
    """The organizer's manual roster for a volunteer without a phone."""

    volunteer = VolunteerField(label=_("志愿者"), queryset=Volunteer.objects.none(), empty_label=_("请选择"))
    checked_in_at = forms.DateTimeField(label=_("签到时间"), widget=_datetime_input())
    checked_out_at = forms.DateTimeField(label=_("签退时间"), widget=_datetime_input())

    def __init__(self, *args: Any, volunteers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers


# --- service records ---------------------------------------------------------------------


class ApproveForm(DomainErrorFormMixin, forms.Form):
    hours = forms.CharField(
        label=_("认定时长（小时）"), required=False, help_text=_("留空则按计算时长认定。")
    )
    reason = forms.CharField(label=_("调整原因"), max_length=500, required=False)


class DeclineForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("不予认定原因"), max_length=500, required=False)


class AdjustForm(DomainErrorFormMixin, forms.Form):
    hours = forms.CharField(
        label=_("调整时长（小时，可为负数）"), required=False, help_text=_("例如 1.5 或 -0.5。")
    )
    reason = forms.CharField(label=_("调整原因"), max_length=500, required=False)


class RecordFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("认定组织"), queryset=Organization.objects.none(), required=False, empty_label=_("全部")
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ManualRecordForm(DomainErrorFormMixin, forms.Form):
    """A record outside any activity (手工补录), with the reason it is entered by hand."""

    volunteer = VolunteerField(label=_("志愿者"), queryset=Volunteer.objects.none(), empty_label=_("请选择"))
    organization = forms.ModelChoiceField(
        label=_("认定组织"), queryset=Organization.objects.none(), empty_label=_("请选择组织")
    )
    served_on = forms.DateField(label=_("服务日期"), initial=timezone.localdate, widget=_date_input())
    hours = forms.CharField(label=_("时长（小时）"), required=False)
    content = forms.CharField(label=_("服务内容"), max_length=500, required=False)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    started_at = forms.DateTimeField(label=_("开始时间（可选）"), required=False, widget=_datetime_input())
    ended_at = forms.DateTimeField(label=_("结束时间（可选）"), required=False, widget=_datetime_input())
    reason = forms.CharField(label=_("补录原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, volunteers: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.fields["organization"].queryset = organizations


# --- micro-wishes ---------------------------------------------------------------------------


class WishFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *WishStatus.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *WishCategory.choices], required=False
    )


class WishForm(DomainErrorFormMixin, forms.Form):
    beneficiary = PersonField(
        label=_("心愿人"),
        queryset=Person.objects.none(),
        empty_label=_("请先搜索姓名"),
        help_text=_("心愿墙上不会显示心愿人的任何信息。"),
    )
    title = forms.CharField(label=_("心愿"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("请选择类别")), *WishCategory.choices], required=False
    )
    estimated_value = forms.CharField(label=_("预估价值（元）"), required=False)
    expires_on = forms.DateField(label=_("征集截止日期"), widget=_date_input())
    claim_days = forms.IntegerField(label=_("认领后完成期限（天）"), initial=14)
    description = forms.CharField(
        label=_("心愿描述"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("会在心愿墙上公开：请勿写姓名、门牌号、电话等可识别心愿人的信息。"),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = people


class WishClaimForm(DomainErrorFormMixin, forms.Form):
    claimer_kind = forms.ChoiceField(
        label=_("认领身份"),
        choices=ClaimerKind.choices,
        initial=ClaimerKind.VOLUNTEER,
        widget=forms.RadioSelect,
    )
    claimer_name = forms.CharField(
        label=_("认领方名称"),
        max_length=100,
        required=False,
        help_text=_("以爱心人士身份认领时填写；志愿者和组织自动使用登记的名称。"),
    )
    organization = forms.ModelChoiceField(
        label=_("认领组织"), queryset=Organization.objects.none(), required=False, empty_label=_("请选择")
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("仅社区工作人员可见，用于联系心愿交付。"),
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if not organizations.exists():
            del self.fields["organization"]
            self.fields["claimer_kind"].choices = [
                c for c in ClaimerKind.choices if c[0] != ClaimerKind.ORGANIZATION
            ]


class WishFulfilForm(DomainErrorFormMixin, forms.Form):
    proof = forms.CharField(label=_("完成情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label=_("照片"), camera=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = photo_help()


class WishConfirmForm(DomainErrorFormMixin, forms.Form):
    note = forms.CharField(label=_("回访说明（可选）"), max_length=500, required=False)


# --- community correction (justice role) ---------------------------------------------------


class CorrectionAssignForm(DomainErrorFormMixin, forms.Form):
    person = PersonField(label=_("人员"), queryset=Person.objects.none(), empty_label=_("请先搜索姓名"))
    organization = forms.ModelChoiceField(
        label=_("监管服务组织"), queryset=Organization.objects.none(), empty_label=_("请选择组织")
    )
    starts_on = forms.DateField(label=_("开始日期"), initial=timezone.localdate, widget=_date_input())
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args: Any, people: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["organization"].queryset = organizations


class SupervisionEventForm(DomainErrorFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SupervisionEventKind.choices)
    occurred_on = forms.DateField(label=_("发生日期"), initial=timezone.localdate, widget=_date_input())
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class EndCorrectionForm(DomainErrorFormMixin, forms.Form):
    ends_on = forms.DateField(label=_("结束日期"), initial=timezone.localdate, widget=_date_input())


class CorrectionFilterForm(forms.Form):
    since = forms.DateField(label=_("统计起始日期"), required=False, widget=_date_input())
    state = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), ("active", _("在矫")), ("ended", _("已结束"))],
        required=False,
    )


# --- public ----------------------------------------------------------------------------------


class CertificateLookupForm(forms.Form):
    number = forms.CharField(
        label=_("证明编号"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono", "placeholder": "ZM2026-…"}
        ),
    )


class WallFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *WishCategory.choices], required=False
    )
