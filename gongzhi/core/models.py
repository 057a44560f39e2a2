"""Models shared by every app: the stored answers of idempotent requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first answer to a create sent with an ``Idempotency-Key`` header.

    A phone on a weak network may send the same report, sign-up or payment twice; the second
    request finds this row and gets the first answer back instead of creating a second row.
    The row is inserted in the same transaction as the create it guards (see
    ``gongzhi.core.idempotency``), so the unique constraint makes concurrent retries wait for
    the first one and then read its answer. Rows older than ``GONGZHI_IDEMPOTENCY_TTL_HOURS``
    no longer count and are purged.
    """

    scope = models.CharField(_("调用方"), max_length=64, help_text=_("user:<id> 或 API 密钥"))
    endpoint = models.CharField(_("接口"), max_length=200, help_text=_("方法和路径"))
    key = models.CharField(_("幂等键"), max_length=128)
    fingerprint = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    # Text, not JSON: a replay gives back the very bytes of the first answer (jsonb would
    # reorder the keys).
    response_body = models.TextField(_("响应内容"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求记录")
        verbose_name_plural = _("幂等请求记录")
        constraints = [
            models.UniqueConstraint(
                fields=("scope", "endpoint", "key"),
                name="core_idempotency_unique",
                violation_error_message=_("该幂等键已使用。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.endpoint} {self.key}"
