"""Admin for logins and roles, and the admin site's own titles.

Roles are given through ``accounts.services.assign_role`` (level rules, admin-site access);
lists are scoped to the jurisdiction like every other door.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts import services
from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.areas.models import Area
from gongzhi.core.admin import ServiceAdminMixin, scope_by_path

admin.site.site_header = _("共治 管理后台")
admin.site.site_title = _("共治 管理后台")
admin.site.index_title = _("数据管理")


class RoleAssignmentInline(admin.TabularInline):
    """Roles shown on the user page; they are added on the 角色分配 page, through the service."""

    model = RoleAssignment
    fields = ("role", "area", "start_date", "end_date")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return scope_by_path(
            super().get_queryset(request).select_related("area"),
            request.user,
            "accounts.view_roleassignment",
            "area__path",
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (RoleAssignmentInline,)
    list_display = ("username", "display_name", "email", "is_staff", "is_active", "last_login")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    # Set by every password change (the expiry clock), never typed in.
    readonly_fields = ("password_changed_at",)
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),
    )

    def get_queryset(self, request):
        """Users holding a role inside the jurisdiction, and the user themself."""
        users = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return users
        in_scope = scope_by_path(
            RoleAssignment.objects.all(), user, "accounts.view_user", "area__path"
        ).values("user_id")
        return users.filter(Q(pk__in=in_scope) | Q(pk=user.pk))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("user", "role", "area", "start_date", "end_date")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "area__name", "area__code")
    list_select_related = ("user", "area")
    fields = ("user", "role", "area")

    def get_queryset(self, request):
        return scope_by_path(
            super().get_queryset(request), request.user, "accounts.view_roleassignment", "area__path"
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # A role is given or taken away, not edited (its area decides the jurisdiction).
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.visible_to(
                request.user, "accounts.add_roleassignment"
            ).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def apply_service(self, request, form, change: bool) -> RoleAssignment:
        data = form.cleaned_data
        return services.assign_role(data["user"], role=data["role"], area=data["area"], by=request.user)
