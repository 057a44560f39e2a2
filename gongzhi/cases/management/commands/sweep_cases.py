"""``gongzhi sweep-cases [--at ISO]``: run the case sweep once and print what it changed.

The same sweep runs every five minutes under Celery beat (``gongzhi.cases.tasks``); this
command is for cron on installations without a worker, and for checking by hand. Running it
again right away changes nothing (the sweep is idempotent).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases.sweep import sweep_cases


def parse_moment(text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            _("时间“%(text)s”格式不对，请用 ISO 8601，例如 2026-11-23T09:00。") % {"text": text}
        ) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = "执行一次事件巡检：标记黄灯/红灯预警，按规则自动上报超期事件并发送通知"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            default=None,
            help=_("按此时间巡检（ISO 8601，默认当前时间；无时区时按本地时间）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_moment(options["at"]) if options["at"] else None
        result = sweep_cases(now=now)
        self.stdout.write(
            _(
                "巡检完成：黄灯预警 %(yellow)d 件，红灯告警 %(red)d 件，自动上报 %(escalated)d 件，跳过 %(skipped)d 件。"
            )
            % {
                "yellow": result.yellow,
                "red": result.red,
                "escalated": result.escalated,
                "skipped": result.skipped,
            }
        )
        if result.failed:
            self.stderr.write(
                _("未能自动上报的事件（下次巡检重试）：%(ids)s")
                % {"ids": "、".join(str(pk) for pk in result.failed)}
            )
