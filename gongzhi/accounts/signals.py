"""Audit every login, logout, login failure and lockout, and prepare the session at login.

Connected in ``AccountsConfig.ready``. The request is passed on explicitly: these signals
fire in middleware and views before or after the audit context is set.
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model

from gongzhi.audit.services import Category, Outcome, record

LAST_ACTIVITY_KEY = "gz_last_activity"
HAS_DEVICE_KEY = "gz_2fa_device"


def start_session(request, user) -> None:
    """Session state the accounts middleware reads: when the user was last active, and whether
    they had a second factor when they logged in (so that it costs no query per request)."""
    from gongzhi.accounts.services import has_second_factor

    request.session[LAST_ACTIVITY_KEY] = int(time.time())
    request.session[HAS_DEVICE_KEY] = has_second_factor(user)


def on_logged_in(sender, request, user, **kwargs) -> None:
    from axes.handlers.proxy import AxesProxyHandler

    if request is None:
        return
    start_session(request, user)
    # Failures of this account end with a successful login; those of the address do not, so
    # that one valid account cannot be used to reset an address's count.
    AxesProxyHandler.reset_attempts(username=user.get_username())
    record("auth.login", category=Category.AUTH, target=user, actor=user, request=request)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None or request is None:
        return
    reason = getattr(request, "gz_logout_reason", "user")
    record(
        "auth.logout",
        category=Category.AUTH,
        target=user,
        actor=user,
        request=request,
        detail={"reason": reason},
    )


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username") or "")[:150]
    target = get_user_model().objects.filter(username=username).first() if username else None
    # Refused because already locked (axes did not count it), not for a wrong password.
    locked = bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    record(
        "auth.login_failed",
        category=Category.AUTH,
        outcome=Outcome.DENIED if locked else Outcome.FAILURE,
        target=target,
        actor_name=username,
        request=request,
        detail={"username": username, "reason": "locked" if locked else "bad_credentials"},
    )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    # Axes also sends this for each attempt refused during a lock; only the failure that
    # caused the lock has its failure count set.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    target = get_user_model().objects.filter(username=username).first() if username else None
    record(
        "auth.lockout",
        category=Category.AUTH,
        outcome=Outcome.DENIED,
        target=target,
        actor_name=str(username or "")[:150],
        request=request,
        detail={"username": username or "", "ip": ip_address or "", "failures": failures},
    )


def on_user_saved(sender, instance, created, **kwargs) -> None:
    """A password set outside the accounts services (the Django admin, ``changepassword``)
    also revokes the user's API tokens; the services revoke them before saving, with their
    own reason, so this finds none left."""
    if not getattr(instance, "_password_set", False):
        return
    instance._password_set = False
    if created:
        return
    from gongzhi.accounts.services import revoke_all_tokens

    revoke_all_tokens(instance, by=None, reason="password_set")
