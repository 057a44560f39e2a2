"""Organization tracks, states and the transition table (the state machine is data)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Track(models.TextChoices):
    FILED = "filed", _("备案")
    REGISTERED = "registered", _("登记")


class OrgStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPLYING = "applying", _("备案申请中")
    FILED = "filed", _("已备案")
    REGISTERED = "registered", _("已登记")
    SUSPENDED = "suspended", _("暂停活动")
    DEREGISTERED = "deregistered", _("已注销")


# Organizations that legally act now (names are unique among these).
ACTIVE_STATUSES = (OrgStatus.FILED, OrgStatus.REGISTERED, OrgStatus.SUSPENDED, OrgStatus.APPLYING)
LIVE_STATUSES = (OrgStatus.FILED, OrgStatus.REGISTERED)


class OrgAction(models.TextChoices):
    CREATE = "create", _("创建")
    APPLY = "apply", _("申请备案")
    APPROVE = "approve", _("准予备案")
    REFUSE = "refuse", _("不予备案")
    REGISTER = "register", _("登记")
    SUSPEND = "suspend", _("暂停活动")
    RESUME = "resume", _("恢复活动")
    DEREGISTER = "deregister", _("注销")


# action → (statuses it may start from, status it leads to; None = back to the track's live status)
ALLOWED_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    OrgAction.APPLY: ((OrgStatus.DRAFT,), OrgStatus.APPLYING),
    OrgAction.APPROVE: ((OrgStatus.APPLYING,), OrgStatus.FILED),
    OrgAction.REFUSE: ((OrgStatus.APPLYING,), OrgStatus.DRAFT),
    OrgAction.REGISTER: ((OrgStatus.DRAFT, OrgStatus.FILED), OrgStatus.REGISTERED),
    OrgAction.SUSPEND: ((OrgStatus.FILED, OrgStatus.REGISTERED), OrgStatus.SUSPENDED),
    OrgAction.RESUME: ((OrgStatus.SUSPENDED,), None),
    OrgAction.DEREGISTER: (
        (OrgStatus.DRAFT, OrgStatus.FILED, OrgStatus.REGISTERED, OrgStatus.SUSPENDED),
        OrgStatus.DEREGISTERED,
    ),
}


class FilingCategory(models.TextChoices):
    """The four kinds of community social organization (社区社会组织)."""

    LIFE_SERVICE = "life_service", _("生活服务类")
    CHARITY = "charity", _("公益慈善类")
    CULTURE_SPORTS = "culture_sports", _("文体活动类")
    MEDIATION = "mediation", _("专业调处类")


class LegalForm(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SOCIAL_SERVICE = "social_service", _("社会服务机构")
    FOUNDATION = "foundation", _("基金会")


class MemberRole(models.TextChoices):
    LEADER = "leader", _("负责人")
    DEPUTY = "deputy", _("副负责人")
    SECRETARY = "secretary", _("秘书")
    MEMBER = "member", _("成员")


class PartyOrgType(models.TextChoices):
    INDEPENDENT = "independent", _("单独建立党组织")
    JOINT = "joint", _("联合党组织")
    INSTRUCTOR = "instructor", _("党建指导员")
    NONE = "none", _("未建立")


class FilingRuleKind(models.TextChoices):
    MIN_MEMBERS = "min_members", _("活跃成员人数下限")
    HAS_LEADER = "has_leader", _("有负责人")
    HAS_CHARTER = "has_charter", _("有章程")
    HAS_VENUE = "has_venue", _("有相对固定的活动场所")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("准予备案")
    REFUSED = "refused", _("不予备案")


class PlatformLevel(models.TextChoices):
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")
    COMMUNITY = "community", _("社区级")


class IncubationStage(models.TextChoices):
    ENTERED = "entered", _("入驻")
    CULTIVATING = "cultivating", _("培育")
    GRADUATED = "graduated", _("出壳")
    WITHDRAWN = "withdrawn", _("退出")


INCUBATION_NEXT: dict[str, tuple[str, ...]] = {
    IncubationStage.ENTERED: (IncubationStage.CULTIVATING, IncubationStage.WITHDRAWN),
    IncubationStage.CULTIVATING: (IncubationStage.GRADUATED, IncubationStage.WITHDRAWN),
    IncubationStage.GRADUATED: (),
    IncubationStage.WITHDRAWN: (),
}


class RatingLevel(models.IntegerChoices):
    A1 = 1, "1A"
    A2 = 2, "2A"
    A3 = 3, "3A"
    A4 = 4, "4A"
    A5 = 5, "5A"


class ServiceDomain(models.TextChoices):
    """Fields an organization or project serves (shared with public-welfare projects)."""

    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗健康")
    ENVIRONMENT = "environment", _("环保")
    ELDERLY = "elderly", _("养老")
    TRANSPORT = "transport", _("交通")
    CHILDREN = "children", _("儿童青少年")
    DISABILITY = "disability", _("助残")
    CULTURE = "culture", _("文化体育")
    LEGAL = "legal", _("法律与调解")
    VETERANS = "veterans", _("退役军人服务")
    CHARITY = "charity", _("扶贫济困")
    COMMUNITY = "community", _("社区治理")
