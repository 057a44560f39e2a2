"""``gongzhi import-areas FILE``: load the area tree from a CSV or XLSX file, all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.importer import ImportResult, import_areas, read_table
from gongzhi.core.exceptions import DomainError, ImportRejected


class Command(BaseCommand):
    help = (
        "从 CSV（UTF-8 或 GBK）或 XLSX 文件导入区域。列：code/编码, name/名称, level/层级, "
        "parent_code/上级编码, population/人口, households/户数。"
        "任何一行有问题则整个文件不导入，并逐行列出问题。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要导入的 .csv 或 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            table = read_table(options["file"])
            if table.ignored_columns:
                self.stderr.write(
                    self.style.WARNING("注意：以下列无法识别，已忽略：" + "、".join(table.ignored_columns))
                )
            result = import_areas(table.rows, dry_run=options["dry_run"])
        except ImportRejected as exc:
            for problem in exc.problems:
                self.stderr.write(format_problem(problem))
            raise CommandError(str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(self.style.SUCCESS(summary(result)))
        for level, count in result.created.items():
            self.stdout.write(f"  {AreaLevel(level).label}：{count}")


def format_problem(problem: dict[str, Any]) -> str:
    """One line of the report: ``第 7 行 [parent_code]：上级编码“X”不存在…``."""
    column = f" [{problem['column']}]" if problem.get("column") else ""
    return f"第 {problem['row']} 行{column}：{problem['message']}"


def summary(result: ImportResult) -> str:
    if result.dry_run:
        return (
            f"检查通过（试运行，未写入）：将新建 {result.created_total} 个区域，"
            f"{result.unchanged} 个已存在且相同。"
        )
    return f"导入完成：新建 {result.created_total} 个区域，{result.unchanged} 个已存在且相同（未变化）。"
