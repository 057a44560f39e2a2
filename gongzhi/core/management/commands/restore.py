"""``gongzhi restore PATH [--yes]``: put back a database and its files from a backup archive.

Checks every checksum in the archive's manifest first and refuses a damaged archive or one
from another database vendor, before changing anything. Then restores the database and makes
MEDIA_ROOT exactly the archive's files, compares each table's row count with the manifest and
reports; exits with an error if a count differs. Everything written since the backup is lost:
without ``--yes`` it asks first. See ``gongzhi.core.backup``.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from gongzhi.audit.services import Category, record
from gongzhi.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从 gongzhi backup 生成的备份文件恢复数据库和上传的文件（先校验，再恢复，最后核对记录数）"
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("备份文件（.tar.gz）"))
        parser.add_argument("--yes", action="store_true", help=_("不再询问，直接恢复（覆盖当前数据）"))

    def confirm(self, options: dict[str, Any]) -> None:
        if options["yes"]:
            return
        stdin = options.get("stdin") or sys.stdin
        if not stdin.isatty() and options.get("stdin") is None:
            raise CommandError(_("恢复会覆盖当前的数据库和上传的文件：确认无误后加 --yes 运行。"))
        name = connection.settings_dict.get("NAME")
        self.stdout.write(
            _("恢复将覆盖数据库 %(name)s 和上传的文件，备份之后的所有修改都会丢失。输入 yes 继续：")
            % {"name": name}
        )
        if stdin.readline().strip().lower() != "yes":
            raise CommandError(_("已取消，未做任何修改。"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        self.confirm(options)
        try:
            report = restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        # Written into the restored database, so its log shows when it was put back.
        record(
            "system.restore",
            category=Category.ADMIN,
            detail={
                "file": path.name,
                "tables": report.tables_checked,
                "count_mismatches": sorted(report.count_mismatches),
                "files": report.files_restored,
            },
            actor_name=f"{getpass.getuser()} (gongzhi restore)",
        )
        if report.safety_copy:
            self.stdout.write(_("恢复前的数据库已另存为 %(path)s。") % {"path": report.safety_copy})
        self.stdout.write(
            _(
                "已恢复数据库（核对 %(tables)d 张表）和 %(files)d 个文件，删除备份之后新增的文件 %(removed)d 个。"
            )
            % {
                "tables": report.tables_checked,
                "files": report.files_restored,
                "removed": report.files_removed,
            }
        )
        if report.migrations_to_apply:
            self.stdout.write(
                _("备份早于当前程序版本：请运行 gongzhi migrate（待执行迁移 %(n)d 个）。")
                % {"n": len(report.migrations_to_apply)}
            )
        if report.migrations_missing_in_code:
            self.stderr.write(
                _("备份来自更新的程序版本，含当前程序没有的迁移：%(names)s。请升级程序后再使用。")
                % {"names": "、".join(report.migrations_missing_in_code[:10])}
            )
        if not report.ok:
            lines = [
                _("%(table)s：备份中 %(expected)d 行，恢复后 %(found)d 行")
                % {"table": table, "expected": expected, "found": found}
                for table, (expected, found) in sorted(report.count_mismatches.items())
            ]
            raise CommandError(_("记录数与备份清单不符：") + "；".join(lines))
        self.stdout.write(_("记录数与备份清单一致。"))
