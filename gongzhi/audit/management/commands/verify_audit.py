"""``gongzhi verify-audit``: recompute the audit log's hash chain and report each broken row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.audit.services import verify_and_record


class Command(BaseCommand):
    help = "Seal new audit rows, then verify the whole hash chain; exits 1 when it is broken."

    def handle(self, *args, **options) -> None:
        result = verify_and_record()
        if result.ok:
            span = f" (seq {result.first_seq}–{result.last_seq})" if result.count else ""
            self.stdout.write(self.style.SUCCESS(f"OK: {result.count} audit events verified{span}."))
            return
        for problem in result.problems:
            self.stdout.write(
                f"BROKEN seq={problem['seq']} id={problem['id']} {problem['kind']}: {problem['message']}"
            )
        raise CommandError(
            f"Audit chain broken: {len(result.problems)} problem(s) in {result.count} audit events.",
            returncode=1,
        )
