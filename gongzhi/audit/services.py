"""Writing the audit log: ``record`` is the one door every part of Gongzhi uses.

Also here: the hash chain that makes tampering evident (``seal`` and ``verify``) and the
purge of rows past the retention period (``purge``). Rows are written unsealed inside the
transaction they record; ``seal`` numbers and chains them afterwards, under a lock:

    hash = sha256(prev_hash + canonical JSON of the row's fields and its seq)

so writers never queue on the chain head inside their own transactions. A changed or deleted
row breaks the chain at that point, which ``verify`` (``gongzhi verify-audit``) reports.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit import guard
from gongzhi.audit.choices import Category, Outcome
from gongzhi.audit.context import client_ip, current_request
from gongzhi.audit.models import AuditEvent
from gongzhi.core.masking import mask_text

__all__ = [
    "GENESIS",
    "MIN_RETENTION_DAYS",
    "Category",
    "Outcome",
    "purge",
    "record",
    "record_denial",
    "record_many",
    "retention_days",
    "seal",
    "verify",
]

logger = logging.getLogger(__name__)

# The prev_hash of the very first row of a chain that was never purged.
GENESIS = "0" * 64
# The legal minimum (PIPL / MLPS practice: at least six months); the database triggers refuse
# to delete younger rows whatever the settings say.
MIN_RETENTION_DAYS = 184
# An arbitrary constant naming the sealing lock (pg_advisory_xact_lock).
_SEAL_LOCK_KEY = 0x60_6A_68_69  # "gongzhi" in spirit
_SEAL_BATCH = 1000


# --------------------------------------------------------------------------------------------
# Recording


def _actor_of(request):
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def _scrubbed(value: Any) -> Any:
    """``value`` made JSON-safe (dates, decimals as text) with every ID number and mobile
    number in its text masked: the audit log must never hold them in full."""
    if isinstance(value, dict):
        return {str(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_scrubbed(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        text = str(value)
        masked = mask_text(text)
        return value if masked == text else masked
    try:
        converted = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except TypeError:
        converted = str(value)
    return _scrubbed(converted)


def _event(
    action: str,
    *,
    category: str,
    target: Any,
    outcome: str,
    detail: dict | None,
    actor,
    actor_name: str,
    request,
    ip: str | None = None,
    object_repr: str | None = None,
    object_ref: tuple[str, Any] | None = None,
) -> AuditEvent:
    request = request if request is not None else current_request.get()
    actor = actor if actor is not None else _actor_of(request)
    object_type = object_id = ""
    if target is not None:
        meta = getattr(target, "_meta", None)
        object_type = meta.label_lower if meta is not None else type(target).__name__
        object_id = str(getattr(target, "pk", "") or "")
        if object_repr is None:
            object_repr = str(target)
    elif object_ref is not None:  # (model label, pk) of a row not loaded
        object_type, object_id = object_ref[0], str(object_ref[1])
    object_repr = mask_text(object_repr or "")[:200]
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""
    name = actor_name or (actor.get_username() if actor is not None else "")
    return AuditEvent(
        actor_id=getattr(actor, "pk", None),
        actor_name=mask_text(name)[:150],
        ip=ip or client_ip(request),
        user_agent=user_agent,
        category=category,
        action=action[:80],
        outcome=outcome,
        object_type=object_type,
        object_id=object_id[:64],
        object_repr=object_repr,
        detail=_scrubbed(detail or {}),
    )


def record(
    action: str,
    *,
    category: str,
    target: Any = None,
    outcome: str = Outcome.SUCCESS,
    detail: dict | None = None,
    actor=None,
    actor_name: str = "",
    request=None,
    ip: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one audit row: ``action`` is a dotted name (``case.dispatch``, ``auth.login``),
    ``target`` the model instance it concerns (or None, described by ``str(target)`` unless
    ``object_repr`` is given); actor and address come from the current request unless given.
    ID numbers and mobile numbers in ``detail`` are masked here, but do not put them there in
    the first place. In the embedded mode the row is sealed right after the commit."""
    event = _event(
        action,
        category=category,
        target=target,
        outcome=outcome,
        detail=detail,
        actor=actor,
        actor_name=actor_name,
        request=request,
        ip=ip,
        object_repr=object_repr,
    )
    event.save()
    _schedule_seal()
    return event


def record_many(events: list[dict[str, Any]]) -> int:
    """Append several rows in one insert (a list page that shows many sensitive values):
    each item holds ``record``'s keyword arguments, ``action`` included."""
    defaults = {"target": None, "outcome": Outcome.SUCCESS, "detail": None, "actor": None}
    rows = [_event(**{**defaults, "actor_name": "", "request": None, **item}) for item in events]
    if rows:
        AuditEvent.objects.bulk_create(rows)
        _schedule_seal()
    return len(rows)


_DENIAL_FLAG = "_gongzhi_denial_recorded"


def record_denial(request, *, reason: str = "") -> None:
    """Record a refused request (HTTP 403) once per request: method and path, never the query
    string (it may carry a searched phone number). Never fails the response it is recording."""
    django_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    if django_request is None or getattr(django_request, _DENIAL_FLAG, False):
        return
    setattr(django_request, _DENIAL_FLAG, True)
    detail = {"method": django_request.method, "path": django_request.path[:300]}
    if reason:
        detail["reason"] = str(reason)[:200]
    try:
        with transaction.atomic():
            record(
                "access.denied",
                category=Category.DENIAL,
                outcome=Outcome.DENIED,
                detail=detail,
                actor=_actor_of(request),
                request=django_request,
            )
    except DatabaseError:
        logger.exception("Could not record a permission denial in the audit log.")


# --------------------------------------------------------------------------------------------
# The hash chain


def canonical(event: AuditEvent) -> str:
    """The row's recorded fields as canonical JSON (sorted keys, no spaces, UTC time)."""
    at = event.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    fields = {
        "at": at,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "category": event.category,
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "detail": event.detail,
        "seq": event.seq,
    }
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    )


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    # SQLite transactions here are IMMEDIATE (settings): BEGIN already holds the write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK_KEY])


def _seal_after_commit() -> None:
    seal()


def _schedule_seal() -> None:
    """In the embedded mode (no task queue) seal right after the commit, once per transaction;
    with a queue the beat task ``seal_audit_log`` does it every 30 seconds."""
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(item[1] is _seal_after_commit for item in conn.run_on_commit):
        return
    transaction.on_commit(_seal_after_commit, robust=True)


def seal(batch: int = _SEAL_BATCH) -> int:
    """Number and chain every unsealed row, in id order; returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            _lock_chain()
            head = (
                AuditEvent.objects.filter(seq__isnull=False)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            seq, prev_hash = head if head is not None else (0, GENESIS)
            rows = list(AuditEvent.objects.filter(hash="").order_by("id")[:batch])
            for row in rows:
                seq += 1
                row.seq = seq
                row.prev_hash = prev_hash
                row.hash = chain_hash(prev_hash, row)
                row.save(update_fields=["seq", "prev_hash", "hash"], _sealing=True)
                prev_hash = row.hash
        sealed += len(rows)
        if len(rows) < batch:
            return sealed


@dataclass
class Verification:
    """The result of checking the chain: ``problems`` names each broken row."""

    count: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_detail(self, limit: int = 20) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "problem_count": len(self.problems),
            "problems": self.problems[:limit],
        }


def _purge_anchors() -> dict[int, str]:
    """anchor seq → anchor hash, from the purge events (the chain may start after them)."""
    anchors: dict[int, str] = {}
    for detail in AuditEvent.objects.filter(category=Category.ADMIN, action="audit.purge").values_list(
        "detail", flat=True
    ):
        if isinstance(detail, dict) and detail.get("anchor_seq") is not None:
            anchors[int(detail["anchor_seq"])] = str(detail.get("anchor_hash", ""))
    return anchors


def verify(*, seal_first: bool = True) -> Verification:
    """Recompute the chain from its first remaining row (after a purge, its prev_hash is the
    anchor the purge recorded) and report every row whose hash, link or number is wrong."""
    if seal_first:
        seal()
    result = Verification()
    previous: AuditEvent | None = None
    rows = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for row in rows.iterator(chunk_size=2000):
        result.count += 1
        if previous is None:
            result.first_seq = row.seq
            if row.seq == 1:
                if row.prev_hash != GENESIS:
                    result.problems.append(_problem(row, "prev_hash", _("第一条记录的前一条摘要不是起始值")))
            else:
                anchor = _purge_anchors().get(row.seq - 1)
                if anchor is None:
                    result.problems.append(
                        _problem(
                            row,
                            "missing",
                            _("序号 1–%(last)s 的记录缺失，且没有相应的清理记录") % {"last": row.seq - 1},
                        )
                    )
                elif anchor != row.prev_hash:
                    result.problems.append(_problem(row, "prev_hash", _("前一条摘要与清理记录的锚点不符")))
        else:
            if row.seq != previous.seq + 1:
                result.problems.append(
                    _problem(
                        row,
                        "missing",
                        _("序号 %(first)s–%(last)s 的记录缺失")
                        % {"first": previous.seq + 1, "last": row.seq - 1},
                    )
                )
            if row.prev_hash != previous.hash:
                result.problems.append(_problem(row, "prev_hash", _("前一条摘要与上一条记录的摘要不符")))
        if chain_hash(row.prev_hash, row) != row.hash:
            result.problems.append(_problem(row, "hash", _("记录内容与封存时不符（摘要不一致）")))
        previous = row
        result.last_seq = row.seq
    return result


def _problem(row: AuditEvent, kind: str, message: str) -> dict[str, Any]:
    return {"seq": row.seq, "id": row.pk, "kind": kind, "message": message}


def verify_and_record(*, actor=None) -> Verification:
    """Verify and keep the result in the log itself (the auditor's page shows the latest)."""
    result = verify()
    record(
        "audit.verify",
        category=Category.ADMIN,
        outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
        detail=result.as_detail(),
        actor=actor,
        actor_name="" if actor is not None else "system",
    )
    return result


# --------------------------------------------------------------------------------------------
# Retention


def retention_days() -> int:
    days = int(getattr(settings, "GONGZHI_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS))
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"GONGZHI_AUDIT_RETENTION_DAYS={days} is below the minimum of {MIN_RETENTION_DAYS} days."
        )
    return days


@dataclass
class PurgeResult:
    deleted: int
    cutoff: datetime.datetime
    anchor_seq: int | None
    anchor_hash: str


def purge(*, now: datetime.datetime | None = None, actor=None) -> PurgeResult:
    """Delete the sealed rows older than the retention period — always a prefix of the chain,
    and never its newest row, so the chain stays verifiable — and record the purge (with the
    anchor hash the remaining chain starts from) as an ADMIN event."""
    days = retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    seal()
    with guard.purging():
        _lock_chain()
        sealed = AuditEvent.objects.filter(seq__isnull=False)
        head = sealed.order_by("-seq").values_list("seq", flat=True).first()
        deleted, anchor_seq, anchor_hash = 0, None, ""
        if head is not None:
            first_young = sealed.filter(at__gte=cutoff).aggregate(s=Min("seq"))["s"]
            keep_from = min(first_young or head, head)
            anchor = sealed.filter(seq__lt=keep_from).order_by("-seq").values_list("seq", "hash").first()
            if anchor is not None:
                anchor_seq, anchor_hash = anchor
                with connection.cursor() as cursor:
                    # Raw SQL: the model refuses deletes; the trigger allows this one only
                    # inside guard.purging() and only for sealed rows past 184 days.
                    cursor.execute(
                        "DELETE FROM audit_auditevent WHERE seq IS NOT NULL AND seq <= %s AND at < %s",
                        [anchor_seq, cutoff],
                    )
                    deleted = cursor.rowcount
        record(
            "audit.purge",
            category=Category.ADMIN,
            detail={
                "deleted": deleted,
                "retention_days": days,
                "cutoff": cutoff.isoformat(),
                "anchor_seq": anchor_seq,
                "anchor_hash": anchor_hash,
            },
            actor=actor,
            actor_name="" if actor is not None else "system",
        )
    return PurgeResult(deleted=deleted, cutoff=cutoff, anchor_seq=anchor_seq, anchor_hash=anchor_hash)
