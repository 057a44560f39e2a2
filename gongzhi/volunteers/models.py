"""Volunteers (志愿者): registration, activities, sign-ups and check-in, service records and
certificates, star levels, micro-wishes (微心愿) and community-correction volunteers.

Community correction is kept apart on purpose: nothing on Volunteer, Signup or ServiceRecord
says that a person is under correction. That fact lives only in CorrectionAssignment, which
only the justice role can read, so no list, export or statistic of volunteers can leak it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.masking import mask_phone
from gongzhi.core.scoping import ScopedQuerySet
from gongzhi.volunteers.choices import (
    DEFAULT_HOUR_UNIT,
    DEFAULT_STAR_THRESHOLDS,
    ActivityCategory,
    ActivityStatus,
    CheckMethod,
    ClaimerKind,
    RecordKind,
    RecordStatus,
    SignupStatus,
    SupervisionEventKind,
    VolunteerStatus,
    WishAction,
    WishCategory,
    WishStatus,
)

HOURS = {"max_digits": 8, "decimal_places": 2}


def _user_fk(verbose_name, related_name: str = "+"):
    return models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )


def _led_orgs(user):
    from gongzhi.organizations.models import Organization

    return Organization.objects.led_by(user).values("pk")


def _new_qr_secret() -> str:
    return secrets.token_hex(16)


class VolunteerPolicy(models.Model):
    """A district's volunteer rules: star thresholds (hours for one to five stars) and the unit
    hours are counted in."""

    area = models.OneToOneField(
        to="areas.Area", on_delete=models.CASCADE, related_name="volunteer_policy", verbose_name=_("区")
    )
    star_thresholds = models.JSONField(_("星级时长门槛（小时）"), default=list)
    hour_unit = models.DecimalField(
        _("时长计量单位（小时）"), max_digits=4, decimal_places=2, default=DEFAULT_HOUR_UNIT
    )

    class Meta:
        verbose_name = _("志愿服务规则")
        verbose_name_plural = _("志愿服务规则")

    def __str__(self) -> str:
        return str(self.area)

    @property
    def thresholds(self) -> tuple[int, ...]:
        return tuple(self.star_thresholds) or DEFAULT_STAR_THRESHOLDS


class VolunteerQuerySet(ScopedQuerySet):
    area_path = "person__area__path"

    def own_rows(self, user):
        """A volunteer sees themself; an organization's leader sees its volunteers."""
        return Q(person__user=user) | Q(
            pk__in=Affiliation.objects.filter(organization__in=_led_orgs(user), left_on__isnull=True).values(
                "volunteer_id"
            )
        )


class Volunteer(models.Model):
    """A registered volunteer: one person, one set of hours, serving with any number of
    organizations (Affiliation)."""

    person = models.OneToOneField(
        to="people.Person", on_delete=models.PROTECT, related_name="volunteer", verbose_name=_("人员")
    )
    number = models.CharField(_("志愿者编号"), max_length=20, unique=True)
    skills = models.JSONField(_("技能特长"), default=list, blank=True)
    availability = models.CharField(_("可服务时间"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    registered_on = models.DateField(_("注册日期"))
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.number}）"


class Affiliation(models.Model):
    """A volunteer serving with an organization (and one of its teams, if any)."""

    volunteer = models.ForeignKey(
        to=Volunteer, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("志愿者")
    )
    organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        related_name="volunteer_affiliations",
        verbose_name=_("社会组织"),
    )
    team = models.CharField(_("服务队"), max_length=100, blank=True)
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("所属组织")
        verbose_name_plural = _("所属组织")
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=("volunteer", "organization"),
                condition=Q(left_on__isnull=True),
                name="volunteers_affiliation_unique_current",
                violation_error_message=_("该志愿者已在此组织服务。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.organization}"


class ActivityQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def own_rows(self, user):
        """Organizers see their organizations' activities; volunteers see the activities of the
        organizations and alliances they serve with, and those they signed up for."""
        rows = Q(organizer__in=_led_orgs(user))
        affiliated = Affiliation.objects.filter(volunteer__person__user=user, left_on__isnull=True)
        rows |= Q(organizer__in=affiliated.values("organization_id"))
        rows |= Q(alliance__memberships__organization__in=affiliated.values("organization_id"))
        rows |= Q(pk__in=Signup.objects.filter(volunteer__person__user=user).values("activity_id"))
        return rows

    def visible_to(self, user, perm=None):
        # The alliance join above can repeat a row.
        return super().visible_to(user, perm).distinct()


class Activity(models.Model):
    """A volunteer activity run by an organization (or jointly by an alliance), at a place in
    an area, with a time span, a capacity and a sign-up window."""

    title = models.CharField(_("活动名称"), max_length=200)
    category = models.CharField(_("服务类别"), max_length=16, choices=ActivityCategory.choices)
    description = models.TextField(_("活动内容"), blank=True)
    organizer = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
        verbose_name=_("组织方"),
    )
    team = models.CharField(_("服务队"), max_length=100, blank=True)
    alliance = models.ForeignKey(
        to="organizations.Alliance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("联合发布的联盟"),
    )
    project = models.ForeignKey(
        to="projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_activities",
        verbose_name=_("关联项目"),
    )
    case = models.ForeignKey(
        to="cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_activities",
        verbose_name=_("来源事件"),
    )
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="volunteer_activities", verbose_name=_("区域")
    )
    place = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("招募人数"))
    signup_opens_at = models.DateTimeField(_("报名开始"))
    signup_closes_at = models.DateTimeField(_("报名截止"))
    cancel_cutoff_hours = models.PositiveSmallIntegerField(_("开始前多少小时停止取消报名"), default=2)
    status = models.CharField(
        _("状态"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    qr_secret = models.CharField(_("签到密钥"), max_length=32, default=_new_qr_secret, editable=False)
    created_by = _user_fk(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at", "id"]
        indexes = [
            models.Index(fields=["starts_at"], name="volunteers_activity_starts"),
            models.Index(fields=["organizer", "starts_at"], name="volunteers_activity_org"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="volunteers_activity_span",
                violation_error_message=_("结束时间须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="volunteers_activity_capacity",
                violation_error_message=_("招募人数至少为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(signup_closes_at__gt=F("signup_opens_at")),
                name="volunteers_activity_signup_window",
                violation_error_message=_("报名截止时间须晚于报名开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SignupQuerySet(ScopedQuerySet):
    """Sign-ups are seen by the activity's organizers and the staff who run activities in the
    area, and each volunteer sees their own — not by every volunteer who sees the activity."""

    area_path = "activity__area__path"
    view_permission = "volunteers.change_activity"

    def own_rows(self, user):
        return Q(volunteer__person__user=user) | Q(activity__organizer__in=_led_orgs(user))


class Signup(models.Model):
    """A volunteer's sign-up (报名) for an activity: confirmed, waitlisted (promoted in order of
    sign-up when a place frees) or cancelled; with check-in and check-out times."""

    activity = models.ForeignKey(
        to=Activity, on_delete=models.PROTECT, related_name="signups", verbose_name=_("志愿活动")
    )
    volunteer = models.ForeignKey(
        to=Volunteer, on_delete=models.PROTECT, related_name="signups", verbose_name=_("志愿者")
    )
    status = models.CharField(_("状态"), max_length=16, choices=SignupStatus.choices)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_method = models.CharField(_("签到方式"), max_length=8, choices=CheckMethod.choices, blank=True)
    promoted_at = models.DateTimeField(_("候补转正时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_by = _user_fk(_("报名操作人"))
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    objects = SignupQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["activity", "status", "created_at"], name="volunteers_signup_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=("activity", "volunteer"),
                condition=Q(status__in=("confirmed", "waitlisted")),
                name="volunteers_signup_live_unique",
                violation_error_message=_("已报名本活动。"),
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__lte=F("checked_out_at")),
                name="volunteers_signup_check_order",
                violation_error_message=_("签退时间不能早于签到时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.activity}"


class QrTokenUse(models.Model):
    """A check-in or check-out token used by a volunteer: a token is good once per volunteer,
    so a replayed scan is refused."""

    token_hash = models.CharField(_("令牌摘要"), max_length=64)
    volunteer = models.ForeignKey(to=Volunteer, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(_("使用时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("签到令牌使用记录")
        verbose_name_plural = _("签到令牌使用记录")
        constraints = [
            models.UniqueConstraint(fields=("token_hash", "volunteer"), name="volunteers_token_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.used_at}"


class ServiceRecordQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def own_rows(self, user):
        return Q(volunteer__person__user=user) | Q(organization__in=_led_orgs(user))

    def approved(self):
        return self.filter(status=RecordStatus.APPROVED)


class ServiceRecord(models.Model):
    """A volunteer service record (志愿服务记录): who, activity, date, place, hours, content,
    approved by. Hours from check-in/out are capped by the activity's span and rounded down to
    the district's unit. Approved records are immutable; a correction is an adjusting record
    (kind ``adjustment``, hours may be negative) with a reason."""

    volunteer = models.ForeignKey(
        to=Volunteer, on_delete=models.PROTECT, related_name="records", verbose_name=_("志愿者")
    )
    activity = models.ForeignKey(
        to=Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("志愿活动"),
    )
    signup = models.OneToOneField(
        to=Signup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record",
        verbose_name=_("报名"),
    )
    organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        related_name="service_records",
        verbose_name=_("认定组织"),
    )
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RecordKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.PENDING
    )
    served_on = models.DateField(_("服务日期"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    content = models.TextField(_("服务内容"), blank=True)
    computed_hours = models.DecimalField(_("计算时长（小时）"), null=True, blank=True, **HOURS)
    hours = models.DecimalField(_("认定时长（小时）"), **HOURS)
    reason = models.TextField(_("说明"), blank=True)
    adjusts = models.ForeignKey(
        to="self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
        verbose_name=_("调整的记录"),
    )
    created_by = _user_fk(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    decided_by = _user_fk(_("审核人"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-served_on", "-id"]
        permissions = [("approve_servicerecord", _("审核志愿服务时长"))]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="volunteers_record_volunteer"),
            models.Index(fields=["organization", "status"], name="volunteers_record_org"),
            models.Index(fields=["served_on"], name="volunteers_record_served"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="adjustment") | Q(hours__gte=0),
                name="volunteers_record_hours_nonnegative",
                violation_error_message=_("服务时长不能为负数。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | Q(adjusts__isnull=False),
                name="volunteers_adjustment_has_target",
                violation_error_message=_("调整记录须指明所调整的记录。"),
            ),
            models.CheckConstraint(
                condition=Q(kind="activity") | ~Q(reason=""),
                name="volunteers_manual_has_reason",
                violation_error_message=_("手工补录和调整记录须填写说明。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.served_on} · {self.hours}"


class Certificate(models.Model):
    """A volunteer service certificate (志愿服务证明): a snapshot of the approved hours when it
    was issued, with a number anyone can verify on the public page."""

    number = models.CharField(_("证明编号"), max_length=32, unique=True)
    volunteer = models.ForeignKey(
        to=Volunteer, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("志愿者")
    )
    hours = models.DecimalField(_("累计时长（小时）"), **HOURS)
    records = models.PositiveIntegerField(_("服务记录数"))
    first_served_on = models.DateField(_("首次服务日期"), null=True, blank=True)
    last_served_on = models.DateField(_("最近服务日期"), null=True, blank=True)
    star_level = models.PositiveSmallIntegerField(_("星级"))
    issued_by = _user_fk(_("开具人"))
    issued_at = models.DateTimeField(_("开具时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number


class WishQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def own_rows(self, user):
        return Q(claimed_by=user)


class Wish(crypto.SealedFieldsMixin, models.Model):
    """A micro-wish (微心愿) posted by a community worker for a beneficiary. The public wall
    shows the category, title, description, community and value, never the beneficiary."""

    title = models.CharField(_("心愿"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=WishCategory.choices)
    description = models.TextField(_("心愿描述"), blank=True)
    estimated_value = models.DecimalField(_("预估价值（元）"), max_digits=10, decimal_places=2)
    beneficiary = models.ForeignKey(
        to="people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("心愿人")
    )
    area = models.ForeignKey(
        to="areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    status = models.CharField(_("状态"), max_length=16, choices=WishStatus.choices, default=WishStatus.POSTED)
    expires_on = models.DateField(_("征集截止日期"))
    claim_days = models.PositiveSmallIntegerField(_("认领后完成期限（天）"), default=14)
    fulfil_by = models.DateField(_("须完成日期"), null=True, blank=True)
    claimed_by = _user_fk(_("认领人账号"), related_name="claimed_wishes")
    claimer_kind = models.CharField(_("认领方类型"), max_length=16, choices=ClaimerKind.choices, blank=True)
    claimer_name = models.CharField(_("认领方"), max_length=100, blank=True)
    claimer_organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_wishes",
        verbose_name=_("认领组织"),
    )
    # Stored encrypted; ``claimer_phone`` reads masked (crypto.sealed).
    claimer_phone_encrypted = models.TextField(_("认领方电话（密文）"), blank=True, editable=False)
    claimer_phone_masked = models.CharField(_("认领方电话"), max_length=20, blank=True, editable=False)
    proof = models.TextField(_("完成说明"), blank=True)
    posted_by = _user_fk(_("发布人"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = WishQuerySet.as_manager()

    claimer_phone = crypto.sealed("claimer_phone", mask=mask_phone)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "id"]
        permissions = [("confirm_wish", _("确认微心愿完成"))]
        indexes = [models.Index(fields=["status", "area"], name="volunteers_wish_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0),
                name="volunteers_wish_value",
                violation_error_message=_("预估价值不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


def _wish_photo_path(instance, filename: str) -> str:
    return f"volunteers/wishes/{secrets.token_hex(16)}.jpg"


def _wish_thumb_path(instance, filename: str) -> str:
    return f"volunteers/wishes/thumbs/{secrets.token_hex(16)}.jpg"


class WishPhoto(models.Model):
    """A photo proving a wish fulfilled, re-encoded on upload (EXIF stripped)."""

    wish = models.ForeignKey(
        to=Wish, on_delete=models.CASCADE, related_name="photos", verbose_name=_("微心愿")
    )
    image = models.FileField(_("图片"), upload_to=_wish_photo_path)
    thumbnail = models.FileField(_("缩略图"), upload_to=_wish_thumb_path)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size = models.PositiveIntegerField(_("字节数"))
    uploaded_by = _user_fk(_("上传人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("心愿照片")
        verbose_name_plural = _("心愿照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.wish} #{self.pk}"


class WishEvent(models.Model):
    """One transition of a micro-wish (the history the state machine appends)."""

    wish = models.ForeignKey(
        to=Wish, on_delete=models.CASCADE, related_name="events", verbose_name=_("微心愿")
    )
    action = models.CharField(_("操作"), max_length=16, choices=WishAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=WishStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=WishStatus.choices)
    actor = _user_fk(_("操作人"))
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("心愿流转记录")
        verbose_name_plural = _("心愿流转记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.wish} {self.from_status} → {self.to_status}"


class CorrectionQuerySet(ScopedQuerySet):
    """Only holders of ``people.view_correction_tag`` (the justice role) see correction rows."""

    area_path = "person__area__path"
    view_permission = "people.view_correction_tag"


class CorrectionAssignment(models.Model):
    """A community-correction person (社区矫正对象) serving as a volunteer under a supervising
    organization. Seen by the justice role alone; every view is logged."""

    person = models.ForeignKey(
        to="people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("矫正对象")
    )
    organization = models.ForeignKey(
        to="organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("监管服务组织"),
    )
    starts_on = models.DateField(_("矫正开始日期"))
    ends_on = models.DateField(_("矫正结束日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = _user_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("社区矫正志愿服务")
        verbose_name_plural = _("社区矫正志愿服务")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="volunteers_correction_dates",
                violation_error_message=_("矫正结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.organization}"


class SupervisionEventQuerySet(ScopedQuerySet):
    area_path = "assignment__person__area__path"
    view_permission = "people.view_correction_tag"


class SupervisionEvent(models.Model):
    """A supervision event of a correction person: lost contact (脱管) or re-offence (再犯罪)."""

    assignment = models.ForeignKey(
        to=CorrectionAssignment, on_delete=models.PROTECT, related_name="events", verbose_name=_("矫正对象")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=SupervisionEventKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = _user_fk(_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = SupervisionEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("监管事件")
        verbose_name_plural = _("监管事件")
        ordering = ["-occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.get_kind_display()}"
