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
   level, in a status that may be escalated → what ``services.escalate_case(automatic=True)``
   does: the case moves up one level and its clock restarts (so it escalates once per
   deadline, and again only if the next level lets its own deadline pass), an
   ``AUTO_ESCALATE`` event, and a notice to the new level's dispatchers.

Finding the cases never scans the table: each pass filters on exactly the predicate of a
partial index (``cases_open_stage_deadline``/``cases_open_yellow_at``: open statuses, clock
running) plus the deadline, and walks it in deadline order, in batches.

Idempotent and safe with two sweepers at once, and batched so that its cost per overdue case
stays small (bench "sweep", issue 9: one transaction per case made 25 000 overdue cases take
longer than the beat interval). The cases are taken a chunk at a time (``CHUNK_SIZE``, in id
order), each chunk in one transaction: locked with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (a case another sweeper — or a person's transition — holds is left for the next
run), the pass's condition checked again in that same locking query, the warning written with
one ``UPDATE … WHERE warning < X`` for the locked rows, their events in one insert with their
audit rows (``audit.record_many``: ``bulk_create`` sends no ``post_save``), and the
notifications of the whole chunk in one insert after the commit. Who to notify is looked up
once per area, unit or grid of the chunk. Notifications carry the key
``case:<id>:warn:<level>:<deadline>``, so even a retried task never sends the same warning
twice. Escalations are chunked the same way (one case at a time through ``escalate_case``
cost 11 queries per case: 25 000 overdue cases ran 332 s, longer than the beat interval):
the chunk's target areas are read in one query, ``services.apply_escalation`` — the rule
``escalate_case`` applies to one case — decides each case's level, area and deadlines in
memory, one UPDATE writes them all (``_write_changes``), then the events, audit rows and
notices go as above. A case the rule refuses (an area missing from the tree) is refused
before anything is written, so it stays red, is reported, and undoes nothing else.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as SQLCase
from django.db.models import F, Lookup, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.audit.choices import Category
from gongzhi.audit.receivers import transition_detail
from gongzhi.audit.services import record_many
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    STATUS_STAGE,
    CaseAction,
    CaseLevel,
    Stage,
    Warning,
)
from gongzhi.cases.models import Case, CaseEvent, HandlingUnit
from gongzhi.cases.services import (
    _dispatchers,
    _grid_verifiers,
    _unit_members,
    apply_escalation,
    case_url,
    dispatchers_by_area,
    escalation_actor_label,
    escalation_areas,
    escalation_notice,
)
from gongzhi.core.exceptions import DomainError
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import email_enabled, notify

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Cases per transaction: big enough that commits stop dominating, small enough that a person
# acting on one of them waits at most a moment (the sweep skips what people hold, not vice
# versa). Escalations compute a few deadlines per case in memory, so they share the size.
CHUNK_SIZE = 200
ESCALATION_CHUNK_SIZE = CHUNK_SIZE

# Statuses escalate_case accepts that also run a clock (a deferred case has none), and the
# status it leads to.
ESCALATABLE = tuple(s for s in ALLOWED_TRANSITIONS[CaseAction.ESCALATE][0] if s in OPEN_STATUSES)
ESCALATED = ALLOWED_TRANSITIONS[CaseAction.ESCALATE][1]


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


def _chunks(pks: Iterator[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in pks:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _lock(queryset: QuerySet[Case], pks: list[int]) -> list[Case]:
    """Those of the cases that still match ``queryset``, locked for this transaction, in id
    order; a case another transaction holds is left out (PostgreSQL: ``SKIP LOCKED``). SQLite
    takes the database write lock at BEGIN (IMMEDIATE transactions), which serializes
    sweepers."""
    rows = queryset.filter(pk__in=pks)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows.select_related("category", "responsible_area", "grid").order_by("pk"))


def _stage_label(case: Case) -> str:
    stage = STATUS_STAGE.get(case.status)
    return str(Stage(stage).label) if stage else ""


_UNIT_STAGES = (Stage.ACCEPT, Stage.HANDLE)


class _Recipients:
    """Who to notify about the cases of one chunk, each look-up done once per responsible
    area, handling unit or grid (cases of a chunk share them)."""

    def __init__(self, cases: list[Case] = ()) -> None:
        # Everybody who dispatches in the chunk's areas in one query: most chunks touch many.
        areas = {c.responsible_area_id: c.responsible_area for c in cases}
        self._dispatchers: dict[int, list[int]] = dispatchers_by_area(areas.values()) if areas else {}
        self._units: dict[int, list[int]] = {}
        self._grids: dict[int, list[int]] = {}
        stages = {c.pk: STATUS_STAGE.get(c.status) for c in cases}
        units = {c.handling_unit_id for c in cases if c.handling_unit_id and stages[c.pk] in _UNIT_STAGES}
        if units:  # ``_unit_members`` for all of them
            self._units = {pk: [] for pk in units}
            for unit_id, user_id in HandlingUnit.members.through.objects.filter(
                handlingunit_id__in=units
            ).values_list("handlingunit_id", "user_id"):
                self._units[unit_id].append(user_id)
        grids = {c.grid_id for c in cases if stages[c.pk] == Stage.VERIFY}
        if grids:  # ``_grid_verifiers`` for all of them
            self._grids = {pk: [] for pk in grids}
            for grid_id, user_id in (
                RoleAssignment.objects.active()
                .filter(role=Role.GRID_MEMBER, area_id__in=grids)
                .values_list("area_id", "user_id")
            ):
                self._grids[grid_id].append(user_id)

    def dispatchers(self, case: Case) -> list[int]:
        if case.responsible_area_id not in self._dispatchers:
            self._dispatchers[case.responsible_area_id] = _dispatchers(case)
        return self._dispatchers[case.responsible_area_id]

    def unit_members(self, case: Case) -> list[int]:
        if case.handling_unit_id is None:
            return []
        if case.handling_unit_id not in self._units:
            self._units[case.handling_unit_id] = _unit_members(case)
        return self._units[case.handling_unit_id]

    def grid_verifiers(self, case: Case) -> list[int]:
        if case.grid_id not in self._grids:
            self._grids[case.grid_id] = _grid_verifiers(case)
        return self._grids[case.grid_id]

    def waiting_on(self, case: Case) -> list[int]:
        """Who the current stage waits on: dispatchers to register and dispatch, the handling
        unit to accept and handle, the reporter and the grid's members to verify."""
        stage = STATUS_STAGE.get(case.status)
        if stage in _UNIT_STAGES:
            return self.unit_members(case) or self.dispatchers(case)
        if stage == Stage.VERIFY:
            return [r for r in (case.reporter_id, *self.grid_verifiers(case)) if r is not None]
        return self.dispatchers(case)


def _waiting_on(case: Case) -> list[int]:
    return _Recipients().waiting_on(case)


def notification_key(case: Case, level: str, deadline: datetime.datetime) -> str:
    local = timezone.localtime(deadline, timezone.get_default_timezone())
    return f"case:{case.pk}:warn:{level}:{local.isoformat(timespec='seconds')}"


@dataclass
class _Notice:
    """A notification about one case, to send after its chunk commits (key "": none)."""

    recipients: list[int]
    verb: str
    text: str
    url: str
    key: str = ""


def _warning(
    case: Case, *, level: int, now: datetime.datetime, recipients: _Recipients
) -> tuple[CaseEvent, _Notice]:
    """One case's warning: its event, and the notification."""
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
        to = sorted({*recipients.waiting_on(case), *recipients.dispatchers(case)})
    else:
        action, verb, key_level = CaseAction.WARN_YELLOW, "case_nearly_due", "yellow"
        note = _("%(stage)s环节即将到期（期限 %(deadline)s）。") % values
        text = _("临期预警：事件 %(number)s %(category)s，%(stage)s期限 %(deadline)s。") % values
        to = recipients.waiting_on(case)
    event = CaseEvent(
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
    key = notification_key(case, key_level, deadline)
    return event, _Notice(to, verb, str(text), case_url(case), key)


def _audit(events: list[CaseEvent]) -> None:
    """The audit rows ``audit.receivers.case_event_saved`` writes for a saved event, for
    events inserted in bulk (which sends no ``post_save``)."""
    rows = [
        {
            "action": f"case.{event.action}",
            "category": Category.TRANSITION,
            "target": event.case,
            "object_repr": event.case.number,
            "actor": None,
            "actor_name": event.actor_label,
            "detail": transition_detail(event, level=event.level),
        }
        for event in events
    ]
    record_many(rows)


def _send(notices: list[_Notice]) -> None:
    """The chunk's notifications, once it commits: one insert for all of them (a recipient
    already holding a key gets nothing new). Where notifications also go by email, each goes
    through ``notify``, which mails only those who got a new row."""
    if email_enabled():
        for n in notices:
            notify(n.recipients, verb=n.verb, text=n.text, url=n.url, key=n.key)
        return
    rows = [
        Notification(recipient_id=rid, verb=n.verb, text=n.text[:300], url=n.url, key=n.key)
        for n in notices
        for rid in sorted(set(n.recipients))
    ]
    if rows:
        transaction.on_commit(lambda: Notification.objects.bulk_create(rows, ignore_conflicts=True))


def _warn_chunk(queryset: QuerySet[Case], pks: list[int], level: int, now: datetime.datetime) -> int:
    """Warn the cases of one chunk that still need it (inside the caller's transaction)."""
    cases = _lock(queryset, pks)
    if not cases:
        return 0
    # The rows are locked and were read with ``warning < level`` just now: all of them change.
    Case.objects.filter(pk__in=[c.pk for c in cases], warning__lt=level).update(warning=level)
    recipients = _Recipients(cases)
    events: list[CaseEvent] = []
    notices: list[_Notice] = []
    for case in cases:
        case.warning = level
        event, notice = _warning(case, level=level, now=now, recipients=recipients)
        events.append(event)
        notices.append(notice)
    _audit(CaseEvent.objects.bulk_create(events))
    _send(notices)
    return len(cases)


def _warn(case: Case, *, level: int, now: datetime.datetime) -> bool:
    """Raise one case's warning to ``level`` if nobody did; write the event and notify (the
    chunked passes do the same for many cases at once)."""
    return _warn_chunk(Case.objects.filter(pk=case.pk, warning__lt=level), [case.pk], level, now) == 1


def _warn_pass(
    queryset: QuerySet[Case], deadline: str, level: int, now: datetime.datetime
) -> tuple[int, int]:
    changed = skipped = 0
    for pks in _chunks(_walk(queryset, deadline), CHUNK_SIZE):
        with transaction.atomic():
            warned = _warn_chunk(queryset, pks, level, now)
        changed += warned
        skipped += len(pks) - warned
    return changed, skipped


def _escalate_chunk(
    queryset: QuerySet[Case],
    pks: list[int],
    now: datetime.datetime,
    calendar: WorkCalendar,
    result: SweepResult,
) -> None:
    """Escalate the cases of one chunk that are still due (inside the caller's transaction),
    writing what ``escalate_case(automatic=True)`` writes for each."""
    cases = _lock(queryset, pks)
    result.skipped += len(pks) - len(cases)
    if not cases:
        return
    areas = escalation_areas(cases)
    updated_at = timezone.now()  # what ``auto_now`` would write on ``save``
    escalated: list[Case] = []
    before: dict[int, dict[str, Any]] = {}
    events: list[CaseEvent] = []
    fields: set[str] = set()
    for case in cases:
        before[case.pk] = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
        from_status = case.status
        note = _("%(stage)s环节超期未办理，系统自动上报上一级。") % {"stage": _stage_label(case)}
        case.status = ESCALATED
        try:
            fields.update(apply_escalation(case, now=now, calendar=calendar, areas=areas))
        except DomainError as error:
            # Decided before anything is written: one case's refusal (e.g. an area missing
            # from the tree) leaves it red, to be retried on the next run, and stops nothing.
            logger.warning("sweep: case %s not escalated: %s", case.pk, error)
            result.failed.append(case.pk)
            continue
        case.version += 1
        case.updated_at = updated_at
        escalated.append(case)
        events.append(
            CaseEvent(
                case=case,
                action=CaseAction.AUTO_ESCALATE,
                from_status=from_status,
                to_status=case.status,
                level=case.level,
                actor=None,
                actor_label=escalation_actor_label(automatic=True),
                note=note.strip(),
                data={"automatic": True},
                created_at=now,
            )
        )
    if not escalated:
        return
    _write_changes(escalated, before, sorted({"status", "version", "updated_at", *fields}))
    _audit(CaseEvent.objects.bulk_create(events))
    dispatchers = dispatchers_by_area({c.responsible_area_id: c.responsible_area for c in escalated}.values())
    _send(
        [
            _Notice(dispatchers[c.responsible_area_id], "case_escalated", escalation_notice(c), case_url(c))
            for c in escalated
        ]
    )
    result.escalated += len(escalated)


def _write_changes(cases: list[Case], before: dict[int, dict[str, Any]], fields: list[str]) -> None:
    """Save ``fields`` of ``cases`` (locked: nobody changes them meanwhile) as changed in memory
    since ``before``, in one UPDATE: each field is set by a CASE with one WHEN per new value,
    listing the cases that take it. Cases of a chunk share most new values (the same level,
    area and deadlines), so this stays small where ``bulk_update`` (a WHEN per case and field)
    spent most of a chunk's time building and sending its statement. SQLite gets a few
    statements, under its limit on parameters."""
    model_fields = [Case._meta.get_field(name) for name in fields]
    limit = connection.features.max_query_params
    # At worst (every value different) two parameters per case and field, and the id.
    size = max(1, limit // (2 * len(fields) + 1)) if limit else len(cases)
    for start in range(0, len(cases), size):
        batch = cases[start : start + size]
        values = {}
        for model_field in model_fields:
            name = model_field.attname
            takers: dict[Any, list[int]] = {}
            for case in batch:
                value = getattr(case, name)
                if value != before[case.pk][name]:
                    takers.setdefault(value, []).append(case.pk)
            if takers:
                values[model_field.name] = SQLCase(
                    *(When(pk__in=pks, then=Value(value)) for value, pks in takers.items()),
                    default=F(name),
                    output_field=model_field,
                )
        if values:
            Case.objects.filter(pk__in=[c.pk for c in batch]).update(**values)


def _escalate_pass(now: datetime.datetime, result: SweepResult) -> None:
    queryset = escalation_due_cases(now)
    calendar = WorkCalendar()  # holidays read once for the whole pass
    for pks in _chunks(_walk(queryset, "stage_deadline"), ESCALATION_CHUNK_SIZE):
        with transaction.atomic():
            _escalate_chunk(queryset, pks, now, calendar, result)


def sweep_cases(now: datetime.datetime | None = None) -> SweepResult:
    """Run the three passes once (see the module docstring). Returns what changed.

    Side effects: ``warning`` on cases, ``WARN_RED``/``WARN_YELLOW``/``AUTO_ESCALATE`` events
    with their audit rows, escalations (by ``services.apply_escalation``, the rule of
    ``escalate_case``), notifications after each chunk's commit.
    """
    now = now or timezone.now()
    result = SweepResult()
    result.red, skipped_red = _warn_pass(overdue_cases(now), "stage_deadline", Warning.RED, now)
    result.yellow, skipped_yellow = _warn_pass(nearly_due_cases(now), "yellow_at", Warning.YELLOW, now)
    result.skipped += skipped_red + skipped_yellow
    _escalate_pass(now, result)
    return result
