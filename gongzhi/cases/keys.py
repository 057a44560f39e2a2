"""API keys for Open311 applications: issue, revoke, and find the application behind a key.

A key is a random secret shown once, when it is issued. Only its SHA-256 hex digest is
stored (``Open311Application.key_hash``), with its first characters (``key_prefix``) so that
an administrator can tell keys apart. A leaked database therefore leaks no usable key. The
key carries 256 random bits, so a plain digest (no salt, no slow hash) is enough: nobody can
guess a preimage, and the digest can be looked up through its unique index.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.cases.models import Open311Application
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.scoping import can

ISSUE_PERMISSION = "cases.add_open311application"
PREFIX_LENGTH = 8
# Longer input is not a key we issued; refusing it early avoids hashing arbitrary payloads.
MAX_KEY_LENGTH = 128


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


def issue_api_key(*, name: str, area: Area, by: Any) -> tuple[Open311Application, str]:
    """Issue a key to the application ``name``, which may report cases inside ``area``.

    Returns the application and the plain key; the key is not stored and cannot be shown
    again (a lost key is revoked and a new one issued). Raises Forbidden unless ``by`` holds
    ``cases.add_open311application`` over ``area`` (district admins), and DomainError for an
    empty or over-long name.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写应用名称。"), field="name")
    max_length = Open311Application._meta.get_field("name").max_length
    if len(name) > max_length:
        raise DomainError(_("应用名称不能超过 %(n)s 个字符。") % {"n": max_length}, field="name")
    if not can(by, ISSUE_PERMISSION, area):
        raise Forbidden(_("您无权为“%(area)s”签发 Open311 密钥，请联系区级管理员。") % {"area": area.name})
    key = _new_key()
    with transaction.atomic():
        application = Open311Application.objects.create(
            name=name,
            area=area,
            key_prefix=key[:PREFIX_LENGTH],
            key_hash=hash_key(key),
            created_by=by,
        )
    return application, key


def revoke_api_key(application: Open311Application, *, by: Any) -> Open311Application:
    """Revoke an application's key: from now on its requests are refused (403).

    Revoking twice is harmless. Raises Forbidden unless ``by`` may issue keys for the
    application's area.
    """
    if not can(by, ISSUE_PERMISSION, application.area):
        raise Forbidden(
            _("您无权吊销“%(name)s”的 Open311 密钥，请联系区级管理员。") % {"name": application.name}
        )
    if application.is_active:
        application.is_active = False
        application.revoked_by = by
        application.revoked_at = timezone.now()
        application.save(update_fields=["is_active", "revoked_by", "revoked_at"])
    return application


def application_for_key(key: str | None) -> Open311Application | None:
    """The active application holding ``key``, or None for a missing, unknown or revoked key."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return (
        Open311Application.objects.filter(key_hash=hash_key(key), is_active=True)
        .select_related("area")
        .first()
    )
