"""Choices for funding sources and public-welfare projects, and the project transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FundingKind(models.TextChoices):
    GOVERNMENT_PURCHASE = "government_purchase", _("政府购买服务")
    WELFARE_LOTTERY = "welfare_lottery", _("福彩公益金")
    CORPORATE_DONATION = "corporate_donation", _("企业定向捐赠")
    OTHER = "other", _("其他")


class LifecycleCategory(models.TextChoices):
    CHILDCARE = "childcare", _("幼有所育")
    EDUCATION = "education", _("学有所教")
    EMPLOYMENT = "employment", _("劳有所得")
    HEALTH = "health", _("病有所医")
    ELDERLY = "elderly", _("老有所养")
    HOUSING = "housing", _("住有所居")
    VULNERABLE = "vulnerable", _("弱有所扶")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLAIMED = "claimed", _("已认领")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完成")
    ACCEPTED = "accepted", _("已验收")
    EVALUATED = "evaluated", _("已评估")
    CANCELLED = "cancelled", _("已取消")


class ProjectAction(models.TextChoices):
    PUBLISH = "publish", _("发布")
    CLAIM = "claim", _("认领")
    APPLY = "apply", _("申报")
    SELECT = "select", _("选定承接方")
    START = "start", _("开始实施")
    COMPLETE = "complete", _("完成")
    ACCEPT = "accept", _("验收")
    EVALUATE = "evaluate", _("绩效评估")
    RETURN = "return", _("退回整改")
    CANCEL = "cancel", _("取消")


# action → (statuses it may start from, status it leads to). Applying for a competitive
# project leaves it published (applications pile up); selecting one applicant claims it. A
# project open to several undertakers takes further claims while it is claimed. An acceptance
# that finds the work short returns the project to implementation.
ALLOWED_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    ProjectAction.PUBLISH: ((ProjectStatus.DRAFT,), ProjectStatus.PUBLISHED),
    ProjectAction.CLAIM: ((ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED), ProjectStatus.CLAIMED),
    ProjectAction.APPLY: ((ProjectStatus.PUBLISHED,), ProjectStatus.PUBLISHED),
    ProjectAction.SELECT: ((ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED), ProjectStatus.CLAIMED),
    ProjectAction.START: ((ProjectStatus.CLAIMED,), ProjectStatus.IN_PROGRESS),
    ProjectAction.COMPLETE: ((ProjectStatus.IN_PROGRESS,), ProjectStatus.COMPLETED),
    ProjectAction.ACCEPT: ((ProjectStatus.COMPLETED,), ProjectStatus.ACCEPTED),
    ProjectAction.EVALUATE: ((ProjectStatus.ACCEPTED,), ProjectStatus.EVALUATED),
    ProjectAction.RETURN: ((ProjectStatus.COMPLETED,), ProjectStatus.IN_PROGRESS),
    ProjectAction.CANCEL: (
        (ProjectStatus.DRAFT, ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED, ProjectStatus.IN_PROGRESS),
        ProjectStatus.CANCELLED,
    ),
}

# Money may be allocated to a project until it is delivered, and paid out once published.
ALLOCATABLE_STATUSES = (
    ProjectStatus.DRAFT,
    ProjectStatus.PUBLISHED,
    ProjectStatus.CLAIMED,
    ProjectStatus.IN_PROGRESS,
)
DISBURSABLE_STATUSES = (
    ProjectStatus.PUBLISHED,
    ProjectStatus.CLAIMED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
    ProjectStatus.EVALUATED,
)


# Statuses in which an organization can still be looking at the project to take it on.
OPEN_STATUSES = (ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED)


class ClaimKind(models.TextChoices):
    CLAIM = "claim", _("直接认领")
    APPLY = "apply", _("竞争申报")


class ClaimStatus(models.TextChoices):
    APPLIED = "applied", _("申报中")
    UNDERTAKING = "undertaking", _("承接中")
    NOT_SELECTED = "not_selected", _("未入选")
    WITHDRAWN = "withdrawn", _("已撤回")


LIVE_CLAIM_STATUSES = (ClaimStatus.APPLIED, ClaimStatus.UNDERTAKING)


class IndicatorKind(models.TextChoices):
    """Target indicators. The first four are measured from the delivery reports; ``other`` is
    entered by hand."""

    BENEFICIARIES = "beneficiaries", _("服务人数")
    PERSON_TIMES = "person_times", _("服务人次")
    ACTIVITIES = "activities", _("活动场次")
    SATISFACTION = "satisfaction", _("满意度（%）")
    OTHER = "other", _("其他")


class Grade(models.TextChoices):
    """Performance-evaluation grades by total score (see ``grade_for``)."""

    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


# (lowest total score, grade), highest first.
GRADE_THRESHOLDS = ((90, Grade.EXCELLENT), (80, Grade.GOOD), (60, Grade.PASS), (0, Grade.FAIL))

# Weights of the four evaluation dimensions in the total score (they add up to 100).
SCORE_WEIGHTS = {"quantity": 30, "quality": 30, "satisfaction": 20, "funds_use": 20}


class AwardLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区级")
    OTHER = "other", _("其他")


class CaseRecordStatus(models.TextChoices):
    OPEN = "open", _("服务中")
    CLOSED = "closed", _("已结案")


class CaseAccessAction(models.TextChoices):
    LIST = "list", _("列表")
    VIEW = "view", _("查看")
    EXPORT = "export", _("导出")
