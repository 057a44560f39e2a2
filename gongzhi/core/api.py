"""API plumbing shared by every app: pagination and the one JSON error shape.

Every error answers ``{"error": {"status", "code", "message", "fields"?}}`` with the message
in the request's language (zh-hans unless the client sends ``Accept-Language: en``).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from gongzhi.core.exceptions import DomainError


class FieldsBuiltOnce:
    """For a ModelSerializer whose fields do not depend on the request: DRF builds the implicit
    fields from the model's metadata on every instance (for a case's detail, about fifty, a
    few milliseconds each time: bench R1); here they are built once per class and copied."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


def representer(field: serializers.Field) -> Callable[[Any], Any]:
    """``field.to_representation``, or for a plain ISO 8601 DateTimeField the same result
    without DRF's per-value settings lookups: the active time zone is read once, when a page
    starts, not for each of its values (three datetimes a row on the case list: bench R2)."""
    if (
        type(field) is not serializers.DateTimeField
        or hasattr(field, "timezone")
        or getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601
        or not settings.USE_TZ
    ):
        return field.to_representation
    zone = timezone.get_current_timezone()

    def iso(value: datetime.datetime) -> str | None:
        if not value or not timezone.is_aware(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                msgs: list[str] = []
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        for sub, submsgs in _flatten(item).items():
                            out[f"{key}[{i}].{sub}"] = submsgs
                    else:
                        msgs.append(str(item))
                if msgs:
                    out[key] = msgs
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(d) for d in detail]}
    return {"non_field_errors": [str(detail)]}


def _error(status_code: int, code: str, message: str, fields: dict | None = None, **extra: Any):
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return Response({"error": body}, status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _handle(exc, context)
    if response is not None and response.status_code == status.HTTP_403_FORBIDDEN:
        # Every refusal is a security event (category DENIAL): who, what, from where.
        from gongzhi.audit.services import record_denial

        error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
        record_denial(context.get("request"), reason=str(error.get("code", "")))
    return response


def _handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body = exc.as_dict()
        return _error(exc.status_code, **body)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        return _error(
            404,
            "not_found",
            _("找不到该记录：它不存在，或不在您的管辖范围内。请检查地址或编号。"),
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()))
        hint = _("请求数据有误，请按各字段的提示修改后重试。")
        message = (
            f"{hint} {first[0]}: {first[1][0]}"
            if first[0] != "non_field_errors"
            else (f"{hint} {first[1][0]}")
        )
        return _error(status.HTTP_400_BAD_REQUEST, "invalid", message, fields)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        message = _(
            "需要登录：请先通过 POST /api/v1/auth/token/ 取得令牌，并在请求头中加上 "
            "Authorization: Token <令牌>。"
        )
        if isinstance(exc, exceptions.AuthenticationFailed):
            message = f"{exc.detail} " + message
        return _error(response.status_code, "not_authenticated", message)
    if isinstance(exc, exceptions.PermissionDenied):
        detail = str(exc.detail)
        default = str(exceptions.PermissionDenied.default_detail)
        message = (
            detail
            if detail != default
            else _("您的角色无权执行此操作。如确有需要，请联系管理员为您分配相应角色。")
        )
        return _error(response.status_code, "permission_denied", message)
    code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", str(exc))
    return _error(response.status_code, str(code), str(detail))
