"""``gongzhi purge-audit``: delete audit rows older than GONGZHI_AUDIT_RETENTION_DAYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gongzhi.audit.services import purge


class Command(BaseCommand):
    help = (
        "Delete sealed audit events older than the retention period (at least 184 days) and "
        "record the purge, with the hash the remaining chain starts from."
    )

    def handle(self, *args, **options) -> None:
        result = purge()
        anchor = f", chain continues after seq {result.anchor_seq}" if result.anchor_seq else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Purged {result.deleted} audit events older than {result.cutoff:%Y-%m-%d %H:%M %Z}{anchor}."
            )
        )
