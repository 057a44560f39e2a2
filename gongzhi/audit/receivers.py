"""Audit rows for what the other apps already write: every state transition, every money
movement and every logged look at sensitive data.

Each app writes its own history (``CaseEvent``, ``ProjectChange``, ``OrganizationChange``,
``WishEvent``, the allocation and disbursement ledgers); a ``post_save`` receiver here adds
the matching audit row in the same transaction, so the apps do not each call ``record``.
Volunteer service records and activities keep no history table: their status changes are
caught by comparing the stored status before the save. Sensitive reads are logged in bulk
(``bulk_create`` sends no signals) and recorded by the helpers at the end of this module,
called where the rows are written; single reveals of an ID number or phone are audited by
``gongzhi.people.services`` itself. Connected in ``AuditConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from gongzhi.audit.choices import Category
from gongzhi.audit.services import record, record_many

NOTE_LENGTH = 200


def transition_detail(instance: Any, **extra: Any) -> dict[str, Any]:
    """The ``detail`` of a transition's audit row (from, to, the note cut short): also used by
    the batch writers that ``bulk_create`` history rows, which send no ``post_save``."""
    detail: dict[str, Any] = {"from": instance.from_status, "to": instance.to_status, **extra}
    note = (getattr(instance, "note", "") or "").strip()
    if note:
        detail["note"] = note[:NOTE_LENGTH]
    return detail


def case_event_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    record(
        f"case.{instance.action}",
        category=Category.TRANSITION,
        target=instance.case,
        object_repr=instance.case.number,
        actor=instance.actor,
        actor_name="" if instance.actor_id else instance.actor_label,
        detail=transition_detail(instance, level=instance.level),
    )


def _history_saved(prefix: str, subject: str):
    def receiver(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
        if not created or raw:
            return
        record(
            f"{prefix}.{instance.action}",
            category=Category.TRANSITION,
            target=getattr(instance, subject),
            actor=instance.actor,
            detail=transition_detail(instance),
        )

    receiver.__name__ = f"{prefix}_history_saved"
    return receiver


project_change_saved = _history_saved("project", "project")
organization_change_saved = _history_saved("organization", "organization")
wish_event_saved = _history_saved("wish", "wish")


def ledger_entry_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """An allocation or disbursement (or the reversal of one): money moved."""
    if not created or raw:
        return
    name = sender._meta.model_name
    detail: dict[str, Any] = {
        "amount": str(instance.amount),
        "project_id": instance.project_id,
        "source_id": instance.source_id,
    }
    if instance.reversal_of_id:
        detail["reversal_of"] = instance.reversal_of_id
    if name == "disbursement":
        detail["voucher"] = instance.voucher
        detail["paid_on"] = instance.paid_on
    record(
        f"{name}.{'reverse' if instance.reversal_of_id else 'create'}",
        category=Category.MONEY,
        target=instance,
        object_repr=f"{sender._meta.verbose_name} #{instance.pk} · {instance.amount}",
        actor=instance.created_by,
        detail=detail,
    )


# Volunteers: service records (approval, refusal, adjustment) and activities (publication,
# cancellation). The status before the save is read only when the save may change it.


def remember_status(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    instance._audit_old_status = (
        sender.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    )


def _status_change(instance: Any, created: bool) -> tuple[str, str] | None:
    old = "" if created else getattr(instance, "_audit_old_status", None)
    instance.__dict__.pop("_audit_old_status", None)
    if old is None or old == instance.status:
        return None
    return old, instance.status


def service_record_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if created and instance.status == "pending":
        return  # a claim waiting for approval is not yet a decision
    change = _status_change(instance, created)
    if change is None:
        return
    action = {"approved": "approve", "declined": "decline"}.get(instance.status, instance.status)
    if created and instance.adjusts_id:
        action = "adjust"
    detail: dict[str, Any] = {"from": change[0], "to": change[1], "hours": str(instance.hours)}
    if instance.adjusts_id:
        detail["adjusts"] = instance.adjusts_id
    record(
        f"servicerecord.{action}",
        category=Category.TRANSITION,
        target=instance,
        object_repr=f"{sender._meta.verbose_name} #{instance.pk}",
        actor=instance.decided_by if instance.decided_by_id else None,
        detail=detail,
    )


def activity_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    change = _status_change(instance, created)
    if change is None:
        return
    action = "publish" if created else {"cancelled": "cancel"}.get(instance.status, instance.status)
    record(
        f"activity.{action}",
        category=Category.TRANSITION,
        target=instance,
        actor=instance.created_by if created and instance.created_by_id else None,
        detail={"from": change[0], "to": change[1]},
    )


# Sensitive reads --------------------------------------------------------------------------


def _person_name(row: Any) -> str:
    # The name only when the person is already loaded: auditing a list must not load it again.
    person = row._state.fields_cache.get("person")
    return person.name if person is not None else ""


def audit_sensitive_accesses(rows: list[Any]) -> int:
    """One SENSITIVE_READ row per SensitiveAccess row (tags seen on a list, correction rows)."""
    return record_many(
        [
            {
                "action": "sensitive.view",
                "category": Category.SENSITIVE_READ,
                "object_ref": ("people.person", row.person_id) if row.person_id else None,
                "object_repr": _person_name(row) or getattr(row, "record", ""),
                "actor": row.user,
                "ip": row.ip_address,
                "detail": {"field": row.field, "reason": row.reason},
            }
            for row in rows
        ]
    )


def audit_case_record_accesses(rows: list[Any]) -> int:
    """One SENSITIVE_READ row per CaseRecordAccess row (a case record listed, opened, exported)."""
    return record_many(
        [
            {
                "action": f"caserecord.{row.action}",
                "category": Category.SENSITIVE_READ,
                "object_ref": ("projects.caserecord", row.record_id),
                "object_repr": f"caserecord #{row.record_id}",
                "actor": row.user,
                "ip": row.ip_address,
                "detail": {"record_id": row.record_id, "access": row.action},
            }
            for row in rows
        ]
    )


def case_record_access_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        audit_case_record_accesses([instance])


def connect() -> None:
    from django.apps import apps

    def model(label: str):
        return apps.get_model(label)

    post_save.connect(case_event_saved, sender=model("cases.CaseEvent"), dispatch_uid="audit.case_event")
    post_save.connect(
        project_change_saved, sender=model("projects.ProjectChange"), dispatch_uid="audit.project_change"
    )
    post_save.connect(
        organization_change_saved,
        sender=model("organizations.OrganizationChange"),
        dispatch_uid="audit.organization_change",
    )
    post_save.connect(wish_event_saved, sender=model("volunteers.WishEvent"), dispatch_uid="audit.wish_event")
    for label in ("projects.Allocation", "projects.Disbursement"):
        post_save.connect(ledger_entry_saved, sender=model(label), dispatch_uid=f"audit.{label}")
    for label, receiver in (
        ("volunteers.ServiceRecord", service_record_saved),
        ("volunteers.Activity", activity_saved),
    ):
        pre_save.connect(remember_status, sender=model(label), dispatch_uid=f"audit.pre.{label}")
        post_save.connect(receiver, sender=model(label), dispatch_uid=f"audit.{label}")
    post_save.connect(
        case_record_access_saved,
        sender=model("projects.CaseRecordAccess"),
        dispatch_uid="audit.caserecordaccess",
    )
