"""The case sweep: yellow and red warnings, automatic escalation, notifications.

Runs every five minutes (Celery beat, ``gongzhi.cases.tasks.sweep_cases``) or once with
``gongzhi sweep-cases``. Three passes, in this order:

1. **Red** (超期告警): open cases whose stage deadline has passed and that are not red yet
   → ``warning = RED``, a ``WARN_RED`` event, a notification to whoever the stage waits on and
   to the dispatchers.
2. **Yellow** (临期预警): open cases past their yellow moment, not yet overdue and not yet
   warned → ``YELLOW``, a ``WARN_YELLOW`` event, a notification to whoever the stage waits
   on. A case the sweep first sees already overdue gets one warning (red), not two.
3. **Escalate** (超期自动上报): red cases of a category with ``auto_escalate`` below district
   level, in a status that may be escalated → ``services.escalate_case(automatic=True)``,
   which moves the case up one level and restarts its clock (so it escalates once per
   deadline, and again only if the next level lets its own deadline pass).

Finding the cases never scans the table: each pass filters on exactly the predicate of a
partial index (``cases_open_stage_deadline``/``cases_open_yellow_at``: open statuses, clock
running) plus the deadline, and walks it in deadline order, in batches.

Idempotent and safe with two sweepers at once: every case is handled in its own transaction,
locked with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (a case another sweeper — or a
person's transition — holds is left for the next run), the condition is checked again after
locking, and the warning is written with a conditional ``UPDATE … WHERE warning < X`` whose
row count decides whether this sweeper writes the event and the notification. Notifications
carry the key ``case:<id>:warn:<level>:<deadline>``, so even a retried task never sends the
same warning twice.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Lookup, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    STATUS_STAGE,
    CaseAction,
    CaseLevel,
    Stage,
    Warning,
)
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.cases.services import (
    _dispatchers,
    _grid_verifiers,
    _unit_members,
    case_url,
    escalate_case,
)
from gongzhi.core.exceptions import DomainError
from gongzhi.notifications.services import notify

logger = logging.getLogger(__name__)

BATCH_SIZE = 200

# Statuses escalate_case accepts that also run a clock (a deferred case has none).
ESCALATABLE = tuple(s for s in ALLOWED_TRANSITIONS[CaseAction.ESCALATE][0] if s in OPEN_STATUSES)


@dataclass
class SweepResult:
    """How many cases each pass changed in one run."""

    yellow: int = 0
    red: int = 0
    escalated: int = 0
    skipped: int = 0  # locked by someone else, or no longer due once locked
    failed: list[int] = field(default_factory=list)  # ids of cases whose escalation was refused

    @property
    def changed(self) -> int:
        return self.yellow + self.red + self.escalated


class StatusIn(Lookup):
    """``status IN ('reported', …)`` with the statuses written into the SQL as literals.

    The partial indexes' predicate is ``status IN (<open statuses>) AND <deadline> IS NOT
    NULL``. PostgreSQL proves a query implies it either way, but SQLite only matches the
    predicate term for term, and a bound parameter (Django binds every value) never matches a
    literal — with plain ``status__in`` SQLite cannot use the partial index at all. The
    values are our own choice constants, checked below, so inlining them is safe. On SQLite
    the term is also marked ``likely()`` (true for most rows of the index): without
    statistics the planner would otherwise prefer the ``(status, category)`` index.
    """

    lookup_name = "in_literals"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        for value in self.rhs:
            if not _SAFE_LITERAL.match(value):
                raise ValueError(f"not a status constant: {value!r}")
        literals = ", ".join(f"'{value}'" for value in self.rhs)
        return f"{lhs} IN ({literals})", params

    def as_sqlite(self, compiler, connection):
        sql, params = self.as_sql(compiler, connection)
        return f"likely({sql})", params


_SAFE_LITERAL = re.compile(r"^[a-z_]+$")


def _open() -> StatusIn:
    return StatusIn(F("status"), [str(s) for s in OPEN_STATUSES])


def overdue_cases(now: datetime.datetime) -> QuerySet[Case]:
    """Open cases past their stage deadline and not yet red (served by the partial index
    ``cases_open_stage_deadline``)."""
    return Case.objects.filter(_open(), stage_deadline__lte=now, warning__lt=Warning.RED)


def nearly_due_cases(now: datetime.datetime) -> QuerySet[Case]:
    """Open cases past their yellow moment, not yet due and not yet warned (served by
    ``cases_open_yellow_at``). An overdue case is the red pass's, even one that pass had to
    leave because somebody held it."""
    return Case.objects.filter(
        _open(), yellow_at__lte=now, stage_deadline__gt=now, warning__lt=Warning.YELLOW
    )


def escalation_due_cases(now: datetime.datetime) -> QuerySet[Case]:
    """Red cases the sweep escalates: overdue (``cases_open_stage_deadline`` again), in a
    status escalate_case accepts and a category that escalates by itself, below the top of
    the ladder."""
    return (
        Case.objects.filter(_open(), stage_deadline__lte=now, warning=Warning.RED)
        .filter(StatusIn(F("status"), [str(s) for s in ESCALATABLE]), category__auto_escalate=True)
        .exclude(level=CaseLevel.DISTRICT)
    )


def _walk(queryset: QuerySet[Case], deadline: str) -> Iterator[int]:
    """Primary keys of ``queryset`` in (deadline, pk) order, fetched in batches by keyset, so
    rows changed meanwhile (by us or by another sweeper) never make it loop or skip."""
    last: tuple[datetime.datetime, int] | None = None
    while True:
        page = queryset
        if last is not None:
            # The plain ``>=`` bound keeps the scan on the index; the OR refines it.
            page = page.filter(**{f"{deadline}__gte": last[0]}).filter(
                Q(**{f"{deadline}__gt": last[0]}) | Q(pk__gt=last[1])
            )
        rows = list(page.order_by(deadline, "pk").values_list(deadline, "pk")[:BATCH_SIZE])
        yield from (pk for _, pk in rows)
        if len(rows) < BATCH_SIZE:
            return
        last = rows[-1]


def _lock(queryset: QuerySet[Case], pk: int) -> Case | None:
    """The case, locked for this transaction, if it still matches ``queryset``; None if it no
    longer does or another transaction holds it (PostgreSQL: ``SKIP LOCKED``). SQLite takes
    the database write lock at BEGIN (IMMEDIATE transactions), which serializes sweepers."""
    rows = queryset.filter(pk=pk)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows.select_related("category", "responsible_area", "grid").first()


def _stage_label(case: Case) -> str:
    stage = STATUS_STAGE.get(case.status)
    return str(Stage(stage).label) if stage else ""


def _waiting_on(case: Case) -> list[int]:
    """Who the current stage waits on: dispatchers to register and dispatch, the handling
    unit to accept and handle, the reporter and the grid's members to verify."""
    stage = STATUS_STAGE.get(case.status)
    if stage in (Stage.ACCEPT, Stage.HANDLE):
        return _unit_members(case) or _dispatchers(case)
    if stage == Stage.VERIFY:
        return [r for r in (case.reporter_id, *_grid_verifiers(case)) if r is not None]
    return _dispatchers(case)


def notification_key(case: Case, level: str, deadline: datetime.datetime) -> str:
    local = timezone.localtime(deadline, timezone.get_default_timezone())
    return f"case:{case.pk}:warn:{level}:{local.isoformat(timespec='seconds')}"


def _warn(case: Case, *, level: int, now: datetime.datetime) -> bool:
    """Raise the case's warning to ``level`` if nobody did; write the event and notify.
    Runs inside the caller's transaction, with the row locked."""
    updated = Case.objects.filter(pk=case.pk, warning__lt=level).update(warning=level)
    if not updated:
        return False
    case.warning = level
    deadline = case.stage_deadline
    local_deadline = timezone.localtime(deadline, timezone.get_default_timezone())
    values = {
        "number": case.number,
        "category": case.category.name,
        "stage": _stage_label(case),
        "deadline": f"{local_deadline:%Y-%m-%d %H:%M}",
    }
    if level == Warning.RED:
        action, verb, key_level = CaseAction.WARN_RED, "case_overdue", "red"
        note = _("%(stage)s环节已超过期限（%(deadline)s）。") % values
        text = _("超期告警：事件 %(number)s %(category)s，%(stage)s期限 %(deadline)s 已过。") % values
        recipients = sorted({*_waiting_on(case), *_dispatchers(case)})
    else:
        action, verb, key_level = CaseAction.WARN_YELLOW, "case_nearly_due", "yellow"
        note = _("%(stage)s环节即将到期（期限 %(deadline)s）。") % values
        text = _("临期预警：事件 %(number)s %(category)s，%(stage)s期限 %(deadline)s。") % values
        recipients = _waiting_on(case)
    CaseEvent.objects.create(
        case=case,
        action=action,
        from_status=case.status,
        to_status=case.status,
        level=case.level,
        actor=None,
        actor_label=_("系统"),
        note=note,
        data={"deadline": deadline.isoformat(), "stage": STATUS_STAGE.get(case.status, "")},
        created_at=now,
    )
    notify(
        recipients, verb=verb, text=text, url=case_url(case), key=notification_key(case, key_level, deadline)
    )
    return True


def _warn_pass(
    queryset: QuerySet[Case], deadline: str, level: int, now: datetime.datetime
) -> tuple[int, int]:
    changed = skipped = 0
    for pk in _walk(queryset, deadline):
        with transaction.atomic():
            case = _lock(queryset, pk)
            if case is not None and _warn(case, level=level, now=now):
                changed += 1
            else:
                skipped += 1
    return changed, skipped


def _escalate_pass(now: datetime.datetime, result: SweepResult) -> None:
    queryset = escalation_due_cases(now)
    for pk in _walk(queryset, "stage_deadline"):
        try:
            with transaction.atomic():
                case = _lock(queryset, pk)
                if case is None:
                    result.skipped += 1
                    continue
                escalate_case(
                    case,
                    by=None,
                    note=_("%(stage)s环节超期未办理，系统自动上报上一级。") % {"stage": _stage_label(case)},
                    automatic=True,
                    now=now,
                )
                result.escalated += 1
        except DomainError as error:
            # One case's refusal (e.g. an area missing from the ladder) must not stop the
            # sweep; it stays red and is retried on the next run.
            logger.warning("sweep: case %s not escalated: %s", pk, error)
            result.failed.append(pk)


def sweep_cases(now: datetime.datetime | None = None) -> SweepResult:
    """Run the three passes once (see the module docstring). Returns what changed.

    Side effects: ``warning`` on cases, ``WARN_RED``/``WARN_YELLOW``/``AUTO_ESCALATE`` events,
    escalations (via ``escalate_case``), notifications after each case's commit.
    """
    now = now or timezone.now()
    result = SweepResult()
    result.red, skipped_red = _warn_pass(overdue_cases(now), "stage_deadline", Warning.RED, now)
    result.yellow, skipped_yellow = _warn_pass(nearly_due_cases(now), "yellow_at", Warning.YELLOW, now)
    result.skipped += skipped_red + skipped_yellow
    _escalate_pass(now, result)
    return result
