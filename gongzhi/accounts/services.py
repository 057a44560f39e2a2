"""Writes for accounts: creating logins, assigning roles over areas, passwords, second
factors, API tokens and login locks. Every security event is written to the audit log."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts.models import ApiToken, RoleAssignment, User, hash_token_key
from gongzhi.accounts.queries import users_in_jurisdiction
from gongzhi.accounts.roles import ADMIN_SITE_ROLES, Role
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.audit.services import Category, Outcome, record
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.scoping import active_assignments, forget_assignments

# The narrowest area each role may be held over, so that e.g. a street admin is never
# assigned to a single grid by mistake.
ROLE_AREA_LEVELS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: {AreaLevel.DISTRICT},
    Role.STREET_ADMIN: {AreaLevel.STREET},
    Role.COMMUNITY_WORKER: {AreaLevel.COMMUNITY},
    Role.GRID_MEMBER: {AreaLevel.GRID},
    Role.JUSTICE_OFFICER: {AreaLevel.DISTRICT, AreaLevel.STREET},
    Role.FINANCE: {AreaLevel.DISTRICT, AreaLevel.STREET},
    Role.EVALUATOR: {AreaLevel.DISTRICT, AreaLevel.STREET},
}


def assign_role(user: User, *, role: str, area: Area, by: User | None = None) -> RoleAssignment:
    """Give ``user`` ``role`` over ``area``.

    Raises DomainError when the role does not exist or cannot be held at the area's level.
    Side effects: district admins get access to the admin site (``is_staff``).
    """
    if role not in Role.values:
        raise DomainError(
            _("未知角色“%(role)s”。可用角色：%(roles)s。")
            % {"role": role, "roles": _("、").join(Role.values)},
            field="role",
        )
    allowed = ROLE_AREA_LEVELS.get(role)
    if allowed and area.level not in allowed:
        raise DomainError(
            _("角色“%(role)s”只能分配在%(levels)s一级，而“%(area)s”是%(level)s。")
            % {
                "role": Role(role).label,
                "levels": _("、").join(str(AreaLevel(lv).label) for lv in sorted(allowed)),
                "area": area.name,
                "level": area.get_level_display(),
            },
            field="area",
        )
    with transaction.atomic():
        assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
        if role in ADMIN_SITE_ROLES and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    forget_assignments(user)
    return assignment


def create_user(
    username: str,
    *,
    password: str,
    role: str,
    area: Area,
    display_name: str = "",
    by: User | None = None,
    check_password: bool = True,
) -> User:
    """Create a login holding one role over one area.

    Raises DomainError when the username is taken, the password too weak, or the role/area
    pair is not allowed; nothing is written in that case.
    """
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("用户名“%(username)s”已被使用，请换一个。") % {"username": username},
            field="username",
        )
    if check_password:
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="password") from exc
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, display_name=display_name)
        assign_role(user, role=role, area=area, by=by)
    return user


# --- Passwords -------------------------------------------------------------------------


def password_max_age() -> datetime.timedelta | None:
    """How long a password lives (MLPS profile: 90 days by default); None when it never expires."""
    days = settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
    return datetime.timedelta(days=days) if days > 0 else None


def password_expires_at(user: User) -> datetime.datetime | None:
    max_age = password_max_age()
    if max_age is None or user.password_changed_at is None:
        return None
    return user.password_changed_at + max_age


def password_expired(user: User, *, at: datetime.datetime | None = None) -> bool:
    """True when the user must change the password before doing anything else."""
    expires = password_expires_at(user)
    return expires is not None and expires <= (at or timezone.now())


def change_password(user: User, *, old_password: str, new_password: str) -> None:
    """The user changes their own password.

    Raises DomainError (field ``old_password`` or ``new_password``) when the current password
    is wrong, the new one breaks the password rules or equals the current one. Side effects:
    ``password_changed_at`` restarts the expiry clock; audit ``auth.password_changed``.
    """
    if not user.check_password(old_password):
        record(
            "auth.password_change_failed",
            category=Category.AUTH,
            outcome=Outcome.FAILURE,
            target=user,
            detail={"reason": "wrong_current_password"},
        )
        raise DomainError(_("当前密码不正确，请重新输入。"), field="old_password", code="wrong_password")
    if new_password == old_password:
        raise DomainError(
            _("新密码不能与当前密码相同，请换一个新密码。"), field="new_password", code="password_reused"
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="new_password", code="weak_password") from exc
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at"])
    record("auth.password_changed", category=Category.AUTH, target=user, actor=user)


# --- Second factor (TOTP and recovery codes) -----------------------------------------

RECOVERY_CODE_COUNT = 10


def requires_second_factor(user: User) -> bool:
    """True when one of the user's active roles is in GONGZHI_2FA_REQUIRED_ROLES."""
    required = set(settings.GONGZHI_2FA_REQUIRED_ROLES)
    return any(role in required for role, _path in active_assignments(user))


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device an enrolment shows (created on first view, reused on reload so
    that the QR code does not change under the user's phone)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机验证器"), confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [_format_code(StaticToken.random_token()) for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _format_code(raw: str) -> str:
    # Eight lower-case base32 characters, written as two groups of four so they can be read aloud.
    return f"{raw[:4]}-{raw[4:8]}"


def confirm_totp_device(user: User, *, code: str) -> tuple[TOTPDevice, list[str]]:
    """Finish enrolment: the code from the user's authenticator confirms the pending device.

    Returns the device and ten one-time recovery codes (shown once; older ones stop working).
    Raises DomainError when no enrolment is pending, one is already confirmed or the code is
    wrong. Side effects: audit ``auth.2fa_enrolled``.
    """
    if has_second_factor(user):
        raise DomainError(
            _("您已启用双因素认证；如需更换设备，请先停用后重新登记。"), code="already_enrolled"
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise DomainError(_("没有待确认的验证器，请刷新登记页面重新扫码。"), code="no_pending_device")
    if not device.verify_token(_digits(code)):
        record(
            "auth.2fa_enrol_failed",
            category=Category.AUTH,
            outcome=Outcome.FAILURE,
            target=user,
            actor=user,
        )
        raise DomainError(
            _("验证码不正确：请输入验证器上当前显示的 6 位数字，并确认手机时间准确。"),
            field="code",
            code="otp_invalid",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
    record("auth.2fa_enrolled", category=Category.AUTH, target=user, actor=user)
    return device, codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Audit ``auth.recovery_codes_regenerated``."""
    if not has_second_factor(user):
        raise DomainError(_("尚未启用双因素认证，无需恢复码。"), code="not_enrolled")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
    record("auth.recovery_codes_regenerated", category=Category.AUTH, target=user, actor=user)
    return codes


def _digits(code: str) -> str:
    return "".join(code.split())


def verify_second_factor(user: User, code: str):
    """The device that accepts ``code`` (a TOTP code or an unused recovery code), or None.

    A recovery code works once. Side effects: audit ``auth.otp_verified`` or ``auth.otp_failed``.
    """
    code = _digits(code or "").lower()
    device = None
    if code:
        candidates = [
            *TOTPDevice.objects.filter(user=user, confirmed=True),
            *StaticDevice.objects.filter(user=user, confirmed=True),
        ]
        for candidate in candidates:
            if candidate.verify_token(code):
                device = candidate
                break
    if device is None:
        record(
            "auth.otp_failed",
            category=Category.AUTH,
            outcome=Outcome.FAILURE,
            target=user,
            actor_name=user.get_username(),
        )
        return None
    method = "recovery_code" if isinstance(device, StaticDevice) else "totp"
    detail: dict = {"method": method}
    if method == "recovery_code":
        detail["recovery_codes_left"] = recovery_codes_left(user)
    record("auth.otp_verified", category=Category.AUTH, target=user, actor=user, detail=detail)
    return device


def disable_second_factor(user: User, *, code: str) -> None:
    """The user turns their second factor off, confirming with a current code.

    Raises Forbidden when a role requires it and DomainError when the code is wrong.
    Side effects: all TOTP devices and recovery codes deleted; audit ``auth.2fa_disabled``.
    """
    if requires_second_factor(user):
        raise Forbidden(_("您的角色要求必须使用双因素认证，不能停用。如需更换手机，请联系系统管理员重置。"))
    if verify_second_factor(user, code) is None:
        raise DomainError(_("验证码不正确，未停用双因素认证。"), field="code", code="otp_invalid")
    _delete_devices(user)
    record("auth.2fa_disabled", category=Category.AUTH, target=user, actor=user)


def _delete_devices(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def reset_second_factor(user: User, *, by: User) -> None:
    """A system administrator removes a user's second factor (e.g. a lost phone); the user
    enrols again at the next login if a role requires it.

    Raises Forbidden without ``accounts.reset_second_factor`` over the user. Side effects: the
    user's devices and recovery codes deleted; audit ``accounts.second_factor_reset`` (ADMIN).
    """
    if not users_in_jurisdiction(by, "accounts.reset_second_factor").filter(pk=user.pk).exists():
        raise Forbidden(_("该用户不在您的管辖范围内，或您无权重置其双因素认证。"))
    _delete_devices(user)
    record("accounts.second_factor_reset", category=Category.ADMIN, target=user, actor=by)


# --- API tokens --------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, never stored


def issue_token(user: User, *, name: str = "", ttl_days: int | None = None) -> IssuedToken:
    """A new API token for ``user``; the key is returned once and only its digest stored.

    Side effects: audit ``auth.token_issued``.
    """
    key = "gz_" + secrets.token_urlsafe(32)
    days = settings.GONGZHI_TOKEN_TTL_DAYS if ttl_days is None else ttl_days
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:10],
        key_hash=hash_token_key(key),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    record(
        "auth.token_issued",
        category=Category.AUTH,
        target=user,
        actor=user,
        detail={"token": token.prefix, "name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return IssuedToken(token=token, key=key)


def revoke_token(token: ApiToken, *, by: User) -> ApiToken:
    """Revoke a token (its owner, or an administrator with ``accounts.delete_apitoken`` over
    the owner). Revoking twice changes nothing.

    Raises Forbidden when ``by`` may see but not revoke it. Side effects: ``revoked_at`` set;
    audit ``auth.token_revoked`` (own) or ``accounts.token_revoked`` (ADMIN).
    """
    own = token.user_id == by.pk
    if (
        not own
        and not ApiToken.objects.filter(pk=token.pk).visible_to(by, "accounts.delete_apitoken").exists()
    ):
        raise Forbidden(_("您无权吊销该用户的令牌。"))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    record(
        "auth.token_revoked" if own else "accounts.token_revoked",
        category=Category.AUTH if own else Category.ADMIN,
        target=token.user,
        actor=by,
        detail={"token": token.prefix, "name": token.name},
    )
    return token


class AccountLocked(DomainError):
    """429: too many failed logins for this account or address; says when to retry."""

    status_code = 429
    code = "locked_out"

    def __init__(self, body: dict):
        super().__init__(body["message"])
        self.body = body

    def as_dict(self) -> dict:
        return {key: value for key, value in self.body.items() if key != "status"}


def issue_token_for_credentials(
    request, *, username: str, password: str, otp: str = "", name: str = ""
) -> IssuedToken:
    """``POST /api/v1/auth/token/``: check the password (through django-axes, so failures
    count towards a lock), the second factor and the password's age, then issue a token.

    Raises AccountLocked (429), DomainError ``invalid`` / ``otp_required`` / ``otp_invalid``
    (400), Forbidden ``second_factor_enrolment_required`` / ``password_expired`` (403).
    ``request`` is the Django request (axes marks it when it locks).
    """
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth import authenticate
    from django.urls import reverse

    from gongzhi.accounts.lockout import lock_for, locked_out_error

    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise AccountLocked(locked_out_error(lock_for(request, username)))
        raise DomainError(_("无法使用提供的认证信息登录。请检查用户名和密码。"), code="invalid")
    if has_second_factor(user):
        if not otp:
            raise DomainError(
                _("该账号已启用双因素认证：请在 otp 字段中提供验证器上的 6 位验证码或一个恢复码。"),
                field="otp",
                code="otp_required",
            )
        if verify_second_factor(user, otp) is None:
            raise DomainError(
                _("验证码不正确或已使用过，请输入验证器上当前的 6 位数字或一个未用过的恢复码。"),
                field="otp",
                code="otp_invalid",
            )
    elif requires_second_factor(user):
        raise Forbidden(
            _("您的角色要求双因素认证：请先登录网页，在 %(url)s 登记动态验证码设备，然后再申请令牌。")
            % {"url": reverse("accounts:otp_enrol")},
            code="second_factor_enrolment_required",
        )
    if password_expired(user):
        from gongzhi.accounts.middleware import password_expired_message

        raise Forbidden(password_expired_message(), code="password_expired")
    AxesProxyHandler.reset_attempts(username=user.get_username())
    return issue_token(user, name=name)


# --- Login locks -------------------------------------------------------------------------


def unlock(*, username: str | None = None, ip_address: str | None = None, by: User) -> int:
    """Lift a login lock on an account or a client address before it runs out.

    Returns the number of failure records removed. Side effects: audit ``accounts.unlock`` (ADMIN).
    """
    from axes.handlers.proxy import AxesProxyHandler

    if not (username or ip_address):
        raise DomainError(_("请指定要解锁的账号或地址。"))
    if username:
        count = AxesProxyHandler.reset_attempts(username=username)
    else:
        count = AxesProxyHandler.reset_attempts(ip_address=ip_address)
    target = User.objects.filter(username=username).first() if username else None
    record(
        "accounts.unlock",
        category=Category.ADMIN,
        target=target,
        actor=by,
        detail={"username": username or "", "ip": ip_address or "", "records": count},
    )
    return count
