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

from gongzhi.accounts.models import (
    ApiToken,
    AuthenticatorDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    RoleAssignment,
    User,
    hash_recovery_code,
    hash_token_key,
)
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
        _validated_password(password, User(username=username))
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


def password_must_change(user: User) -> bool:
    """True when an administrator set the password (a new account, a reset): only its user
    should know it, so it must be changed at the next login, under every password profile."""
    return user.password_changed_at is None


def password_expired(user: User, *, at: datetime.datetime | None = None) -> bool:
    """True when the user must change the password before doing anything else: it is too
    old, or an administrator set it."""
    if password_must_change(user):
        return True
    expires = password_expires_at(user)
    return expires is not None and expires <= (at or timezone.now())


def change_password(user: User, *, old_password: str, new_password: str) -> None:
    """The user changes their own password.

    Raises DomainError (field ``old_password`` or ``new_password``) when the current password
    is wrong, the new one breaks the password rules or equals the current one. Side effects:
    ``password_changed_at`` restarts the expiry clock; every API token of the user is revoked
    (``revoke_all_tokens``); audit ``auth.password_changed``.
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
    with transaction.atomic():
        revoke_all_tokens(user, by=user, reason="password_changed")
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
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def pending_totp_device(user: User) -> AuthenticatorDevice:
    """The unconfirmed device an enrolment shows (created on first view, reused on reload so
    that the QR code does not change under the user's phone)."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = AuthenticatorDevice.objects.create(user=user, name=_("手机验证器"), confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes; only their keyed digests are stored, so this is the one time they
    can be shown."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [_format_code(_random_code()) for _i in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_recovery_code(c)) for c in codes
    )
    return codes


def _random_code() -> str:
    import base64

    return base64.b32encode(secrets.token_bytes(5)).decode().lower()


def _format_code(raw: str) -> str:
    # Eight lower-case base32 characters, written as two groups of four so they can be read aloud.
    return f"{raw[:4]}-{raw[4:8]}"


def confirm_totp_device(user: User, *, code: str) -> tuple[AuthenticatorDevice, list[str]]:
    """Finish enrolment: the code from the user's authenticator confirms the pending device.

    Returns the device and ten one-time recovery codes (shown once; older ones stop working).
    Raises DomainError when no enrolment is pending, one is already confirmed or the code is
    wrong. Side effects: audit ``auth.2fa_enrolled``.
    """
    if has_second_factor(user):
        raise DomainError(
            _("您已启用双因素认证；如需更换设备，请先停用后重新登记。"), code="already_enrolled"
        )
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
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
        AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
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
            *AuthenticatorDevice.objects.filter(user=user, confirmed=True),
            *RecoveryCodeDevice.objects.filter(user=user, confirmed=True),
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
    method = "recovery_code" if isinstance(device, RecoveryCodeDevice) else "totp"
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
        AuthenticatorDevice.objects.filter(user=user).delete()
        RecoveryCodeDevice.objects.filter(user=user).delete()


def reset_second_factor(user: User, *, by: User) -> None:
    """A system administrator removes a user's second factor (e.g. a lost phone); the user
    enrols again at the next login if a role requires it.

    Raises Forbidden without ``accounts.reset_second_factor`` over the user. Side effects: the
    user's devices and recovery codes deleted; audit ``accounts.second_factor_reset`` (ADMIN).
    """
    _refuse_self(user, by, _("不能重置自己的双因素认证，请由另一位系统管理员操作。"))
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


def revoke_all_tokens(user: User, *, by: User | None, reason: str) -> int:
    """Revoke every usable API token of ``user``: a token must not outlive the password or
    the account it was issued under. ``reason`` is ``password_changed``, ``password_reset``,
    ``password_set`` or ``deactivated``.

    Returns how many were revoked. Side effects: audit ``accounts.tokens_revoked`` (one row
    naming the tokens), unless there were none.
    """
    now = timezone.now()
    with transaction.atomic():
        tokens = list(ApiToken.objects.select_for_update().filter(user=user).usable(now))
        if not tokens:
            return 0
        ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now, revoked_by=by)
        record(
            "accounts.tokens_revoked",
            category=Category.AUTH if by is not None and by.pk == user.pk else Category.ADMIN,
            target=user,
            actor=by,
            detail={"reason": reason, "count": len(tokens), "tokens": [t.prefix for t in tokens]},
        )
    return len(tokens)


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

        raise Forbidden(password_expired_message(user), code="password_expired")
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


# --- Account administration (the system administrator) -------------------------------------
#
# Separation of admin duties: the system administrator creates accounts, gives and takes
# roles, deactivates accounts and resets passwords and second factors, within the areas where
# they hold the permission, and never on their own account (that would let one person raise
# or keep their own power unchecked). Every change writes an ADMIN audit row.


def _refuse_self(user: User, by: User | None, message: str) -> None:
    if by is not None and user.pk == by.pk:
        raise Forbidden(message, code="own_account")


def _check_manages(user: User, by: User | None, perm: str) -> None:
    """``by`` (None: the ``gongzhi`` command line, trusted) may act on ``user``'s account."""
    from gongzhi.accounts.queries import manageable_users

    if by is None:
        return
    if not manageable_users(by, perm).filter(pk=user.pk).exists():
        raise Forbidden(_("该账号不在您的管辖范围内（或还在其他区域担任角色），您无权管理。"), code="outside")


def _check_area(area: Area, by: User | None, perm: str) -> None:
    if by is None or by.is_superuser:
        return
    if not Area.objects.visible_to(by, perm).filter(pk=area.pk).exists():
        raise Forbidden(
            _("您不能在“%(area)s”分配或收回角色：它不在您的管辖范围内。") % {"area": area.name},
            code="outside",
        )


def _validated_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password", code="weak_password") from exc


def create_account(
    username: str,
    *,
    password: str,
    role: str,
    area: Area,
    display_name: str = "",
    by: User | None = None,
    must_change_password: bool = True,
    actor_name: str = "",
) -> User:
    """Create a login holding one role over one area: the 账号管理 page and ``gongzhi adduser``.

    The password is checked against the password rules; with ``must_change_password`` (the
    page always) the user must change it at the first login (``password_must_change``).
    Raises Forbidden when ``by`` may not give roles in ``area``, DomainError when the
    username is taken, the password weak or the role/area pair not allowed. Side effects:
    audit ``accounts.user_created`` (ADMIN).
    """
    username = (username or "").strip()
    if not username:
        raise DomainError(_("请填写用户名。"), field="username")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="username") from exc
    if by is not None and not by.has_perm("accounts.add_user"):
        raise Forbidden(_("您无权创建账号。"))
    _check_area(area, by, "accounts.add_roleassignment")
    with transaction.atomic():
        user = create_user(
            username, password=password, role=role, area=area, display_name=display_name, by=by
        )
        if must_change_password:
            User.objects.filter(pk=user.pk).update(password_changed_at=None)
            user.password_changed_at = None
        record(
            "accounts.user_created",
            category=Category.ADMIN,
            target=user,
            actor=by,
            actor_name=actor_name,
            detail={
                "username": user.username,
                "role": role,
                "area": area.code,
                "must_change_password": must_change_password,
            },
        )
    return user


def grant_role(user: User, *, role: str, area: Area, by: User) -> RoleAssignment:
    """The system administrator gives ``user`` a role over ``area`` (``assign_role``'s level
    rules apply). Nobody grants roles to themselves.

    Raises Forbidden (own account, user or area outside the jurisdiction), DomainError (the
    role/area rule, or the role already held). Side effects: audit ``accounts.role_granted``.
    """
    _refuse_self(user, by, _("不能给自己分配角色，请由另一位系统管理员操作。"))
    if not by.has_perm("accounts.add_roleassignment"):
        raise Forbidden(_("您无权分配角色。"))
    _check_manages(user, by, "accounts.add_roleassignment")
    _check_area(area, by, "accounts.add_roleassignment")
    if RoleAssignment.objects.filter(user=user, role=role, area=area).exists():
        raise DomainError(_("该用户在此区域已拥有这个角色。"), field="role", code="duplicate")
    with transaction.atomic():
        assignment = assign_role(user, role=role, area=area, by=by)
        record(
            "accounts.role_granted",
            category=Category.ADMIN,
            target=user,
            actor=by,
            detail={"role": role, "area": area.code},
        )
    return assignment


def revoke_role(assignment: RoleAssignment, *, by: User) -> None:
    """The system administrator takes a role away (the row is deleted; the audit log and the
    change history keep it). A system administrator cannot take away their own sysadmin role,
    and an account keeps at least one role (deactivate it instead), so that it stays in a
    jurisdiction someone manages.

    Raises Forbidden or DomainError. Side effects: audit ``accounts.role_revoked``; a user
    left without an admin-site role loses ``is_staff``.
    """
    user = assignment.user
    if assignment.role == Role.SYSADMIN:
        _refuse_self(user, by, _("不能收回自己的系统管理员角色，请由另一位系统管理员操作。"))
    if not by.has_perm("accounts.delete_roleassignment"):
        raise Forbidden(_("您无权收回角色。"))
    _check_manages(user, by, "accounts.delete_roleassignment")
    _check_area(assignment.area, by, "accounts.delete_roleassignment")
    if not RoleAssignment.objects.filter(user=user).exclude(pk=assignment.pk).exists():
        raise DomainError(
            _("这是该账号唯一的角色。账号至少保留一个角色；如不再使用，请停用账号。"), code="last_role"
        )
    with transaction.atomic():
        role, area_code = assignment.role, assignment.area.code
        assignment.delete()
        if (
            user.is_staff
            and not user.is_superuser
            and not RoleAssignment.objects.filter(user=user, role__in=ADMIN_SITE_ROLES).exists()
        ):
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        record(
            "accounts.role_revoked",
            category=Category.ADMIN,
            target=user,
            actor=by,
            detail={"role": role, "area": area_code},
        )
    forget_assignments(user)


def end_sessions(user: User) -> int:
    """Delete the user's stored login sessions (database sessions). An inactive user's session
    would be refused anyway (``ModelBackend.get_user``); this also frees the rows."""
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    model = store.get_model_class()
    ended = []
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.pk)
    return model.objects.filter(pk__in=ended).delete()[0]


def deactivate_user(user: User, *, by: User) -> None:
    """Stop an account from signing in (someone left): its API tokens are revoked and its
    sessions end; the account and its history stay. Nobody deactivates themselves.

    Side effects: ``is_active`` False; ``revoke_all_tokens``; ``end_sessions``; audit
    ``accounts.user_deactivated``.
    """
    _refuse_self(user, by, _("不能停用自己的账号。"))
    if not by.has_perm("accounts.change_user"):
        raise Forbidden(_("您无权停用账号。"))
    _check_manages(user, by, "accounts.change_user")
    if user.is_superuser and not by.is_superuser:
        raise Forbidden(_("超级用户只能由超级用户管理。"))
    with transaction.atomic():
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        revoked = revoke_all_tokens(user, by=by, reason="deactivated")
        sessions = end_sessions(user)
        record(
            "accounts.user_deactivated",
            category=Category.ADMIN,
            target=user,
            actor=by,
            detail={"tokens_revoked": revoked, "sessions_ended": sessions},
        )


def reactivate_user(user: User, *, by: User) -> None:
    """Let a deactivated account sign in again (its old tokens stay revoked).
    Side effects: audit ``accounts.user_reactivated``."""
    _refuse_self(user, by, _("不能操作自己的账号状态。"))
    if not by.has_perm("accounts.change_user"):
        raise Forbidden(_("您无权启用账号。"))
    _check_manages(user, by, "accounts.change_user")
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        record("accounts.user_reactivated", category=Category.ADMIN, target=user, actor=by)


def reset_password(user: User, *, password: str, by: User) -> None:
    """Set a temporary password (the user forgot theirs) that must be changed at the next
    login. The user's API tokens are revoked and sessions end. Nobody resets their own
    password here: they change it with the current one.

    Raises Forbidden or DomainError (password rules). Side effects: audit
    ``accounts.password_reset``.
    """
    _refuse_self(user, by, _("请在“我的安全设置”中修改自己的密码。"))
    if not by.has_perm("accounts.change_user"):
        raise Forbidden(_("您无权重置密码。"))
    _check_manages(user, by, "accounts.change_user")
    if user.is_superuser and not by.is_superuser:
        raise Forbidden(_("超级用户只能由超级用户管理。"))
    _validated_password(password, user)
    with transaction.atomic():
        revoked = revoke_all_tokens(user, by=by, reason="password_reset")
        user.set_password(password)
        user.password_changed_at = None  # must be changed at the next login
        user.save(update_fields=["password", "password_changed_at"])
        sessions = end_sessions(user)
        record(
            "accounts.password_reset",
            category=Category.ADMIN,
            target=user,
            actor=by,
            detail={"tokens_revoked": revoked, "sessions_ended": sessions},
        )
