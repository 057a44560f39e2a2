"""``gongzhi backup [--output PATH]``: write one archive with the database and uploaded files.

The archive (``.tar.gz``, mode 0600) holds the database dump (SQLite: a copy made with the
online backup API; PostgreSQL: ``pg_dump -Fc``), every file under MEDIA_ROOT and a
``manifest.json`` with per-table row counts and checksums; ``gongzhi restore`` reads it back.
See ``gongzhi.core.backup``. Without ``--output`` it goes to GONGZHI_BACKUP_DIR.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.audit.services import Category, Outcome, record
from gongzhi.core.backup import BackupError, create_backup, describe


class Command(BaseCommand):
    help = "备份数据库和上传的文件到一个 .tar.gz 文件（含校验清单 manifest.json）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=None,
            help=_("备份文件路径（默认写到 GONGZHI_BACKUP_DIR 下，文件名含时间）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = f"{getpass.getuser()} (gongzhi backup)"
        try:
            path, manifest = create_backup(Path(options["output"]) if options["output"] else None)
        except BackupError as exc:
            record(
                "system.backup",
                category=Category.ADMIN,
                outcome=Outcome.FAILURE,
                detail={"error": str(exc)[:300]},
                actor_name=actor,
            )
            raise CommandError(str(exc)) from exc
        record(
            "system.backup",
            category=Category.ADMIN,
            detail={
                "file": path.name,
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "files": len(manifest["media"]),
            },
            actor_name=actor,
        )
        self.stdout.write(_("备份完成：%(path)s") % {"path": path})
        self.stdout.write(describe(manifest))
