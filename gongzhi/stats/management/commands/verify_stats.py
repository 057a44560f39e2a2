"""``gongzhi verify-stats [--under CODE] [--from DATE] [--to DATE]``: recompute every additive
indicator for every area from the underlying records by a second route and report any
difference from the figures the pages and the API show. Exits non-zero on a difference."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.stats.indicators import INDICATORS, Period, verify


def _date(text: str | None, default: datetime.date) -> datetime.date:
    if not text:
        return default
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("日期“%(d)s”格式不对，请用 YYYY-MM-DD。") % {"d": text}) from exc


class Command(BaseCommand):
    help = "核对统计：按原始记录重新计算每个区域的每项可加指标，报告与页面和接口数字的差异"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--under", default=None, help=_("只核对此区域及其下级（区域编码）"))
        parser.add_argument(
            "--from", dest="start", default=None, help=_("统计期开始（YYYY-MM-DD，默认今年 1 月 1 日）")
        )
        parser.add_argument("--to", dest="end", default=None, help=_("统计期结束（YYYY-MM-DD，默认今天）"))

    def handle(self, *args: Any, **options: Any) -> None:
        default = Period.year_to_date()
        period = Period(_date(options["start"], default.start), _date(options["end"], default.end))
        if period.end < period.start:
            raise CommandError(_("统计期结束日期不能早于开始日期。"))
        areas = Area.objects.all()
        if options["under"]:
            top = Area.objects.filter(code=options["under"]).first()
            if top is None:
                raise CommandError(_("区域编码“%(c)s”不存在。") % {"c": options["under"]})
            areas = areas.filter(path__prefix=top.path)
        areas = list(areas.order_by("path"))
        problems = verify(areas, period)
        checked = sum(1 for i in INDICATORS.values() if i.additive)
        if problems:
            for p in problems:
                self.stderr.write(
                    _("不一致：%(i)s @ %(a)s：页面/接口 %(c)s，按记录重算 %(r)s")
                    % {"i": p["indicator"], "a": p["area"], "c": p["computed"], "r": p["recounted"]}
                )
            raise CommandError(_("发现 %(n)s 处不一致。") % {"n": len(problems)})
        self.stdout.write(
            _("统计核对通过：%(n)s 个区域 × %(k)s 项指标（%(s)s 至 %(e)s），没有差异。")
            % {"n": len(areas), "k": checked, "s": period.start, "e": period.end}
        )
