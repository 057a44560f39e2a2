"""Writes and guarded reads of personal data.

The full ID number, full phone numbers and sensitive tags leave the database only through
functions here, which check the permission inside the caller's jurisdiction and log the view
(a SensitiveAccess row and, for a reveal, an audit event in category SENSITIVE_READ).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.audit.receivers import audit_sensitive_accesses
from gongzhi.audit.services import Category, record
from gongzhi.core import crypto, masking
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden
from gongzhi.core.history import log_created_bulk
from gongzhi.core.scoping import can
from gongzhi.people.choices import SENSITIVE_TAG_PERMISSIONS, PoliticalStatus, SensitiveField, Tag
from gongzhi.people.models import Person, PersonTag, SensitiveAccess
from gongzhi.people.validators import mask_id_number, normalize_id_number, parse_id_number, validate_phone

ID_INDEX_PURPOSE = "person.id_number"


def id_number_hash(id_number: str) -> str:
    return crypto.blind_index(normalize_id_number(id_number), purpose=ID_INDEX_PURPOSE)


def find_by_id_number(id_number: str):
    """Persons with this ID number (zero or one), as a queryset the caller still scopes."""
    return Person.objects.filter(id_number_hash=id_number_hash(id_number))


def phone_hash(phone: str) -> str:
    return Person.phone.lookup(phone)


def find_by_phone(phone: str, queryset=None):
    """Persons with this mobile number (a family may share one), from ``queryset`` (all people
    by default; the caller still scopes). Looks up the blind index, never the number itself."""
    queryset = Person.objects.all() if queryset is None else queryset
    phone = (phone or "").strip()
    if not phone:
        return queryset.none()
    return queryset.filter(phone_hash=phone_hash(phone))


def _validated(field: str, validator, value: Any) -> Any:
    try:
        return validator(value)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field=field) from exc


def person_fields_from_id_number(id_number: str) -> dict[str, Any]:
    """Encrypted, hashed, masked and derived fields for an ID number (validated)."""
    number = normalize_id_number(id_number)
    birth, sex = _validated("id_number", parse_id_number, number)
    return {
        "id_number_encrypted": crypto.encrypt(number),
        "id_number_hash": id_number_hash(number),
        "id_number_masked": mask_id_number(number),
        "birth_date": birth,
        "sex": sex,
    }


def check_tag_allowed(tag: str, *, by: Any, area: Area) -> None:
    if tag not in Tag.values:
        raise DomainError(
            _("未知标签“%(tag)s”，可用标签：%(tags)s。") % {"tag": tag, "tags": _("、").join(Tag.values)},
            field="tags",
        )
    perm = SENSITIVE_TAG_PERMISSIONS.get(tag)
    if perm and by is not None and not can(by, perm, area):
        raise DomainError(_("您无权设置敏感标签“%(label)s”。") % {"label": Tag(tag).label}, field="tags")


def create_person(
    *,
    name: str,
    id_number: str,
    phone: str = "",
    political_status: str = PoliticalStatus.MASSES,
    home_grid: Area | None = None,
    area: Area | None = None,
    tags: Iterable[str] = (),
    user: Any = None,
    by: Any = None,
) -> Person:
    """Register a person filed under ``home_grid`` (or ``area`` when the grid is unknown).

    Raises DomainError for an invalid ID number or phone, a home grid that is not a grid, a
    sensitive tag the actor may not set, or (Conflict) an ID number already registered.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写姓名。"), field="name")
    fields = person_fields_from_id_number(id_number)
    _validated("phone", validate_phone, phone)
    if home_grid is not None and home_grid.level != AreaLevel.GRID:
        raise DomainError(
            _("所在网格必须是网格一级区域，“%(name)s”是%(level)s。")
            % {"name": home_grid.name, "level": home_grid.get_level_display()},
            field="home_grid",
        )
    filed_under = home_grid or area
    if filed_under is None:
        raise DomainError(_("请指定所在网格或所属区域。"), field="home_grid")
    if political_status not in PoliticalStatus.values:
        raise DomainError(_("未知的政治面貌“%(v)s”。") % {"v": political_status}, field="political_status")
    tags = list(dict.fromkeys(tags))
    for tag in tags:
        check_tag_allowed(tag, by=by, area=filed_under)
    if Person.objects.filter(id_number_hash=fields["id_number_hash"]).exists():
        raise Conflict(_("该身份证号码已登记，不能重复登记；请在人员列表中查找此人。"), field="id_number")
    try:
        with transaction.atomic():
            person = Person.objects.create(
                name=name,
                phone=phone or "",
                political_status=political_status,
                home_grid=home_grid,
                area=filed_under,
                user=user,
                **fields,
            )
            PersonTag.objects.bulk_create(
                [
                    PersonTag(person=person, tag=t, created_by=by if getattr(by, "pk", None) else None)
                    for t in tags
                ]
            )
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise Conflict(_("该身份证号码已登记，不能重复登记。"), field="id_number") from exc
    return person


def update_person(person: Person, *, by: Any = None, **changes: Any) -> Person:
    """Change name, phone, political status or home grid; the ID number is fixed."""
    allowed = {"name", "phone", "political_status", "home_grid"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("不能修改：%(f)s。") % {"f": _("、").join(sorted(unknown))})
    if "phone" in changes:
        _validated("phone", validate_phone, changes["phone"])
    if "political_status" in changes and changes["political_status"] not in PoliticalStatus.values:
        raise DomainError(_("未知的政治面貌。"), field="political_status")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if "home_grid" in changes:
            grid = changes["home_grid"]
            if grid is not None and grid.level != AreaLevel.GRID:
                raise DomainError(_("所在网格必须是网格一级区域。"), field="home_grid")
            if grid is not None:
                changes["area"] = grid
        for key, value in changes.items():
            setattr(person, key, value)
        person.save(update_fields=[*changes, "updated_at"])
    return person


def set_tags(person: Person, tags: Iterable[str], *, by: Any) -> None:
    """Make the tags ``by`` can see equal ``tags``; tags hidden from ``by`` stay untouched."""
    wanted = set(tags)
    for tag in wanted:
        check_tag_allowed(tag, by=by, area=person.area)
    visible = set(visible_tags(person, by))
    with transaction.atomic():
        PersonTag.objects.filter(person=person, tag__in=visible - wanted).delete()
        PersonTag.objects.bulk_create(
            [PersonTag(person=person, tag=t, created_by=by) for t in wanted - visible],
            ignore_conflicts=True,
        )


def hidden_tags_for(user: Any, area: Area) -> set[str]:
    return {tag for tag, perm in SENSITIVE_TAG_PERMISSIONS.items() if not can(user, perm, area)}


def visible_tags(person: Person, user: Any) -> list[str]:
    """The person's tags that ``user`` may see (uses a prefetched ``tags`` if present)."""
    hidden = hidden_tags_for(user, person.area)
    return [t.tag for t in person.tags.all() if t.tag not in hidden]


def log_sensitive_views(user: Any, people: Iterable[Person], *, reason: str, ip: str | None = None) -> int:
    """Record that ``user`` saw sensitive tags of ``people``; returns rows written."""
    rows = []
    for person in people:
        for tag in visible_tags(person, user):
            if tag in SENSITIVE_TAG_PERMISSIONS:
                rows.append(
                    SensitiveAccess(
                        user=user, person=person, field=f"tag:{tag}", reason=reason[:200], ip_address=ip
                    )
                )
    SensitiveAccess.objects.bulk_create(rows)
    audit_sensitive_accesses(rows)
    return len(rows)


def _reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(message, field="reason")
    # A reason is free text: a number typed into it must not be stored in full.
    return masking.mask_text(reason)[:200]


def reveal_id_number(person: Person, *, by: Any, reason: str, ip: str | None = None) -> str:
    """The full ID number, for a user allowed to see it here, who says why. Logged
    (SensitiveAccess) and audited (``sensitive.reveal_id_number``).

    Raises Forbidden without the permission over the person's area, and DomainError
    when no reason is given.
    """
    if not can(by, "people.view_full_id_number", person.area):
        raise Forbidden(_("您的角色无权查看完整身份证号码。需要时请联系社区或街道工作人员。"))
    reason = _reason(reason, _("查看完整身份证号码须说明理由（至少 2 个字），例如“核实低保申请”。"))
    with transaction.atomic():
        SensitiveAccess.objects.create(
            user=by, person=person, field=SensitiveField.ID_NUMBER, reason=reason, ip_address=ip
        )
        record(
            "sensitive.reveal_id_number",
            category=Category.SENSITIVE_READ,
            target=person,
            actor=by,
            detail={"field": SensitiveField.ID_NUMBER.value, "reason": reason},
        )
    return person.decrypt_id_number()


@dataclass(frozen=True)
class PhoneSource:
    """Where a sealed phone lives: the attribute, what the access log calls it, the area that
    decides who may see it in full, and the registered person it belongs to (if any)."""

    attribute: str
    field: str
    area: Callable[[Any], Area]
    person: Callable[[Any], Person | None]


def _no_person(obj: Any) -> None:
    return None


# Every sealed phone in Gongzhi, by model label. A new one is added here and nowhere else.
PHONE_SOURCES: dict[str, PhoneSource] = {
    "people.person": PhoneSource("phone", SensitiveField.PHONE, lambda p: p.area, lambda p: p),
    "cases.case": PhoneSource("reporter_phone", SensitiveField.REPORTER_PHONE, lambda c: c.grid, _no_person),
    "volunteers.wish": PhoneSource(
        "claimer_phone", SensitiveField.CLAIMER_PHONE, lambda w: w.area, _no_person
    ),
    "organizations.organization": PhoneSource(
        "phone", SensitiveField.ORGANIZATION_PHONE, lambda o: o.area, _no_person
    ),
}


def phone_source(obj: Any) -> PhoneSource:
    try:
        return PHONE_SOURCES[obj._meta.label_lower]
    except (AttributeError, KeyError):
        raise TypeError(f"{type(obj).__name__} holds no sealed phone") from None


def may_reveal_phone(user: Any, obj: Any) -> bool:
    """Whether ``user`` may ask for the full phone of ``obj`` (a reason is still required)."""
    source = phone_source(obj)
    return bool(getattr(obj, source.attribute)) and can(user, "people.view_full_phone", source.area(obj))


def reveal_phone(obj: Any, *, by: Any, reason: str, ip: str | None = None) -> str:
    """The full phone number held by ``obj`` (a person, a case's reporter, a wish's claimer, an
    organization), for a user with ``people.view_full_phone`` over its area who says why.
    Logged (SensitiveAccess) and audited (``sensitive.reveal_phone``).

    The caller has already found ``obj`` among the rows the user may see (404 otherwise).
    Raises Forbidden without the permission there, DomainError without a reason or when no
    phone was given.
    """
    source = phone_source(obj)
    if not can(by, "people.view_full_phone", source.area(obj)):
        raise Forbidden(_("您的角色无权查看完整电话号码。需要时请联系社区或街道工作人员。"))
    reason = _reason(reason, _("查看完整电话号码须说明理由（至少 2 个字），例如“回访上报人”。"))
    if not getattr(obj, f"{source.attribute}_encrypted", ""):
        raise DomainError(_("此记录没有登记电话号码。"), field=source.attribute)
    person = source.person(obj)
    with transaction.atomic():
        SensitiveAccess.objects.create(
            user=by,
            person=person,
            record="" if person is not None else f"{obj._meta.label_lower}:{obj.pk}",
            field=source.field,
            reason=reason,
            ip_address=ip,
        )
        record(
            "sensitive.reveal_phone",
            category=Category.SENSITIVE_READ,
            target=obj,
            actor=by,
            detail={"field": str(source.field), "reason": reason},
        )
    return obj.reveal_sealed(source.attribute)


# ---------------------------------------------------------------------------------------------
# Batches (the organization import): the same rows and history as one call per person, in a
# bounded number of queries.


def create_people_bulk(items: list[dict[str, Any]], *, by: Any = None) -> list[Person]:
    """``create_person(name=..., id_number=..., area=...)`` for each item, all or nothing, in
    a bounded number of queries: the same checks in the same order (the first failing item
    raises the same error), the same rows and auditlog entries."""
    prepared = []
    seen: set[str] = set()
    for item in items:
        name = (item.get("name") or "").strip()
        if not name:
            raise DomainError(_("请填写姓名。"), field="name")
        fields = person_fields_from_id_number(item["id_number"])
        area = item.get("area")
        if area is None:
            raise DomainError(_("请指定所在网格或所属区域。"), field="home_grid")
        if fields["id_number_hash"] in seen:
            raise Conflict(_("该身份证号码已登记，不能重复登记；请在人员列表中查找此人。"), field="id_number")
        seen.add(fields["id_number_hash"])
        prepared.append((name, area, fields))
    if not prepared:
        return []
    if Person.objects.filter(id_number_hash__in=seen).exists():
        raise Conflict(_("该身份证号码已登记，不能重复登记；请在人员列表中查找此人。"), field="id_number")
    people = [
        Person(
            name=name,
            phone="",
            political_status=PoliticalStatus.MASSES,
            home_grid=None,
            area=area,
            user=None,
            **fields,
        )
        for name, area, fields in prepared
    ]
    try:
        with transaction.atomic():
            Person.objects.bulk_create(people)
            log_created_bulk(people)
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise Conflict(_("该身份证号码已登记，不能重复登记。"), field="id_number") from exc
    return people


def find_by_id_numbers(id_numbers: Iterable[str]) -> dict[str, Person]:
    """``find_by_id_number`` for many numbers in one query: number (as given) → person."""
    hashes = {id_number_hash(n): n for n in id_numbers}
    if not hashes:
        return {}
    return {hashes[p.id_number_hash]: p for p in Person.objects.filter(id_number_hash__in=hashes)}
