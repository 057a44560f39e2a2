"""Admin for grid cases: configuration (categories and their time limits, handling units,
holidays, campaigns, Open311 applications) and a read-only view of cases and their timeline.

Cases change only through ``cases.services`` (the pages and the API), so here they can be
looked at, never edited. Rows are scoped like every other door (``visible_to``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.cases import services
from gongzhi.cases.models import (
    Campaign,
    Case,
    CaseCategory,
    CaseEvent,
    CategoryTimeLimit,
    HandlingUnit,
    Holiday,
    Open311Application,
)
from gongzhi.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdminMixin, scope_by_path
from gongzhi.core.exceptions import DomainError


class CategoryTimeLimitInline(admin.TabularInline):
    model = CategoryTimeLimit
    extra = 0
    fields = ("stage", "level", "hours")


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "parent",
        "urgency",
        "default_unit",
        "register_hours",
        "dispatch_hours",
        "accept_hours",
        "handle_hours",
        "verify_hours",
        "auto_escalate",
        "is_active",
    )
    list_filter = ("urgency", "is_active", "auto_escalate")
    search_fields = ("code", "name")
    list_select_related = ("parent", "default_unit")
    ordering = ("code",)
    autocomplete_fields = ("parent",)
    inlines = [CategoryTimeLimitInline]
    fieldsets = (
        (
            None,
            {"fields": ("code", "name", "parent", "default_unit", "urgency", "auto_escalate", "is_active")},
        ),
        (
            gettext_lazy("各环节时限（工作小时，可按层级在下方覆盖）"),
            {"fields": ("register_hours", "dispatch_hours", "accept_hours", "handle_hours", "verify_hours")},
        ),
    )


@admin.register(HandlingUnit)
class HandlingUnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "area", "contact_phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    list_select_related = ("area",)
    filter_horizontal = ("members",)
    fields = ("name", "kind", "area", "contact_phone", "members", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(request.user, "cases.add_handlingunit").order_by(
                "path"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "is_workday")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    ordering = ("-date",)


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Campaigns start through ``services.create_campaign`` (it checks the area); afterwards
    the name, description and end date may be corrected."""

    list_display = ("name", "area", "start_date", "end_date", "created_by")
    list_select_related = ("area", "created_by")
    search_fields = ("name",)
    date_hierarchy = "start_date"

    def get_fields(self, request, obj=None):
        return ("name", "area", "start_date", "end_date", "description")

    def get_readonly_fields(self, request, obj=None):
        return ("area", "start_date") if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = (
                Area.objects.visible_to(request.user, "cases.add_campaign")
                .exclude(level=AreaLevel.GRID)
                .order_by("path")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        if change:
            return form.save()
        return services.create_campaign(
            name=data["name"],
            area=data["area"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            description=data.get("description", ""),
            by=request.user,
        )


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "level", "actor_label", "note")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("cases.view_case")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: a case changes state only through the services (pages, API)."""

    list_display = (
        "number",
        "category",
        "grid",
        "status",
        "level",
        "warning",
        "handling_unit",
        "reported_at",
        "closed_at",
    )
    list_filter = (
        "status",
        "level",
        "warning",
        "source",
        "is_supervised",
        "resolved_level",
        ("category", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("number", "description", "address")
    list_select_related = ("category", "grid", "handling_unit")
    date_hierarchy = "reported_at"
    list_per_page = 50
    # The tracking token is the resident's key to the public page: not shown here.
    exclude = ("tracking_token",)
    inlines = [CaseEventInline]

    def get_queryset(self, request):
        return Case.objects.visible_to(request.user).select_related("category", "grid", "handling_unit")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The timeline ledger, append-only."""

    list_display = ("case", "action", "from_status", "to_status", "level", "actor_label", "created_at")
    list_filter = ("action", "level")
    search_fields = ("case__number", "note")
    list_select_related = ("case", "case__category")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(case__in=Case.objects.visible_to(request.user).values("pk"))
        )

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may see cases may read their timeline (there is no separate permission).
        return request.user.has_perm("cases.view_case")


@admin.register(Open311Application)
class Open311ApplicationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Applications allowed to post through Open311. A key is issued when the application is
    added (``keys.issue_api_key``) and shown once; revoking is an action."""

    list_display = ("name", "key_prefix", "area", "is_active", "created_by", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    list_select_related = ("area", "created_by")
    actions = ["revoke_keys"]

    def get_queryset(self, request):
        return scope_by_path(
            super().get_queryset(request), request.user, "cases.view_open311application", "area__path"
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "area")
        return ("name", "area", "key_prefix", "is_active", "created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else ()

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # nothing to edit: revoke and issue a new key instead

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cases keep pointing at the application that sent them

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("cases.add_open311application")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(
                request.user, "cases.add_open311application"
            ).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        from gongzhi.cases.keys import issue_api_key

        application, key = issue_api_key(
            name=form.cleaned_data["name"], area=form.cleaned_data["area"], by=request.user
        )
        # Kept on the request only, to show once in the answer (never in the session or a cookie).
        request._gongzhi_issued_key = key
        return application

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, "_gongzhi_issued_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "application": obj,
            "key": key,
            "title": _("已签发 Open311 密钥"),
        }
        response = TemplateResponse(request, "cases/admin_key_issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("吊销所选应用的密钥"), permissions=["revoke"])
    def revoke_keys(self, request, queryset: Any) -> None:
        from gongzhi.cases.keys import revoke_api_key

        revoked = 0
        for application in queryset.select_related("area"):
            try:
                revoke_api_key(application, by=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                revoked += 1
        if revoked:
            self.message_user(request, _("已吊销 %(n)s 个应用的密钥。") % {"n": revoked}, messages.SUCCESS)
