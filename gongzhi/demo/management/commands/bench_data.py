"""``gongzhi bench-data --scale {tiny,district,city} [--seed N] [--cases N] [--overdue N]
[--replace]``: bulk-load the benchmark data set (see ``gongzhi.demo.bench_data``) into the
database the settings choose, printing each table's rate and the overall rate."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.demo.bench_data import DEFAULT_SEED, SCALES, BenchDataError, build


class Command(BaseCommand):
    help = "Bulk-load the deterministic benchmark data set (tiny, district or city scale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), required=True)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--cases", type=int, default=None, help="number of cases (default: the scale's)")
        parser.add_argument(
            "--overdue", type=int, default=None, help="number of overdue open cases (default: 5 %% of cases)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="empty a database that holds only bench data first"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options) -> None:
        def progress(table: str, rows: int, seconds: float) -> None:
            rate = f"{rows / seconds:,.0f}" if seconds and rows else "-"
            out = self.stderr if options["json"] else self.stdout
            out.write(f"  {table:32} {rows:>12,} {_('行')} {seconds:9.1f} s {rate:>12} {_('行/秒')}")

        # With --json only the summary goes to stdout, so that it can be piped.
        (self.stderr if options["json"] else self.stdout).write(
            _("生成基准测试数据：规模 %(s)s，种子 %(seed)s")
            % {"s": options["scale"], "seed": options["seed"]}
        )
        try:
            summary = build(
                options["scale"],
                seed=options["seed"],
                cases=options["cases"],
                overdue=options["overdue"],
                replace=options["replace"],
                progress=progress,
            )
        except BenchDataError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _(
                "完成：%(rows)s 行，%(secs).1f 秒，%(rate)s 行/秒（事件 %(c)s 件：已结案 %(closed)s，在办 %(open)s，超期 %(over)s）。"
            )
            % {
                "rows": f"{summary['total_rows']:,}",
                "secs": summary["total_seconds"],
                "rate": f"{summary['overall_rows_per_second']:,}",
                "c": f"{summary['cases']:,}",
                "closed": f"{summary['closed']:,}",
                "open": f"{summary['open']:,}",
                "over": f"{summary['overdue']:,}",
            }
        )
        personas = summary["personas"]
        self.stdout.write(
            _("登录账号（密码 %(p)s）：区管理员 %(d)s，街道管理员 %(s)s，社工 %(c)s，网格员 %(g)s")
            % {
                "p": personas["password"],
                "d": personas["district_admin"],
                "s": personas["street_admin"],
                "c": personas["community_worker"],
                "g": personas["grid_member"],
            }
        )
