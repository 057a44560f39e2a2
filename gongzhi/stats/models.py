"""Roll-ups of the dashboard's figures (see ``gongzhi.stats.rollups`` for how they are kept)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaRollup(models.Model):
    """One figure of one area: for a *flow* indicator the amount of one local day, for a
    *stock* indicator (``day`` empty) the value at the last refresh. Each row holds the whole
    subtree of ``area`` (the area itself and everything below), so any area's figure is a sum
    over its own rows — a year is at most 366 rows whatever the number of records."""

    # No database-level foreign key and no index of its own: the rows are derived, rewritten in
    # bulk from base rows that already reference real areas (a city's full refresh writes some
    # ten million, and PostgreSQL checked each at commit), and stats_rollup_area_name_day leads
    # with the area. Deleting an area still deletes its rows (Django's CASCADE).
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("区域"),
    )
    name = models.CharField(_("指标"), max_length=40)
    day = models.DateField(_("日期"), null=True, blank=True)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        indexes = [
            models.Index(fields=["area", "name", "day"], name="stats_rollup_area_name_day"),
            models.Index(fields=["day"], name="stats_rollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.name} {self.day}: {self.value}"


class RollupState(models.Model):
    """The one row saying how far the roll-ups reach: refreshed at ``refreshed_at`` (flow
    rows hold every day up to ``through``, that day as far as ``refreshed_at``)."""

    refreshed_at = models.DateTimeField(_("更新时间"))
    through = models.DateField(_("汇总至"))
    full_at = models.DateTimeField(_("最近全量重算"), null=True, blank=True)

    class Meta:
        verbose_name = _("统计汇总状态")
        verbose_name_plural = _("统计汇总状态")

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M} ({self.through})"
