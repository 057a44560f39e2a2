"""Admin for social organizations: the filing rules (rules as data — a district tightens them
here), service platforms, and scoped, mostly read-only views of organizations and their
records.

An organization's status changes only through ``organizations.services`` (the pages and the
API): here its descriptive fields may be corrected, nothing more. Applications, annual
reports and the status ledger are read-only. New incubations, ratings, alliances and alliance
members are recorded through their services. Rows are scoped like every other door.

Roles grant the organization permissions (view/change organization, manage incubation, rate)
rather than Django's per-model ones, so each admin below says which of them it needs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from gongzhi.areas.models import Area
from gongzhi.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdminMixin
from gongzhi.organizations import services
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.organizations.models import (
    Alliance,
    AllianceMembership,
    AnnualReport,
    FilingApplication,
    FilingRule,
    Incubation,
    Membership,
    Organization,
    OrganizationChange,
    Rating,
    ServicePlatform,
)
from gongzhi.people.forms import SealedPhoneAdminForm

VIEW = "organizations.view_organization"
CHANGE = "organizations.change_organization"


class RolePermissionMixin:
    """Maps the admin's view/add/change/delete checks onto the organization permissions the
    roles hold (``None`` = not through the admin)."""

    view_perm: str | None = VIEW
    add_perm: str | None = None
    change_perm: str | None = None
    delete_perm: str | None = None

    def _has(self, request: Any, perm: str | None) -> bool:
        return bool(perm) and request.user.has_perm(perm)

    def has_module_permission(self, request) -> bool:
        return self._has(request, self.view_perm) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return (
            self._has(request, self.view_perm)
            or self.has_change_permission(request, obj)
            or super().has_view_permission(request, obj)
        )

    def has_add_permission(self, request, *args: Any) -> bool:
        return self._has(request, self.add_perm) or request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return self._has(request, self.change_perm) or request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._has(request, self.delete_perm) or request.user.is_superuser


# ---------------------------------------------------------------------------------------------
# Organizations


class MembershipInline(admin.TabularInline):
    """Members, for reading: they are added and removed on the profile page (services)."""

    model = Membership
    extra = 0
    can_delete = False
    fields = ("person", "role", "joined_on", "left_on")
    readonly_fields = fields
    ordering = ("left_on", "role", "joined_on")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(VIEW)


class OrganizationChangeInline(admin.TabularInline):
    model = OrganizationChange
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(VIEW)


ORG_CORRECTABLE = ("name", "category", "venue", "phone", "description", "founded_on")


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Read-mostly: descriptive fields may be corrected (``services.update_organization``);
    status, track, numbers and registration data change only through the services. The phone
    is sealed: the form shows it masked (``SealedPhoneAdminForm``)."""

    form = SealedPhoneAdminForm

    list_display = (
        "name",
        "track",
        "status",
        "category",
        "area",
        "filing_number",
        "credit_code",
        "is_incubating",
    )
    list_filter = ("track", "status", "category", "legal_form", "is_incubating", "party_org_type")
    search_fields = ("name", "filing_number", "credit_code")
    list_select_related = ("area",)
    list_per_page = 50
    inlines = [MembershipInline, OrganizationChangeInline]
    fields = (
        "name",
        "track",
        "status",
        "category",
        "area",
        "street",
        "venue",
        "leader",
        "phone",
        "founded_on",
        "description",
        "charter",
        "filing_number",
        "filed_on",
        "legal_form",
        "credit_code",
        "registering_authority",
        "registered_on",
        "is_incubating",
        "party_org_type",
        "party_org_name",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_readonly_fields(self, request, obj=None):
        return tuple(f for f in self.fields if f not in ORG_CORRECTABLE)

    def get_queryset(self, request):
        return Organization.objects.visible_to(request.user).select_related("area")

    def has_add_permission(self, request) -> bool:
        return False  # new organizations are filed or registered on the pages

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deregister instead: the record and its history stay

    def apply_service(self, request, form, change: bool):
        changes = {f: form.cleaned_data[f] for f in ORG_CORRECTABLE if f in form.changed_data}
        if not changes:
            return form.instance
        return services.update_organization(form.instance, by=request.user, **changes)


# ---------------------------------------------------------------------------------------------
# Filing


@admin.register(FilingRule)
class FilingRuleAdmin(admin.ModelAdmin):
    """The filing rules: the same checklist runs in the form, the API, imports and the review,
    so tightening a rule here (e.g. 15 members) applies everywhere at once."""

    list_display = ("code", "kind", "parameter", "message", "is_active", "position")
    list_editable = ("parameter", "message", "is_active", "position")
    list_filter = ("kind", "is_active")
    ordering = ("position", "code")


@admin.register(FilingApplication)
class FilingApplicationAdmin(RolePermissionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Applications and their decisions, read-only (review happens on the 备案审核 page)."""

    list_display = ("organization", "street", "status", "submitted_at", "decided_at", "filing_number")
    list_filter = ("status",)
    search_fields = ("organization__name", "filing_number")
    list_select_related = ("organization", "street")
    date_hierarchy = "submitted_at"
    readonly_fields = (
        "organization",
        "street",
        "status",
        "checklist",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "refusal_reason",
        "filing_number",
    )

    def get_queryset(self, request):
        return FilingApplication.objects.visible_to(request.user).select_related("organization", "street")


# ---------------------------------------------------------------------------------------------
# Incubation, annual reports, ratings


@admin.register(ServicePlatform)
class ServicePlatformAdmin(RolePermissionMixin, admin.ModelAdmin):
    """The three-level service platforms (configuration: added and corrected here)."""

    add_perm = change_perm = "organizations.manage_incubation"
    list_display = ("name", "level", "area", "address")
    list_filter = ("level",)
    search_fields = ("name",)
    list_select_related = ("area",)

    def get_queryset(self, request):
        return ServicePlatform.objects.visible_to(request.user).select_related("area")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(
                request.user, "organizations.manage_incubation"
            ).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Incubation)
class IncubationAdmin(RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Entering incubation goes through ``services.enter_incubation``; stages advance on the
    孵化 page, so an existing incubation is read-only here."""

    add_perm = "organizations.manage_incubation"
    list_display = ("organization", "platform", "stage", "entered_on", "cultivating_on", "ended_on")
    list_filter = ("stage", "platform__level")
    search_fields = ("organization__name", "platform__name")
    list_select_related = ("organization", "platform")

    def get_queryset(self, request):
        return Incubation.objects.visible_to(request.user).select_related("organization", "platform")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "platform", "mentor", "entered_on")
        return (
            "organization",
            "platform",
            "stage",
            "mentor",
            "entered_on",
            "cultivating_on",
            "ended_on",
            "outcome",
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.visible_to(request.user, CHANGE)
        elif db_field.name == "platform":
            kwargs["queryset"] = ServicePlatform.objects.visible_to(
                request.user, "organizations.manage_incubation"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        return services.enter_incubation(
            data["organization"],
            platform=data["platform"],
            by=request.user,
            mentor=data.get("mentor", ""),
            on=data.get("entered_on"),
        )


@admin.register(AnnualReport)
class AnnualReportAdmin(RolePermissionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Annual reports are submitted on the organization's page; here they can be looked up."""

    list_display = ("organization", "year", "activities", "members", "income", "expenses", "submitted_at")
    list_filter = ("year",)
    search_fields = ("organization__name",)
    list_select_related = ("organization",)

    def get_queryset(self, request):
        return AnnualReport.objects.visible_to(request.user).select_related("organization")


@admin.register(Rating)
class RatingAdmin(RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Ratings are recorded through ``services.rate_organization`` (refused while a report is
    missing); earlier ratings stay as they were."""

    add_perm = "organizations.rate_organization"
    list_display = ("organization", "level", "score", "rated_on", "valid_until", "assessor")
    list_filter = ("level",)
    search_fields = ("organization__name", "assessor")
    list_select_related = ("organization",)

    def get_queryset(self, request):
        return Rating.objects.visible_to(request.user).select_related("organization")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "level", "score", "rated_on", "assessor")
        return ("organization", "level", "score", "rated_on", "valid_until", "assessor", "rated_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.visible_to(
                request.user, "organizations.rate_organization"
            ).filter(status__in=LIVE_STATUSES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        return services.rate_organization(
            data["organization"],
            level=data["level"],
            score=data["score"],
            rated_on=data["rated_on"],
            by=request.user,
            assessor=data.get("assessor", ""),
        )


# ---------------------------------------------------------------------------------------------
# Alliances


class AllianceMembershipInline(admin.TabularInline):
    """Member organizations. New ones join through ``services.join_alliance``; only live
    organizations (the rule of that service) are offered."""

    model = AllianceMembership
    extra = 0
    fields = ("organization", "joined_on")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.visible_to(request.user).filter(
                status__in=LIVE_STATUSES
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(VIEW)

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(CHANGE)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(CHANGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(CHANGE)


@admin.register(Alliance)
class AllianceAdmin(RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Alliances start through ``services.create_alliance`` (the lead joins at once)."""

    add_perm = change_perm = delete_perm = CHANGE
    list_display = ("name", "lead", "area", "founded_on")
    search_fields = ("name",)
    list_select_related = ("lead", "area")
    fields = ("name", "lead", "area", "founded_on", "description")
    inlines = [AllianceMembershipInline]

    def get_queryset(self, request):
        return Alliance.objects.visible_to(request.user).select_related("lead", "area")

    def get_readonly_fields(self, request, obj=None):
        return ("lead", "area") if obj else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead":
            kwargs["queryset"] = Organization.objects.visible_to(request.user, CHANGE).filter(
                status__in=LIVE_STATUSES
            )
        elif db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(request.user, CHANGE).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        if change:
            return form.save()
        return services.create_alliance(
            name=data["name"],
            lead=data["lead"],
            area=data["area"],
            by=request.user,
            description=data.get("description", ""),
            founded_on=data.get("founded_on"),
        )

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not AllianceMembership:
            return super().save_formset(request, form, formset, change)
        alliance = form.instance
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if obj.pk:
                obj.save(update_fields=["joined_on"])
            else:
                services.join_alliance(
                    alliance, organization=obj.organization, by=request.user, on=obj.joined_on
                )
        return None
