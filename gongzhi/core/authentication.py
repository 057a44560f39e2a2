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
from django.db.models import Aggregate, CharField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Concat
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


class _Joined(Aggregate):
    """Text values joined with ";" — ``string_agg`` on PostgreSQL, ``group_concat`` on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ';')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _with_roles(tokens):
    """Tokens with their user and, as ``role_pairs`` ("role path;role path…"), the user's active
    role assignments: authenticating a call and loading its roles is one query, not two. Role
    names and area paths hold neither spaces nor semicolons (area codes are letters, digits
    and "-")."""
    from gongzhi.accounts.models import RoleAssignment

    roles = (
        RoleAssignment.objects.active()
        .filter(user_id=OuterRef("user_id"))
        .order_by()
        .values("user_id")
        .annotate(pairs=_Joined(Concat("role", Value(" "), "area__path", output_field=CharField())))
        .values("pairs")
    )
    return tokens.select_related("user").annotate(role_pairs=Subquery(roles, output_field=TextField()))


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

        # key_hash is unique: a slice, not .first(), so the lookup carries no ORDER BY. The
        # user's active roles come along in the same row (see _with_roles).
        token = next(iter(_with_roles(ApiToken.objects.filter(key_hash=hash_token_key(key)))[:1]), None)
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
        # What scoping.active_assignments would load with a second query: (role, area path).
        user.__dict__["_assignments_cache"] = [
            tuple(pair.split(" ", 1)) for pair in (token.role_pairs or "").split(";") if pair
        ]
        record_actor(user)
        return (user, token)

    def authenticate_header(self, request) -> str:
        return self.keyword
