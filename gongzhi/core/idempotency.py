"""Idempotency keys: a create that a phone may retry happens once, however often it is sent.

A client sends a header ``Idempotency-Key: <up to 128 characters, e.g. a UUID>`` with a POST.
The first request with that key runs normally, and its answer (status and JSON body) is kept
with a fingerprint of the request body. Then, within ``GONGZHI_IDEMPOTENCY_TTL_HOURS``
(24 h by default):

- the same key with the same body gets the stored answer back (with the header
  ``Idempotent-Replayed: true``) and nothing is created again;
- the same key with a different body is refused: 422 ``idempotency_key_reused``;
- a first request that failed (4xx/5xx) stores nothing, so its retry runs again.

Keys are scoped by caller (``user:<id>``, or the API key when there is no user) and by
endpoint (method and path): two users, or two endpoints, never share a key.

Why it holds under concurrency: the key row is inserted *first*, in the same transaction as
the create it guards. On PostgreSQL a second request with the same key blocks on the unique
index until the first commits, then fails the insert and reads the stored answer; if the
first rolled back, the second's insert succeeds and it does the work itself. On SQLite the
IMMEDIATE transactions (settings) queue the requests at BEGIN, with the same outcome. So 20
concurrent retries create exactly one row and all get the same answer.

Apply ``@idempotent`` to a DRF view method (innermost, right above ``def``); without the
header, or on GET, the method runs as if undecorated.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from gongzhi.core.exceptions import DomainError
from gongzhi.core.models import IdempotencyRecord
from gongzhi.core.renderers import JSONRenderer

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 128
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class IdempotencyKeyReused(DomainError):
    """The key was used before for a request with another body."""

    status_code = 422
    code = "idempotency_key_reused"


def ttl() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "GONGZHI_IDEMPOTENCY_TTL_HOURS", 24))


def scope_of(request: Request) -> str | None:
    """Whose keys these are: the signed-in user, else the API key (e.g. an Open311 application);
    ``None`` for an anonymous caller, whose requests are not deduplicated."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "pk", None) is not None:
        return f"{auth._meta.label_lower}:{auth.pk}"[:64]
    return None


def _file_digest(upload: Any) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return "sha256:" + sha.hexdigest()


def _plain(value: Any) -> Any:
    if hasattr(value, "chunks"):  # an uploaded file: its content counts, not its object
        return _file_digest(value)
    return value


def fingerprint(request: Request) -> str:
    """A digest of the request body: JSON normalized (key order and spacing do not matter),
    multipart as its fields plus the sha256 of each uploaded file's content."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (multipart or form), files included
        body: Any = {key: [_plain(v) for v in values] for key, values in data.lists()}
    else:
        body = data
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, cls=JSONEncoder, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str, replay_status: int | None) -> HttpResponse:
    if record.fingerprint != digest:
        raise IdempotencyKeyReused(
            _("该 Idempotency-Key 已用于另一个内容不同的请求；重试请用相同内容，新请求请换一个新键。")
        )
    response = HttpResponse(
        record.response_body,
        status=replay_status or record.status_code,
        content_type="application/json",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(scope: str, endpoint: str, key: str, digest: str) -> IdempotencyRecord:
    """Insert this request's key row; a saved row means the request is ours to run. If the key
    is taken, the row that holds it, unsaved (``pk`` cleared) when it is a live answer to
    replay. An expired row no longer counts: it is deleted and the key claimed afresh. Other
    expired rows are left to ``purge_expired`` (the periodic sweep), not deleted per request."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=scope, endpoint=endpoint, key=key, fingerprint=digest
                )
        except IntegrityError:
            # Another request with this key committed first (we waited for it).
            held = IdempotencyRecord.objects.filter(scope=scope, endpoint=endpoint, key=key).first()
            if held is None:  # it was purged meanwhile: try again
                continue
            if held.created_at >= timezone.now() - ttl():
                held.pk = None
                return held
            IdempotencyRecord.objects.filter(pk=held.pk).delete()
    # Twice taken and gone again: only a racing purge does that; let the client retry.
    raise DomainError(_("请求冲突，请稍后重试。"), field=HEADER)


def run_idempotently(
    request: Request,
    handler: Callable[[], Any],
    *,
    endpoint: str | None = None,
    replay_status: int | None = None,
) -> Any:
    """Run ``handler`` (which returns a DRF ``Response``) at most once per caller, endpoint and
    ``Idempotency-Key``; see the module docstring. ``replay_status`` answers replays with
    another status than the stored one (case reports keep their documented 200)."""
    key = (request.headers.get(HEADER) or "").strip()
    scope = scope_of(request)
    if not key or scope is None or request.method in SAFE_METHODS:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(_("Idempotency-Key 不能超过 %(n)s 个字符。") % {"n": MAX_KEY_LENGTH}, field=HEADER)
    endpoint = (endpoint or f"{request.method} {request.path}")[:200]
    digest = fingerprint(request)
    with transaction.atomic():
        record = _claim(scope, endpoint, key, digest)
        if record.pk is None:
            return _replay(record, digest, replay_status)
        response = handler()
        data = getattr(response, "data", None)
        if 200 <= response.status_code < 300 and data is not None:
            record.status_code = response.status_code
            record.response_body = JSONRenderer().render(data).decode()
            record.save(update_fields=["status_code", "response_body"])
        else:
            # Nothing worth replaying (an error, or a non-JSON answer): the retry runs again.
            record.delete()
        return response


def idempotent(func: Callable | None = None, *, replay_status: int | None = None) -> Any:
    """Decorate a DRF view method (``create`` or a POST ``@action``) so that it honours the
    ``Idempotency-Key`` header. Place it right above ``def`` (below ``@action``)."""

    def decorate(view_method: Callable) -> Callable:
        @functools.wraps(view_method)
        def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Any:
            return run_idempotently(
                request,
                lambda: view_method(self, request, *args, **kwargs),
                replay_status=replay_status,
            )

        return wrapper

    return decorate(func) if func is not None else decorate


def purge_expired() -> int:
    """Delete every expired key: the periodic clean-up (run by the case sweep's beat task), so
    a request never pays for it; a request whose own key expired replaces that row itself."""
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
    return deleted
