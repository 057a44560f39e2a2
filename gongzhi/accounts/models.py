"""Accounts: a login (User), the roles it holds over areas (RoleAssignment) and its API
tokens (ApiToken)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import Role


class User(AbstractUser):
    """A person's login. The person record itself (ID number, grid …) lives in ``people``."""

    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)
    # When the password was last set; the MLPS profile expires it GONGZHI_PASSWORD_MAX_AGE_DAYS
    # later (see accounts.services.password_expired).
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("unlock_user", _("可解除登录锁定")),
            ("reset_second_factor", _("可重置双因素认证")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def check_password(self, raw_password: str) -> bool:
        def upgrade_hash(raw: str) -> None:
            # Re-hashing with a newer hasher at login is not a password change: the expiry
            # clock keeps running, so this does not go through set_password.
            self.password = make_password(raw)
            self._password = None
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, upgrade_hash)


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


def hash_token_key(key: str) -> str:
    """Only this digest of an API token is stored; the key itself is shown once."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Neither revoked nor expired."""
        now = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)

    def visible_to(self, user, perm: str = "accounts.view_apitoken"):
        """The user's own tokens, and with ``perm`` those of users holding a role inside the
        jurisdiction where the user holds it."""
        from gongzhi.accounts.queries import users_in_jurisdiction

        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(Q(user_id=user.pk) | Q(user__in=users_in_jurisdiction(user, perm)))


class ApiToken(models.Model):
    """A key a program sends as ``Authorization: Token <key>`` to act as its user.

    Only a SHA-256 digest of the key is stored (the key is random and long, so no salt or slow
    hash is needed); ``prefix`` is its first characters, shown in lists so that people can tell
    their tokens apart. A token expires (GONGZHI_TOKEN_TTL_DAYS) and can be revoked; revoked
    rows stay for the record.
    """

    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("用户"),
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("吊销人"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"
