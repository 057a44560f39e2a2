"""API authentication with Gongzhi's own tokens, naming the actor in the change history.

``Authorization: Token <key>``: the key's SHA-256 digest is looked up among
``accounts.ApiToken`` rows; revoked and expired tokens are refused with a 401 that says so.
A token of a user whose password has expired answers 403 until the password is changed on
the web (the same rule ``accounts.middleware`` applies to sessions).

AuditlogMiddleware records ``request.user`` before DRF has authenticated a token, so a change
made with a token would otherwise be logged without an actor.
"""

from __future__ import annotations

import datetime

from auditlog.context import auditlog_value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from gongzhi.core.exceptions import Forbidden

# last_used_at is written at most this often per token, not on every call.
_LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def record_actor(user) -> None:
    try:
        context = auditlog_value.get()
    except LookupError:  # outside a request (commands, tasks): nothing to attach to
        return
    if context.get("actor") is None:
        context["actor"] = user


class PasswordExpired(Forbidden, exceptions.APIException):
    """403 ``password_expired``. Also an APIException so that DRF treats the request as
    unauthenticated while the error handler renders it like any DomainError."""

    code = "password_expired"


class TokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("令牌格式不对：请求头应为 Authorization: Token <令牌>，令牌中不含空格。")
            )
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        from gongzhi.accounts.middleware import password_expired_message
        from gongzhi.accounts.models import ApiToken, hash_token_key
        from gongzhi.accounts.services import password_expired

        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效或不存在。"))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("令牌 %(prefix)s… 已于 %(time)s 吊销，不能再使用。")
                % {
                    "prefix": token.prefix,
                    "time": date_format(timezone.localtime(token.revoked_at), "Y-m-d H:i"),
                }
            )
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("令牌 %(prefix)s… 已于 %(time)s 过期，请重新申请。")
                % {
                    "prefix": token.prefix,
                    "time": date_format(timezone.localtime(token.expires_at), "Y-m-d H:i"),
                }
            )
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("该账号已停用。"))
        if password_expired(user):
            raise PasswordExpired(password_expired_message())
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        record_actor(user)
        return (user, token)

    def authenticate_header(self, request) -> str:
        return self.keyword
