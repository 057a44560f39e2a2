"""Admin for public-welfare projects and their money: scoped like every other door, and
written only through ``projects.services``.

- Funding sources, programmes, projects and awards are created through their services
  (which hold the rules: a district-level source, a donor's credit code, the programme's
  area …). A project's basic fields may be corrected through ``services.update_project`` —
  only before anyone has claimed it, as the service says on the form. Its status changes on
  the project pages (publish, claim, start …); here there is one bulk action, publish.
- The ledgers (allocations and disbursements) are append-only: viewable, never added,
  changed or deleted here — a wrong entry is corrected by a reversing entry on the ledger
  page. Deliveries, acceptances' and evaluations' results are read-only as well.
- Case records are shown only to holders of ``projects.view_caserecord`` (the district's
  authorized role); every list page and every record opened is written to the access log
  (``services.log_case_access``), which is itself viewable here, read-only.

Roles grant the project permissions (view project, add project, add funding source …)
rather than one per model, so each admin below says which of them it needs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdminMixin
from gongzhi.core.exceptions import DomainError
from gongzhi.core.http import client_ip
from gongzhi.projects import services
from gongzhi.projects.models import (
    Allocation,
    Award,
    CaseNote,
    CaseRecord,
    CaseRecordAccess,
    Delivery,
    Disbursement,
    FundingSource,
    Indicator,
    Milestone,
    Programme,
    Project,
    ProjectCaseworker,
    ProjectChange,
    ProjectClaim,
)
from gongzhi.projects.queries import CENT, with_balances, with_totals

VIEW_PROJECT = "projects.view_project"
VIEW_CASERECORD = "projects.view_caserecord"


class RolePermissionMixin:
    """Maps the admin's view/add/change/delete checks onto the permissions the roles hold
    (``None`` = not through the admin)."""

    view_perm: str | None = VIEW_PROJECT
    add_perm: str | None = None
    change_perm: str | None = None
    delete_perm: str | None = None

    def _has(self, request: Any, perm: str | None) -> bool:
        return request.user.is_superuser or (bool(perm) and request.user.has_perm(perm))

    def has_module_permission(self, request) -> bool:
        return self._has(request, self.view_perm)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._has(request, self.view_perm) or self.has_change_permission(request, obj)

    def has_add_permission(self, request, *args: Any) -> bool:
        return self._has(request, self.add_perm)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._has(request, self.change_perm)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._has(request, self.delete_perm)


class ReadOnlyInline(admin.TabularInline):
    """Rows of a project shown on its page: they change through the services, not here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or request.user.has_perm(VIEW_PROJECT)


def _yuan(value: Any) -> str:
    return services.yuan(value if value is not None else 0)


# ---------------------------------------------------------------------------------------------
# Funding sources and programmes


@admin.register(FundingSource)
class FundingSourceAdmin(ScopedAdminMixin, RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Funding sources with their balances (ledger sums). Recorded through
    ``services.create_funding_source``; a recorded source is not edited (its money has moved)."""

    view_perm = "projects.view_fundingsource"
    add_perm = "projects.add_fundingsource"
    list_display = (
        "name",
        "kind",
        "year",
        "amount",
        "allocated_display",
        "disbursed_display",
        "remaining_display",
    )
    list_filter = ("kind", "year")
    search_fields = ("name", "donor_name", "donor_credit_code")
    list_select_related = ("area",)
    fields = (
        "kind",
        "name",
        "year",
        "amount",
        "area",
        "donor_name",
        "donor_credit_code",
        "restriction",
        "receipt_issued",
    )

    def get_queryset(self, request):
        return with_balances(FundingSource.objects.visible_to(request.user)).select_related("area")

    def get_readonly_fields(self, request, obj=None):
        return (*self.fields, "created_by", "created_at") if obj else ()

    def get_fields(self, request, obj=None):
        return (*self.fields, "created_by", "created_at") if obj else self.fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("已分配"), ordering="allocated")
    def allocated_display(self, obj) -> str:
        return _yuan(obj.allocated)

    @admin.display(description=gettext_lazy("已拨付"), ordering="disbursed")
    def disbursed_display(self, obj) -> str:
        return _yuan(obj.disbursed)

    @admin.display(description=gettext_lazy("可分配余额"), ordering="remaining")
    def remaining_display(self, obj) -> str:
        return _yuan(obj.remaining)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(request.user, self.add_perm).filter(
                level=AreaLevel.DISTRICT
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        return services.create_funding_source(
            kind=data["kind"],
            name=data["name"],
            year=data["year"],
            amount=data["amount"],
            area=data["area"],
            by=request.user,
            donor_name=data.get("donor_name", ""),
            donor_credit_code=data.get("donor_credit_code", ""),
            restriction=data.get("restriction", ""),
            receipt_issued=data.get("receipt_issued", False),
        )


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdminMixin, RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Programmes (batches of projects), created through ``services.create_programme``."""

    view_perm = "projects.view_programme"
    add_perm = "projects.add_programme"
    list_display = ("name", "year", "publisher", "area", "project_count")
    list_filter = ("year",)
    search_fields = ("name", "publisher")
    list_select_related = ("area",)
    fields = ("name", "year", "publisher", "area")

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            Programme.objects.visible_to(request.user)
            .select_related("area")
            .annotate(project_count=Count("projects"))
        )

    def get_readonly_fields(self, request, obj=None):
        return (*self.fields, "created_by", "created_at") if obj else ()

    def get_fields(self, request, obj=None):
        return (*self.fields, "created_by", "created_at") if obj else self.fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("项目数"), ordering="project_count")
    def project_count(self, obj) -> int:
        return obj.project_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(request.user, self.add_perm).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        return services.create_programme(
            name=data["name"],
            year=data["year"],
            publisher=data["publisher"],
            area=data["area"],
            by=request.user,
        )


# ---------------------------------------------------------------------------------------------
# Projects


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ("title", "due_on", "completed_on", "evidence")


class IndicatorInline(ReadOnlyInline):
    model = Indicator
    fields = ("kind", "name", "target", "unit", "actual")


class ProjectClaimInline(ReadOnlyInline):
    model = ProjectClaim
    fields = ("organization", "kind", "status", "created_at", "decided_at")
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


class ProjectChangeInline(ReadOnlyInline):
    model = ProjectChange
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    ordering = ("created_at", "id")


class CaseworkerInline(ReadOnlyInline):
    model = ProjectCaseworker
    fields = ("user", "added_by", "created_at")


PROJECT_FIELDS = (
    "title",
    "lifecycle_category",
    "area",
    "programme",
    "year",
    "publisher",
    "description",
    "competitive",
    "max_claimants",
    "starts_on",
    "ends_on",
    "case_services",
)
# What services.update_project may change (area, programme and year are fixed once created).
PROJECT_CHANGEABLE = (
    "title",
    "description",
    "lifecycle_category",
    "starts_on",
    "ends_on",
    "competitive",
    "max_claimants",
    "publisher",
    "case_services",
)


@admin.register(Project)
class ProjectAdmin(ScopedAdminMixin, RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Projects with their money and delivery figures (ledger and delivery sums). Created
    through ``services.create_project``; corrected through ``services.update_project`` while
    nobody has claimed them. Status, undertaker and the ledgers change elsewhere."""

    add_perm = "projects.add_project"
    change_perm = "projects.change_project"
    list_display = (
        "title",
        "lifecycle_category",
        "area",
        "status",
        "claimed_by",
        "budget_display",
        "disbursed_display",
        "person_times_display",
    )
    list_filter = ("status", "lifecycle_category", "year", "programme", "case_services")
    search_fields = ("title", "publisher", "claimed_by__name")
    list_select_related = ("area", "claimed_by", "programme")
    list_per_page = 50
    inlines = [MilestoneInline, IndicatorInline, ProjectClaimInline, CaseworkerInline, ProjectChangeInline]
    actions = ["publish_selected"]

    def get_queryset(self, request):
        return with_totals(Project.objects.visible_to(request.user)).select_related(
            "area", "claimed_by", "programme"
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return PROJECT_FIELDS
        return (*PROJECT_FIELDS, "status", "claimed_by", "created_by", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return tuple(f for f in self.get_fields(request, obj) if f not in PROJECT_CHANGEABLE)

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [i for i in self.inlines if i is not CaseworkerInline or obj.case_services]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancel instead: the project and its ledger stay

    @admin.display(description=gettext_lazy("预算"), ordering="budget")
    def budget_display(self, obj) -> str:
        return _yuan(obj.budget)

    @admin.display(description=gettext_lazy("已拨付"), ordering="disbursed")
    def disbursed_display(self, obj) -> str:
        return _yuan(obj.disbursed)

    @admin.display(description=gettext_lazy("服务人次"), ordering="person_times")
    def person_times_display(self, obj) -> int:
        return obj.person_times

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(request.user, self.add_perm).order_by("path")
        elif db_field.name == "programme":
            kwargs["queryset"] = Programme.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in PROJECT_CHANGEABLE if f in form.changed_data}
            if not changes:
                return form.instance
            return services.update_project(form.instance, by=request.user, **changes)
        return services.create_project(
            title=data["title"],
            lifecycle_category=data["lifecycle_category"],
            area=data["area"],
            by=request.user,
            description=data.get("description", ""),
            programme=data.get("programme"),
            year=data.get("year"),
            publisher=data.get("publisher", ""),
            competitive=data.get("competitive", False),
            max_claimants=data.get("max_claimants") or 1,
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            case_services=data.get("case_services", False),
        )

    @admin.action(description=gettext_lazy("发布所选项目"), permissions=["change"])
    def publish_selected(self, request, queryset: QuerySet) -> None:
        published = 0
        for project in queryset:
            try:
                services.publish_project(project, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{project.title}：{exc.message}", messages.WARNING)
            else:
                published += 1
        if published:
            self.message_user(request, _("已发布 %(n)s 个项目。") % {"n": published}, messages.SUCCESS)


# ---------------------------------------------------------------------------------------------
# The ledgers: append-only


class LedgerAdmin(ReadOnlyAdminMixin, RolePermissionMixin, admin.ModelAdmin):
    list_select_related = ("project", "source", "created_by")
    search_fields = ("project__title", "source__name", "note")
    list_filter = ("source",)
    date_hierarchy = "created_at"

    def has_view_permission(self, request, obj=None) -> bool:
        return self._has(request, self.view_perm)

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user).select_related("project", "source", "created_by")

    @admin.display(description=gettext_lazy("金额（元）"), ordering="amount")
    def amount_display(self, obj) -> str:
        return _yuan(obj.amount.quantize(CENT))


@admin.register(Allocation)
class AllocationAdmin(LedgerAdmin):
    """The allocation ledger. Append-only: corrections are reversing entries."""

    view_perm = "projects.view_allocation"
    list_display = ("created_at", "project", "source", "amount_display", "reversal_of", "note", "created_by")
    fields = ("project", "source", "amount", "reversal_of", "note", "created_by", "created_at")
    readonly_fields = fields


@admin.register(Disbursement)
class DisbursementAdmin(LedgerAdmin):
    """The disbursement ledger. Append-only: corrections are reversing entries."""

    view_perm = "projects.view_disbursement"
    list_display = ("paid_on", "voucher", "project", "source", "amount_display", "reversal_of", "created_by")
    search_fields = ("voucher", *LedgerAdmin.search_fields)
    fields = (
        "project",
        "source",
        "amount",
        "voucher",
        "paid_on",
        "reversal_of",
        "note",
        "created_by",
        "created_at",
    )
    readonly_fields = fields


# ---------------------------------------------------------------------------------------------
# Delivery and awards


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, RolePermissionMixin, admin.ModelAdmin):
    """Delivery reports, read-only: the undertaker reports them (with photos) on the project page."""

    list_display = (
        "held_on",
        "title",
        "project",
        "organization",
        "beneficiaries",
        "person_times",
        "satisfaction",
    )
    list_filter = ("project__lifecycle_category",)
    search_fields = ("title", "project__title", "organization__name")
    list_select_related = ("project", "organization")
    date_hierarchy = "held_on"
    fields = (
        "project",
        "organization",
        "milestone",
        "title",
        "held_on",
        "place",
        "content",
        "beneficiaries",
        "person_times",
        "satisfaction",
        "reported_by",
        "created_at",
    )
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return self._has(request, self.view_perm)

    def get_queryset(self, request):
        return Delivery.objects.visible_to(request.user).select_related("project", "organization")


@admin.register(Award)
class AwardAdmin(RolePermissionMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Awards, recorded through ``services.record_award`` (the winner must have undertaken the
    project); a recorded award is not edited."""

    add_perm = "projects.add_award"
    list_display = ("name", "level", "awarded_on", "project", "organization", "issuer")
    list_filter = ("level",)
    search_fields = ("name", "project__title", "organization__name", "issuer")
    list_select_related = ("project", "organization")
    fields = ("name", "level", "issuer", "awarded_on", "project", "organization")

    def get_queryset(self, request):
        return Award.objects.visible_to(request.user).select_related("project", "organization")

    def get_readonly_fields(self, request, obj=None):
        return (*self.fields, "area", "created_by", "created_at") if obj else ()

    def get_fields(self, request, obj=None):
        return (*self.fields, "area", "created_by", "created_at") if obj else self.fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from gongzhi.organizations.models import Organization

        if db_field.name == "project":
            kwargs["queryset"] = Project.objects.visible_to(request.user, self.add_perm)
        elif db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        return services.record_award(
            by=request.user,
            name=data["name"],
            level=data["level"],
            awarded_on=data["awarded_on"],
            issuer=data.get("issuer", ""),
            project=data.get("project"),
            organization=data.get("organization"),
        )


# ---------------------------------------------------------------------------------------------
# Case services: the authorized role only, every look logged


class CaseNoteInline(admin.TabularInline):
    model = CaseNote
    extra = 0
    can_delete = False
    fields = ("noted_on", "content", "written_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or request.user.has_perm(VIEW_CASERECORD)


@admin.register(CaseRecord)
class CaseRecordAdmin(ReadOnlyAdminMixin, RolePermissionMixin, admin.ModelAdmin):
    """Case records, read-only, for holders of ``projects.view_caserecord`` over the project's
    area. The list logs one ``list`` access per record shown; opening a record logs ``view``."""

    view_perm = VIEW_CASERECORD
    list_display = ("number", "project", "household", "members", "status", "opened_on", "closed_on")
    list_filter = ("status",)
    search_fields = ("number", "project__title")
    list_select_related = ("project",)
    fields = (
        "project",
        "number",
        "household",
        "person",
        "members",
        "needs",
        "plan",
        "status",
        "opened_on",
        "closed_on",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = [CaseNoteInline]

    def has_view_permission(self, request, obj=None) -> bool:
        return self._has(request, self.view_perm)

    def get_queryset(self, request):
        return CaseRecord.objects.visible_to(request.user).select_related("project", "person")

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and request.method == "GET":
            services.log_case_access(
                list(changelist.result_list), user=request.user, action="list", ip_address=client_ip(request)
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            record = self.get_object(request, object_id)
            if record is not None and self.has_view_permission(request, record):
                services.log_case_access(
                    [record], user=request.user, action="view", ip_address=client_ip(request)
                )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CaseRecordAccess)
class CaseRecordAccessAdmin(ReadOnlyAdminMixin, RolePermissionMixin, admin.ModelAdmin):
    """Who looked at which case record, when and from where — for auditors."""

    view_perm = VIEW_CASERECORD
    list_display = ("created_at", "user", "record", "action", "ip_address")
    list_filter = ("action",)
    search_fields = ("record__number", "user__username")
    list_select_related = ("user", "record__project")
    date_hierarchy = "created_at"

    def has_view_permission(self, request, obj=None) -> bool:
        return self._has(request, self.view_perm)

    def get_queryset(self, request):
        records = CaseRecord.objects.visible_to(request.user, VIEW_CASERECORD).values("pk")
        return CaseRecordAccess.objects.filter(record__in=records).select_related("user", "record__project")
