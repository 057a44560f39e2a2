"""Optimistic concurrency for edits: ETag on read, If-Match on write, 412 on a stale version.

Two officers open the same record, both change it, both save: without a check the second
save silently undoes the first. So every API detail view with edits (``PATCH``) answers
``GET`` with an ``ETag`` naming the version of the stored record, and a ``PATCH`` that sends
that tag back in ``If-Match`` only goes through while the record is still at that version;
otherwise it is refused with 412 ``precondition_failed`` and nothing changes. A ``PATCH``
without ``If-Match`` proceeds as before (old clients keep working; clients that care send it).

The version is a keyed hash (HMAC with the secret key, so it reveals nothing about the
values) of the record's stored row: every concrete column, its many-to-many links and the
rows of the relations a view names in ``version_related`` (a person's tags, an
organization's service domains). Any change to those, by any path, gives a new tag; a
change that only touches computed figures does not. The tag is weak (``W/"…"``): it names a
version of the record, not the bytes of one representation (masking differs by reader).

The check and the edit run in one transaction with the row locked (``select_for_update``;
on SQLite the IMMEDIATE transaction serializes writers), so two PATCHes carrying the same
tag cannot both pass.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from rest_framework.utils.encoders import JSONEncoder

from gongzhi.core.exceptions import DomainError

EDIT_METHODS = ("PATCH", "PUT")
# Methods whose If-Match is checked: edits, and deletions (no deleting a version you never saw).
CONDITIONAL_METHODS = (*EDIT_METHODS, "DELETE")


class PreconditionFailed(DomainError):
    """The If-Match version is not the record's current version."""

    status_code = 412
    code = "precondition_failed"

    def __init__(self, message: Any, *, current: str):
        super().__init__(message)
        self.current = current

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "current_etag": self.current}


def _rows(queryset: models.QuerySet) -> list[Any]:
    return list(queryset.order_by("pk").values_list())


def version_tag(
    model: type[models.Model], pk: Any, *, related: tuple[str, ...] = (), lock: bool = False
) -> str:
    """The weak ETag of the stored row ``pk`` of ``model`` (see the module docstring);
    ``lock`` takes the row lock first (call inside a transaction)."""
    rows = model._base_manager.filter(pk=pk)
    if lock:
        rows = rows.select_for_update()
    state: dict[str, Any] = {"row": list(rows.values_list())}
    for field in model._meta.many_to_many:
        state[field.name] = sorted(
            model._base_manager.filter(pk=pk).values_list(field.name, flat=True), key=str
        )
    for name in related:
        relation = model._meta.get_field(name)
        state[name] = _rows(relation.related_model._base_manager.filter(**{relation.field.name: pk}))
    payload = json.dumps(state, cls=JSONEncoder, default=str, sort_keys=True).encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), payload, hashlib.sha256).hexdigest()
    return f'W/"{digest[:32]}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def matches(if_match: str, current: str) -> bool:
    """Whether an ``If-Match`` header value names ``current`` (weak comparison; ``*`` matches
    any existing record)."""
    if if_match.strip() == "*":
        return True
    wanted = _opaque(current)
    return any(_opaque(tag) == wanted for tag in if_match.split(","))


def stale_message() -> str:
    return _(
        "该记录已被他人修改，请重新获取后再提交：先 GET 取得最新内容和响应头 ETag，"
        "再把新的 ETag 放入 If-Match 请求头重试。"
    )


class ConditionalUpdateMixin:
    """For a DRF viewset with edits: ETag on the detail ``GET`` (and on a successful edit),
    If-Match honoured on ``PATCH``/``PUT``/``DELETE``. Put it first among the bases. ``version_related``
    names reverse relations whose rows belong to the record's version."""

    version_related: tuple[str, ...] = ()
    _versioned: tuple[type[models.Model], Any] | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.method in CONDITIONAL_METHODS and request.headers.get("If-Match"):
            # The check (in ``initial``) and the edit commit together, or not at all.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        expected = request.headers.get("If-Match") if request.method in CONDITIONAL_METHODS else None
        if expected:
            instance = self.get_object()  # outside the caller's sight: 404, never a version
            current = version_tag(type(instance), instance.pk, related=self.version_related, lock=True)
            if not matches(expected, current):
                raise PreconditionFailed(stale_message(), current=current)

    def get_object(self):
        instance = super().get_object()
        self._versioned = (type(instance), instance.pk)
        return instance

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            self._versioned is not None
            and 200 <= response.status_code < 300
            and (self.action == "retrieve" or request.method in EDIT_METHODS)
        ):
            model, pk = self._versioned
            response["ETag"] = version_tag(model, pk, related=self.version_related)
        return response
