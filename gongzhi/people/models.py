"""People: one record per resident, volunteer or staff member, and their tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.masking import mask_phone
from gongzhi.core.scoping import ScopedQuerySet
from gongzhi.people.choices import PoliticalStatus, SensitiveField, Sex, Tag

PHONE_INDEX_PURPOSE = "person.phone"


class PersonQuerySet(ScopedQuerySet):
    area_path = "area__path"

    def own_rows(self, user):
        # Everyone may see their own person record, whatever their roles.
        return Q(user=user)


class Person(crypto.SealedFieldsMixin, models.Model):
    """A natural person. The ID number is stored only encrypted, with a keyed hash for
    uniqueness and a masked copy for display; birth date and sex are derived from it. The
    mobile phone likewise (``phone`` reads masked; the hash finds a person by number)."""

    name = models.CharField(_("姓名"), max_length=50)
    id_number_encrypted = models.TextField(_("身份证号码（密文）"), editable=False)
    # The two hashes are indexed in Meta (unique; where set), not with unique=True/db_index:
    # on PostgreSQL those add a LIKE index each, and a hash is only ever looked up whole.
    id_number_hash = models.CharField(_("身份证号码索引"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("身份证号码（脱敏）"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    phone_encrypted = models.TextField(_("手机号码（密文）"), blank=True, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=11, blank=True, editable=False)
    phone_hash = models.CharField(_("手机号码索引"), max_length=64, blank=True, editable=False)
    political_status = models.CharField(
        _("政治面貌"), max_length=16, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    home_grid = models.ForeignKey(
        to="areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("所在网格"),
    )
    # The area the record is filed under: the home grid when known, otherwise the area of the
    # office that registered the person. Jurisdiction is decided by this field.
    area = models.ForeignKey(
        to="areas.Area",
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("所属区域"),
    )
    user = models.OneToOneField(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    # Writing sets the three phone columns; reading gives the masked number.
    phone = crypto.sealed("phone", mask=mask_phone, index=PHONE_INDEX_PURPOSE)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["name"], name="people_person_name"),
            # Most people have no phone on record: index the ones that do.
            models.Index(fields=["phone_hash"], name="people_phone_hash", condition=~Q(phone_hash="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="people_person_id_number_hash_key")
        ]
        permissions = [
            ("view_full_id_number", _("查看完整身份证号码（需说明理由，留痕）")),
            ("view_full_phone", _("查看完整手机号码（需说明理由，留痕）")),
            ("view_health_tag", _("查看健康类敏感标签（精神障碍家庭）")),
            ("view_correction_tag", _("查看社区矫正标签")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_party_member(self) -> bool:
        return self.political_status in (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)

    def decrypt_id_number(self) -> str:
        """The plain ID number. Callers must have checked permission and logged the view
        (``services.reveal_id_number`` does both)."""
        return crypto.decrypt(self.id_number_encrypted)


class PersonTagQuerySet(ScopedQuerySet):
    area_path = "person__area__path"
    view_permission = "people.view_person"

    def visible_to(self, user, perm=None):
        """Tag rows the user may see: sensitive tags (community correction, mental-disorder
        family) only where the user holds that tag's own permission."""
        from gongzhi.core.scoping import jurisdiction_paths
        from gongzhi.people.choices import SENSITIVE_TAG_PERMISSIONS

        rows = super().visible_to(user, perm)
        if not user or not user.is_authenticated or user.is_superuser:
            return rows
        for tag, tag_perm in SENSITIVE_TAG_PERMISSIONS.items():
            allowed = Q(pk__in=[])
            for path in jurisdiction_paths(user, tag_perm):
                allowed |= Q(person__area__path__prefix=path)
            rows = rows.filter(~Q(tag=tag) | allowed)
        return rows


class PersonTag(models.Model):
    """A label on a person (veteran, elderly …). Sensitive tags are filtered by permission."""

    person = models.ForeignKey(
        to=Person, on_delete=models.CASCADE, related_name="tags", verbose_name=_("人员")
    )
    tag = models.CharField(_("标签"), max_length=32, choices=Tag.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("标记人"),
    )

    objects = PersonTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        constraints = [
            models.UniqueConstraint(
                fields=("person", "tag"),
                name="people_persontag_unique",
                violation_error_message=_("此人已有该标签。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_tag_display()}"


class SensitiveAccess(models.Model):
    """One view of sensitive personal data: a full ID number, a full phone number or a
    sensitive tag, with who looked, why, and from where. Append-only; read by auditors.

    ``person`` is the person the data belongs to when it is a registered person; a phone
    given on a case or a wish claim is named by ``record`` (``cases.case:12``) instead."""

    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    person = models.ForeignKey(
        to=Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("被查看人员"),
    )
    record = models.CharField(_("所属记录"), max_length=80, blank=True)
    field = models.CharField(_("查看内容"), max_length=32, choices=SensitiveField.choices)
    reason = models.CharField(_("理由"), max_length=200)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.person or self.record} ({self.field})"
