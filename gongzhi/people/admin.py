"""Admin for people: scoped, masked, and changed through ``people.services``.

The ciphertext and the blind index never appear; the masked number is read-only. People are
registered on the 新增人员 page (or the API), where the ID number is checked and encrypted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdminMixin, scope_by_path
from gongzhi.core.http import client_ip
from gongzhi.people import services
from gongzhi.people.choices import SENSITIVE_TAG_PERMISSIONS
from gongzhi.people.forms import SealedPhoneAdminForm, tag_choices_for
from gongzhi.people.models import Person, PersonTag, SensitiveAccess
from gongzhi.people.validators import normalize_id_number

PERSON_CHANGEABLE = ("name", "phone", "political_status", "home_grid")


class PersonAdminForm(SealedPhoneAdminForm):
    tags = forms.MultipleChoiceField(
        label=gettext_lazy("标签"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Person
        fields = tuple(f for f in PERSON_CHANGEABLE if f != "phone")  # phone: a form field


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = (
        "name",
        "id_number_masked",
        "phone_masked",
        "sex",
        "political_status",
        "home_grid",
        "area",
    )
    list_filter = ("political_status", "sex")
    search_fields = ("name",)
    search_help_text = gettext_lazy("按姓名搜索，或输入完整的 18 位身份证号码、11 位手机号码精确查找。")
    list_select_related = ("home_grid", "area")
    list_per_page = 50
    fields = (
        "name",
        "id_number_masked",
        "sex",
        "phone",
        "political_status",
        "home_grid",
        "area",
        "tags",
        "user",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("id_number_masked", "sex", "area", "user", "created_at", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # A full ID number is found through its blind index, never by decrypting.
        number = normalize_id_number(search_term)
        if len(number) == 18:
            return queryset.filter(id_number_hash=services.id_number_hash(number)), False
        if len(number) == 11 and number.isdigit():
            return services.find_by_phone(number, queryset), False
        return super().get_search_results(request, queryset, search_term)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class PersonForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "tags" in self.fields:
                    self.fields["tags"].choices = tag_choices_for(user)
                    if obj is not None:
                        self.initial["tags"] = services.visible_tags(obj, user)

        return PersonForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "home_grid":
            kwargs["queryset"] = (
                Area.objects.visible_to(request.user, "people.change_person")
                .filter(level=AreaLevel.GRID)
                .order_by("path")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The change form shows the sensitive tags this user may see: log that view.
        if request.method == "GET":
            person = self.get_object(request, object_id)
            if person is not None:
                services.log_sensitive_views(
                    request.user, [person], reason=_("管理后台人员详情"), ip=client_ip(request)
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def apply_service(self, request, form, change: bool) -> Person:
        data = form.cleaned_data
        person = form.instance
        changes = {f: data[f] for f in PERSON_CHANGEABLE if f in form.changed_data}
        if changes:
            person = services.update_person(person, by=request.user, **changes)
        if "tags" in form.changed_data:
            services.set_tags(person, data["tags"], by=request.user)
        return person


@admin.register(PersonTag)
class PersonTagAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tags for reference; they are set on the person's own form. Sensitive tags appear only
    where the user's role may see them, and each view is logged."""

    list_display = ("person", "tag", "created_by", "created_at")
    list_filter = ("tag",)
    search_fields = ("person__name",)
    list_select_related = ("person", "created_by")

    def get_queryset(self, request):
        # Sensitive tags are filtered by their own permissions inside visible_to.
        return super().get_queryset(request).visible_to(request.user)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            people = {t.person for t in changelist.result_list if t.tag in SENSITIVE_TAG_PERMISSIONS}
            services.log_sensitive_views(
                request.user, people, reason=_("管理后台人员标签"), ip=client_ip(request)
            )
        return response


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who looked at which sensitive data, when and why — for auditors."""

    list_display = ("created_at", "user", "person", "record", "field", "reason", "ip_address")
    list_filter = ("field",)
    search_fields = ("person__name", "record", "user__username", "reason")
    list_select_related = ("user", "person")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return scope_by_path(
            super().get_queryset(request), request.user, "people.view_sensitiveaccess", "person__area__path"
        )
