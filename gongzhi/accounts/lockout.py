"""What a locked-out client is told (django-axes' AXES_LOCKOUT_CALLABLE).

A page answers with the login form and a Chinese message saying when to try again; an API
request gets the usual JSON error with the code ``locked_out``, the time the lock ends and a
``Retry-After`` header. Both answer 429 Too Many Requests.
"""

from __future__ import annotations

import math

from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.accounts.queries import Lock, current_locks
from gongzhi.audit.context import client_ip

STATUS = 429


def lock_for(request: HttpRequest, username: str | None) -> Lock | None:
    """The lock (on the account or on this address) that ends last, if any."""
    locks = current_locks(username=username or None, ip_address=client_ip(request))
    return max(locks, key=lambda lock: lock.until) if locks else None


def lockout_message(lock: Lock | None) -> str:
    if lock is None:
        return _("登录失败次数过多，已暂时锁定，请稍后再试。如需提前解锁，请联系系统管理员。")
    until = timezone.localtime(lock.until)
    what = _("该账号") if lock.kind == "username" else _("您所在的网络地址")
    return _(
        "登录失败次数过多，%(what)s已被锁定。请于 %(time)s（约 %(minutes)s 分钟后）再试；"
        "如需提前解锁，请联系系统管理员。"
    ) % {"what": what, "time": date_format(until, "H:i"), "minutes": lock.minutes_left}


def locked_out_error(lock: Lock | None) -> dict:
    """The JSON error body of a locked-out API request."""
    body: dict = {"status": STATUS, "code": "locked_out", "message": lockout_message(lock)}
    if lock is not None:
        body["locked_until"] = timezone.localtime(lock.until).isoformat()
        body["retry_after"] = retry_after(lock)
    return body


def retry_after(lock: Lock) -> int:
    return max(1, math.ceil((lock.until - timezone.now()).total_seconds()))


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None):
    username = (credentials or {}).get("username") or request.POST.get("username")
    lock = lock_for(request, username)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": locked_out_error(lock)}, status=STATUS)
    else:
        form = AuthenticationForm(request, initial={"username": username or ""})
        response = render(
            request,
            "registration/login.html",
            {"form": form, "lockout_message": lockout_message(lock), "next": request.POST.get("next", "")},
            status=STATUS,
        )
    if lock is not None:
        response["Retry-After"] = str(retry_after(lock))
    return response
