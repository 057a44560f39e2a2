"""The audit log: one append-only table of security-relevant events.

Rows are written in the same transaction as what they record (a transition and its audit row
commit or roll back together) and are never changed afterwards: the model refuses updates and
deletes, and on PostgreSQL a trigger refuses them in the database too. Tamper evidence is a
hash chain that ``services.seal`` adds after commit (``seq``, ``prev_hash``, ``hash``), so
that writers do not queue on a chain head inside their own transactions.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.audit.choices import Category, Outcome


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除（过期清理请用 gongzhi purge-audit）。")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # The actor is kept by id and name, without a foreign key: the row must outlive the account
    # and must not change when the account is renamed.
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=200, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    # Hash chain, filled by services.seal() after commit.
    seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, blank=True)
    hash = models.CharField(_("摘要"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ("-at", "-id")
        permissions = [("export_auditevent", _("导出审计日志"))]
        indexes = [
            models.Index(fields=("object_type", "object_id"), name="audit_object_idx"),
            models.Index(fields=("actor_id", "at"), name="audit_actor_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_sealing", False):
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")
