"""Read scaling: dashboard and list reads go to a read replica, everything else to the primary.

Installed only when ``DATABASE_REPLICA_URL`` is set (``gongzhi/settings.py`` then adds the
``replica`` database, ``ReplicaRouter`` and ``ReplicaMiddleware``); without it nothing here runs.

A streaming replica lags the primary by a fraction of a second, usually, and by more under
load. So the replica only answers what can stand to be a little behind, and only when nobody
is about to be surprised by it:

- **Which requests.** A safe request (GET, HEAD, OPTIONS) to a dashboard or a list: the URL
  names in ``REPLICA_VIEWS`` (the stats API, every API list, the list pages). Detail pages,
  forms, exports, commands and Celery tasks read the primary.
- **Not right after a write.** After a user's write (an unsafe request that succeeded, or any
  ORM write during a request), that user's reads stay on the primary for
  ``GONGZHI_REPLICA_PIN_SECONDS``, so they see what they just did. The pin is kept twice: a
  signed cookie (browsers, and any client that keeps cookies) and a cache entry per user and
  per API token (token clients rarely keep cookies; the cache is Redis in production, so every
  web process sees it).
- **Never for what must be current.** Inside a transaction on the primary (so every
  ``select_for_update``), after a write in the same request, and for the models that decide who
  may do what (accounts, sessions, lockouts, second-factor devices): a revoked role or token must
  not live on for the length of the lag.

Writes and migrations always go to the primary.
"""

from __future__ import annotations

import contextvars
import dataclasses
import fnmatch
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

REPLICA = "replica"

# URL names (``namespace:name``, shell patterns) whose safe requests may read the replica:
# dashboards and lists. GONGZHI_REPLICA_VIEWS in settings replaces the list.
REPLICA_VIEWS = (
    # API: the statistics and every router list (``<basename>-list``).
    "api-stats-*",
    "*-list",
    # Pages: dashboards, wall screens, work queues and lists.
    "stats:dashboard",
    "stats:screen",
    "stats:screen_body",
    "stats:workspace",
    "stats:reports",
    "cases:index",
    "cases:queue",
    "cases:board",
    "cases:kpis",
    "cases:campaigns",
    "areas:index",
    "people:list",
    "organizations:directory",
    "organizations:filings",
    "organizations:annual_reports",
    "organizations:alliances",
    "organizations:stats",
    "projects:list",
    "projects:programmes",
    "projects:sources",
    "projects:coverage",
    "projects:results",
    "projects:case_records",
    "volunteers:list",
    "volunteers:activities",
    "volunteers:records",
    "volunteers:wishes",
    "volunteers:corrections",
    "audit:list",
)

# Who may do what is always read from the primary: users, roles and tokens, sessions,
# lockouts and second-factor devices.
PRIMARY_ONLY_APPS = frozenset(
    {"accounts", "auth", "sessions", "axes", "django_otp", "otp_totp", "otp_static", "contenttypes"}
)
# Writes that are bookkeeping of the request itself, not data the user will look for next:
# they neither pin the user nor move the rest of the request to the primary.
BOOKKEEPING_MODELS = frozenset(
    {"sessions.session", "audit.auditevent", "accounts.apitoken", "auditlog.logentry"}
)
BOOKKEEPING_APPS = frozenset({"axes"})

PIN_COOKIE = "gongzhi_primary"
_PIN_SALT = "gongzhi.core.replica.pin"
_PIN_CACHE_PREFIX = "gongzhi:replica-pin:"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclasses.dataclass
class RequestReads:
    """What the router needs to know about the request being served."""

    eligible: bool = False  # a safe request to a dashboard or list, user not pinned
    wrote: bool = False  # an ORM write (not bookkeeping) happened in this request


_current: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar(
    "gongzhi_replica_reads", default=None
)


def pin_seconds() -> int:
    return getattr(settings, "GONGZHI_REPLICA_PIN_SECONDS", 10)


def _label(model) -> str:
    return model._meta.label_lower if model is not None else ""


def _is_bookkeeping(model) -> bool:
    return model is not None and (
        _label(model) in BOOKKEEPING_MODELS or model._meta.app_label in BOOKKEEPING_APPS
    )


class ReplicaRouter:
    """Reads of an eligible request to the replica; every other read, every write and every
    migration to the primary (``default``)."""

    def db_for_read(self, model, **hints):
        state = _current.get()
        if state is None or not state.eligible or state.wrote:
            return DEFAULT_DB_ALIAS
        if model is not None and model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        # A transaction on the primary (select_for_update, an atomic read-modify-write) must
        # read what it will write against, not a lagging copy.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _current.get()
        if state is not None and not _is_bookkeeping(model):
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read from the replica may be linked to one
        # read from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema by streaming replication.
        return False if db == REPLICA else None


def _view_eligible(view_name: str) -> bool:
    patterns = getattr(settings, "GONGZHI_REPLICA_VIEWS", REPLICA_VIEWS)
    return any(fnmatch.fnmatchcase(view_name, pattern) for pattern in patterns)


def _token_digest(request: HttpRequest) -> str:
    """A digest of the API token the request carries (never the token itself), or ''."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("token "):
        return ""
    return hashlib.sha256(header.split(None, 1)[1].strip().encode()).hexdigest()[:32]


def _pin_keys(request: HttpRequest, user) -> list[str]:
    keys = []
    if user is not None and getattr(user, "is_authenticated", False):
        keys.append(f"{_PIN_CACHE_PREFIX}user:{user.pk}")
    if digest := _token_digest(request):
        keys.append(f"{_PIN_CACHE_PREFIX}token:{digest}")
    return keys


def is_pinned(request: HttpRequest) -> bool:
    """Did this user (session or token) write within the pin window?"""
    # The cookie holds the moment the pin ends (signed timestamps count whole seconds, too
    # coarse for a window of a few).
    until = request.get_signed_cookie(PIN_COOKIE, default="0", salt=_PIN_SALT)
    try:
        pinned_until = float(until)
    except ValueError:  # signed by us, so never; but a bad value must not break the page
        pinned_until = 0.0
    if pinned_until > time.time():
        return True
    keys = _pin_keys(request, getattr(request, "user", None))
    if not keys:
        return False
    try:
        return bool(cache.get_many(keys))
    except Exception:  # the cache (Redis) unreachable: read the primary, which is always right
        log.warning("Replica pin lookup failed; reading from the primary", exc_info=True)
        return True


def pin(request: HttpRequest, response: HttpResponse) -> None:
    """Keep this user's reads on the primary for the pin window."""
    seconds = pin_seconds()
    if seconds <= 0:
        return
    response.set_signed_cookie(
        PIN_COOKIE,
        f"{time.time() + seconds:.3f}",
        salt=_PIN_SALT,
        max_age=seconds + 1,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    # DRF sets the token's user on the Django request once it has authenticated it.
    keys = _pin_keys(request, getattr(request, "user", None))
    if keys:
        try:
            cache.set_many(dict.fromkeys(keys, 1), timeout=seconds)
        except Exception:  # the write has succeeded: its answer must not turn into an error
            log.warning("Replica pin could not be stored; the cookie still pins", exc_info=True)


class ReplicaMiddleware:
    """Marks dashboard and list reads as replica-eligible (``process_view``: it needs the URL
    name) and pins a user to the primary after a write. Listed just before axes' middleware,
    so that everything the other middlewares read (session, user, second factor) comes from
    the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = RequestReads()
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        wrote = state.wrote or (request.method not in _SAFE_METHODS and response.status_code < 400)
        if wrote:
            pin(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _current.get()
        match = request.resolver_match
        if (
            state is not None
            and not state.wrote
            and request.method in _SAFE_METHODS
            and match is not None
            and _view_eligible(match.view_name)
            and not is_pinned(request)
        ):
            state.eligible = True
        return
