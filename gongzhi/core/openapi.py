"""OpenAPI schema post-processing: the error answers every operation can give.

``gongzhi.core.api.exception_handler`` answers every refusal in one shape,
``{"error": {"status", "code", "message", "fields"?}}``. Any operation can answer 401 (no or a
bad token), 403 (the role lacks the permission), 404 (outside the caller's jurisdiction, which
looks the same as a missing row, or a page number past the end) and 429 (rate limits); one
that takes parameters or a body also 400; one that changes something 409 (the state machine
refuses the transition from the current state); one with a body 415 (a format it does not
parse). The views document their successes; this hook adds
those errors where a view did not document them itself, so that clients (and schemathesis's
status-code check) know them.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every API error: what is wrong and how to fix it.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message"],
            "additionalProperties": True,
        }
    },
    "required": ["error"],
}

_DESCRIPTIONS = {
    "400": "请求参数或数据有误（fields 指出各字段的问题）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "不存在或不在您的辖区内",
    "409": "与当前状态冲突（如该状态下不能执行此操作）",
    "415": "不支持的请求体格式",
    "429": "请求过于频繁",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_COMPONENT, _ERROR_SCHEMA)
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = ["401", "403", "404", "429"]
            if operation.get("parameters") or operation.get("requestBody") or "{" in path:
                codes.append("400")
            if method != "get":
                codes.append("409")
            if operation.get("requestBody"):
                codes.append("415")
            for code in codes:
                responses.setdefault(
                    code,
                    {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}},
                )
    return result
