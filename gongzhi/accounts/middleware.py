"""Session rules that apply to every page and API call made with a login session.

In order (MIDDLEWARE lists them after django_otp's OTPMiddleware):

1. ``IdleSessionMiddleware`` ends a session idle for GONGZHI_SESSION_IDLE_MINUTES.
2. ``SecondFactorMiddleware`` keeps a session that has passed the password but not yet the
   second factor (required by role, or enrolled by choice) on the verify/enrol pages.
3. ``PasswordExpiryMiddleware`` keeps a session whose password has expired on the
   change-password page.

Pages are redirected; API calls get a 403 JSON error that says which page to visit. They run
as ``process_view`` so that they know the URL name (the allow-lists below) and run in this
order whatever the view. Token-authenticated API calls are checked in
``gongzhi.core.authentication`` instead (DRF authenticates them inside the view).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from gongzhi.accounts.services import password_expired, requires_second_factor
from gongzhi.accounts.signals import HAS_DEVICE_KEY, LAST_ACTIVITY_KEY

IDLE_ENDED_KEY = "gz_idle_ended"
# Activity is written at most this often, so that an active user costs no session write per request.
_ACTIVITY_WRITE_SECONDS = 60

# The token endpoint checks password, second factor and password age itself.
_ALWAYS_ALLOWED = frozenset({"login", "logout", "set_language", "api-token"})
_SECOND_FACTOR_PAGES = frozenset({"accounts:otp_verify", "accounts:otp_enrol"})


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "code": code, "message": message, **extra}}, status=status
    )


def _redirect_with_next(request: HttpRequest, url_name: str):
    if request.headers.get("HX-Request"):
        # A fragment (the unread count in the menu) must not receive the whole sign-in step
        # page; htmx leaves the target alone on an error answer.
        return HttpResponse(status=403)
    url = reverse(url_name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return redirect(url)


class _ViewMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware, but ``request.user`` wraps the user itself rather than
    AuthenticationMiddleware's lazy object: per-request caches kept on the user
    (``gongzhi.core.scoping``) then stay one object, and roles are read once per request."""

    def _verify_user_sync(self, request, user):
        user = super()._verify_user_sync(request, user)
        return getattr(user, "_wrapped", user)


class IdleSessionMiddleware(_ViewMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return
        now = int(time.time())
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > settings.GONGZHI_SESSION_IDLE_MINUTES * 60:
            # Logged out here and the request goes on anonymous: pages send it to the login
            # page (which says why), the API answers 401.
            request.gz_logout_reason = "idle"
            logout(request)
            request.session[IDLE_ENDED_KEY] = True
            return
        passive = _view_name(request) in settings.GONGZHI_SESSION_PASSIVE_URL_NAMES
        if last is None or (not passive and now - last >= _ACTIVITY_WRITE_SECONDS):
            request.session[LAST_ACTIVITY_KEY] = now
        return


class SecondFactorMiddleware(_ViewMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return None
        has_device = bool(request.session.get(HAS_DEVICE_KEY))
        if not has_device and not requires_second_factor(user):
            return None
        if _view_name(request) in _ALWAYS_ALLOWED | _SECOND_FACTOR_PAGES:
            request.gz_restricted = True  # base.html shows no menu until the step is done
            return None
        page = "accounts:otp_verify" if has_device else "accounts:otp_enrol"
        if is_api(request):
            message = (
                _("请先在网页 %(url)s 输入动态验证码完成双因素认证，然后再调用接口。")
                if has_device
                else _("您的角色要求双因素认证：请先在网页 %(url)s 登记动态验证码设备，然后再调用接口。")
            )
            return api_error(403, "second_factor_required", message % {"url": reverse(page)})
        return _redirect_with_next(request, page)


class PasswordExpiryMiddleware(_ViewMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not password_expired(user):
            return None
        if _view_name(request) in _ALWAYS_ALLOWED | _SECOND_FACTOR_PAGES | {"accounts:password_change"}:
            request.gz_restricted = True
            return None
        if is_api(request):
            return api_error(403, "password_expired", password_expired_message(user))
        return _redirect_with_next(request, "accounts:password_change")


def password_expired_message(user=None) -> str:
    from gongzhi.accounts.services import password_must_change

    if user is not None and password_must_change(user):
        return _(
            "您的密码由系统管理员设置，首次使用前必须修改。请先在网页 %(url)s 修改密码，然后再继续使用。"
        ) % {"url": reverse("accounts:password_change")}
    return _("您的密码已超过 %(days)s 天未修改，已过期。请先在网页 %(url)s 修改密码，然后再继续使用。") % {
        "days": settings.GONGZHI_PASSWORD_MAX_AGE_DAYS,
        "url": reverse("accounts:password_change"),
    }
