"""Forms for the people pages. They collect input; the rules live in ``people.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError
from gongzhi.people import services
from gongzhi.people.choices import SENSITIVE_TAG_PERMISSIONS, PoliticalStatus, Tag
from gongzhi.people.models import Person


class DomainErrorFormMixin:
    """Puts a service's DomainError on the form field it names (or on the whole form)."""

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, str(exc.message))


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name}（{obj.code}）"


class PersonCreateForm(DomainErrorFormMixin, forms.Form):
    """Register a person in one of the grids where the user may add people."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        help_text=_("18 位居民身份证号码，最后一位可以是 X。保存后只显示脱敏号码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=PoliticalStatus.choices, initial=PoliticalStatus.MASSES
    )
    home_grid = GridChoiceField(label=_("所在网格"), queryset=Area.objects.none())
    tags = forms.MultipleChoiceField(
        label=_("标签"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["home_grid"].queryset = (
            Area.objects.visible_to(user, "people.add_person").filter(level=AreaLevel.GRID).order_by("path")
        )
        self.fields["tags"].choices = tag_choices_for(user)

    def save(self) -> Person:
        """Create the person through the service; raises DomainError for the view to show."""
        data = self.cleaned_data
        return services.create_person(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            political_status=data["political_status"],
            home_grid=data["home_grid"],
            tags=data["tags"],
            by=self.user,
        )


class SealedPhoneAdminForm(forms.ModelForm):
    """An admin change form for a model whose ``phone`` is sealed (stored encrypted): the field
    shows the masked number; typing a full number replaces it, emptying it removes it. The
    service the admin calls validates the new number."""

    phone = forms.CharField(
        label=_("电话号码"),
        max_length=20,
        required=False,
        help_text=_("显示为脱敏号码。修改时请输入完整的新号码；清空则删除号码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "phone" in self.fields:
            self.initial["phone"] = self.instance.phone  # the masked number


class RevealIdNumberForm(DomainErrorFormMixin, forms.Form):
    """Why the user needs the full ID number; the reason is stored with the access record."""

    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        help_text=_("例如“核实低保申请”。查看将被记录，供审计。"),
    )


class RevealPhoneForm(DomainErrorFormMixin, forms.Form):
    """Why the user needs the full phone number; stored with the access record, audited."""

    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        help_text=_("例如“回访上报人”。查看将被记录，供审计。"),
        error_messages={"required": _("请说明查看理由（至少 2 个字），例如“回访上报人”。")},
    )


def tag_choices_for(user: Any) -> list[tuple[str, str]]:
    """Tags ``user`` may set somewhere: sensitive ones only for roles allowed to see them
    (``services.check_tag_allowed`` still checks them against the person's area)."""
    return [
        (value, label)
        for value, label in Tag.choices
        if value not in SENSITIVE_TAG_PERMISSIONS or user.has_perm(SENSITIVE_TAG_PERMISSIONS[value])
    ]
