"""Admin for volunteers: the district's volunteer rules (star thresholds, hour unit) and
scoped, read-only views of volunteers, activities, service records, certificates and wishes.

Everything that changes a volunteer's hours or a wish's state goes through
``volunteers.services`` (pages and API): approved records are immutable and corrected by
adjusting records, so the admin cannot edit or delete them. Community-correction rows are not
in the admin at all: they belong to the justice role's own pages.
"""

from __future__ import annotations

from django.contrib import admin

from gongzhi.core.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdminMixin
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Activity, Certificate, ServiceRecord, Volunteer, VolunteerPolicy, Wish


class ScopedReadOnly(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_per_page = 50

    def has_view_permission(self, request, obj=None) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("volunteers.view_volunteer")


@admin.register(VolunteerPolicy)
class VolunteerPolicyAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Star thresholds and hour unit per district, saved through ``services.set_policy`` so the
    same checks apply as everywhere else."""

    list_display = ("area", "star_thresholds", "hour_unit")

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("volunteers.change_volunteerpolicy")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("volunteers.change_volunteerpolicy")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("volunteers.change_volunteerpolicy")

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("volunteers.change_volunteerpolicy")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def apply_service(self, request, form, change: bool):
        data = form.cleaned_data
        return services.set_policy(
            data["area"],
            by=request.user,
            star_thresholds=data["star_thresholds"],
            hour_unit=data["hour_unit"],
        )


@admin.register(Volunteer)
class VolunteerAdmin(ScopedReadOnly):
    list_display = ("number", "person", "status", "registered_on")
    list_filter = ("status",)
    search_fields = ("number", "person__name")
    list_select_related = ("person",)
    fields = ("number", "person", "skills", "availability", "status", "registered_on", "created_at")

    def area_of(self, obj):
        return obj.person.area


@admin.register(Activity)
class ActivityAdmin(ScopedReadOnly):
    list_display = ("title", "category", "organizer", "area", "starts_at", "capacity", "status")
    list_filter = ("category", "status")
    search_fields = ("title", "organizer__name", "place")
    list_select_related = ("organizer", "area")
    exclude = ("qr_secret",)


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ScopedReadOnly):
    list_display = ("volunteer", "served_on", "hours", "kind", "status", "organization")
    list_filter = ("status", "kind")
    search_fields = ("volunteer__number", "volunteer__person__name", "content")
    list_select_related = ("volunteer__person", "organization")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "volunteer", "hours", "star_level", "issued_at")
    search_fields = ("number",)
    list_select_related = ("volunteer__person",)

    def get_queryset(self, request):
        visible = Volunteer.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(volunteer__in=visible)

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("volunteers.view_volunteer")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("volunteers.view_volunteer")


@admin.register(Wish)
class WishAdmin(ScopedReadOnly):
    list_display = ("title", "category", "area", "status", "estimated_value", "expires_on")
    list_filter = ("status", "category")
    search_fields = ("title",)
    list_select_related = ("area",)
