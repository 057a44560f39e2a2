"""Forms for the case pages. They collect input; every rule lives in ``cases.services``.

Fields that a service checks (a reason, a note, the photos, the location) are optional here
so that the service's own message — which says what to fix — is the one the user sees.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.cases.choices import CaseStatus, Satisfaction, Warning
from gongzhi.cases.models import Campaign, CaseCategory, HandlingUnit
from gongzhi.cases.photos import MAX_PHOTOS_PER_STAGE
from gongzhi.core.exceptions import DomainError


class DomainErrorFormMixin:
    """Puts a service's DomainError on the form field it names (or on the whole form)."""

    # Services name some fields differently from the forms that feed them.
    field_aliases: dict[str, str] = {}

    def add_domain_error(self, exc: DomainError) -> None:
        field = self.field_aliases.get(exc.field or "", exc.field)
        self.add_error(field if field in self.fields else None, str(exc.message))


# --- photos -------------------------------------------------------------------------------


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None, *, camera: bool = True) -> None:
        # capture="environment" opens the phone's rear camera straight away.
        base = {"accept": "image/*", "multiple": True}
        if camera:
            base["capture"] = "environment"
        super().__init__({**base, **(attrs or {})})


class MultiplePhotoField(forms.FileField):
    """Zero or more uploaded files, as a list. Type, size, pixels and count are checked by
    ``cases.photos`` when the service stores them."""

    def __init__(self, *args: Any, camera: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(camera=camera))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def photo_help() -> str:
    return _("JPEG、PNG 或 WebP，每张不超过 10 MB，最多 %(n)s 张。") % {"n": MAX_PHOTOS_PER_STAGE}


# --- categories and grids -----------------------------------------------------------------


def category_choices() -> list[tuple[Any, Any]]:
    """Active leaf categories grouped under their top-level category (an optgroup each);
    a top-level category without children is an option of its own."""
    categories = list(CaseCategory.objects.filter(is_active=True).order_by("code"))
    by_id = {c.pk: c for c in categories}
    parents = {c.parent_id for c in categories if c.parent_id}
    groups: dict[int, list[tuple[int, str]]] = {}
    choices: list[tuple[Any, Any]] = [("", _("请选择类别"))]
    for category in categories:
        if category.pk in parents:
            continue  # a branch: its children are the choices
        top = category
        trail = [category.name]
        while top.parent_id and top.parent_id in by_id:
            top = by_id[top.parent_id]
            trail.insert(0, top.name)
        if top is category:
            choices.append((category.pk, category.name))
        else:
            if top.pk not in groups:
                groups[top.pk] = []
                choices.append((top.name, groups[top.pk]))
            groups[top.pk].append((category.pk, " / ".join(trail[1:])))
    return choices


class CategoryField(forms.TypedChoiceField):
    """A grouped select of active leaf categories; cleans to the CaseCategory."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("事件类别"))
        super().__init__(choices=category_choices, coerce=int, **kwargs)

    def clean(self, value: Any) -> CaseCategory | None:
        pk = super().clean(value)
        if pk in (None, ""):
            return None
        try:
            return CaseCategory.objects.get(pk=pk)
        except CaseCategory.DoesNotExist:
            raise forms.ValidationError(_("请选择有效的事件类别。")) from None


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        parent = getattr(obj, "parent", None)
        return f"{parent.name} · {obj.name}" if parent and obj.level == AreaLevel.GRID else obj.name


# --- reporting ----------------------------------------------------------------------------


class ReportForm(DomainErrorFormMixin, forms.Form):
    """The grid member's mobile form: category, a few words, photos, location."""

    category = CategoryField()
    description = forms.CharField(
        label=_("问题描述"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("几句话说明问题，如：人行道堆放建筑垃圾")}),
    )
    photos = MultiplePhotoField(label=_("现场照片（1–9 张）"))
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    grid = AreaChoiceField(
        label=_("或直接选择网格"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("按定位自动识别"),
    )
    address = forms.CharField(
        label=_("地址（可选）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("门牌、路口或标志物")}),
    )
    on_site = forms.BooleanField(label=_("现场自处置（小事当场解决）"), required=False)
    after_photos = MultiplePhotoField(label=_("处置后照片"))
    on_site_note = forms.CharField(
        label=_("处置说明"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：已清理完毕")}),
    )

    field_aliases = {"lng": "lat"}

    def __init__(self, *args: Any, grids: QuerySet[Area], may_resolve: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids
        self.fields["photos"].help_text = photo_help()
        if not may_resolve:
            for name in ("on_site", "after_photos", "on_site_note"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("on_site") and not cleaned.get("after_photos"):
            self.add_error("after_photos", _("现场自处置需要至少一张处置后照片。"))
        return cleaned

    def add_domain_error(self, exc: DomainError) -> None:
        # A refused grid found from the phone's position is a location problem: say it there.
        if exc.field == "grid" and "grid" not in self.location():
            self.add_error("lat", str(exc.message))
            return
        super().add_domain_error(exc)

    def location(self) -> dict[str, Any]:
        """lat/lng when the phone or the map gave them (the grid is found from them), else the
        chosen grid."""
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lng") is not None:
            return {"lat": data["lat"], "lng": data["lng"]}
        return {"grid": data.get("grid")}


class ResidentReportForm(ReportForm):
    """The public form: the same, plus an optional name and phone, without 自处置."""

    reporter_name = forms.CharField(label=_("您的称呼（可选）"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("联系电话（可选）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("仅用于工作人员回访，不会公开。"),
    )

    def __init__(self, *args: Any, grids: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, grids=grids, may_resolve=False, **kwargs)
        self.fields["photos"].label = _("照片（可选，最多 9 张）")
        self.fields["grid"].label = _("或选择所在网格")


class ResolveOnSiteForm(DomainErrorFormMixin, forms.Form):
    note = forms.CharField(
        label=_("处置说明"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：已清理完毕")}),
    )
    photos = MultiplePhotoField(label=_("处置后照片"))


# --- transitions on the detail page and the queue -----------------------------------------


class VersionedForm(DomainErrorFormMixin, forms.Form):
    """Carries the case version the user saw, so a stale page gets a clear 409 message."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("备注（可选）"), max_length=500, required=False)


class RejectForm(VersionedForm):
    reason = forms.CharField(label=_("不予立案理由"), max_length=500, required=False)


class DispatchForm(VersionedForm):
    unit = forms.ModelChoiceField(label=_("处置单位"), queryset=HandlingUnit.objects.none(), empty_label=None)
    note = forms.CharField(label=_("派遣意见（可选）"), max_length=500, required=False)

    def __init__(self, *args: Any, units: list[HandlingUnit] | QuerySet[HandlingUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        if isinstance(units, list):
            field.queryset = HandlingUnit.objects.filter(pk__in=[u.pk for u in units])
            # Render from the list already loaded (no query per select on a list page).
            field.choices = [(u.pk, str(u)) for u in units]
        else:
            field.queryset = units


class FeedbackForm(VersionedForm):
    result = forms.CharField(
        label=_("处置结果"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultiplePhotoField(label=_("处置照片（可选）"))


class VerifyForm(VersionedForm):
    passed = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("1", _("通过，结案")), ("0", _("不通过，返工"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    note = forms.CharField(label=_("核查意见"), max_length=500, required=False)
    photos = MultiplePhotoField(label=_("核查照片（可选）"))


class EscalateForm(VersionedForm):
    note = forms.CharField(label=_("上报原因"), max_length=500, required=False)


class ExtendForm(VersionedForm):
    hours = forms.FloatField(
        label=_("延期（工作小时）"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 720, "step": 1}),
    )
    reason = forms.CharField(label=_("延期理由"), max_length=500, required=False)


class DeferForm(VersionedForm):
    reason = forms.CharField(label=_("缓办（挂账）理由"), max_length=500, required=False)


class SuperviseForm(VersionedForm):
    note = forms.CharField(label=_("督办意见"), max_length=500, required=False)


class MergeForm(VersionedForm):
    into = forms.CharField(
        label=_("合并到（事件编号）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"list": "duplicate-numbers"}),
    )
    note = forms.CharField(label=_("备注（可选）"), max_length=500, required=False)


class CampaignAddForm(VersionedForm):
    campaign = forms.ModelChoiceField(label=_("专项整治"), queryset=Campaign.objects.none(), empty_label=None)

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns


class EvaluateForm(VersionedForm):
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("意见（可选）"), max_length=500, required=False)


class PublicRatingForm(DomainErrorFormMixin, forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对处理结果满意吗？"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )


# --- lists --------------------------------------------------------------------------------

QUEUE_STATUS_CHOICES = [
    ("", _("待立案和待派遣")),
    (CaseStatus.REPORTED, CaseStatus.REPORTED.label),
    (CaseStatus.REGISTERED, CaseStatus.REGISTERED.label),
    (CaseStatus.DEFERRED, CaseStatus.DEFERRED.label),
]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=QUEUE_STATUS_CHOICES, required=False)
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=CaseCategory.objects.order_by("code"),
        required=False,
        empty_label=_("全部类别"),
    )
    area = forms.CharField(label=_("网格/社区编码"), max_length=32, required=False)
    warning = forms.TypedChoiceField(
        label=_("预警"),
        choices=[("", _("全部")), (Warning.YELLOW, _("黄灯")), (Warning.RED, _("红灯"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    q = forms.CharField(label=_("关键词"), max_length=100, required=False)


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[("dispatch", _("批量派遣")), ("register", _("批量立案"))])
    cases = forms.TypedMultipleChoiceField(coerce=int, choices=())
    unit = forms.ModelChoiceField(queryset=HandlingUnit.objects.none(), required=False)

    def __init__(self, *args: Any, case_ids: list[int], units: QuerySet[HandlingUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(pk, pk) for pk in case_ids]
        self.fields["cases"].error_messages["required"] = _("请先勾选要处理的事件。")
        self.fields["unit"].queryset = units

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == "dispatch" and not cleaned.get("unit"):
            self.add_error("unit", _("批量派遣请选择处置单位。"))
        return cleaned


class CampaignForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    area = forms.ModelChoiceField(label=_("区域"), queryset=Area.objects.none())
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("结束日期（可选）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class CampaignPostForm(DomainErrorFormMixin, forms.Form):
    text = forms.CharField(
        label=_("进展"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(
        label=_("照片（可选）"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"})
    )

    field_aliases = {"photos": "photo"}
