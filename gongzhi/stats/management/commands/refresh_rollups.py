"""``gongzhi refresh-rollups [--full]``: rewrite the dashboard's roll-ups now (the recent days
and the current stock figures; with ``--full`` every day). Celery beat does the same on its
schedule; run this after loading data by hand or to repair the roll-ups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.stats.rollups import refresh_rollups


class Command(BaseCommand):
    help = "更新统计汇总：重算近期各日的流量指标和当前的存量指标（--full 重算全部日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help=_("重算全部日期，而不只是近期"))

    def handle(self, *args: Any, **options: Any) -> None:
        result = refresh_rollups(full=options["full"])
        scope = _("全部日期") if result.full else _("%(d)s 起") % {"d": result.since}
        self.stdout.write(
            _("统计汇总已更新（%(scope)s）：共 %(rows)s 行，用时 %(s).1f 秒，数据时间 %(at)s。")
            % {
                "scope": scope,
                "rows": result.rows,
                "s": result.seconds,
                "at": f"{timezone.localtime(result.refreshed_at):%Y-%m-%d %H:%M}",
            }
        )
