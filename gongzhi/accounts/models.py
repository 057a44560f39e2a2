"""Accounts: a login (User), the roles it holds over areas (RoleAssignment), its API
tokens (ApiToken) and its second factor (AuthenticatorDevice, RecoveryCodeDevice)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from gongzhi.accounts.roles import Role


class User(AbstractUser):
    """A person's login. The person record itself (ID number, grid …) lives in ``people``."""

    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)
    # When the password was last set; the MLPS profile expires it GONGZHI_PASSWORD_MAX_AGE_DAYS
    # later (see accounts.services.password_expired). Empty when an administrator set it (a new
    # account, a reset): the user must change it at the next login, whatever the profile.
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now, null=True, blank=True)

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
        # Read after save (accounts.signals.on_user_saved): a new password, wherever it is set
        # (the admin, ``changepassword``), revokes the user's API tokens.
        self._password_set = True

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


# --- Second factor: TOTP authenticators and recovery codes, kept confidential at rest ------


def _new_totp_key() -> str:
    from django_otp.util import random_hex

    return random_hex(20)


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (the user's phone app) whose shared secret is stored only
    encrypted (Fernet under GONGZHI_DATA_KEY, re-encrypted by ``gongzhi rotate-keys``).

    django-otp's own ``TOTPDevice`` keeps the secret in plain text, so a copy of the database
    or a backup would hold every user's second factor (MLPS 2.0 level 3 asks that
    authentication data be confidential in storage). The secret is set with ``key=`` (hex, as
    django-otp's) and read only through ``bin_key``; code checks are django-otp's ``TOTP``.
    """

    key_encrypted = models.TextField(_("密钥（加密）"), editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: a code is accepted once.
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("动态验证码设备")
        verbose_name_plural = _("动态验证码设备")

    def _get_key(self) -> str:
        from gongzhi.core.crypto import decrypt

        return decrypt(self.key_encrypted) if self.key_encrypted else ""

    def _set_key(self, value: str) -> None:
        from gongzhi.core.crypto import encrypt

        self.key_encrypted = encrypt(value.lower())

    # Write-only in practice: ``AuthenticatorDevice(key=...)`` encrypts it.
    key = property(_get_key, _set_key)

    def save(self, *args, **kwargs):
        if not self.key_encrypted:
            self.key = _new_totp_key()
        super().save(*args, **kwargs)

    @property
    def bin_key(self) -> bytes:
        return binascii.unhexlify(self._get_key().encode())

    def totp(self, at: float | None = None) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time() if at is None else at
        return totp

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """As django-otp's TOTPDevice: throttled, drift-tracking, each code once."""
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            number = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = self.totp()
            verified = totp.verify(number, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URL the enrolment QR code carries (Key Uri Format)."""
        label = str(self.user.get_username())
        params = {
            "secret": base64.b32encode(self.bin_key).decode(),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        query = urlencode(params)
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "")
        if issuer:
            issuer = issuer.replace(":", "")
            label = f"{issuer}:{label}"
            query += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{query}"


def hash_recovery_code(code: str) -> str:
    """The keyed digest a recovery code is stored as. An HMAC under GONGZHI_INDEX_KEY (kept
    outside the database), not a plain hash: the codes are short (40 bits), so a copy of the
    database alone must not allow trying them all. Spaces, dashes and case do not count."""
    from gongzhi.core.crypto import blind_index

    normalized = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return blind_index(normalized, purpose="accounts.recovery_code")


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's set of one-time recovery codes, stored only as keyed digests
    (``RecoveryCode``): the codes are shown once, when generated."""

    class Meta(Device.Meta):
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.codes.filter(code_hash=hash_recovery_code(str(token))).delete()[0]
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return bool(used)


class RecoveryCode(models.Model):
    device = models.ForeignKey(
        to=RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes", verbose_name=_("恢复码组")
    )
    code_hash = models.CharField(_("恢复码摘要"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def __str__(self) -> str:
        return f"{self.device} #{self.pk}"  # never the code: only its digest is stored
