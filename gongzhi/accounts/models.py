"""Accounts: a login (User) and the roles it holds over areas (RoleAssignment)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role


class User(AbstractUser):
    """A person's login. The person record itself (ID number, grid …) lives in ``people``."""

    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on=None):
        today = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)


class RoleAssignment(models.Model):
    """A user holds one role over one area (the subtree below it is their jurisdiction)."""

    user = models.ForeignKey(
        to=User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        to="areas.Area",
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("管辖区域"),
    )
    start_date = models.DateField(_("起始日期"), default=timezone.localdate)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(
                fields=("user", "role", "area"),
                name="accounts_roleassignment_unique",
                violation_error_message=_("该用户在此区域已拥有这个角色。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.area}"
