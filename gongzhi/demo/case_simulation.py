"""Plays the demo's grid cases forward in memory: each case is *simulated* step by step,
mirroring the services one for one — ``report_case``, ``register_case``, ``dispatch_case`` …
set the same fields (deadlines from the same working-hour limits on the same calendar,
``resolved_level``, counters, ``version``) and append the same ``CaseEvent``; between two
steps the sweep's rules apply (yellow and red warnings at five-minute ticks, automatic
escalation of an overdue case whose category says so). ``gongzhi.demo.cases`` loads the
result. Everything is drawn from the seed: each street from its own
``random.Random("<seed>:cases:<street code>")``, so a build of the first N streets is a
subset of the full one, and time is the demo's reference moment, never the clock.
"""

from __future__ import annotations

import base64
import bisect
import datetime
import functools
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from gongzhi.areas.choices import AreaLevel
from gongzhi.cases.calendar import WorkCalendar
from gongzhi.cases.choices import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    STATUS_STAGE,
    CaseAction,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Satisfaction,
    Stage,
    Warning,
    next_level,
)
from gongzhi.demo import data
from gongzhi.demo.case_data import (
    AUTO_ESCALATE_LABEL,
    CAMPAIGN_END,
    CAMPAIGN_START,
    CATEGORIES,
    CLOSE_NOTES,
    COLOURS,
    DEFER_REASONS,
    ESCALATION_NOTES,
    EXTEND_REASONS,
    GIVEN_NAMES,
    HANDLER_USERNAME,
    HOLIDAYS,
    REJECT_REASONS,
    REWORK_NOTES,
    ROADS,
    SOURCES,
    SUPERVISE_NOTES,
    SURNAMES,
    SYSTEM_LABEL,
    TIME_LIMITS,
    CategorySpec,
)

# The demo's "now" and the year before it.
TZ = timezone.get_default_timezone()
REFERENCE_MOMENT = datetime.datetime.combine(data.REFERENCE_DATE, datetime.time.min, tzinfo=TZ)
YEAR_START = datetime.datetime.combine(
    data.REFERENCE_DATE.replace(year=data.REFERENCE_DATE.year - 1), datetime.time.min, tzinfo=TZ
)
RESIDENTS_PER_CASE = 110  # a street of 110,000 people reports about 1,000 cases a year
SWEEP_EVERY = datetime.timedelta(minutes=5)
_ONE_US = datetime.timedelta(microseconds=1)

# Django's choices compute ``.values`` on every access; the simulation asks 100,000s of times.
_STAGES = list(Stage.values)
_LEVELS = list(CaseLevel.values)
_SATISFACTIONS = list(Satisfaction.values)


def holiday_overrides() -> dict[datetime.date, bool]:
    return {datetime.date.fromisoformat(day): workday for day, _, workday in HOLIDAYS}


# --- working hours, fast ----------------------------------------------------------------------


class FastCalendar:
    """``WorkCalendar``'s arithmetic over a fixed range of days, by table lookup.

    Each moment maps to the working microseconds elapsed since the range's first day; adding
    hours is adding to that count and mapping back. Results equal ``WorkCalendar``'s to the
    microsecond (tests/demo/test_demo_cases.py compares them); outside the range it defers
    to ``WorkCalendar``. Simulating a year of cases calls it some 200,000 times, which
    ``WorkCalendar``'s day-by-day walk would spend seconds on.
    """

    def __init__(self, calendar: WorkCalendar, first: datetime.date, last: datetime.date):
        self.calendar = calendar
        # The working periods as microseconds since midnight.
        self.periods = [(self._us(start), self._us(end)) for start, end in calendar.periods]
        self.midnights: list[datetime.datetime] = []
        self.stamps: list[float] = []  # the midnights' POSIX timestamps, for bisecting
        self.start_of_day: list[int] = []  # working µs before each day
        self.end_of_day: list[int] = []  # … and after it
        self._hours: dict[float, int] = {}
        total = 0
        day = first
        while day <= last:
            midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=calendar.tz)
            self.midnights.append(midnight)
            self.stamps.append(midnight.timestamp())
            self.start_of_day.append(total)
            if calendar.is_workday(day):
                total += sum(end - start for start, end in self.periods)
            self.end_of_day.append(total)
            day += datetime.timedelta(days=1)

    @staticmethod
    def _us(clock: datetime.time) -> int:
        return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1_000_000 + clock.microsecond

    def _index(self, moment: datetime.datetime) -> int | None:
        i = bisect.bisect_right(self.stamps, moment.timestamp()) - 1
        if not 0 <= i < len(self.stamps) - 1:
            return None
        total = self.start_of_day[i]
        if self.end_of_day[i] != total:
            offset = (moment - self.midnights[i]) // _ONE_US
            for start, end in self.periods:
                if offset > start:
                    total += min(offset, end) - start
        return total

    def _moment(self, index: int) -> datetime.datetime | None:
        i = bisect.bisect_left(self.end_of_day, index)
        if i >= len(self.end_of_day) - 1:
            return None
        remaining = index - self.start_of_day[i]
        for start, end in self.periods:
            if remaining <= end - start:
                return self.midnights[i] + datetime.timedelta(microseconds=start + remaining)
            remaining -= end - start
        return None  # not reached: the day's end covers the index

    def _microseconds(self, hours: float) -> int:
        # The same rounding to microseconds as WorkCalendar's timedelta(hours=…).
        found = self._hours.get(hours)
        if found is None:
            found = self._hours[hours] = datetime.timedelta(hours=hours) // _ONE_US
        return found

    def add_working_hours(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        index = self._index(start)
        if index is not None and hours > 0:
            moment = self._moment(index + self._microseconds(hours))
            if moment is not None:
                return moment
        return self.calendar.add_working_hours(start, hours)

    def working_hours_between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        a, b = self._index(start), self._index(end)
        if a is None or b is None:
            return self.calendar.working_hours_between(start, end)
        if end <= start:
            return 0.0
        return datetime.timedelta(microseconds=b - a).total_seconds() / 3600


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A grid and what the simulation needs to know about it."""

    code: str
    name: str
    community: str  # code
    community_name: str
    street: str  # code
    street_name: str
    box: tuple[float, float, float, float]  # west, south, east, north
    population: int
    reporters: tuple[str, ...]  # its full- and part-time grid members' names
    volunteers: tuple[str, ...]


@dataclass
class Event:
    action: str
    from_status: str
    to_status: str
    level: str
    actor: str | None  # a demo username
    actor_label: str
    note: str
    data: dict
    created_at: datetime.datetime


@dataclass
class SimCase:
    """One case's rows as the services would have left them at the reference moment."""

    token: str
    category: str  # code
    place: Place
    description: str
    address: str
    lat: float
    lng: float
    source: str
    urgency: str
    reported_at: datetime.datetime
    reporter: str | None = None  # a demo username
    reporter_name: str = ""
    reporter_phone: str = ""
    campaign: bool = False
    status: str = CaseStatus.REPORTED
    level: str = CaseLevel.GRID
    responsible: str = ""  # area code
    unit: tuple[str, str] | None = None  # (area code, unit name)
    merged_into: SimCase | None = None
    stage_deadline: datetime.datetime | None = None
    yellow_at: datetime.datetime | None = None
    due_at: datetime.datetime | None = None
    warning: int = Warning.NONE
    is_supervised: bool = False
    rework_count: int = 0
    extension_count: int = 0
    escalation_count: int = 0
    resolved_level: str = ""
    registered_at: datetime.datetime | None = None
    dispatched_at: datetime.datetime | None = None
    dispatch_deadline: datetime.datetime | None = None
    accepted_at: datetime.datetime | None = None
    handle_deadline: datetime.datetime | None = None
    fed_back_at: datetime.datetime | None = None
    verify_deadline: datetime.datetime | None = None
    verified_at: datetime.datetime | None = None
    verified_by: str | None = None  # a demo username
    closed_at: datetime.datetime | None = None
    satisfaction: str = ""
    evaluated_at: datetime.datetime | None = None
    version: int = 1
    events: list[Event] = field(default_factory=list)

    def status_at(self, moment: datetime.datetime) -> str:
        status = ""
        for event in self.events:
            if event.created_at > moment:
                break
            status = event.to_status
        return status


def _token(seed: int, street: str, n: int) -> str:
    digest = hashlib.blake2b(f"{seed}:case:{street}:{n}".encode(), digest_size=12).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _ceil_tick(moment: datetime.datetime) -> datetime.datetime:
    """The first sweep at or after ``moment`` (the sweep runs every five minutes)."""
    local = moment.astimezone(TZ)
    floor = local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0)
    return floor if floor == local else floor + SWEEP_EVERY


class SimulationError(RuntimeError):
    """The simulation tried a step the services would refuse: a bug in the planner."""


def _refuse_unless(allowed: bool, case: SimCase, action: str) -> None:
    if not allowed:
        raise SimulationError(f"{action} is not allowed from {case.status} at {case.level} ({case.token})")


class _Simulation:
    """Plays one case through the services' transitions (see the module docstring).

    Each ``_do_*`` method mirrors the service of the same name: the same checks (as
    assertions on ``ALLOWED_TRANSITIONS``), the same fields, the same event.
    """

    def __init__(self, planner: _CasePlanner, case: SimCase, spec: CategorySpec):
        self.p = planner
        self.case = case
        self.spec = spec

    # The services' deadline helpers, on the fast calendar.
    def hours(self, stage: str, level: str | None = None) -> float:
        return self.p.stage_hours(self.spec.code, stage, level or self.case.level)

    def start_clock(self, now: datetime.datetime) -> None:
        c = self.case
        stage = STATUS_STAGE.get(c.status)
        if stage is None:
            c.stage_deadline = c.yellow_at = None
        else:
            hours = self.hours(stage)
            c.stage_deadline = self.p.calendar.add_working_hours(now, hours)
            c.yellow_at = self.p.calendar.add_working_hours(now, hours * settings.GONGZHI_YELLOW_SHARE)
        c.warning = Warning.NONE

    def close_deadline(self, now: datetime.datetime) -> datetime.datetime:
        hours = sum(self.hours(s) for s in (Stage.DISPATCH, Stage.ACCEPT, Stage.HANDLE, Stage.VERIFY))
        return self.p.calendar.add_working_hours(now, hours)

    def transition(
        self,
        action: str,
        now: datetime.datetime,
        *,
        actor: tuple[str | None, str],
        note: str = "",
        data: dict | None = None,
        event_action: str | None = None,
    ) -> None:
        """``services._transition``: check, change the status and start its clock, bump the
        version, append the event."""
        c = self.case
        allowed_from, target = ALLOWED_TRANSITIONS[action]
        _refuse_unless(c.status in allowed_from, c, action)
        from_status = c.status
        if target is not None:
            c.status = target
            self.start_clock(now)
        c.version += 1
        c.events.append(
            Event(
                event_action or action,
                from_status,
                c.status,
                c.level,
                actor[0],
                actor[1],
                note,
                data or {},
                now,
            )
        )

    def closing(self, now: datetime.datetime) -> None:
        c = self.case
        c.closed_at = now
        c.resolved_level = c.level
        c.is_supervised = False

    # --- the services -------------------------------------------------------------------------

    def do_register(self, now, by) -> None:
        c = self.case
        c.registered_at = now
        c.due_at = self.close_deadline(now)
        self.transition(CaseAction.REGISTER, now, actor=by)  # starts the dispatch clock
        c.dispatch_deadline = c.stage_deadline

    def do_reject(self, now, by, reason) -> None:
        self.transition(CaseAction.REJECT, now, actor=by, note=reason)

    def do_dispatch(self, now, by, unit: tuple[str, str]) -> None:
        c = self.case
        c.unit = unit
        c.dispatched_at = now
        if c.due_at is None:
            c.due_at = self.close_deadline(now)
        self.transition(
            CaseAction.DISPATCH, now, actor=by, data={"unit": self.p.unit_ids[unit], "unit_name": unit[1]}
        )

    def do_accept(self, now, by) -> None:
        c = self.case
        self.transition(CaseAction.ACCEPT, now, actor=by)
        c.accepted_at = now
        c.handle_deadline = c.stage_deadline

    def do_feedback(self, now, by, result) -> None:
        c = self.case
        self.transition(CaseAction.FEEDBACK, now, actor=by, note=result)
        c.fed_back_at = now
        c.verify_deadline = c.stage_deadline

    def do_verify(self, now, by) -> None:
        c = self.case
        self.transition(CaseAction.VERIFY, now, actor=by)
        c.verified_at = now
        c.verified_by = by[0]
        self.closing(now)

    def do_rework(self, now, by, note) -> None:
        c = self.case
        c.rework_count += 1
        self.transition(CaseAction.REWORK, now, actor=by, note=note)
        c.handle_deadline = c.stage_deadline

    def do_close(self, now, by, note) -> None:
        self.transition(CaseAction.CLOSE, now, actor=by, note=note)
        self.closing(now)

    def do_escalate(self, now, by, note, automatic=False) -> None:
        c = self.case
        allowed_from, target = ALLOWED_TRANSITIONS[CaseAction.ESCALATE]
        _refuse_unless(c.status in allowed_from and next_level(c.level) is not None, c, CaseAction.ESCALATE)
        from_status = c.status
        c.status = target
        c.level = next_level(c.level)
        c.responsible = self.p.responsible_code(c.place, c.level)
        c.unit = None
        c.escalation_count += 1
        c.registered_at = c.registered_at or now
        c.due_at = self.close_deadline(now)
        self.start_clock(now)
        c.dispatch_deadline = c.stage_deadline
        c.version += 1
        c.events.append(
            Event(
                CaseAction.AUTO_ESCALATE if automatic else CaseAction.ESCALATE,
                from_status,
                c.status,
                c.level,
                None if automatic else by[0],
                AUTO_ESCALATE_LABEL if automatic else by[1],
                note,
                {"automatic": automatic},
                now,
            )
        )

    def do_extend(self, now, by, hours, reason) -> None:
        c = self.case
        cal = self.p.calendar
        base = max(c.stage_deadline or now, now)
        c.stage_deadline = cal.add_working_hours(base, hours)
        c.yellow_at = cal.add_working_hours(
            now, cal.working_hours_between(now, c.stage_deadline) * settings.GONGZHI_YELLOW_SHARE
        )
        c.warning = Warning.NONE
        c.due_at = cal.add_working_hours(max(c.due_at or now, now), hours)
        c.extension_count += 1
        if c.status == CaseStatus.HANDLING:
            c.handle_deadline = c.stage_deadline
        self.transition(CaseAction.EXTEND, now, actor=by, note=reason, data={"hours": hours})

    def do_defer(self, now, by, reason) -> None:
        self.case.due_at = None
        self.transition(CaseAction.DEFER, now, actor=by, note=reason)

    def do_supervise(self, now, by, note) -> None:
        self.case.is_supervised = True
        self.transition(CaseAction.SUPERVISE, now, actor=by, note=note)

    def do_evaluate(self, now, satisfaction, by) -> None:
        c = self.case
        c.satisfaction = satisfaction
        c.evaluated_at = now
        self.transition(CaseAction.EVALUATE, now, actor=by, data={"satisfaction": satisfaction})

    def do_resolve_on_site(self, now, by, note) -> None:
        c = self.case
        c.registered_at = c.registered_at or now
        c.due_at = now
        c.verified_at = now
        c.verified_by = by[0]
        self.closing(now)
        self.transition(CaseAction.RESOLVE_ON_SITE, now, actor=by, note=note)

    def do_merge(self, now, by, into: SimCase) -> None:
        self.case.merged_into = into
        self.transition(CaseAction.MERGE, now, actor=by, data={"into": None, "into_number": None})

    # --- the sweep ----------------------------------------------------------------------------

    def sweep_until(self, until: datetime.datetime) -> bool:
        """Apply the sweep's rules from the last step up to ``until`` (exclusive; never past
        the reference moment). Returns True if the case was escalated automatically."""
        c = self.case
        escalated = False
        limit = min(until, REFERENCE_MOMENT + datetime.timedelta(microseconds=1))
        while c.status in OPEN_STATUSES and c.stage_deadline is not None:
            red_tick = _ceil_tick(c.stage_deadline)
            yellow_tick = _ceil_tick(c.yellow_at)
            if c.warning < Warning.YELLOW and yellow_tick < red_tick and yellow_tick < limit:
                self.warn(Warning.YELLOW, yellow_tick)
            if c.warning < Warning.RED and red_tick < limit:
                self.warn(Warning.RED, red_tick)
                if (
                    self.spec.auto_escalate
                    and c.status in ALLOWED_TRANSITIONS[CaseAction.ESCALATE][0]
                    and c.level != CaseLevel.DISTRICT
                ):
                    stage = self.p.stage_labels[STATUS_STAGE[c.status]]
                    self.do_escalate(
                        red_tick,
                        None,
                        f"{stage}环节超期未办理，系统自动上报上一级。",
                        automatic=True,
                    )
                    escalated = True
                    continue
            break
        return escalated

    def warn(self, level: int, now: datetime.datetime) -> None:
        """``sweep._warn``: the warning, and its event (notifications are not made)."""
        c = self.case
        c.warning = level
        stage = STATUS_STAGE[c.status]
        deadline = timezone.localtime(c.stage_deadline, TZ)
        values = {"stage": self.p.stage_labels[stage], "deadline": f"{deadline:%Y-%m-%d %H:%M}"}
        if level == Warning.RED:
            action, note = CaseAction.WARN_RED, "{stage}环节已超过期限（{deadline}）。".format(**values)
        else:
            action, note = CaseAction.WARN_YELLOW, "{stage}环节即将到期（期限 {deadline}）。".format(**values)
        c.events.append(
            Event(
                action,
                c.status,
                c.status,
                c.level,
                None,
                SYSTEM_LABEL,
                note,
                {"deadline": c.stage_deadline.astimezone(datetime.UTC).isoformat(), "stage": stage},
                now,
            )
        )


class _CasePlanner:
    """Plans every street's cases (see the module docstring)."""

    def __init__(self, seed: int, plan: Any, unit_ids: dict[tuple[str, str], int]):
        self.seed = seed
        self.district = plan.areas[0]
        self.unit_ids = unit_ids
        self.calendar = FastCalendar(
            WorkCalendar(overrides=holiday_overrides()),
            YEAR_START.date() - datetime.timedelta(days=7),
            REFERENCE_MOMENT.date() + datetime.timedelta(days=400),
        )
        self.specs = {s.code: s for s in CATEGORIES}
        self.limits = {(code, stage, level): float(hours) for code, stage, level, hours in TIME_LIMITS}
        self.leaves = [s for s in CATEGORIES if s.weight]
        self.areas = {a.code: a for a in plan.areas}
        names = {p.id_number: p.name for p in plan.people}
        staff: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for s in plan.staff:
            staff[s.grid_code][s.duty].append(names[s.id_number])
        self.staff = staff
        # The demo logins act where they hold their roles (百合社区, 新碶街道, the district).
        self.login_grid = next(a.area_code for a in plan.logins if a.role == "grid_member")
        self.login_community = next(a.area_code for a in plan.logins if a.role == "community_worker")
        self.login_street = next(a.area_code for a in plan.logins if a.role == "street_admin")
        self.login_names = {login.username: login.display_name for login in plan.logins}
        self.login_names[HANDLER_USERNAME] = ""  # filled by the loader
        self.handler_unit: tuple[str, str] | None = None
        # The demo is written in the source language, as the sweep writes its notes.
        with translation.override(settings.LANGUAGE_CODE):
            self.stage_labels = {stage: str(label) for stage, label in Stage.choices}

    def stage_hours(self, code: str, stage: str, level: str) -> float:
        """``services.stage_hours``: the per-level limit if there is one, else the category's."""
        found = self.limits.get((code, stage, level))
        if found is not None:
            return found
        return float(self.specs[code].hours[_STAGES.index(stage)])

    def responsible_code(self, place: Place, level: str) -> str:
        return {
            CaseLevel.GRID: place.code,
            CaseLevel.COMMUNITY: place.community,
            CaseLevel.STREET: place.street,
            CaseLevel.DISTRICT: self.district.code,
        }[level]

    def places(self, street_code: str) -> list[Place]:
        street = self.areas[street_code]
        result = []
        for grid in (a for a in self.areas.values() if a.level == AreaLevel.GRID):
            community = self.areas[grid.parent_code]
            chain = community
            while chain.level != AreaLevel.STREET:
                chain = self.areas[chain.parent_code]
            if chain.code != street_code:
                continue
            ring = grid.boundary["coordinates"][0]
            lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
            duties = self.staff[grid.code]
            result.append(
                Place(
                    code=grid.code,
                    name=grid.name,
                    community=community.code,
                    community_name=community.name,
                    street=street.code,
                    street_name=street.name,
                    box=(min(lngs), min(lats), max(lngs), max(lats)),
                    population=grid.population,
                    reporters=tuple(duties["full_time"] + duties["part_time"]),
                    volunteers=tuple(duties["party_volunteer"]),
                )
            )
        return result

    # --- who acts -----------------------------------------------------------------------------

    def person(self, rng: random.Random) -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)

    def dispatcher(self, place: Place, level: str) -> tuple[str | None, str]:
        """The dispatcher of the case's responsible area at ``level``: a demo login where one
        holds the role, otherwise a named office."""
        if level in (CaseLevel.GRID, CaseLevel.COMMUNITY):
            if place.community == self.login_community:
                return "community", self.login_names["community"]
            return None, f"{place.community_name}网格工作站"
        if level == CaseLevel.STREET:
            if place.street == self.login_street:
                return "xinqi", self.login_names["xinqi"]
            return None, f"{place.street_name}综合信息指挥室"
        return "district", self.login_names["district"]

    def verifier(self, case: SimCase) -> tuple[str | None, str]:
        if case.reporter == "grid":
            return "grid", self.login_names["grid"]
        if case.source == CaseSource.GRID_MEMBER:
            return None, case.reporter_name
        if case.place.code == self.login_grid:
            return "grid", self.login_names["grid"]
        return None, case.place.reporters[0]

    def unit_for(self, spec: CategorySpec, place: Place, level: str) -> tuple[str, str]:
        """(area code, name) of the unit that handles ``spec`` at ``level`` for ``place``."""
        pattern = spec.units[{CaseLevel.GRID: 0, CaseLevel.COMMUNITY: 0, CaseLevel.STREET: 1}.get(level, 2)]
        name = pattern.format(
            community=place.community_name,
            street=place.street_name,
            stem=place.street_name.removesuffix("街道"),
        )
        if "{community}" in pattern:
            return place.community, name
        if pattern.startswith("区"):
            return self.district.code, name
        return place.street, name

    def unit_member(self, unit: tuple[str, str]) -> tuple[str | None, str]:
        if unit == self.handler_unit:
            return HANDLER_USERNAME, self.login_names[HANDLER_USERNAME]
        return None, f"{unit[1]} {self.unit_staff(unit)}"

    @functools.cache  # noqa: B019 - one planner per build, a few hundred units
    def unit_staff(self, unit: tuple[str, str]) -> str:
        # One named person per unit, from the unit's name alone (stable across streets).
        digest = hashlib.blake2b(f"{self.seed}:{unit}".encode(), digest_size=4).digest()
        return SURNAMES[digest[0] % len(SURNAMES)] + GIVEN_NAMES[digest[1] % len(GIVEN_NAMES)]

    # --- one street ---------------------------------------------------------------------------

    def street(self, street_code: str, population: int, campaign: bool) -> list[SimCase]:
        rng = random.Random(f"{self.seed}:cases:{street_code}")
        places = self.places(street_code)
        # The demo logins' grid (百合一网格) is busier than most, so that they have work to see.
        weights = [p.population * (3 if p.code == self.login_grid else 1) for p in places]
        count = round(population / RESIDENTS_PER_CASE)
        seconds = int((REFERENCE_MOMENT - YEAR_START).total_seconds())
        moments = sorted(self.report_moment(rng, seconds) for _ in range(count))
        cases: list[SimCase] = []
        for n, reported_at in enumerate(moments):
            place = rng.choices(places, weights)[0]
            spec = rng.choices(self.leaves, [s.weight for s in self.leaves])[0]
            case = self.new_case(rng, street_code, n, place, spec, reported_at, campaign)
            self.play(rng, case, spec)
            cases.append(case)
            # Now and then a resident reports the same problem again a little later: a
            # duplicate, merged into the first report while that one is still open.
            if rng.random() < 0.025 and case.status not in (CaseStatus.REJECTED,):
                again = reported_at + datetime.timedelta(minutes=rng.randint(10, 120))
                if again < REFERENCE_MOMENT:
                    source = rng.choice((CaseSource.RESIDENT, CaseSource.HOTLINE))
                    duplicate = self.new_case(
                        rng, street_code, f"{n}d", place, spec, again, campaign, source=source, like=case
                    )
                    self.play(rng, duplicate, spec, duplicate_of=case)
                    cases.append(duplicate)
        return cases

    def report_moment(self, rng: random.Random, seconds: int) -> datetime.datetime:
        """Mostly on working days during office hours (patrols), sometimes in the evening."""
        while True:
            moment = YEAR_START + datetime.timedelta(seconds=rng.randrange(seconds))
            local = moment.astimezone(TZ)
            office = self.calendar.calendar.is_workday(local.date()) and 8 <= local.hour < 18
            if office or rng.random() < 0.12:
                return moment.replace(second=0, microsecond=0)

    def new_case(
        self, rng, street_code, n, place, spec, reported_at, campaign, source=None, like=None
    ) -> SimCase:
        if source is None:
            source = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
        road = rng.choice(ROADS)
        address = f"{place.community_name.removesuffix('社区')}{road}{rng.randint(1, 399)}号"
        description = rng.choice(spec.descriptions).format(
            place=address,
            community=place.community_name,
            building=rng.randint(1, 40),
            color=rng.choice(COLOURS),
        )
        west, south, east, north = place.box
        lat, lng = round(rng.uniform(south, north), 6), round(rng.uniform(west, east), 6)
        if like is not None:  # the same problem, seen from a few metres away
            description, address = like.description, like.address
            lat = min(max(like.lat + rng.uniform(-0.0002, 0.0002), south), north)
            lng = min(max(like.lng + rng.uniform(-0.0002, 0.0002), west), east)
        case = SimCase(
            token=_token(self.seed, street_code, n),
            category=spec.code,
            place=place,
            description=description,
            address=address,
            lat=round(lat, 6),
            lng=round(lng, 6),
            source=source,
            urgency=spec.urgency,
            reported_at=reported_at,
            responsible=place.code,
        )
        if source == CaseSource.GRID_MEMBER:
            if place.code == self.login_grid:
                case.reporter, case.reporter_name = "grid", ""
            else:
                case.reporter_name = rng.choice(place.reporters)
        elif source == CaseSource.PARTY_VOLUNTEER:
            if place.code == self.login_grid and rng.random() < 0.5:
                case.reporter = "volunteer"
            else:
                case.reporter_name = rng.choice(place.volunteers)
        elif source == CaseSource.RESIDENT and place.code == self.login_grid and rng.random() < 0.4:
            case.reporter = "resident"
        elif source in (CaseSource.RESIDENT, CaseSource.HOTLINE):
            case.reporter_name = self.person(rng)
            case.reporter_phone = rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        case.campaign = (
            campaign
            and spec.parent == "01"
            and CAMPAIGN_START <= reported_at.astimezone(TZ).date() <= CAMPAIGN_END
            and rng.random() < 0.8
        )
        return case

    def reporter_actor(self, case: SimCase) -> tuple[str | None, str]:
        if case.reporter:
            return case.reporter, self.login_names[case.reporter]
        if case.source in (CaseSource.GRID_MEMBER, CaseSource.PARTY_VOLUNTEER):
            return None, case.reporter_name
        if case.source == CaseSource.HOTLINE:
            return None, "12345政务服务热线"
        if case.source == CaseSource.INSPECTION:
            return None, f"{case.place.street_name}督查组"
        return None, SYSTEM_LABEL  # a resident on the public page: report_case(by=None)

    def play(
        self, rng: random.Random, case: SimCase, spec: CategorySpec, duplicate_of: SimCase | None = None
    ) -> None:
        """Report the case and play it forward to its end or to the reference moment."""
        sim = _Simulation(self, case, spec)
        now = case.reported_at
        sim.start_clock(now)
        case.events.append(
            Event(
                CaseAction.REPORT, "", CaseStatus.REPORTED, CaseLevel.GRID, *self.reporter_actor(case),
                case.description, {}, now,
            )
        )  # fmt: skip

        target = CaseLevel.GRID
        on_site = case.source == CaseSource.GRID_MEMBER and rng.random() < spec.on_site
        if not on_site:
            target = rng.choices(_LEVELS, spec.levels)[0]
        plan = {
            "reject": rng.random() < 0.03 and duplicate_of is None,
            "merge": duplicate_of,
            "on_site": on_site,
            "defer": rng.random() < 0.012 and not on_site,
            "early": {level: rng.random() < 0.5 for level in _LEVELS},
            "rework": 1 if rng.random() < 0.06 else 0,
            "extend": rng.random() < 0.05,
            "close_by_dispatcher": case.source != CaseSource.GRID_MEMBER and rng.random() < 0.3,
            "supervise": target != CaseLevel.GRID and rng.random() < 0.25,
            "stuck": rng.random() < 0.006,
        }
        done = {"rework": 0, "extend": False, "supervise": False}

        while True:
            if case.status in (CaseStatus.REJECTED, CaseStatus.MERGED, CaseStatus.DEFERRED):
                return
            if case.status == CaseStatus.CLOSED:
                self.evaluate(rng, sim, case, now)
                return
            action, delay = self.next_step(rng, sim, case, plan, done, target)
            when = None if delay is None else _minute(self.calendar.add_working_hours(now, delay))
            if plan["stuck"] and rng.random() < 0.3:
                when = None
            if sim.sweep_until(when or REFERENCE_MOMENT + datetime.timedelta(days=1)):
                now = case.events[-1].created_at
                target = max(target, case.level, key=_LEVELS.index)
                continue
            if when is None or when > REFERENCE_MOMENT:
                return
            now = when
            action(now)

    def next_step(self, rng, sim, case, plan, done, target):
        """The next thing somebody does to the case, and after how many working hours."""
        place, spec, level = case.place, sim.spec, case.level
        status = case.status
        stage_hours = sim.hours(STATUS_STAGE[status]) if status in STATUS_STAGE else 1.0
        late = rng.random() < (0.1 if status == CaseStatus.FED_BACK else 0.02 if spec.auto_escalate else 0.07)
        delay = stage_hours * (rng.uniform(1.1, 1.8) if late else rng.uniform(0.05, 0.6))
        dispatcher = self.dispatcher(place, level)
        below_target = _LEVELS.index(level) < _LEVELS.index(target)

        def escalate(by):
            note = rng.choice(ESCALATION_NOTES[next_level(level)])
            return lambda now: sim.do_escalate(now, by, note)

        if status == CaseStatus.REPORTED:
            if plan["reject"]:
                return (lambda now: sim.do_reject(now, dispatcher, rng.choice(REJECT_REASONS))), delay
            if plan["merge"]:
                into = plan["merge"]
                return (lambda now: self.merge(sim, now, dispatcher, into)), stage_hours * rng.uniform(
                    0.05, 0.3
                )
            if plan["on_site"]:
                return (
                    lambda now: sim.do_resolve_on_site(
                        now, self.reporter_actor(case), rng.choice(spec.results)
                    )
                ), (rng.uniform(0.1, 0.6))
            if below_target and plan["early"][level]:
                # A grid member may hand up what they reported; otherwise the dispatcher does.
                by = self.reporter_actor(case) if case.source == CaseSource.GRID_MEMBER else dispatcher
                return escalate(by), stage_hours * rng.uniform(0.05, 0.3)
            return (lambda now: sim.do_register(now, dispatcher)), delay
        if status == CaseStatus.REGISTERED:
            if below_target and plan["early"][level]:
                return escalate(dispatcher), delay
            if plan["defer"] and not below_target:
                return (lambda now: sim.do_defer(now, dispatcher, rng.choice(DEFER_REASONS))), delay
            unit = self.unit_for(spec, place, level)
            return (lambda now: sim.do_dispatch(now, dispatcher, unit)), delay
        if status == CaseStatus.DISPATCHED:
            return (lambda now: sim.do_accept(now, self.unit_member(case.unit))), delay
        if status == CaseStatus.HANDLING:
            if below_target:  # the unit tried and could not solve it at this level
                return escalate(dispatcher), delay
            if plan["supervise"] and not done["supervise"]:
                done["supervise"] = True
                leader = self.dispatcher(place, CaseLevel.STREET if level != CaseLevel.DISTRICT else level)
                return (lambda now: sim.do_supervise(now, leader, rng.choice(SUPERVISE_NOTES))), (
                    stage_hours * rng.uniform(0.1, 0.3)
                )
            if plan["extend"] and not done["extend"]:
                done["extend"] = True
                hours = rng.choice((8, 16, 24))
                return (lambda now: sim.do_extend(now, dispatcher, hours, rng.choice(EXTEND_REASONS))), (
                    stage_hours * rng.uniform(0.3, 0.7)
                )
            if done["extend"] and not late:
                left = self.calendar.working_hours_between(case.events[-1].created_at, case.stage_deadline)
                delay = left * rng.uniform(0.2, 0.9)
            member = self.unit_member(case.unit)
            return (lambda now: sim.do_feedback(now, member, rng.choice(spec.results))), delay
        if status == CaseStatus.FED_BACK:
            if done["rework"] < plan["rework"]:
                done["rework"] += 1
                verifier = self.verifier(case)
                return (lambda now: sim.do_rework(now, verifier, rng.choice(REWORK_NOTES))), delay
            if plan["close_by_dispatcher"]:
                return (lambda now: sim.do_close(now, dispatcher, rng.choice(CLOSE_NOTES))), delay
            verifier = self.verifier(case)
            return (lambda now: sim.do_verify(now, verifier)), delay
        raise AssertionError(status)

    def merge(self, sim: _Simulation, now: datetime.datetime, by, into: SimCase) -> None:
        if into.status_at(now) in OPEN_STATUSES:
            sim.do_merge(now, by, into)
        else:  # the original closed meanwhile: handle this one on its own
            sim.do_register(now, by)

    def evaluate(self, rng: random.Random, sim: _Simulation, case: SimCase, now: datetime.datetime) -> None:
        """Residents rate about two thirds of their closed cases within three days."""
        if case.source not in (CaseSource.RESIDENT, CaseSource.HOTLINE) or rng.random() > 0.65:
            return
        when = _minute(now + datetime.timedelta(hours=rng.uniform(1, 72)))
        if when > REFERENCE_MOMENT:
            return
        on_time = case.due_at is None or case.closed_at <= case.due_at
        weights = (
            (0.82, 0.15, 0.03) if case.resolved_level == CaseLevel.GRID and on_time else (0.6, 0.28, 0.12)
        )
        satisfaction = rng.choices(_SATISFACTIONS, weights)[0]
        by = (case.reporter, self.login_names[case.reporter]) if case.reporter else (None, "上报人")
        sim.do_evaluate(when, satisfaction, by)


def _minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def plan_cases(
    plan: Any, *, seed: int, unit_ids: dict, handler_unit: tuple[str, str], handler_name: str
) -> list[SimCase]:
    """Every case of the plan's streets (in street order, each by report time)."""
    planner = _CasePlanner(seed, plan, unit_ids)
    planner.handler_unit = handler_unit
    planner.login_names[HANDLER_USERNAME] = handler_name
    streets = [a for a in plan.areas if a.level == AreaLevel.STREET]
    populations: dict[str, int] = defaultdict(int)
    for grid in (a for a in plan.areas if a.level == AreaLevel.GRID):
        code = grid.parent_code
        while planner.areas[code].level != AreaLevel.STREET:
            code = planner.areas[code].parent_code
        populations[code] += grid.population
    cases: list[SimCase] = []
    for street in streets:
        cases += planner.street(
            street.code, populations[street.code], campaign=street.code == data.XINQI.code
        )
    return cases
