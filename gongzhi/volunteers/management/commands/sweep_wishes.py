"""``gongzhi sweep-wishes [--on DATE]``: release claimed micro-wishes not fulfilled by their
deadline back to the wall and expire posted ones past their expiry; prints the counts.

Celery beat runs the same sweep hourly (``gongzhi.volunteers.tasks``); this command is for cron
on installations without a worker. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.volunteers.services import sweep_wishes


class Command(BaseCommand):
    help = "执行一次微心愿巡检：逾期未完成的心愿重新开放认领，过了征集期的心愿标记为过期"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", default=None, help=_("按此日期巡检（YYYY-MM-DD，默认今天）"))

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options["on"]:
            try:
                on = datetime.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(
                    _("日期“%(d)s”格式不对，请用 YYYY-MM-DD，例如 2026-11-23。") % {"d": options["on"]}
                ) from exc
        result = sweep_wishes(on)
        self.stdout.write(_("微心愿巡检完成：重新开放 %(released)s 个，过期 %(expired)s 个。") % result)
