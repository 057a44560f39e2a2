"""Admin for the area tree and grid staffing: scoped lists, writes through ``areas.services``."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _

from gongzhi.areas import services
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.core.admin import ScopedAdminMixin, ServiceAdminMixin
from gongzhi.core.exceptions import DomainError
from gongzhi.people.models import Person

# What an existing area lets you change (services.update_area): its path fixes the rest.
AREA_CHANGEABLE = ("name", "population", "households", "boundary")


@admin.register(Area)
class AreaAdmin(ScopedAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "population", "households")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    ordering = ("path",)
    list_per_page = 50

    def area_of(self, obj: Area) -> Area:
        return obj

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("code", "name", "level", "parent", "population", "households", "boundary")
        return ("code", "name", "level", "parent", "path", *AREA_CHANGEABLE[1:], "center_lat", "center_lng")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("code", "level", "parent", "path", "center_lat", "center_lng")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = (
                Area.objects.visible_to(request.user, "areas.add_area")
                .exclude(level=AreaLevel.GRID)
                .order_by("path")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool) -> Area:
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in AREA_CHANGEABLE if f in form.changed_data}
            if not changes:
                return form.instance
            return services.update_area(form.instance, by=request.user, **changes)
        parent = data.get("parent")
        if parent is None and not request.user.is_superuser:
            raise DomainError(_("只有系统管理员可以新建区（树的根）；请选择上级区域。"), field="parent")
        return services.create_area(
            code=data["code"],
            name=data["name"],
            level=data["level"],
            parent=parent,
            population=data.get("population") or 0,
            households=data.get("households") or 0,
            boundary=data.get("boundary"),
            by=request.user,
        )


@admin.register(GridAssignment)
class GridAssignmentAdmin(ScopedAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("grid", "person", "duty", "start_date", "end_date")
    list_filter = ("duty",)
    search_fields = ("person__name", "grid__name", "grid__code")
    list_select_related = ("grid", "person")
    date_hierarchy = "start_date"

    def area_of(self, obj: GridAssignment) -> Area:
        return obj.grid

    def get_readonly_fields(self, request, obj=None):
        # Once made, an assignment can only be ended (services.end_grid_assignment).
        return ("grid", "person", "duty", "start_date") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":
            kwargs["queryset"] = (
                Area.objects.visible_to(request.user, "areas.add_gridassignment")
                .filter(level=AreaLevel.GRID)
                .order_by("path")
            )
        elif db_field.name == "person":
            kwargs["queryset"] = Person.objects.visible_to(request.user).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool) -> GridAssignment:
        data = form.cleaned_data
        end_date = data.get("end_date")
        if change:
            assignment = form.instance
            if "end_date" not in form.changed_data:
                return assignment
            if end_date is None:
                raise DomainError(
                    _("结束日期填写后不能清除；如需恢复任职，请新增一条任职记录。"), field="end_date"
                )
            return services.end_grid_assignment(assignment, on=end_date, by=request.user)
        assignment = services.assign_grid_staff(
            grid=data["grid"],
            person=data["person"],
            duty=data["duty"],
            start_date=data.get("start_date"),
            by=request.user,
        )
        if end_date is not None:
            assignment = services.end_grid_assignment(assignment, on=end_date, by=request.user)
        return assignment
