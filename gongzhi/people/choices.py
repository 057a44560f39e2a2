from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    ACTIVIST = "activist", _("入党积极分子")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    MASSES = "masses", _("群众")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Tag(models.TextChoices):
    VETERAN = "veteran", _("退役军人")
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    LOW_INCOME = "low_income", _("低保户")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    COMMUNITY_CORRECTION = "community_correction", _("社区矫正对象")
    MENTAL_DISORDER_FAMILY = "mental_disorder_family", _("精神障碍家庭")


# Sensitive tags (PIPL sensitive personal information) and the permission that reveals each.
# Everyone else sees neither the tag nor that a hidden tag exists.
SENSITIVE_TAG_PERMISSIONS: dict[str, str] = {
    Tag.COMMUNITY_CORRECTION: "people.view_correction_tag",
    Tag.MENTAL_DISORDER_FAMILY: "people.view_health_tag",
}


class SensitiveField(models.TextChoices):
    """What a SensitiveAccess row says was seen in full."""

    ID_NUMBER = "id_number", _("完整身份证号码")
    PHONE = "phone", _("完整手机号码")
    REPORTER_PHONE = "reporter_phone", _("上报人完整电话")
    CLAIMER_PHONE = "claimer_phone", _("心愿认领方完整电话")
    ORGANIZATION_PHONE = "organization_phone", _("社会组织完整联系电话")
    TAG_COMMUNITY_CORRECTION = "tag:community_correction", _("社区矫正标签")
    TAG_MENTAL_DISORDER_FAMILY = "tag:mental_disorder_family", _("精神障碍家庭标签")
