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
import functools
from typing import Any, NamedTuple

from auditlog.context import auditlog_value
from django.contrib.auth import get_user_model
from django.db import connections, router
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


def _with_roles(tokens, day: datetime.date):
    """Tokens with their user and, as ``role_pairs`` ("role path;role path…"), the user's active
    role assignments: authenticating a call and loading its roles is one query, not two. Role
    names and area paths hold neither spaces nor semicolons (area codes are letters, digits
    and "-")."""
    from gongzhi.accounts.models import RoleAssignment

    roles = (
        RoleAssignment.objects.active(on=day)
        .filter(user_id=OuterRef("user_id"))
        .order_by()
        .values("user_id")
        .annotate(pairs=_Joined(Concat("role", Value(" "), "area__path", output_field=CharField())))
        .values("pairs")
    )
    return tokens.select_related("user").annotate(role_pairs=Subquery(roles, output_field=TextField()))


# Stands in for the key's digest while the lookup is compiled: a SHA-256 hex digest never
# contains it.
_KEY_MARKER = "<token key digest>"


class _Statement(NamedTuple):
    sql: str
    params: tuple
    key_at: int  # where the key's digest goes in params
    compiler: Any
    converters: dict
    token: tuple[list[int], list[str]]  # the token's columns and their attribute names
    user: tuple[list[int], list[str]]
    roles_at: int


def _columns(compiler, select_fields: list[int]) -> tuple[list[int], list[str]]:
    return select_fields, [compiler.select[i][0].target.attname for i in select_fields]


@functools.lru_cache(maxsize=8)
def _token_statement(alias: str, day: datetime.date) -> _Statement:
    """The token lookup of ``_with_roles`` compiled once per database and day (the active roles
    depend on the day): every API call runs it, and building and compiling that queryset cost
    four times what running it did (bench R2: about 4.5 of 5.5 ms on the test machine)."""
    from gongzhi.accounts.models import ApiToken

    # key_hash is unique: no ORDER BY.
    query = _with_roles(ApiToken.objects.using(alias).filter(key_hash=_KEY_MARKER).order_by(), day)[:1].query
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    info = compiler.klass_info
    (user_info,) = info["related_klass_infos"]
    return _Statement(
        sql=sql,
        params=tuple(params),
        key_at=list(params).index(_KEY_MARKER),
        compiler=compiler,
        converters=compiler.get_converters([column[0] for column in compiler.select]),
        token=_columns(compiler, info["select_fields"]),
        user=_columns(compiler, user_info["select_fields"]),
        roles_at=compiler.annotation_col_map["role_pairs"],
    )


def find_token(key_hash: str):
    """The token with this key digest, with its user and their active roles as ``role_pairs``
    (one query; see ``_with_roles``), or None. The rows are made as the ORM makes them, from
    the statement's own column map."""
    from gongzhi.accounts.models import ApiToken

    alias = router.db_for_read(ApiToken)
    st = _token_statement(alias, timezone.localdate())
    with connections[alias].cursor() as cursor:
        cursor.execute(st.sql, (*st.params[: st.key_at], key_hash, *st.params[st.key_at + 1 :]))
        row = cursor.fetchone()
    if row is None:
        return None
    if st.converters:
        row = next(iter(st.compiler.apply_converters([row], st.converters)))
    (token_cols, token_names), (user_cols, user_names) = st.token, st.user
    token = ApiToken.from_db(alias, token_names, [row[i] for i in token_cols])
    token.role_pairs = row[st.roles_at]
    token.user = get_user_model().from_db(alias, user_names, [row[i] for i in user_cols])
    return token


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

        token = find_token(hash_token_key(key))
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
