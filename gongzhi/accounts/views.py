"""Sign-in steps (password, second factor, forced password change) and security pages.

The password step is Django's LoginView (django-axes counts its failures); after it the
accounts middleware keeps the session on the second-factor or password pages until done.
"""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from gongzhi.accounts import services
from gongzhi.accounts.forms import (
    CodeForm,
    CreateAccountForm,
    EnrolForm,
    PasswordChangeForm,
    ResetPasswordForm,
    RoleForm,
    TokenForm,
)
from gongzhi.accounts.middleware import IDLE_ENDED_KEY
from gongzhi.accounts.models import ApiToken, AuthenticatorDevice, RecoveryCodeDevice, RoleAssignment, User
from gongzhi.accounts.queries import current_locks, manageable_users, users_in_jurisdiction
from gongzhi.accounts.signals import HAS_DEVICE_KEY
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError, Forbidden


def _next_url(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


class LoginView(auth_views.LoginView):
    """The password step; then on to the second factor or a forced password change."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["idle_ended"] = self.request.session.pop(IDLE_ENDED_KEY, False)
        return context

    def get_success_url(self) -> str:
        target = super().get_success_url()
        user = self.request.user
        step = None
        if getattr(user, "is_verified", lambda: False)():
            step = None
        elif self.request.session.get(HAS_DEVICE_KEY):
            step = "accounts:otp_verify"
        elif services.requires_second_factor(user):
            step = "accounts:otp_enrol"
        if step is None and services.password_expired(user):
            step = "accounts:password_change"
        if step is None:
            return target
        return f"{reverse(step)}?{urlencode({'next': target})}"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator or a recovery code."""
    if getattr(request.user, "is_verified", lambda: False)():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 %(n)s 个。用完前请在“我的安全设置”中重新生成。")
                    % {"n": services.recovery_codes_left(request.user)},
                )
            return redirect(_next_url(request))
        form.add_error(
            "code", _("验证码不正确或已使用过。请输入验证器上当前的 6 位数字，或一个未用过的恢复码。")
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(device: AuthenticatorDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1b1b1b", title=_("扫码添加验证器")
    )


def _secret_text(device: AuthenticatorDevice) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up TOTP: scan the QR code (or type the secret), confirm with a code, then note the
    recovery codes shown once."""
    user = request.user
    if services.has_second_factor(user):
        messages.info(request, _("您已启用双因素认证。"))
        return redirect("accounts:security")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.confirm_totp_device(user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            otp_login(request, device)
            request.session[HAS_DEVICE_KEY] = True
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request, "accounts:security"), "enrolled": True},
            )
    device = services.pending_totp_device(user)
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": _secret_text(device),
            "required": services.requires_second_factor(user),
            "next": _next_url(request, "accounts:security"),
        },
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change my password; also where an expired password sends its user."""
    user = request.user
    expired = services.password_expired(user)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in ("old_password",) else "new_password1", str(exc.message))
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect(_next_url(request, "accounts:security"))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "expired": expired,
            "must_change": services.password_must_change(user),
            "expires_at": services.password_expires_at(user),
            "next": _next_url(request, "accounts:security"),
        },
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """我的安全设置: password age, second factor, API tokens."""
    user = request.user
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")[:50]
    return render(
        request,
        "accounts/security.html",
        {
            "expires_at": services.password_expires_at(user),
            "changed_at": user.password_changed_at,
            "has_2fa": services.has_second_factor(user),
            "requires_2fa": services.requires_second_factor(user),
            "codes_left": services.recovery_codes_left(user),
            "tokens": tokens,
            "token_form": TokenForm(),
            "ttl_days": settings.GONGZHI_TOKEN_TTL_DAYS,
            "code_form": CodeForm(),
        },
    )


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.regenerate_recovery_codes(request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("accounts:security")
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")}
    )


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    try:
        services.disable_second_factor(request.user, code=request.POST.get("code", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        request.session[HAS_DEVICE_KEY] = False
        messages.success(request, _("已停用双因素认证。"))
    return redirect("accounts:security")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("令牌用途太长，请控制在 100 字以内。"))
        return redirect("accounts:security")
    issued = services.issue_token(request.user, name=form.cleaned_data["name"])
    return render(request, "accounts/token_created.html", {"issued": issued})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    try:
        services.revoke_token(token, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("令牌 %(prefix)s… 已吊销。") % {"prefix": token.prefix})
    return redirect(_next_url(request, "accounts:security"))


# --- System administrator --------------------------------------------------------------


def _visible_locks(user) -> list:
    """Address locks and locks of unknown usernames for every holder of the permission;
    locks of existing accounts only within the jurisdiction."""
    locks = current_locks()
    names = [lock.value for lock in locks if lock.kind == "username"]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    managed = set(
        users_in_jurisdiction(user, "accounts.unlock_user")
        .filter(username__in=names)
        .values_list("username", flat=True)
    )
    return [
        lock
        for lock in locks
        if lock.kind != "username" or lock.value not in existing or lock.value in managed
    ]


@login_required
@permission_required("accounts.unlock_user", raise_exception=True)
def locks(request: HttpRequest) -> HttpResponse:
    """登录锁定: current locks by account and by address, with an unlock button each."""
    visible = _visible_locks(request.user)
    if request.method == "POST":
        kind, value = request.POST.get("kind"), request.POST.get("value", "")
        if not any(lock.kind == kind and lock.value == value for lock in visible):
            messages.error(request, _("该锁定已结束或不在您的管辖范围内。"))
        else:
            services.unlock(
                username=value if kind == "username" else None,
                ip_address=value if kind == "ip_address" else None,
                by=request.user,
            )
            messages.success(request, _("已解除对“%(value)s”的锁定。") % {"value": value})
        return redirect("accounts:locks")
    return render(request, "accounts/locks.html", {"locks": visible, "now": timezone.now()})


def _may_manage(user) -> bool:
    return user.has_perm("accounts.reset_second_factor") or user.has_perm("accounts.view_apitoken")


def _refuse_unless_manager(request: HttpRequest) -> None:
    if not _may_manage(request.user):
        raise PermissionDenied


def _role_areas(user):
    """Areas where ``user`` may give roles, for the role pickers."""
    return Area.objects.visible_to(user, "accounts.add_roleassignment").order_by("path")


@login_required
def users(request: HttpRequest) -> HttpResponse:
    """账号管理: users of the jurisdiction with their roles, state, second factor and locks.
    No ID number or phone appears here (the system administrator sees no personal data)."""
    _refuse_unless_manager(request)
    perm = (
        "accounts.reset_second_factor"
        if request.user.has_perm("accounts.reset_second_factor")
        else "accounts.view_apitoken"
    )
    rows = users_in_jurisdiction(request.user, perm)
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    state = request.GET.get("state", "")
    if state in ("active", "inactive"):
        rows = rows.filter(is_active=state == "active")
    now = timezone.now()
    rows = (
        rows.annotate(
            has_totp=Count(
                "authenticatordevice", filter=Q(authenticatordevice__confirmed=True), distinct=True
            ),
            active_tokens=Count(
                "api_tokens",
                filter=Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=now),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("area"))
        )
        .order_by("username")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    locked = {lock.value for lock in current_locks() if lock.kind == "username"}
    for row in page:
        row.locked = row.username in locked
    return render(request, "accounts/users.html", {"page": page, "q": query, "state": state})


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    """新建账号: username, name, one role over one area and a temporary password that the
    user must change at the first login."""
    if not request.user.has_perm("accounts.add_user"):
        raise PermissionDenied
    form = CreateAccountForm(request.POST or None, areas=_role_areas(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_account(
                data["username"],
                password=data["password1"],
                role=data["role"],
                area=data["area"],
                display_name=data["display_name"],
                by=request.user,
            )
        except DomainError as exc:
            field = {"password": "password1"}.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, str(exc.message))
        else:
            messages.success(
                request,
                _("已创建账号 %(username)s。请把临时密码当面或另行告知本人，首次登录时必须修改。")
                % {"username": user.username},
            )
            return redirect("accounts:user_security", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})


def _user_action(request: HttpRequest, target: User) -> tuple[str, object]:
    """Run one POSTed action on ``target``; returns the message and the form to show again
    (a form with errors) or None."""
    action = request.POST.get("action", "")
    by = request.user
    if action == "reset_2fa":
        services.reset_second_factor(target, by=by)
        return _("已重置 %(user)s 的双因素认证，其下次登录时需重新登记。") % {"user": target}, None
    if action == "deactivate":
        services.deactivate_user(target, by=by)
        return _("已停用账号 %(user)s：其 API 令牌已吊销，登录会话已结束。") % {"user": target}, None
    if action == "reactivate":
        services.reactivate_user(target, by=by)
        return _("已重新启用账号 %(user)s。") % {"user": target}, None
    if action == "reset_password":
        form = ResetPasswordForm(request.POST)
        if not form.is_valid():
            return "", form
        try:
            services.reset_password(target, password=form.cleaned_data["password1"], by=by)
        except DomainError as exc:
            if exc.code == "weak_password":
                form.add_error("password1", str(exc.message))
                return "", form
            raise
        return _("已重置 %(user)s 的密码；其 API 令牌已吊销，下次登录时必须修改密码。") % {
            "user": target
        }, None
    if action == "grant_role":
        form = RoleForm(request.POST, areas=_role_areas(by))
        if not form.is_valid():
            return "", form
        data = form.cleaned_data
        try:
            services.grant_role(target, role=data["role"], area=data["area"], by=by)
        except DomainError as exc:
            if isinstance(exc, Forbidden):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            return "", form
        return _("已分配角色。"), None
    if action == "revoke_role":
        assignment = RoleAssignment.objects.filter(
            user=target, pk=request.POST.get("assignment") or 0
        ).first()
        if assignment is None:
            raise DomainError(_("该角色已不存在，请刷新页面。"))
        services.revoke_role(assignment, by=by)
        return _("已收回角色“%(role)s @ %(area)s”。") % {
            "role": assignment.get_role_display(),
            "area": assignment.area.name,
        }, None
    raise DomainError(_("未知操作，请通过页面上的按钮操作。"))


@login_required
def user_security(request: HttpRequest, pk: int) -> HttpResponse:
    """One account for the system administrator: roles, state, password, second factor and
    API tokens, with the actions on each."""
    _refuse_unless_manager(request)
    target = get_object_or_404(
        users_in_jurisdiction(request.user, "accounts.reset_second_factor")
        | users_in_jurisdiction(request.user, "accounts.view_apitoken"),
        pk=pk,
    )
    forms_shown: dict = {}
    if request.method == "POST":
        try:
            message, form = _user_action(request, target)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("accounts:user_security", pk=target.pk)
        if form is None:
            messages.success(request, message)
            return redirect("accounts:user_security", pk=target.pk)
        forms_shown[request.POST["action"]] = form
        target.refresh_from_db()
    own = target.pk == request.user.pk
    may_change = (
        not own
        and request.user.has_perm("accounts.change_user")
        and manageable_users(request.user, "accounts.change_user").filter(pk=target.pk).exists()
    )
    roles = list(target.role_assignments.select_related("area").order_by("area__path", "role"))
    may_revoke = may_change and request.user.has_perm("accounts.delete_roleassignment") and len(roles) > 1
    tokens = ApiToken.objects.visible_to(request.user).filter(user=target).order_by("-created_at")[:100]
    return render(
        request,
        "accounts/user_security.html",
        {
            "target": target,
            "own": own,
            "roles": roles,
            "has_2fa": services.has_second_factor(target),
            "requires_2fa": services.requires_second_factor(target),
            "must_change": services.password_must_change(target),
            "expires_at": services.password_expires_at(target),
            "tokens": tokens,
            "locks": current_locks(username=target.username),
            "may_reset": not own and request.user.has_perm("accounts.reset_second_factor"),
            "may_revoke": request.user.has_perm("accounts.delete_apitoken"),
            "may_change": may_change,
            "may_revoke_role": may_revoke,
            "may_grant": may_change and request.user.has_perm("accounts.add_roleassignment"),
            "role_form": forms_shown.get("grant_role") or RoleForm(areas=_role_areas(request.user)),
            "password_form": forms_shown.get("reset_password") or ResetPasswordForm(),
            "open_form": next(iter(forms_shown), ""),
        },
    )
