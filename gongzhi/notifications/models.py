"""In-app notifications: what waits on each user (a dispatched case, a supervision note …)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's inbox. ``key`` makes sending idempotent: a second notification
    with the same recipient and key is not written (e.g. one overdue warning per deadline)."""

    recipient = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    verb = models.CharField(_("类型"), max_length=32)
    text = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(_("去重键"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=("recipient", "key"),
                condition=~Q(key=""),
                name="notif_recipient_key_unique",
                violation_error_message=_("该通知已发送。"),
            )
        ]

    def __str__(self) -> str:
        return self.text
