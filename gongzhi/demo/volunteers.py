"""Demo volunteers: 红领之家 with its 1,206 registered volunteers (711 party members or
activists), 2,361 activities held and 47,525 approved hours since 2012; the volunteers of six
other organizations; the winter schedule open for sign-up (the ``volunteer`` login confirmed on
some activities and waitlisted on full ones); micro-wishes in every state, veterans' New Year
wishes among them; and the justice office's 374 community-correction volunteers since 2014
(facts in ``volunteer_data``).

Like the rest of the demo, the volunteers are first *planned* in memory from the seed alone
and then *loaded*, inserting only what the database lacks:

- Volunteers are people the demo already has (the district's residents and the
  organizations' members of the same street), matched by person; nobody new is created. A
  person serves with one or more organizations and has one set of hours.
- Activities are matched by organizer, title and start; an activity's sign-ups and service
  records are written with it and only then. Correction assignments are matched by person and
  start date, wishes by title and community, the certificate by its number. A second run
  writes nothing.
- The records keep the services' rules: hours are what ``services.compute_hours`` makes of
  the check-in and check-out times (capped by the activity's span, rounded down to half an
  hour), one person never serves two places at once (no overlapping check-in spans), an
  activity never has more confirmed sign-ups than places, approved records carry who decided
  them, adjusting records point at an approved record, manual records carry a reason.
- 红领之家's figures are the source's exactly: the planner drops occurrences of its series
  to 2,361 and then adds attendees and moves check-in times until the approved hours are
  47,525.
- The past ends at ``data.REFERENCE_DATE``; the winter schedule after it (through February)
  was published before it, so its sign-ups exist and sign-up stays open until each start.
- Community correction is kept where the models keep it: the persons are residents the demo
  already has (drawn for the street's organizations, so their ID numbers and record ids sit
  among everyone else's), tagged ``community_correction`` with a CorrectionAssignment each.
  Their volunteer rows, sign-ups and records are made by the same code as everyone else's
  (registration when their service starts, an activity most months), so nothing in them tells
  them apart. None went out of supervision or re-offended: there are no
  SupervisionEvent rows.

Rows are inserted in bulk with their real moments (``cases._insert_rows``) and explicit ids
(so sign-ups and records can point at their activities without reading them back); the
sequences are reset afterwards, as the cases loader does.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, connections, router, transaction
from django.db.models import Max

from gongzhi.accounts.models import User
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.demo import data
from gongzhi.demo import volunteer_data as vd
from gongzhi.demo.case_simulation import TZ
from gongzhi.demo.cases import _insert_rows
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.organizations.models import Alliance, Organization
from gongzhi.people.choices import PoliticalStatus, Tag
from gongzhi.people.models import PersonTag
from gongzhi.volunteers.choices import (
    DEFAULT_HOUR_UNIT,
    DEFAULT_STAR_THRESHOLDS,
    WISH_TRANSITIONS,
    ActivityStatus,
    CheckMethod,
    ClaimerKind,
    RecordKind,
    RecordStatus,
    SignupStatus,
    WishAction,
    WishStatus,
)
from gongzhi.volunteers.models import (
    Activity,
    Affiliation,
    Certificate,
    CorrectionAssignment,
    ServiceRecord,
    Signup,
    Volunteer,
    Wish,
    WishEvent,
)
from gongzhi.volunteers.services import star_level

REFERENCE_MOMENT = datetime.datetime.combine(data.REFERENCE_DATE, datetime.time.min, tzinfo=TZ)
UNIT = DEFAULT_HOUR_UNIT
PARTY = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY, PoliticalStatus.ACTIVIST)
ZERO = Decimal("0.00")
_MIN = datetime.timedelta(minutes=1)
_SECOND = datetime.timedelta(seconds=1)
_THREE_HOURS = datetime.timedelta(hours=3)
_PENDING = datetime.timedelta(days=vd.PENDING_DAYS)
_EVENING = datetime.time(20, 0)
# Hours counted in the unit (half an hour): _UNITS[n] is n units; activities last at most 24 h.
_UNIT_SECONDS = int(UNIT * 3600)
_UNITS = [(UNIT * n).quantize(Decimal("0.01")) for n in range(24 * 3600 // _UNIT_SECONDS + 1)]
_LATE = (5, 10, 15, 20, 30, 40, 45)  # minutes late, for those who come late
_EARLY = (10, 15, 20, 30, 40)  # minutes early, for those who leave early
# People whose tags make them someone to serve rather than a volunteer drawn at random.
_NOT_DRAWN = {Tag.ELDERLY, Tag.DISABLED, Tag.COMMUNITY_CORRECTION, Tag.MENTAL_DISORDER_FAMILY}


def _pick(r: Any, options: tuple[int, ...]) -> int:
    return options[int(r() * len(options))]


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=TZ)


def _birth(id_number: str) -> datetime.date:
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _age(id_number: str, on: datetime.date) -> int:
    born = _birth(id_number)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def served_hours(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    checked_in_at: datetime.datetime,
    checked_out_at: datetime.datetime,
) -> Decimal:
    """What ``services.compute_hours`` makes of a check-in and check-out, without an Activity
    row: the span capped by the activity's, rounded down to the unit, in integer arithmetic (the same result,
    and fast enough to plan tens of thousands of records)."""
    start, end = max(checked_in_at, starts_at), min(checked_out_at, ends_at)
    if end <= start:
        return ZERO
    return _UNITS[(end - start) // _SECOND // _UNIT_SECONDS]


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class VolunteerSpec:
    id_number: str
    registered_on: datetime.date
    skills: list[str]
    availability: str
    sort_key: float  # numbers follow registration day, then this (a random draw)
    # organization name → (team, joined on)
    affiliations: dict[str, tuple[str, datetime.date]] = field(default_factory=dict)


@dataclass
class RecordSpec:
    status: str
    hours: Decimal
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    created_by: str | None  # a login's username
    created_at: datetime.datetime
    decided_by: str | None = None
    decided_at: datetime.datetime | None = None
    reason: str = ""
    # (hours, reason, moment): adjusting records, approved by the same decider
    adjustments: list[tuple[Decimal, str, datetime.datetime]] = field(default_factory=list)


@dataclass
class SignupSpec:
    id_number: str
    status: str
    created_at: datetime.datetime
    created_by: str | None = None
    checked_in_at: datetime.datetime | None = None
    checked_out_at: datetime.datetime | None = None
    check_method: str = ""
    cancelled_at: datetime.datetime | None = None
    record: RecordSpec | None = None


@dataclass
class ActivitySpec:
    org: str
    series: vd.Series
    title: str
    area_code: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    signup_opens_at: datetime.datetime
    signup_closes_at: datetime.datetime
    cancel_cutoff_hours: int
    alliance: str = ""
    status: str = ActivityStatus.OPEN
    created_by: str | None = None
    signups: list[SignupSpec] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, datetime.datetime]:
        return (self.org, self.title, self.starts_at)

    @property
    def past(self) -> bool:
        return self.starts_at < REFERENCE_MOMENT


@dataclass
class ManualSpec:
    id_number: str
    org: str
    served_on: datetime.date
    started_at: datetime.datetime
    ended_at: datetime.datetime
    hours: Decimal
    content: str
    reason: str
    place: str
    by: str


@dataclass
class CorrectionSpec:
    id_number: str
    org: str
    starts_on: datetime.date
    ends_on: datetime.date | None


@dataclass
class WishSpec:
    data: vd.WishData
    beneficiary: str  # ID number
    area_code: str  # the beneficiary's community
    posted_by: str
    claimer: str  # login username, or ""
    fulfil_by: datetime.date | None
    # (action, from, to, actor username or None, note, moment), in order
    events: list[tuple[str, str, str, str | None, str, datetime.datetime]] = field(default_factory=list)


@dataclass
class VolunteersPlan:
    volunteers: dict[str, VolunteerSpec] = field(default_factory=dict)  # by ID number
    activities: list[ActivitySpec] = field(default_factory=list)
    manual: list[ManualSpec] = field(default_factory=list)
    corrections: list[CorrectionSpec] = field(default_factory=list)
    wishes: list[WishSpec] = field(default_factory=list)
    certificate: tuple[str, str, datetime.datetime] | None = None  # number, ID number, issued at
    orgs: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # name → OrgSpec key, area code

    def digest(self) -> str:
        """A fingerprint of the plan: equal digests mean identical volunteer data."""
        text = repr(
            (
                sorted(self.volunteers.items()),
                [(a.key, a.place, a.capacity, a.status, a.signups) for a in self.activities],
                self.manual,
                self.corrections,
                [(w.data.title, w.beneficiary, w.events) for w in self.wishes],
                self.certificate,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()


def _occurrences(rule: str, first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The days of ``rule`` (see ``volunteer_data.Series``) from ``first`` to ``last``."""
    kind, _sep, rest = rule.partition(":")
    days: list[datetime.date] = []
    if kind in ("weekly", "biweekly"):
        weekday = int(rest)
        day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
        step = 7 if kind == "weekly" else 14
        while day <= last:
            days.append(day)
            day += datetime.timedelta(days=step)
    elif kind == "monthly":
        nth, weekday = (int(x) for x in rest.split(":"))
        month = datetime.date(first.year, first.month, 1)
        while month <= last:
            following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
            if nth > 0:
                day = month + datetime.timedelta(days=(weekday - month.weekday()) % 7 + 7 * (nth - 1))
            else:
                end = following - datetime.timedelta(days=1)
                day = end - datetime.timedelta(days=(end.weekday() - weekday) % 7)
            if first <= day <= last:
                days.append(day)
            month = following
    else:
        for year in range(first.year, last.year + 1):
            if kind == "spring":
                festival = vd.SPRING_FESTIVAL.get(year)
                day = festival - datetime.timedelta(days=8) if festival else None
            elif kind == "qingming":
                day = datetime.date(year, 4, 4)
            elif kind == "july1":
                day = datetime.date(year, 6, 28)
            elif kind == "august1":
                day = datetime.date(year, 7, 31)
            elif kind == "chongyang":
                day = vd.CHONGYANG.get(year)
            else:  # pragma: no cover - a data error
                raise ValueError(rule)
            if day and first <= day <= last:
                days.append(day)
    return days


def _holiday_week(day: datetime.date) -> bool:
    """The Spring Festival week and the first days of October: weekly series rest."""
    festival = vd.SPRING_FESTIVAL.get(day.year)
    if festival and festival - datetime.timedelta(days=2) <= day <= festival + datetime.timedelta(days=6):
        return True
    return day.month == 10 and day.day <= 4


class _Pool:
    """An organization's volunteers with their active spans and propensities, indexed by month
    for weighted draws."""

    def __init__(self, members: list[tuple[str, datetime.date, datetime.date, float]]):
        self.members = members  # (ID number, active from, active until, weight)
        self._months: dict[tuple[int, int], tuple[list[str], list[float]]] = {}

    def month(self, day: datetime.date) -> tuple[list[str], list[float]]:
        key = (day.year, day.month)
        if key not in self._months:
            ids, cumulative, total = [], [], 0.0
            for id_number, since, until, weight in self.members:
                if since <= day <= until and weight > 0:
                    total += weight
                    ids.append(id_number)
                    cumulative.append(total)
            self._months[key] = (ids, cumulative)
        return self._months[key]

    def draw(self, rng: random.Random, day: datetime.date, k: int) -> list[str]:
        """Up to about ``k`` distinct members active on ``day``, in draw order, weighted."""
        ids, cumulative = self.month(day)
        if not ids:
            return []
        seen: dict[str, None] = {}
        for id_number in rng.choices(ids, cum_weights=cumulative, k=k):
            seen.setdefault(id_number)
        return list(seen)


class _Planner:
    def __init__(self, seed: int, plan: Any, org_plan: Any):
        self.seed = seed
        self.out = VolunteersPlan()
        self.logins = {login.username: login for login in plan.logins}
        self.street_codes = {a.code for a in plan.areas if a.level == AreaLevel.STREET}
        self.street_names = {a.name: a.code for a in plan.areas if a.level == AreaLevel.STREET}
        self.communities: dict[str, list[Any]] = defaultdict(list)  # street code → communities
        for spec in plan.areas:
            if spec.level == AreaLevel.COMMUNITY:
                self.communities[spec.code[:9]].append(spec)
        self.people = {p.id_number: p for p in [*plan.people, *org_plan.people]}
        self.leaders = {s.leader for s in org_plan.orgs}
        self.login_people = {login.id_number for login in plan.logins}
        self.volunteer_login = self.logins["volunteer"].id_number
        self.org_specs = {}
        for spec in org_plan.orgs:
            if spec.status in LIVE_STATUSES and spec.street_code in self.street_codes:
                self.org_specs.setdefault((spec.street_code, spec.name), spec)
        self.busy: dict[tuple[str, datetime.date], list[tuple[datetime.datetime, datetime.datetime]]] = (
            defaultdict(list)
        )
        self.taken: set[str] = set()  # drawn as someone's volunteer already
        # Correction persons come on their own schedule, not in the organizations' draws.
        self.scheduled: set[str] = set()

    def rng(self, scope: str) -> random.Random:
        return random.Random(f"{self.seed}:volunteers:{scope}")

    def org(self, name: str, street: str) -> Any | None:
        code = self.street_names.get(street)
        spec = self.org_specs.get((code, name)) if code else None
        if spec is not None:
            self.out.orgs[name] = (spec.key, spec.area_code, spec.street_code)
        return spec

    # people

    def candidates(self, street_code: str, *, party: bool) -> list[str]:
        """The street's people who may be drawn as volunteers (19–78 years old, not someone
        the wishes and visits serve, not an office login), in plan order."""
        found = []
        for id_number, person in self.people.items():
            if (
                person.area_code[:9] != street_code
                or id_number in self.taken
                or id_number in self.login_people
                or _NOT_DRAWN & set(person.tags)
                or (person.political_status in PARTY) != party
                or not 19 <= _age(id_number, data.REFERENCE_DATE) <= 78
            ):
                continue
            found.append(id_number)
        return found

    def volunteer(self, id_number: str, rng: random.Random, org: str, team: str, joined: datetime.date):
        """Register ``id_number`` (if not yet) and affiliate them with ``org`` from ``joined``
        (never before their 18th birthday); returns the day they joined."""
        born = _birth(id_number)
        adult = born.replace(year=born.year + 18, day=28 if (born.month, born.day) == (2, 29) else born.day)
        joined = max(joined, adult)
        spec = self.out.volunteers.get(id_number)
        if spec is None:
            spec = VolunteerSpec(
                id_number=id_number,
                registered_on=joined,
                skills=sorted(rng.sample(vd.SKILLS, rng.choice((1, 1, 2, 2, 3)))),
                availability=rng.choice(vd.AVAILABILITY),
                sort_key=rng.random(),
            )
            self.out.volunteers[id_number] = spec
        spec.registered_on = min(spec.registered_on, joined)
        spec.affiliations.setdefault(org, (team, joined))
        self.taken.add(id_number)
        return spec.affiliations[org][1]

    # the schedule

    def schedule(self, series: tuple[vd.Series, ...], rng: random.Random) -> list[ActivitySpec]:
        activities = []
        for s in series:
            org = self.out.orgs[s.org]
            street = org[2]
            communities = self.communities[street]
            for i, day in enumerate(_occurrences(s.rule, s.since, vd.UPCOMING_UNTIL)):
                if s.rule.startswith(("weekly", "biweekly")) and _holiday_week(day):
                    continue
                starts = _at(day, s.start)
                ends = starts + datetime.timedelta(minutes=s.minutes)
                place, area = s.place, org[1]
                if "{community}" in place:
                    # In turn through the street's communities (红领之家: its zone's four).
                    nearby = communities[:4] if s.org == vd.HONGLING_HOME else communities
                    community = nearby[i % len(nearby)]
                    place, area = place.format(community=community.name), community.code
                past = starts < REFERENCE_MOMENT
                opens = (
                    starts - datetime.timedelta(days=rng.choice((7, 10, 14)), hours=rng.randint(0, 8))
                    if past
                    else _at(*vd.WINTER_PUBLISHED)
                )
                alliance = ""
                if s.joint and s.org == vd.HONGLING_HOME and day >= vd.HONGLING_ALLIANCE_FOUNDED:
                    alliance = vd.HONGLING_ALLIANCE
                activities.append(
                    ActivitySpec(
                        org=s.org,
                        series=s,
                        title=s.title
                        if s.rule.startswith(("weekly", "biweekly", "monthly"))
                        else (f"{day.year}年{s.title}"),
                        area_code=area,
                        place=place,
                        starts_at=starts,
                        ends_at=ends,
                        capacity=s.capacity,
                        signup_opens_at=opens,
                        signup_closes_at=starts,
                        cancel_cutoff_hours=24 if s.org == vd.HONGLING_HOME else 2,
                        alliance=alliance,
                        created_by=self.organizer_login(s.org),
                    )
                )
                cancelled = next(
                    (note for typhoon, note in vd.TYPHOON_DAYS.items() if abs((typhoon - day).days) <= 1),
                    None,
                )
                if cancelled and past:
                    activities[-1].status = ActivityStatus.CANCELLED
        # The same title twice on one moment would be the same activity.
        activities.sort(key=lambda a: (a.starts_at, a.title))
        return activities

    def organizer_login(self, org: str) -> str:
        if org == vd.HONGLING_HOME:
            return "org_leader"
        return "xinqi" if self.out.orgs[org][2] == data.XINQI.code else "district"

    # attendance

    def free(self, id_number: str, start: datetime.datetime, end: datetime.datetime) -> bool:
        return all(e <= start or s >= end for s, e in self.busy[(id_number, start.date())])

    def hold(self, id_number: str, start: datetime.datetime, end: datetime.datetime) -> None:
        self.busy[(id_number, start.date())].append((start, end))

    def attend(
        self, activity: ActivitySpec, id_number: str, rng: random.Random, *, hours: Decimal | None = None
    ) -> SignupSpec | None:
        """A confirmed sign-up with check-in and check-out and its record, if the person is
        free then: most come a little early and stay to the end, some come late or leave early.
        ``hours`` asks for exactly that many (a later check-in)."""
        starts, ends = activity.starts_at, activity.ends_at
        r = rng.random
        if hours is None:
            late = r() < 0.2
            check_in = starts + _MIN * (_pick(r, _LATE) if late else -1 - int(r() * 20))
            check_out = ends + _MIN * (int(r() * 16) if r() < 0.85 else -_pick(r, _EARLY))
        else:
            check_out = ends + _MIN * int(r() * 11)
            minutes = int(hours * 60)
            slack = min(20, activity.series.minutes - minutes)
            check_in = (
                ends - _MIN * (minutes + 1 + int(r() * slack))
                if slack >= 1
                else starts - _MIN * (1 + int(r() * 15))
            )
        check_in += _SECOND * int(r() * 60)
        check_out += _SECOND * int(r() * 60)
        day = (id_number, check_in.date())
        busy = self.busy[day]
        if any(s < check_out and e > check_in for s, e in busy):
            return None
        served = served_hours(starts, ends, check_in, check_out)
        if not served:
            return None
        busy.append((check_in, check_out))
        manual = starts.year < 2018 or r() < 0.12
        organizer = activity.created_by
        by = organizer if manual else ("volunteer" if id_number == self.volunteer_login else None)
        opens = activity.signup_opens_at
        if manual and r() < 0.5:  # entered on the roster afterwards
            signed = check_out + _MIN * (10 + int(r() * 80))
        else:
            signed = opens + (starts - _THREE_HOURS - opens) * r()
        pending = ends > REFERENCE_MOMENT - _PENDING
        decided = None
        if not pending:
            decided = _at(ends.date(), _EVENING) + datetime.timedelta(
                days=1 + int(r() * 6), minutes=int(r() * 120)
            )
        signup = SignupSpec(
            id_number=id_number,
            status=SignupStatus.CONFIRMED,
            created_at=signed,
            created_by=by,
            checked_in_at=check_in,
            checked_out_at=check_out,
            check_method=CheckMethod.MANUAL if manual else CheckMethod.QR,
            record=RecordSpec(
                status=RecordStatus.PENDING if pending else RecordStatus.APPROVED,
                hours=served,
                started_at=max(check_in, starts),
                ended_at=min(check_out, ends),
                created_by=by,
                created_at=max(check_out, signed),
                decided_by=None if pending else organizer,
                decided_at=decided,
            ),
        )
        activity.signups.append(signup)
        return signup

    def fill(self, activity: ActivitySpec, pool: _Pool, rng: random.Random, scale: float, forced: list[str]):
        """The past activity's attendance: the forced people first, then a weighted draw."""
        if activity.status == ActivityStatus.CANCELLED:
            for id_number in pool.draw(rng, activity.starts_at.date(), 8)[: rng.randint(2, 6)]:
                activity.signups.append(
                    SignupSpec(
                        id_number=id_number,
                        status=SignupStatus.CANCELLED,
                        created_at=activity.signup_opens_at + datetime.timedelta(hours=rng.randint(1, 48)),
                        cancelled_at=activity.starts_at - datetime.timedelta(hours=rng.randint(14, 30)),
                    )
                )
            return
        wanted = max(1, round(rng.gauss(activity.series.attend * scale, activity.series.attend * 0.2)))
        no_show = 1 if rng.random() < 0.25 else 0
        room = activity.capacity - no_show
        for id_number in forced:
            if len(activity.signups) < room:
                self.attend(activity, id_number, rng)
        present = {s.id_number for s in activity.signups}
        for id_number in pool.draw(rng, activity.starts_at.date(), 2 * wanted + 4):
            if len(activity.signups) >= min(wanted, room):
                break
            if (
                id_number not in present
                and id_number not in self.scheduled
                and self.attend(activity, id_number, rng)
            ):
                present.add(id_number)
        extras = [i for i in pool.draw(rng, activity.starts_at.date(), 6) if i not in present]
        extras = [i for i in extras if i not in self.scheduled]
        if no_show and extras:
            activity.signups.append(
                SignupSpec(
                    id_number=extras[0],
                    status=SignupStatus.CONFIRMED,
                    created_at=activity.signup_opens_at + datetime.timedelta(hours=rng.randint(1, 60)),
                )
            )
        if rng.random() < 0.2 and len(extras) > 1:
            activity.signups.append(
                SignupSpec(
                    id_number=extras[1],
                    status=SignupStatus.CANCELLED,
                    created_at=activity.signup_opens_at + datetime.timedelta(hours=rng.randint(1, 60)),
                    cancelled_at=activity.starts_at - datetime.timedelta(hours=rng.randint(30, 72)),
                )
            )

    # the plan

    def plan(self) -> VolunteersPlan:
        hongling = self.org(vd.HONGLING_HOME, vd.HONGLING_STREET)
        others = [o for o in vd.OTHER_ORGS if self.org(o.org, o.street)]
        if hongling is None:
            return self.out
        corrections = self.corrections()
        pools = {vd.HONGLING_HOME: self.hongling_register(corrections)}
        for other in others:
            pools[other.org] = self.other_register(other, corrections, pools[vd.HONGLING_HOME])
        series = [s for s in (*vd.HONGLING_SERIES, *vd.OTHER_SERIES) if s.org in pools]
        activities = self.schedule(tuple(series), self.rng("schedule"))
        hongling_past = self.trim(
            [a for a in activities if a.org == vd.HONGLING_HOME and a.past], self.rng("trim")
        )
        keep = {id(a) for a in hongling_past}
        activities = [
            a
            for a in activities
            if id(a) in keep
            or not (a.org == vd.HONGLING_HOME and a.past and a.status != ActivityStatus.CANCELLED)
        ]
        self.out.activities = activities
        self.attendance(activities, pools, corrections)
        self.manual_records(pools[vd.HONGLING_HOME])
        self.adjust_and_decline(activities)
        self.tune(activities, pools[vd.HONGLING_HOME])
        self.upcoming(activities, pools)
        self.wishes()
        self.certificate()
        return self.out

    def corrections(self) -> dict[str, CorrectionSpec]:
        """374 correction persons since 2014: the street's residents already tagged (the latest
        terms, still running) and residents drawn for its organizations, tagged when their term
        started. Each serves with a supervising organization during the term."""
        rng = self.rng("corrections")
        street = self.street_names[vd.HONGLING_STREET]
        tagged = [
            i
            for i, p in self.people.items()
            if Tag.COMMUNITY_CORRECTION in p.tags
            and p.area_code[:9] == street
            and 20 <= _age(i, data.REFERENCE_DATE) <= 62
        ]
        members = [
            i
            for i, p in self.people.items()
            if p.area_code[:9] == street
            and i not in self.leaders
            and i not in self.login_people
            and not p.tags
            and p.political_status == PoliticalStatus.MASSES
            and 26 <= _age(i, data.REFERENCE_DATE) <= 62
        ]
        chosen = rng.sample(members, vd.CORRECTION_TOTAL - len(tagged))
        span = (data.REFERENCE_DATE - vd.CORRECTION_SINCE).days - 20
        starts = sorted(
            vd.CORRECTION_SINCE + datetime.timedelta(days=rng.randrange(span))
            for _ in range(vd.CORRECTION_TOTAL)
        )
        out: dict[str, CorrectionSpec] = {}
        for id_number, start in zip(chosen + tagged, starts, strict=True):
            born = _birth(id_number)
            start = max(start, datetime.date(born.year + 18, born.month, min(born.day, 28)))
            if id_number in tagged:
                end = None
            else:
                end = start + datetime.timedelta(days=round(rng.choice(vd.CORRECTION_TERMS) * 30.44))
                end = end if end < data.REFERENCE_DATE else None
            weights = next(w for year, w in reversed(vd.CORRECTION_ORGS) if start.year >= year)
            weights = {o: n for o, n in weights.items() if o in self.out.orgs}
            org = rng.choices(list(weights), weights=list(weights.values()))[0]
            spec = CorrectionSpec(id_number=id_number, org=org, starts_on=start, ends_on=end)
            out[id_number] = spec
            self.out.corrections.append(spec)
            self.taken.add(id_number)
            self.scheduled.add(id_number)
        return out

    def _registered(self, rng: random.Random, since: datetime.date) -> datetime.date:
        """A registration day from ``since`` to a month before the reference date, more in
        later years."""
        years = list(range(since.year, data.REFERENCE_DATE.year + 1))
        year = rng.choices(years, weights=[3 + 2 * i for i in range(len(years))])[0]
        first = max(since, datetime.date(year, 1, 1))
        last = min(data.REFERENCE_DATE - datetime.timedelta(days=30), datetime.date(year, 12, 31))
        return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))

    def _member(self, rng: random.Random, id_number: str, joined: datetime.date) -> tuple:
        """(ID number, active from, active until, propensity): some serve for years and are
        still active, others drop off after a while; party members and veterans come more."""
        stays = rng.random() < 0.45
        until = (
            data.REFERENCE_DATE + datetime.timedelta(days=365)
            if stays
            else joined + datetime.timedelta(days=int(rng.expovariate(1 / (3.5 * 365))) + 60)
        )
        weight = rng.lognormvariate(0, 0.9)
        person = self.people[id_number]
        if person.political_status in PARTY:
            weight *= 1.3
        if Tag.VETERAN in person.tags:
            weight *= 1.3
        return (id_number, joined, until, weight)

    def _draw_near(self, rng: random.Random, ids: list[str], k: int, weight) -> list[str]:
        """``k`` of ``ids`` without replacement, weighted (Efraimidis–Spirakis keys)."""
        keys = sorted(ids, key=lambda i: rng.random() ** (1 / weight(i)), reverse=True)
        return keys[:k]

    def hongling_register(self, corrections: dict[str, CorrectionSpec]) -> _Pool:
        """1,206 volunteers: 711 party members and activists and the street's other residents,
        among them the correction persons 红领之家 supervises; the ``volunteer`` login's person
        since 2015. Neighbours of 百合社区 are likelier to join."""
        rng = self.rng("register:hongling")
        street = self.street_names[vd.HONGLING_STREET]
        home = self.out.orgs[vd.HONGLING_HOME][1][:12]
        zone = {c.code for c in self.communities[street][:4]}  # 百合片区's communities

        def near(i: str) -> float:
            community = self.people[i].area_code[:12]
            return 4.0 if community == home else 2.0 if community in zone else 1.0

        login = self.volunteer_login
        supervised = [c for c in corrections.values() if c.org == vd.HONGLING_HOME]
        party = [
            login,
            *self._draw_near(
                rng,
                [i for i in self.candidates(street, party=True) if i != login],
                vd.HONGLING_PARTY - 1,
                near,
            ),
        ]
        others = self._draw_near(
            rng,
            self.candidates(street, party=False),
            vd.HONGLING_VOLUNTEERS - vd.HONGLING_PARTY - len(supervised),
            near,
        )
        if (
            len(party) != vd.HONGLING_PARTY
            or len(others) + len(supervised) + len(party) != vd.HONGLING_VOLUNTEERS
        ):
            raise ValueError("新碶街道 has too few people for 红领之家's register")  # pragma: no cover
        members = []
        for id_number in party + others:
            team = rng.choices(vd.HONGLING_TEAMS, weights=(40, 25, 15, 10, 10))[0]
            if id_number == login:
                joined = self.volunteer(
                    id_number, rng, vd.HONGLING_HOME, vd.HONGLING_TEAMS[0], vd.LOGIN_JOINED
                )
                members.append((login, joined, data.REFERENCE_DATE + datetime.timedelta(days=365), 0.0))
                continue
            joined = self.volunteer(
                id_number, rng, vd.HONGLING_HOME, team, self._registered(rng, vd.HONGLING_SINCE)
            )
            members.append(self._member(rng, id_number, joined))
        for c in supervised:
            team = rng.choices(vd.HONGLING_TEAMS, weights=(40, 25, 15, 10, 10))[0]
            self.volunteer(c.id_number, rng, vd.HONGLING_HOME, team, c.starts_on)
        return _Pool(members)

    def other_register(
        self, other: vd.OrgVolunteers, corrections: dict[str, CorrectionSpec], hongling: _Pool
    ) -> _Pool:
        """Another organization's volunteers: some of 红领之家's (one person, several
        organizations, one set of hours) and the street's residents, neighbours first."""
        rng = self.rng(f"register:{other.org}")
        street = self.street_names[other.street]
        org_community = self.out.orgs[other.org][1][:12]
        supervised = [c for c in corrections.values() if c.org == other.org]
        shared_n = round(other.volunteers * other.shared_with_hongling)
        shared = rng.sample([m[0] for m in hongling.members if m[0] != self.volunteer_login], shared_n)
        n_party = round((other.volunteers - shared_n) * other.party_share)
        n_rest = other.volunteers - shared_n - n_party - len(supervised)

        def near(i: str) -> float:
            return 3.0 if self.people[i].area_code[:12] == org_community else 1.0

        chosen = shared
        chosen += self._draw_near(rng, self.candidates(street, party=True), n_party, near)
        chosen += self._draw_near(rng, self.candidates(street, party=False), n_rest, near)
        members = []
        for id_number in chosen:
            joined = self.volunteer(id_number, rng, other.org, "", self._registered(rng, other.since))
            members.append(self._member(rng, id_number, joined))
        if other.org == vd.LOGIN_SECOND_ORG and self.volunteer_login in self.out.volunteers:
            joined = self.volunteer(self.volunteer_login, rng, other.org, "", vd.LOGIN_SECOND_JOINED)
            members.append(
                (self.volunteer_login, joined, data.REFERENCE_DATE + datetime.timedelta(days=365), 0.0)
            )
        for c in supervised:
            self.volunteer(c.id_number, rng, other.org, "", c.starts_on)
        return _Pool(members)

    def trim(self, past: list[ActivitySpec], rng: random.Random) -> list[ActivitySpec]:
        """Drop occurrences (rain, a clash) until 红领之家 held exactly the source's number."""
        held = [a for a in past if a.status != ActivityStatus.CANCELLED]
        surplus = len(held) - vd.HONGLING_ACTIVITIES
        if surplus < 0:
            raise ValueError(f"红领之家's series give {len(held)} activities, fewer than the source's")
        dropped = {id(a) for a in rng.sample(held, surplus)}
        return [a for a in past if id(a) not in dropped]

    def attendance(self, activities: list[ActivitySpec], pools: dict[str, _Pool], corrections: dict) -> None:
        rngs = {org: self.rng(f"attendance:{org}") for org in pools}
        # The volunteer login: about one Tuesday in three at 敬老, now and then elsewhere.
        login_rng = self.rng("attendance:login")
        # Correction persons: an activity of their organization most months of their term.
        monthly: dict[tuple[str, int, int], list[ActivitySpec]] = defaultdict(list)
        for a in activities:
            if a.past and a.status != ActivityStatus.CANCELLED:
                monthly[(a.org, a.starts_at.year, a.starts_at.month)].append(a)
        forced: dict[int, list[str]] = defaultdict(list)
        crng = self.rng("attendance:corrections")
        for c in corrections.values():
            month = datetime.date(c.starts_on.year, c.starts_on.month, 1)
            end = c.ends_on or data.REFERENCE_DATE
            while month <= end:
                options = [
                    a
                    for a in monthly.get((c.org, month.year, month.month), [])
                    if c.starts_on <= a.starts_at.date() <= end
                    and a.series.category not in vd.CORRECTION_EXCLUDED
                ]
                if options and crng.random() < 0.93:
                    for a in crng.sample(options, min(len(options), 2 if crng.random() < 0.15 else 1)):
                        forced[id(a)].append(c.id_number)
                month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        login = self.volunteer_login
        scale = self.scale(activities)
        for a in activities:
            if not a.past:
                continue
            people = list(forced.get(id(a), ()))
            joined = (
                self.out.volunteers[login].affiliations.get(a.org) if login in self.out.volunteers else None
            )
            if joined and a.starts_at.date() >= joined[1]:
                chance = vd.LOGIN_CHANCE.get(a.series.rule) or vd.LOGIN_CHANCE.get(a.org, 0.0)
                if login_rng.random() < chance:
                    people.insert(0, login)
            self.fill(a, pools[a.org], rngs[a.org], scale.get(a.org, 1.0), people)

    def scale(self, activities: list[ActivitySpec]) -> dict[str, float]:
        """How much to scale 红领之家's usual attendance so its hours come out near the source's
        (the rest is tuned afterwards)."""
        planned = sum(
            a.series.attend * a.series.minutes / 60
            for a in activities
            if a.org == vd.HONGLING_HOME and a.past and a.status != ActivityStatus.CANCELLED
        )
        return {vd.HONGLING_HOME: 0.93 * vd.HONGLING_HOURS / planned}

    def manual_records(self, pool: _Pool) -> None:
        """A few records outside any activity (手工补录), entered by 红领之家 with a reason."""
        rng = self.rng("manual")
        for year in range(2013, data.REFERENCE_DATE.year + 1):
            festival = vd.SPRING_FESTIVAL[year]
            for _ in range(2):
                day = festival + datetime.timedelta(days=rng.randint(1, 5))
                start = _at(day, datetime.time(rng.choice((9, 10, 14, 15)), 0))
                end = start + datetime.timedelta(hours=2)
                for id_number in pool.draw(rng, day, 6):
                    if id_number != self.volunteer_login and self.free(id_number, start, end):
                        self.hold(id_number, start, end)
                        self.out.manual.append(
                            ManualSpec(
                                id_number=id_number,
                                org=vd.HONGLING_HOME,
                                served_on=day,
                                started_at=start,
                                ended_at=end,
                                hours=Decimal("2.00"),
                                content="春节期间上门探望独居老兵",
                                reason="春节假期临时上门服务，未发布活动，按服务台账补录",
                                place="百合社区独居老兵家中",
                                by="org_leader",
                            )
                        )
                        break

    def adjust_and_decline(self, activities: list[ActivitySpec]) -> None:
        """Now and then an approved record is corrected by an adjusting record, and a record
        of someone who checked in but did not serve is declined."""
        rngs = {org: self.rng(f"adjust:{org}") for org in self.out.orgs}
        for a in activities:
            rng = rngs[a.org]
            for s in a.signups:
                r = s.record
                if r is None or r.status != RecordStatus.APPROVED:
                    continue
                roll = rng.random()
                if roll < 0.0015:
                    r.status = RecordStatus.DECLINED
                    r.reason = "签到后未实际参加服务"
                elif roll < 0.003 and r.decided_at is not None:
                    moment = r.decided_at + datetime.timedelta(days=rng.randint(3, 20))
                    if moment < REFERENCE_MOMENT:
                        r.adjustments.append((Decimal("0.50"), "漏记了会后整理场地的时间，补记", moment))

    def hongling_hours(self, activities: list[ActivitySpec]) -> Decimal:
        total = sum(m.hours for m in self.out.manual if m.org == vd.HONGLING_HOME)
        for a in activities:
            if a.org != vd.HONGLING_HOME:
                continue
            for s in a.signups:
                r = s.record
                if r is not None and r.status == RecordStatus.APPROVED:
                    total += r.hours + sum(h for h, _r, _m in r.adjustments)
        return Decimal(total)

    def tune(self, activities: list[ActivitySpec], pool: _Pool) -> None:
        """Add attendees to 红领之家's approved activities, then shorten a few stays (a later
        check-in), until its approved hours are the source's 47,525 exactly."""
        rng = self.rng("tune")
        target = Decimal(vd.HONGLING_HOURS)
        held = [
            a
            for a in activities
            if a.org == vd.HONGLING_HOME
            and a.past
            and a.status != ActivityStatus.CANCELLED
            and a.ends_at <= REFERENCE_MOMENT - datetime.timedelta(days=vd.PENDING_DAYS)
        ]
        total = self.hongling_hours(activities)
        for _ in range(200_000):
            if total >= target:
                break
            a = rng.choice(held)
            if sum(1 for s in a.signups if s.status == SignupStatus.CONFIRMED) >= a.capacity:
                continue
            present = {s.id_number for s in a.signups}
            candidates = [
                i
                for i in pool.draw(rng, a.starts_at.date(), 4)
                if i not in present and i not in self.scheduled and i != self.volunteer_login
            ]
            if not candidates:
                continue
            full = Decimal(a.series.minutes) / 60
            missing = target - total
            signup = self.attend(a, candidates[0], rng, hours=missing if missing < full else None)
            if signup is not None and signup.record is not None:
                total += signup.record.hours
        # Too much now: shorten stays until it is exact.
        stays = [
            (a, s)
            for a in held
            for s in a.signups
            if s.record is not None
            and s.record.status == RecordStatus.APPROVED
            and s.record.hours >= 1
            and s.id_number not in self.scheduled
            and s.id_number != self.volunteer_login
        ]
        rng.shuffle(stays)
        for a, signup in stays:
            if total <= target:
                break
            record = signup.record
            assert record is not None  # noqa: S101 - for the type checker
            assert record.ended_at is not None  # noqa: S101
            hours = record.hours - min(total - target, record.hours - Decimal("0.5"))
            check_in = record.ended_at - datetime.timedelta(minutes=int(hours * 60) + rng.randint(1, 20))
            if check_in <= max(a.starts_at, signup.checked_in_at):
                continue
            assert signup.checked_out_at is not None  # noqa: S101
            served = served_hours(a.starts_at, a.ends_at, check_in, signup.checked_out_at)
            total -= record.hours - served
            signup.checked_in_at = record.started_at = check_in
            record.hours = served
        if total != target:  # pragma: no cover - a plan that cannot reach the source's figure
            raise ValueError(f"红领之家's hours came out at {total}, not {target}")

    def upcoming(self, activities: list[ActivitySpec], pools: dict[str, _Pool]) -> None:
        """Sign-ups for the winter schedule, made between its publication and the reference
        date; beyond the capacity the later ones wait. The ``volunteer`` login signed up early
        for the first 敬老 of each month and December's 护绿 (confirmed) and late for two full
        activities, the first 老兵讲堂 and the New Year visit to veterans (waitlisted). People
        serving a correction term now sign up like anyone."""
        rngs = {org: self.rng(f"upcoming:{org}") for org in self.out.orgs}
        published = _at(*vd.WINTER_PUBLISHED)
        window = REFERENCE_MOMENT - datetime.timedelta(hours=1) - published
        login = self.volunteer_login
        has_login = login in self.out.volunteers
        ahead = [a for a in activities if not a.past]
        confirmed_for: set[int] = set()
        months: set[tuple[int, int]] = set()
        for a in ahead:
            month = (a.starts_at.year, a.starts_at.month)
            if a.org == vd.HONGLING_HOME and a.series.rule == "weekly:1" and month not in months:
                months.add(month)
                confirmed_for.add(id(a))
            elif a.org == vd.HONGLING_HOME and a.series.category == "greening" and month == (2026, 12):
                confirmed_for.add(id(a))
        hongling = [a for a in ahead if a.org == vd.HONGLING_HOME]
        full = [
            next(a for a in hongling if a.series.rule.startswith("monthly:-1")),
            next(a for a in hongling if a.series.rule == "spring"),
        ]
        waitlisted_for = {id(a) for a in full} if has_login else set()
        running = defaultdict(list)
        for c in self.out.corrections:
            if c.ends_on is None:
                running[c.org].append(c.id_number)
        for a in ahead:
            rng = rngs[a.org]
            soon = a.starts_at < REFERENCE_MOMENT + datetime.timedelta(days=14)
            fill = (
                1.0 if id(a) in waitlisted_for else rng.uniform(0.6, 1.15) if soon else rng.uniform(0.1, 0.6)
            )
            wanted = round(a.capacity * fill)
            drawn = pools[a.org].draw(rng, data.REFERENCE_DATE, 2 * wanted + 6)
            people = [i for i in drawn if i != login][:wanted]
            people += [
                i
                for i in running[a.org]
                if a.series.category not in vd.CORRECTION_EXCLUDED and rng.random() < 0.2
            ]
            entries = [(i, published + window * rng.random()) for i in people]
            if has_login and id(a) in confirmed_for:
                entries.append((login, published + datetime.timedelta(minutes=rng.randint(20, 300))))
            if id(a) in waitlisted_for:
                taken = {i for i, _t in entries}
                late = [
                    i
                    for i in pools[a.org].draw(rng, data.REFERENCE_DATE, 12)
                    if i not in taken and i != login
                ]
                entries += [
                    (i, REFERENCE_MOMENT - datetime.timedelta(hours=rng.randint(30, 40))) for i in late[:2]
                ]
                entries.append((login, REFERENCE_MOMENT - datetime.timedelta(hours=rng.randint(2, 20))))
            entries.sort(key=lambda e: e[1])
            for n, (id_number, moment) in enumerate(entries):
                a.signups.append(
                    SignupSpec(
                        id_number=id_number,
                        status=SignupStatus.CONFIRMED if n < a.capacity else SignupStatus.WAITLISTED,
                        created_at=moment,
                        created_by="volunteer" if id_number == login else None,
                    )
                )

    def wishes(self) -> None:
        """Micro-wishes of 百合社区 (the ``community`` login's), in every state; the
        beneficiaries are its residents with the wish's tag (veterans for the New Year's)."""
        rng = self.rng("wishes")
        community = self.logins["community"].area_code
        by_tag: dict[str, list[str]] = defaultdict(list)
        for id_number, person in self.people.items():
            if person.area_code[:12] == community and person.home_grid_code:
                for tag in person.tags:
                    by_tag[tag].append(id_number)
        for tag in by_tag:
            rng.shuffle(by_tag[tag])
        used: dict[str, int] = defaultdict(int)
        names = {
            "volunteer": self.people[self.volunteer_login].name,
            "org_leader": vd.HONGLING_HOME,
            "resident": self.logins["resident"].display_name,
        }
        for w in vd.WISHES:
            choices = by_tag.get(w.tag) or by_tag[Tag.ELDERLY]
            beneficiary = choices[used[w.tag] % len(choices)]
            used[w.tag] += 1
            events, fulfil_by = _wish_timeline(w, rng, names)
            self.out.wishes.append(
                WishSpec(
                    data=w,
                    beneficiary=beneficiary,
                    area_code=community,
                    posted_by="community",
                    claimer=w.claimer,
                    fulfil_by=fulfil_by,
                    events=events,
                )
            )

    def certificate(self) -> None:
        """The ``volunteer`` login's certificate, issued two weeks before the reference date."""
        login = self.volunteer_login
        if login not in self.out.volunteers:
            return
        issued = _at(data.REFERENCE_DATE - datetime.timedelta(days=17), datetime.time(10, 12))
        digest = hashlib.sha256(f"{self.seed}:volunteers:certificate:{login}".encode()).hexdigest()
        self.out.certificate = (f"ZM{issued.year}-{digest[:10].upper()}", login, issued)


def _wish_timeline(
    w: vd.WishData, rng: random.Random, names: dict[str, str]
) -> tuple[list[tuple[str, str, str, str | None, str, datetime.datetime]], datetime.date | None]:
    """A wish's events from posting to its state at the reference date, each a step of
    ``WISH_TRANSITIONS`` (the sweep, as actor None, releases and expires), and the day a claim
    must be fulfilled by."""
    posted = _at(w.posted, datetime.time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))))
    events: list[tuple[str, str, str, str | None, str, datetime.datetime]] = [
        (WishAction.POST, "", WishStatus.POSTED, "community", "", posted)
    ]
    fulfil_by = None

    def later(low: int, high: int) -> datetime.datetime:
        return events[-1][5] + datetime.timedelta(days=rng.randint(low, high), minutes=rng.randint(30, 300))

    def step(action: str, actor: str | None, note: str, moment: datetime.datetime) -> None:
        before = events[-1][2]
        allowed, after = WISH_TRANSITIONS[action]
        if before not in allowed:  # pragma: no cover - a data error
            raise ValueError(f"wish {w.title}: cannot {action} from {before}")
        events.append((action, before, after, actor, note, moment))

    if w.status == WishStatus.EXPIRED:
        step(WishAction.EXPIRE, None, "", _at(w.expires + datetime.timedelta(days=1), datetime.time(2, 0)))
    elif w.status == WishStatus.WITHDRAWN:
        if w.claimer:
            step(WishAction.CLAIM, w.claimer, names[w.claimer], later(1, 4))
        step(WishAction.WITHDRAW, "community", w.note, later(3, 10))
    elif w.status != WishStatus.POSTED:
        if w.released:
            step(WishAction.CLAIM, "volunteer", names["volunteer"], later(1, 2))
            lapsed = events[-1][5].date() + datetime.timedelta(days=w.claim_days + 1)
            step(WishAction.RELEASE, None, "认领后逾期未完成", _at(lapsed, datetime.time(2, 0)))
        step(WishAction.CLAIM, w.claimer, names[w.claimer], later(1, 3))
        fulfil_by = events[-1][5].date() + datetime.timedelta(days=w.claim_days)
        if w.status in (WishStatus.FULFILLED, WishStatus.CONFIRMED):
            step(WishAction.FULFIL, w.claimer, "", later(2, min(10, w.claim_days - 1)))
        if w.status == WishStatus.CONFIRMED:
            step(WishAction.CONFIRM, "community", vd.CONFIRM_NOTE, later(1, 3))
    if events[-1][2] != w.status or events[-1][5] >= REFERENCE_MOMENT:  # pragma: no cover
        raise ValueError(f"wish {w.title} does not end {w.status} before the reference date")
    return events, fulfil_by


def plan_volunteers(plan: Any, *, seed: int = data.DEMO_SEED, org_plan: Any = None) -> VolunteersPlan:
    """The demo's volunteers for ``plan``'s streets, from the seed alone (the organizations'
    plan is made again from the same seed unless given)."""
    from gongzhi.demo.organizations import plan_organizations

    org_plan = org_plan or plan_organizations(plan, seed=seed)
    return _Planner(seed, plan, org_plan).plan()


# --- loading ----------------------------------------------------------------------------------


def _insert_many(model: type, rows: list[dict[str, Any]]) -> None:
    """``cases._insert_rows`` for the big tables (sign-ups and records): the same INSERT, but
    aware datetimes are adapted the way the backend's own ``adapt_datetimefield_value`` does
    (on SQLite: text in the connection's time zone) without the trip through the field for
    each of a quarter of a million values, which took seconds."""
    if not rows:
        return
    db = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if f.column in rows[0] or not f.primary_key]
    defaults = [f for f in fields if f.column not in rows[0]]
    moments = [f.column for f in fields if f.get_internal_type() == "DateTimeField"]
    others = [f for f in fields if f.get_internal_type() in ("DateField", "JSONField", "DecimalField")]
    if db.vendor == "sqlite":
        zone = db.timezone

        def moment(value: datetime.datetime) -> Any:
            return str(value.astimezone(zone).replace(tzinfo=None))
    else:
        moment = db.ops.adapt_datetimefield_value
    columns = [f.column for f in fields]
    values = []
    for row in rows:
        for f in defaults:
            row[f.column] = f.get_default()
        for column in moments:
            if row[column] is not None:
                row[column] = moment(row[column])
        for f in others:
            if row[f.column] is not None:
                row[f.column] = f.get_db_prep_save(row[f.column], db)
        values.append([row[c] for c in columns])
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - identifiers from the model, values bound  # nosec B608
        quote(model._meta.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with db.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


def _next_ids(*models: type) -> dict[type, itertools.count]:
    return {m: itertools.count((m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1) for m in models}


def _reset_sequences(*models: type) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def load_volunteers(plan: Any, *, seed: int = data.DEMO_SEED) -> dict[str, int]:
    """Insert what the database lacks of the demo's volunteers for ``plan``'s streets, in one
    transaction; return counts of inserted rows by kind. The demo organizations must be loaded
    (``load_organizations``); without 红领之家 (a build without 新碶街道) nothing is planned."""
    from gongzhi.demo.builder import _load_people
    from gongzhi.demo.organizations import _existing_orgs, plan_organizations

    org_plan = plan_organizations(plan, seed=seed)
    vplan = plan_volunteers(plan, seed=seed, org_plan=org_plan)
    created = dict.fromkeys(
        (
            "volunteers",
            "volunteer_affiliations",
            "volunteer_activities",
            "activity_signups",
            "service_records",
            "correction_tags",
            "correction_assignments",
            "wishes",
            "wish_events",
            "certificates",
        ),
        0,
    )
    if not vplan.volunteers:
        return created
    with transaction.atomic():
        areas = {a.code: a for a in Area.objects.filter(path__prefix=f"/{data.DISTRICT_CODE}/")}
        known = _existing_orgs([a.pk for a in areas.values() if a.level == AreaLevel.STREET])
        orgs = {name: known.get(key) for name, (key, _area, _street) in vplan.orgs.items()}
        missing = sorted(name for name, pk in orgs.items() if pk is None)
        if missing:
            from gongzhi.core.exceptions import DomainError

            raise DomainError(f"演示志愿者的组织尚未加载：{missing[:3]}（请先加载演示社会组织）。")
        users = dict(
            User.objects.filter(
                username__in=[
                    "org_leader",
                    "xinqi",
                    "district",
                    "community",
                    "volunteer",
                    "resident",
                    "justice",
                ]
            ).values_list("username", "pk")
        )
        people = {p.id_number: p for p in [*plan.people, *org_plan.people]}
        wanted = {
            *vplan.volunteers,
            *(c.id_number for c in vplan.corrections),
            *(w.beneficiary for w in vplan.wishes),
        }
        person_ids, _inserted = _load_people([people[i] for i in sorted(wanted)], areas)
        created["correction_tags"] = _load_correction_tags(vplan, person_ids, users)
        volunteer_ids, created["volunteers"] = _load_register(vplan, person_ids, users)
        created["volunteer_affiliations"] = _load_affiliations(vplan, volunteer_ids, orgs)
        counts = _load_activities(vplan, areas, orgs, users, volunteer_ids)
        created.update(counts)
        created["service_records"] += _load_manual(vplan, orgs, users, volunteer_ids)
        created["correction_assignments"] = _load_corrections(vplan, person_ids, orgs, users)
        created["wishes"], created["wish_events"] = _load_wishes(vplan, areas, person_ids, orgs, users)
        created["certificates"] = _load_certificate(vplan, volunteer_ids, users)
        _reset_sequences(Volunteer, Activity, Signup, ServiceRecord)
    return created


def _load_correction_tags(vplan: VolunteersPlan, person_ids: dict[str, int], users: dict) -> int:
    wanted = {person_ids[c.id_number] for c in vplan.corrections}
    present = set(
        PersonTag.objects.filter(person_id__in=wanted, tag=Tag.COMMUNITY_CORRECTION).values_list(
            "person_id", flat=True
        )
    )
    starts = {person_ids[c.id_number]: c.starts_on for c in vplan.corrections}
    rows = [
        {
            "person_id": pk,
            "tag": Tag.COMMUNITY_CORRECTION,
            "created_by_id": users.get("justice"),
            "created_at": _at(starts[pk], datetime.time(10, 0)),
        }
        for pk in sorted(wanted - present)
    ]
    _insert_rows(PersonTag, rows)
    return len(rows)


def _load_register(
    vplan: VolunteersPlan, person_ids: dict[str, int], users: dict
) -> tuple[dict[str, int], int]:
    """Volunteers by ID number; the missing ones inserted with numbers ``ZY<year><sequence>``
    in registration order, continuing each year's numbers already in the database."""
    by_person = dict(
        Volunteer.objects.filter(person_id__in=[person_ids[i] for i in vplan.volunteers]).values_list(
            "person_id", "pk"
        )
    )
    new = sorted(
        (v for v in vplan.volunteers.values() if person_ids[v.id_number] not in by_person),
        key=lambda v: (v.registered_on, v.sort_key),
    )
    ids = _next_ids(Volunteer)[Volunteer]
    sequence: dict[int, int] = {}
    rows = []
    rng = random.Random("volunteers:timestamps")
    for v in new:
        year = v.registered_on.year
        if year not in sequence:
            last = (
                Volunteer.objects.filter(number__startswith=f"ZY{year}")
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            sequence[year] = int(last[6:]) if last else 0
        sequence[year] += 1
        pk = next(ids)
        rows.append(
            {
                "id": pk,
                "person_id": person_ids[v.id_number],
                "number": f"ZY{year}{sequence[year]:06d}",
                "skills": v.skills,
                "availability": v.availability,
                "status": "active",
                "registered_on": v.registered_on,
                "created_by_id": users.get("org_leader") if vd.HONGLING_HOME in v.affiliations else None,
                "created_at": _at(v.registered_on, datetime.time(rng.randint(9, 17), rng.randint(0, 59))),
            }
        )
        by_person[person_ids[v.id_number]] = pk
    _insert_rows(Volunteer, rows)
    return {i: by_person[person_ids[i]] for i in vplan.volunteers}, len(rows)


def _load_affiliations(vplan: VolunteersPlan, volunteer_ids: dict[str, int], orgs: dict[str, int]) -> int:
    present = set(
        Affiliation.objects.filter(volunteer_id__in=volunteer_ids.values(), left_on__isnull=True).values_list(
            "volunteer_id", "organization_id"
        )
    )
    rows = []
    for v in vplan.volunteers.values():
        for org, (team, joined) in v.affiliations.items():
            key = (volunteer_ids[v.id_number], orgs[org])
            if key not in present:
                present.add(key)
                rows.append(
                    Affiliation(volunteer_id=key[0], organization_id=key[1], team=team, joined_on=joined)
                )
    Affiliation.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _load_activities(
    vplan: VolunteersPlan,
    areas: dict[str, Area],
    orgs: dict[str, int],
    users: dict,
    volunteer_ids: dict[str, int],
) -> dict[str, int]:
    """New activities with their sign-ups and records (existing ones are left alone)."""
    org_ids = set(orgs.values())
    existing = set(
        Activity.objects.filter(organizer_id__in=org_ids).values_list("organizer_id", "title", "starts_at")
    )
    alliances = dict(Alliance.objects.values_list("name", "pk"))
    new = [a for a in vplan.activities if (orgs[a.org], a.title, a.starts_at) not in existing]
    ids = _next_ids(Activity, Signup, ServiceRecord)
    activities, signups, records = [], [], []
    for a in new:
        activity_id = next(ids[Activity])
        activities.append(
            {
                "id": activity_id, "title": a.title, "category": a.series.category,
                "description": a.series.description, "organizer_id": orgs[a.org], "team": a.series.team,
                "alliance_id": alliances.get(a.alliance) if a.alliance else None, "project_id": None,
                "area_id": areas[a.area_code].pk, "place": a.place, "starts_at": a.starts_at,
                "ends_at": a.ends_at, "capacity": a.capacity, "signup_opens_at": a.signup_opens_at,
                "signup_closes_at": a.signup_closes_at, "cancel_cutoff_hours": a.cancel_cutoff_hours,
                "status": a.status, "created_by_id": users.get(a.created_by),
                "created_at": a.signup_opens_at - datetime.timedelta(hours=20),
            }
        )  # fmt: skip
        for s in a.signups:
            signup_id = next(ids[Signup])
            promoted = None
            signups.append(
                {
                    "id": signup_id, "activity_id": activity_id, "volunteer_id": volunteer_ids[s.id_number],
                    "status": s.status, "checked_in_at": s.checked_in_at, "checked_out_at": s.checked_out_at,
                    "check_method": s.check_method, "promoted_at": promoted, "cancelled_at": s.cancelled_at,
                    "created_by_id": users.get(s.created_by) if s.created_by else None,
                    "created_at": s.created_at,
                }
            )  # fmt: skip
            r = s.record
            if r is None:
                continue
            record_id = next(ids[ServiceRecord])
            common = {
                "volunteer_id": volunteer_ids[s.id_number], "activity_id": activity_id,
                "organization_id": orgs[a.org], "area_id": areas[a.area_code].pk,
                "served_on": a.starts_at.astimezone(TZ).date(), "place": a.place, "content": a.title,
            }  # fmt: skip
            records.append(
                {
                    "id": record_id, **common, "signup_id": signup_id, "kind": RecordKind.ACTIVITY,
                    "status": r.status, "started_at": r.started_at, "ended_at": r.ended_at,
                    "computed_hours": r.hours, "hours": r.hours, "reason": r.reason, "adjusts_id": None,
                    "created_by_id": users.get(r.created_by) if r.created_by else None,
                    "created_at": r.created_at, "decided_by_id": users.get(r.decided_by) if r.decided_by else None,
                    "decided_at": r.decided_at,
                }
            )  # fmt: skip
            for hours, reason, moment in r.adjustments:
                records.append(
                    {
                        "id": next(ids[ServiceRecord]), **common, "signup_id": None,
                        "kind": RecordKind.ADJUSTMENT, "status": RecordStatus.APPROVED, "started_at": None,
                        "ended_at": None, "computed_hours": None, "hours": hours, "reason": reason,
                        "adjusts_id": record_id, "created_by_id": users.get(r.decided_by),
                        "created_at": moment, "decided_by_id": users.get(r.decided_by), "decided_at": moment,
                    }
                )  # fmt: skip
    _insert_rows(Activity, activities)
    _insert_many(Signup, signups)
    _insert_many(ServiceRecord, records)
    return {
        "volunteer_activities": len(activities),
        "activity_signups": len(signups),
        "service_records": len(records),
    }


def _load_manual(
    vplan: VolunteersPlan, orgs: dict[str, int], users: dict, volunteer_ids: dict[str, int]
) -> int:
    present = set(
        ServiceRecord.objects.filter(
            kind=RecordKind.MANUAL, organization_id__in=set(orgs.values())
        ).values_list("volunteer_id", "started_at")
    )
    ids = _next_ids(ServiceRecord)[ServiceRecord]
    area_of = dict(Organization.objects.filter(pk__in=orgs.values()).values_list("pk", "area_id"))
    rows = []
    for m in vplan.manual:
        volunteer = volunteer_ids[m.id_number]
        if (volunteer, m.started_at) in present:
            continue
        decided = _at(m.served_on + datetime.timedelta(days=3), datetime.time(19, 30))
        rows.append(
            {
                "id": next(ids), "volunteer_id": volunteer, "activity_id": None, "signup_id": None,
                "organization_id": orgs[m.org], "area_id": area_of[orgs[m.org]], "kind": RecordKind.MANUAL,
                "status": RecordStatus.APPROVED, "served_on": m.served_on, "started_at": m.started_at,
                "ended_at": m.ended_at, "place": m.place, "content": m.content, "computed_hours": None,
                "hours": m.hours, "reason": m.reason, "adjusts_id": None, "created_by_id": users.get(m.by),
                "created_at": decided - datetime.timedelta(days=1), "decided_by_id": users.get(m.by),
                "decided_at": decided,
            }
        )  # fmt: skip
    _insert_rows(ServiceRecord, rows)
    return len(rows)


def _load_corrections(
    vplan: VolunteersPlan, person_ids: dict[str, int], orgs: dict[str, int], users: dict
) -> int:
    present = set(
        CorrectionAssignment.objects.filter(
            person_id__in=[person_ids[c.id_number] for c in vplan.corrections]
        ).values_list("person_id", "starts_on")
    )
    rows = [
        {
            "person_id": person_ids[c.id_number], "organization_id": orgs[c.org], "starts_on": c.starts_on,
            "ends_on": c.ends_on, "note": vd.CORRECTION_NOTE, "created_by_id": users.get("justice"),
            "created_at": _at(c.starts_on, datetime.time(10, 30)),
        }
        for c in vplan.corrections
        if (person_ids[c.id_number], c.starts_on) not in present
    ]  # fmt: skip
    _insert_rows(CorrectionAssignment, rows)
    return len(rows)


def _load_wishes(
    vplan: VolunteersPlan,
    areas: dict[str, Area],
    person_ids: dict[str, int],
    orgs: dict[str, int],
    users: dict,
) -> tuple[int, int]:
    existing = set(Wish.objects.values_list("title", "area__code"))
    new = [w for w in vplan.wishes if (w.data.title, w.area_code) not in existing]
    rows = []
    for w in new:
        claimer = (
            w.claimer
            if w.data.status in (WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED)
            else ""
        )
        kind = {
            "volunteer": ClaimerKind.VOLUNTEER,
            "org_leader": ClaimerKind.ORGANIZATION,
            "resident": ClaimerKind.DONOR,
        }
        name = next((e[4] for e in reversed(w.events) if e[0] == WishAction.CLAIM), "") if claimer else ""
        rows.append(
            {
                "title": w.data.title, "category": w.data.category, "description": w.data.description,
                "estimated_value": Decimal(w.data.value).quantize(Decimal("0.01")),
                "beneficiary_id": person_ids[w.beneficiary], "area_id": areas[w.area_code].pk,
                "status": w.data.status, "expires_on": w.data.expires, "claim_days": w.data.claim_days,
                "fulfil_by": w.fulfil_by if claimer else None, "claimed_by_id": users.get(claimer) if claimer else None,
                "claimer_kind": kind[claimer] if claimer else "", "claimer_name": name,
                "claimer_organization_id": orgs.get(vd.HONGLING_HOME) if claimer == "org_leader" else None,
                **Wish.claimer_phone.values(""), "proof": vd.FULFIL_PROOF if w.data.status in ("fulfilled", "confirmed") else "",
                "posted_by_id": users.get(w.posted_by), "created_at": w.events[0][5], "updated_at": w.events[-1][5],
            }
        )  # fmt: skip
    _insert_rows(Wish, rows)
    ids = {
        (t, a): pk
        for t, a, pk in Wish.objects.filter(title__in=[w.data.title for w in new]).values_list(
            "title", "area__code", "pk"
        )
    }
    events = [
        {
            "wish_id": ids[(w.data.title, w.area_code)], "action": action, "from_status": before,
            "to_status": after, "actor_id": users.get(actor) if actor else None, "note": note, "created_at": moment,
        }
        for w in new
        for action, before, after, actor, note, moment in w.events
    ]  # fmt: skip
    _insert_rows(WishEvent, events)
    return len(rows), len(events)


def _load_certificate(vplan: VolunteersPlan, volunteer_ids: dict[str, int], users: dict) -> int:
    """The ``volunteer`` login's certificate: a snapshot of the approved hours when issued."""
    if vplan.certificate is None:
        return 0
    number, id_number, issued = vplan.certificate
    if Certificate.objects.filter(number=number).exists():
        return 0
    approved = [
        (a.starts_at.astimezone(TZ).date(), s.record)
        for a in vplan.activities
        for s in a.signups
        if s.id_number == id_number
        and s.record is not None
        and s.record.status == RecordStatus.APPROVED
        and s.record.decided_at < issued
    ]
    hours = sum((r.hours + sum(h for h, _n, m in r.adjustments if m < issued) for _d, r in approved), ZERO)
    days = sorted(d for d, _r in approved)
    _insert_rows(
        Certificate,
        [
            {
                "number": number, "volunteer_id": volunteer_ids[id_number], "hours": hours,
                "records": len(approved), "first_served_on": days[0] if days else None,
                "last_served_on": days[-1] if days else None,
                "star_level": star_level(hours, DEFAULT_STAR_THRESHOLDS), "issued_by_id": users.get("volunteer"),
                "issued_at": issued,
            }
        ],
    )  # fmt: skip
    return 1
