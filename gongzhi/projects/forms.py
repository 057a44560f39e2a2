"""Forms for the public-welfare project pages. They collect input; every rule lives in
``projects.services``.

Fields a service checks (an amount, a reason, an opinion, a voucher) are optional or loosely
typed here, so that the service's own message — which names the limit and by how much, or
says what is missing — is the one the user sees.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.cases.forms import MultiplePhotoField, photo_help
from gongzhi.organizations.choices import ServiceDomain
from gongzhi.organizations.forms import AreaChoiceField, DomainErrorFormMixin
from gongzhi.projects.choices import (
    AwardLevel,
    FundingKind,
    IndicatorKind,
    LifecycleCategory,
    ProjectStatus,
)
from gongzhi.projects.models import FundingSource, Milestone, Programme, ProjectClaim

MILESTONE_ROWS = 5
INDICATOR_ROWS = 4

DATE_INPUT = {"type": "date"}


def _date_field(label: Any, *, required: bool = False, initial: Any = None) -> forms.DateField:
    # An <input type="date"> only takes ISO dates; the Chinese locale would render 2026/11/27.
    return forms.DateField(
        label=label,
        required=required,
        initial=initial,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )


def _text(label: Any, rows: int = 2, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("required", False)
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def _amount(label: Any = None) -> forms.CharField:
    # Text, not a DecimalField: services.money() parses it and says exactly what is wrong.
    return forms.CharField(
        label=label or _("金额（元）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
    )


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Programme) -> str:
        return f"{obj.name}（{obj.year}）"


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FundingSource) -> str:
        return f"{obj.name}（{obj.year}，{obj.get_kind_display()}）"


# --- lists --------------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    """The project list's filters; every one optional, unknown values ignored."""

    q = forms.CharField(label=_("名称"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *ProjectStatus.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("民生类别"), choices=[("", _("全部")), *LifecycleCategory.choices], required=False
    )
    programme = forms.TypedChoiceField(
        label=_("项目计划"), choices=[("", _("全部"))], coerce=int, empty_value=None, required=False
    )
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    area = forms.CharField(label=_("区域编码"), required=False)

    def __init__(self, *args: Any, programmes: list[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("全部")), *programmes]


# --- programmes, funding sources, projects ---------------------------------------------------


class ProgrammeForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year
    )
    publisher = forms.CharField(
        label=_("发布单位"), max_length=100, help_text=_("例如“区委社会工作部”或“新碶街道党工委”。")
    )
    area = AreaChoiceField(label=_("区域"), queryset=Area.objects.none(), empty_label=_("请选择区域"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            Area.objects.visible_to(user, "projects.add_programme")
            .exclude(level=AreaLevel.GRID)
            .order_by("path")
        )


class FundingSourceForm(DomainErrorFormMixin, forms.Form):
    """A funding source; the donor fields apply to corporate targeted donations only."""

    kind = forms.ChoiceField(label=_("资金类型"), choices=FundingKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year
    )
    amount = _amount()
    area = AreaChoiceField(label=_("所属区域"), queryset=Area.objects.none(), empty_label=None)
    donor_name = forms.CharField(label=_("捐赠企业"), max_length=100, required=False)
    donor_credit_code = forms.CharField(
        label=_("捐赠企业统一社会信用代码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
    )
    restriction = forms.ChoiceField(
        label=_("限定用途"),
        choices=[("", _("不限定")), *LifecycleCategory.choices],
        required=False,
        help_text=_("定向捐赠只能用于该民生类别的项目。"),
    )
    receipt_issued = forms.BooleanField(label=_("已开具捐赠票据（可用于税前扣除）"), required=False)

    DONOR_FIELDS = ("donor_name", "donor_credit_code", "restriction", "receipt_issued")

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user, "projects.add_fundingsource").filter(
            level=AreaLevel.DISTRICT
        )


class ProjectForm(DomainErrorFormMixin, forms.Form):
    """A new project (a draft): what, where, for whom, and its plan — up to MILESTONE_ROWS
    milestones and INDICATOR_ROWS target indicators; empty rows are ignored."""

    title = forms.CharField(label=_("项目名称"), max_length=200, required=False)
    lifecycle_category = forms.ChoiceField(
        label=_("民生类别"), choices=[("", _("请选择")), *LifecycleCategory.choices], required=False
    )
    area = AreaChoiceField(label=_("服务区域"), queryset=Area.objects.none(), empty_label=_("请选择区域"))
    programme = ProgrammeChoiceField(
        label=_("项目计划"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("不属于项目计划"),
    )
    year = forms.IntegerField(
        label=_("年度"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("留空则取项目计划的年度或今年。"),
    )
    publisher = forms.CharField(
        label=_("发布单位"), max_length=100, required=False, help_text=_("留空则取项目计划的发布单位。")
    )
    description = _text(_("项目简介"), rows=3)
    service_domains = forms.MultipleChoiceField(
        label=_("服务领域"),
        choices=ServiceDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    competitive = forms.BooleanField(
        label=_("竞争性申报"), required=False, help_text=_("勾选后组织需申报，由发布单位选定承接方。")
    )
    max_claimants = forms.IntegerField(label=_("承接方数量上限"), min_value=1, max_value=50, initial=1)
    starts_on = _date_field(_("开始日期"))
    ends_on = _date_field(_("结束日期"))
    case_services = forms.BooleanField(
        label=_("含个案服务"),
        required=False,
        help_text=_("个案档案仅项目个案社工和授权人员可见，每次查看均留痕。"),
    )

    field_aliases = {"milestones": "__all__", "indicators": "__all__"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user, "projects.add_project").order_by("path")
        self.fields["programme"].queryset = Programme.objects.visible_to(user).order_by("-year", "name")
        for i in range(MILESTONE_ROWS):
            self.fields[f"milestone_title_{i}"] = forms.CharField(
                label=_("里程碑"), max_length=200, required=False
            )
            self.fields[f"milestone_due_{i}"] = _date_field(_("计划完成日期"))
        for i in range(INDICATOR_ROWS):
            self.fields[f"indicator_kind_{i}"] = forms.ChoiceField(
                label=_("指标类型"), choices=[("", "—"), *IndicatorKind.choices], required=False
            )
            self.fields[f"indicator_name_{i}"] = forms.CharField(
                label=_("指标名称"), max_length=100, required=False
            )
            self.fields[f"indicator_target_{i}"] = forms.DecimalField(
                label=_("目标值"), max_digits=12, decimal_places=2, min_value=0, required=False
            )
            self.fields[f"indicator_unit_{i}"] = forms.CharField(
                label=_("单位"), max_length=16, required=False
            )

    def milestone_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"milestone_title_{i}"], self[f"milestone_due_{i}"]) for i in range(MILESTONE_ROWS)]

    def indicator_rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (
                self[f"indicator_kind_{i}"],
                self[f"indicator_name_{i}"],
                self[f"indicator_target_{i}"],
                self[f"indicator_unit_{i}"],
            )
            for i in range(INDICATOR_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for i in range(MILESTONE_ROWS):
            title, due = data.get(f"milestone_title_{i}"), data.get(f"milestone_due_{i}")
            if title and not due and f"milestone_due_{i}" not in self.errors:
                self.add_error(f"milestone_due_{i}", _("请填写计划完成日期。"))
            elif due and not title:
                self.add_error(f"milestone_title_{i}", _("请填写里程碑名称。"))
        for i in range(INDICATOR_ROWS):
            kind, target = data.get(f"indicator_kind_{i}"), data.get(f"indicator_target_{i}")
            if kind and target is None and f"indicator_target_{i}" not in self.errors:
                self.add_error(f"indicator_target_{i}", _("请填写目标值。"))
            elif target is not None and not kind:
                self.add_error(f"indicator_kind_{i}", _("请选择指标类型。"))
        return data

    def milestones(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"title": data[f"milestone_title_{i}"], "due_on": data[f"milestone_due_{i}"]}
            for i in range(MILESTONE_ROWS)
            if data.get(f"milestone_title_{i}")
        ]

    def indicators(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "kind": data[f"indicator_kind_{i}"],
                "name": data[f"indicator_name_{i}"],
                "target": data[f"indicator_target_{i}"],
                "unit": data[f"indicator_unit_{i}"],
            }
            for i in range(INDICATOR_ROWS)
            if data.get(f"indicator_kind_{i}")
        ]


# --- transitions on the project page -----------------------------------------------------------


class EmptyForm(DomainErrorFormMixin, forms.Form):
    pass


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.area.name}）"


class ClaimForm(DomainErrorFormMixin, forms.Form):
    organization = OrganizationChoiceField(label=_("以哪个组织认领"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, organizations: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ApplyForm(ClaimForm):
    proposal = _text(_("申报方案"), rows=4, help_text=_("服务对象、服务内容、实施计划和团队。"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].label = _("以哪个组织申报")


class ClaimDecisionForm(DomainErrorFormMixin, forms.Form):
    """Select (or withdraw) one application, named by a hidden field."""

    claim = forms.ModelChoiceField(queryset=ProjectClaim.objects.none(), widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明（可选）"), max_length=500, required=False)

    field_aliases = {"organization": "__all__"}

    def __init__(self, *args: Any, claims: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = claims


class NoteForm(DomainErrorFormMixin, forms.Form):
    note = _text(_("说明（可选）"))

    field_aliases = {"milestones": "__all__"}


class ReasonForm(DomainErrorFormMixin, forms.Form):
    reason = _text(_("原因"))


class AcceptForm(DomainErrorFormMixin, forms.Form):
    opinion = _text(_("验收意见"), rows=3)
    accepted_on = _date_field(_("验收日期"), initial=timezone.localdate)


def _score(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=5, decimal_places=2, min_value=0, max_value=100, widget=forms.NumberInput
    )


class EvaluateForm(DomainErrorFormMixin, forms.Form):
    """The four scores (0–100); their weighted total earns the grade."""

    quantity = _score(_("数量得分（权重 30%）"))
    quality = _score(_("质量得分（权重 30%）"))
    satisfaction = _score(_("满意度得分（权重 20%）"))
    funds_use = _score(_("资金使用得分（权重 20%）"))
    evaluator_org = forms.CharField(label=_("评估机构（可选）"), max_length=100, required=False)
    evaluated_on = _date_field(_("评估日期"), initial=timezone.localdate)
    comment = _text(_("评估意见"), rows=3)


class MilestoneCompleteForm(DomainErrorFormMixin, forms.Form):
    evidence = forms.CharField(label=_("完成情况"), max_length=1000, required=False)
    completed_on = _date_field(_("完成日期"), initial=timezone.localdate)


class IndicatorActualForm(DomainErrorFormMixin, forms.Form):
    actual = forms.CharField(label=_("实际值"), max_length=20, required=False)


# --- money ------------------------------------------------------------------------------------


class AllocationForm(DomainErrorFormMixin, forms.Form):
    source = SourceChoiceField(label=_("资金来源"), queryset=FundingSource.objects.none(), empty_label=None)
    amount = _amount()
    note = forms.CharField(label=_("说明（可选）"), max_length=500, required=False)

    def __init__(self, *args: Any, sources: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources


class DisbursementForm(AllocationForm):
    voucher = forms.CharField(label=_("凭证号"), max_length=64, required=False)
    paid_on = _date_field(_("拨付日期"), required=True, initial=timezone.localdate)

    field_order = ("source", "amount", "voucher", "paid_on", "note")


class ReversalForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=500, required=False)


# --- delivery, awards, caseworkers, case records -------------------------------------------------


class DeliveryForm(DomainErrorFormMixin, forms.Form):
    """A delivery report (服务记录): an activity held, people and person-times served, photos."""

    title = forms.CharField(label=_("活动名称"), max_length=200, required=False)
    held_on = _date_field(_("活动日期"), required=True, initial=timezone.localdate)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    beneficiaries = forms.IntegerField(label=_("服务人数"), min_value=0, initial=0)
    person_times = forms.IntegerField(
        label=_("服务人次"), min_value=0, initial=0, help_text=_("每人每次计一人次，不少于服务人数。")
    )
    satisfaction = forms.DecimalField(
        label=_("满意度（%，可选）"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
    )
    milestone = forms.ModelChoiceField(
        label=_("推进的里程碑（可选）"), queryset=Milestone.objects.none(), required=False, empty_label="—"
    )
    content = _text(_("服务内容"), rows=4)
    photos = MultiplePhotoField(label=_("活动照片（可选）"), camera=False)

    def __init__(self, *args: Any, milestones: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = milestones
        self.fields["photos"].help_text = photo_help()


class AwardForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=_("奖项名称"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("级别"), choices=AwardLevel.choices)
    issuer = forms.CharField(label=_("颁发单位"), max_length=100, required=False)
    awarded_on = _date_field(_("获奖日期"), required=True, initial=timezone.localdate)
    organization = OrganizationChoiceField(
        label=_("获奖组织（可选）"), queryset=None, required=False, empty_label=_("仅项目获奖")
    )

    field_aliases = {"project": "__all__"}

    def __init__(self, *args: Any, organizations: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class CaseworkerForm(DomainErrorFormMixin, forms.Form):
    username = forms.CharField(
        label=_("社工的登录用户名"), max_length=150, help_text=_("该用户将能查看和填写本项目的个案档案。")
    )

    field_aliases = {"project": "__all__"}


class CaseRecordForm(DomainErrorFormMixin, forms.Form):
    household = forms.CharField(label=_("服务对象"), max_length=100, required=False)
    members = forms.IntegerField(label=_("家庭人数"), min_value=1, initial=1)
    opened_on = _date_field(_("开案日期"), initial=timezone.localdate)
    needs = _text(_("需求评估"), rows=3)
    plan = _text(_("服务计划"), rows=3)

    field_aliases = {"project": "__all__"}


class CaseNoteForm(DomainErrorFormMixin, forms.Form):
    noted_on = _date_field(_("服务日期"), initial=timezone.localdate)
    content = _text(_("服务内容"), rows=3)
