from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    ZONE = "zone", _("片区")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


# The tree rule: which levels may be the parent of each level (None = no parent).
PARENT_LEVELS: dict[str, tuple[str | None, ...]] = {
    AreaLevel.DISTRICT: (None,),
    AreaLevel.STREET: (AreaLevel.DISTRICT,),
    AreaLevel.ZONE: (AreaLevel.STREET,),
    AreaLevel.COMMUNITY: (AreaLevel.STREET, AreaLevel.ZONE),
    AreaLevel.GRID: (AreaLevel.COMMUNITY,),
}

LEVEL_ORDER = [lv.value for lv in AreaLevel]


class GridDuty(models.TextChoices):
    LEADER = "leader", _("网格长")
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
    PARTY_VOLUNTEER = "party_volunteer", _("党员志愿者")
    GROUP_LEADER = "group_leader", _("居民小组长")
