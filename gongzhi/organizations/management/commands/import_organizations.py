"""``gongzhi import-organizations FILE [--dry-run] [--report OUT.xlsx]``: load organizations
and members from an XLSX workbook, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.exceptions import DomainError, ImportRejected
from gongzhi.organizations.importer import (
    ImportResult,
    import_organizations,
    read_workbook,
    report_xlsx,
)


class Command(BaseCommand):
    help = (
        "从 XLSX 文件导入社会组织和成员（工作表“组织”和“成员”，见导入模板）。"
        "任何一行有问题则整个文件不导入，并逐条列出工作表、行、列和问题。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要导入的 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
        parser.add_argument("--report", metavar="OUT.xlsx", help="把导入报告（问题或结果）写入此 XLSX 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件“{path}”。")
        report = options.get("report")
        try:
            tables = read_workbook(path)
            result = import_organizations(tables, dry_run=options["dry_run"])
        except ImportRejected as exc:
            for problem in exc.problems:
                self.stderr.write(format_problem(problem))
            if report:
                Path(report).write_bytes(report_xlsx(exc.problems))
                self.stderr.write(f"报告已写入 {report}")
            raise CommandError(str(exc.message)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if report:
            Path(report).write_bytes(report_xlsx([], result))
        self.stdout.write(self.style.SUCCESS(summary(result)))


def format_problem(problem: dict[str, Any]) -> str:
    """``组织 第 3 行 [venue]：…``"""
    column = f" [{problem['column']}]" if problem.get("column") else ""
    return f"{problem['sheet']} 第 {problem['row']} 行{column}：{problem['message']}"


def summary(result: ImportResult) -> str:
    counts = (
        f"{result.organizations} 个组织、{result.members} 名成员（其中新登记人员 {result.people} 人）、"
        f"{result.applications} 份备案申请"
    )
    if result.dry_run:
        return f"检查通过（试运行，未写入）：将新建 {counts}。"
    return f"导入完成：新建 {counts}。"
