"""Reads for accounts: who an administrator may manage, and the current login locks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.core.scoping import jurisdiction_paths


def users_in_jurisdiction(user, perm: str) -> QuerySet[User]:
    """Users holding a role inside the areas where ``user`` holds ``perm`` (all for a superuser)."""
    if user.is_superuser:
        return User.objects.all()
    paths = jurisdiction_paths(user, perm)
    if not paths:
        return User.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(area__path__startswith=path)
    return User.objects.filter(pk__in=RoleAssignment.objects.filter(condition).values("user_id"))


def manageable_users(user, perm: str) -> QuerySet[User]:
    """Users whose every role lies inside the areas where ``user`` holds ``perm``: account-wide
    changes (password, deactivation, roles) must not reach someone who also works elsewhere,
    e.g. a street's system administrator over a district admin who also holds a role there."""
    if user.is_superuser:
        return User.objects.all()
    paths = jurisdiction_paths(user, perm)
    if not paths:
        return User.objects.none()
    inside = Q()
    for path in paths:
        inside |= Q(area__path__startswith=path)
    outside = RoleAssignment.objects.exclude(inside).values("user_id")
    return users_in_jurisdiction(user, perm).exclude(pk__in=outside).exclude(is_superuser=True)


@dataclass(frozen=True)
class Lock:
    """A current lock: on an account (``kind == "username"``) or a client address."""

    kind: str
    value: str
    failures: int
    since: datetime.datetime
    until: datetime.datetime

    @property
    def minutes_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 59) // 60)


def _lock_of(kind: str, value: str, rows: list, now: datetime.datetime) -> Lock | None:
    """``rows`` are (failures, last failure time) of one account or address, within the
    cool-off window. Axes counts a row as long as its last failure is younger than the
    cool-off time, so the lock ends when enough of the oldest rows have aged out."""
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = settings.AXES_COOLOFF_TIME
    total = sum(f for f, _t in rows)
    if total < limit:
        return None
    rows = sorted(rows, key=lambda r: r[1])
    remaining = total
    until = now
    for failures, at in rows:
        remaining -= failures
        until = at + cool_off
        if remaining < limit:
            break
    return Lock(kind=kind, value=value, failures=total, since=rows[0][1], until=until)


def current_locks(*, username: str | None = None, ip_address: str | None = None) -> list[Lock]:
    """Accounts and addresses locked now (or only those of ``username``/``ip_address``),
    soonest-ending last."""
    from axes.models import AccessAttempt

    now = timezone.now()
    attempts = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    if username is not None or ip_address is not None:
        attempts = attempts.filter(Q(username=username) | Q(ip_address=ip_address))
    by_user: dict[str, list] = {}
    by_ip: dict[str, list] = {}
    for name, ip, failures, at in attempts.values_list(
        "username", "ip_address", "failures_since_start", "attempt_time"
    ):
        if name:
            by_user.setdefault(name, []).append((failures, at))
        if ip:
            by_ip.setdefault(ip, []).append((failures, at))
    locks = [_lock_of("username", k, v, now) for k, v in by_user.items()]
    locks += [_lock_of("ip_address", k, v, now) for k, v in by_ip.items()]
    found = [lock for lock in locks if lock is not None]
    if username is not None or ip_address is not None:
        found = [
            lock
            for lock in found
            if (lock.kind == "username" and lock.value == username)
            or (lock.kind == "ip_address" and lock.value == ip_address)
        ]
    return sorted(found, key=lambda lock: lock.until, reverse=True)
