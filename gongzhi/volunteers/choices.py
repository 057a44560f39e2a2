"""Choices for volunteers, activities, service records, micro-wishes and community correction,
and the micro-wish transitions (the state machine is data)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityCategory(models.TextChoices):
    ELDER_CARE = "elder_care", _("敬老")
    GREENING = "greening", _("护绿")
    DISABILITY = "disability", _("助残")
    LITTER = "litter", _("益起捡")
    ENVIRONMENT = "environment", _("环保")
    LEGAL = "legal", _("法律咨询")
    EDUCATION = "education", _("助学")
    HEALTH = "health", _("健康义诊")
    SAFETY = "safety", _("平安巡防")
    CULTURE = "culture", _("文化服务")
    VETERANS = "veterans", _("退役军人服务")
    OTHER = "other", _("其他")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


LIVE_SIGNUP_STATUSES = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


class CheckMethod(models.TextChoices):
    QR = "qr", _("扫码")
    MANUAL = "manual", _("现场登记")


class RecordKind(models.TextChoices):
    ACTIVITY = "activity", _("活动记录")
    MANUAL = "manual", _("手工补录")
    ADJUSTMENT = "adjustment", _("调整记录")


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已认定")
    DECLINED = "declined", _("未认定")


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    LEFT = "left", _("已注销")


class WishCategory(models.TextChoices):
    DAILY = "daily", _("生活用品")
    STUDY = "study", _("学习用品")
    HEALTH = "health", _("医疗健康")
    SERVICE = "service", _("上门服务")
    FESTIVAL = "festival", _("节日心愿")
    OTHER = "other", _("其他")


class WishStatus(models.TextChoices):
    POSTED = "posted", _("待认领")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("已完成")
    CONFIRMED = "confirmed", _("已确认")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")


class WishAction(models.TextChoices):
    POST = "post", _("发布")
    CLAIM = "claim", _("认领")
    FULFIL = "fulfil", _("完成")
    CONFIRM = "confirm", _("确认")
    WITHDRAW = "withdraw", _("撤回")
    RELEASE = "release", _("逾期退回")
    EXPIRE = "expire", _("过期")


# action → (statuses it may start from, status it leads to). A claimed wish not fulfilled by
# its deadline is released back to the wall; a wish nobody claimed by its expiry expires.
WISH_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    WishAction.CLAIM: ((WishStatus.POSTED,), WishStatus.CLAIMED),
    WishAction.FULFIL: ((WishStatus.CLAIMED,), WishStatus.FULFILLED),
    WishAction.CONFIRM: ((WishStatus.FULFILLED,), WishStatus.CONFIRMED),
    WishAction.WITHDRAW: ((WishStatus.POSTED, WishStatus.CLAIMED), WishStatus.WITHDRAWN),
    WishAction.RELEASE: ((WishStatus.CLAIMED,), WishStatus.POSTED),
    WishAction.EXPIRE: ((WishStatus.POSTED,), WishStatus.EXPIRED),
}


class ClaimerKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿者")
    DONOR = "donor", _("爱心人士")
    ORGANIZATION = "organization", _("社会组织")


class SupervisionEventKind(models.TextChoices):
    LOST_CONTACT = "lost_contact", _("脱管")
    REOFFENCE = "reoffence", _("再犯罪")


# Star levels (星级) by cumulative approved hours: the default thresholds for one to five stars.
DEFAULT_STAR_THRESHOLDS = (100, 300, 600, 1000, 1500)
# Hours are counted in units of half an hour by default, rounding down.
DEFAULT_HOUR_UNIT = Decimal("0.5")
