"""Case states, actions and the transition table (the state machine is data)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("待立案")
    REGISTERED = "registered", _("待派遣")
    DISPATCHED = "dispatched", _("待接收")
    HANDLING = "handling", _("处置中")
    FED_BACK = "fed_back", _("待核查")
    DEFERRED = "deferred", _("缓办挂账")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (
    CaseStatus.REPORTED,
    CaseStatus.REGISTERED,
    CaseStatus.DISPATCHED,
    CaseStatus.HANDLING,
    CaseStatus.FED_BACK,
)
FINAL_STATUSES = (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.MERGED)


class CaseLevel(models.TextChoices):
    """The level responsible for a case; escalation climbs this ladder."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区")


LEVEL_LADDER = [CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.STREET, CaseLevel.DISTRICT]


def next_level(level: str) -> str | None:
    index = LEVEL_LADDER.index(level)
    return LEVEL_LADDER[index + 1] if index + 1 < len(LEVEL_LADDER) else None


class Stage(models.TextChoices):
    """A stage of work with its own deadline (the current one is on the case)."""

    REGISTER = "register", _("立案")
    DISPATCH = "dispatch", _("派遣")
    ACCEPT = "accept", _("接收")
    HANDLE = "handle", _("处置")
    VERIFY = "verify", _("核查")


# Which stage (and so which deadline) a case is in while in each open status.
STATUS_STAGE: dict[str, str] = {
    CaseStatus.REPORTED: Stage.REGISTER,
    CaseStatus.REGISTERED: Stage.DISPATCH,
    CaseStatus.DISPATCHED: Stage.ACCEPT,
    CaseStatus.HANDLING: Stage.HANDLE,
    CaseStatus.FED_BACK: Stage.VERIFY,
}


class CaseSource(models.TextChoices):
    GRID_MEMBER = "grid_member", _("网格员巡查")
    PARTY_VOLUNTEER = "party_volunteer", _("党员志愿者")
    RESIDENT = "resident", _("居民报事")
    HOTLINE = "hotline", _("热线")
    INSPECTION = "inspection", _("督查检查")
    OPEN311 = "open311", _("第三方应用（Open311）")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("职能部门")
    COMMUNITY_TEAM = "community_team", _("社区队伍")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    GRID_TEAM = "grid_team", _("网格队伍")


class Warning(models.IntegerChoices):
    NONE = 0, _("正常")
    YELLOW = 1, _("黄灯（临期）")
    RED = 2, _("红灯（超期）")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class CaseAction(models.TextChoices):
    """Every kind of entry in a case's timeline (CaseEvent.action)."""

    REPORT = "report", _("上报事件")
    REGISTER = "register", _("立案")
    REJECT = "reject", _("不予立案")
    DISPATCH = "dispatch", _("派遣")
    ACCEPT = "accept", _("接收")
    FEEDBACK = "feedback", _("反馈")
    VERIFY = "verify", _("核查通过")
    REWORK = "rework", _("核查不通过，返工")
    CLOSE = "close", _("结案")
    ESCALATE = "escalate", _("上报上级")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    EXTEND = "extend", _("延期")
    DECLINE_EXTENSION = "decline_extension", _("驳回延期申请")
    DEFER = "defer", _("缓办挂账")
    SUPERVISE = "supervise", _("督办")
    EVALUATE = "evaluate", _("评价")
    RESOLVE_ON_SITE = "resolve_on_site", _("现场自处置")
    MERGE = "merge", _("合并为重复事件")
    WARN_YELLOW = "warn_yellow", _("临期预警")
    WARN_RED = "warn_red", _("超期告警")
    AUTO_ESCALATE = "auto_escalate", _("超期自动上报")
    CAMPAIGN = "campaign", _("纳入专项整治")


# The state machine: action → (statuses it may start from, status it leads to).
# ``None`` as the target keeps the status (supervise, extend, evaluate …).
ALLOWED_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    CaseAction.REGISTER: ((CaseStatus.REPORTED,), CaseStatus.REGISTERED),
    CaseAction.REJECT: ((CaseStatus.REPORTED,), CaseStatus.REJECTED),
    CaseAction.DISPATCH: (
        (CaseStatus.REGISTERED, CaseStatus.DISPATCHED, CaseStatus.DEFERRED),
        CaseStatus.DISPATCHED,
    ),
    CaseAction.ACCEPT: ((CaseStatus.DISPATCHED,), CaseStatus.HANDLING),
    CaseAction.FEEDBACK: ((CaseStatus.HANDLING,), CaseStatus.FED_BACK),
    CaseAction.VERIFY: ((CaseStatus.FED_BACK,), CaseStatus.CLOSED),
    CaseAction.REWORK: ((CaseStatus.FED_BACK,), CaseStatus.HANDLING),
    CaseAction.CLOSE: ((CaseStatus.FED_BACK,), CaseStatus.CLOSED),
    CaseAction.ESCALATE: (
        (
            CaseStatus.REPORTED,
            CaseStatus.REGISTERED,
            CaseStatus.DISPATCHED,
            CaseStatus.HANDLING,
            CaseStatus.DEFERRED,
        ),
        CaseStatus.REGISTERED,
    ),
    CaseAction.REQUEST_EXTENSION: ((CaseStatus.DISPATCHED, CaseStatus.HANDLING), None),
    CaseAction.EXTEND: ((CaseStatus.DISPATCHED, CaseStatus.HANDLING), None),
    CaseAction.DECLINE_EXTENSION: ((CaseStatus.DISPATCHED, CaseStatus.HANDLING), None),
    CaseAction.DEFER: (
        (CaseStatus.REGISTERED, CaseStatus.DISPATCHED, CaseStatus.HANDLING),
        CaseStatus.DEFERRED,
    ),
    CaseAction.SUPERVISE: ((*OPEN_STATUSES, CaseStatus.DEFERRED), None),
    CaseAction.EVALUATE: ((CaseStatus.CLOSED,), None),
    CaseAction.RESOLVE_ON_SITE: ((CaseStatus.REPORTED,), CaseStatus.CLOSED),
    CaseAction.MERGE: ((*OPEN_STATUSES, CaseStatus.DEFERRED), CaseStatus.MERGED),
}
