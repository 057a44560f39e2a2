"""Demo social organizations: ~440 registered and ~2,200 filed organizations over the demo
district (about 33 per 10,000 residents), with leaders and members, filing numbers and their
applications, service platforms and incubations, annual reports (about 8% of last year's
missing), ratings, party building, and the two alliances (facts in ``organization_data``).

Like the district (``builder``) and the cases (``cases``), the organizations are first
*planned* in memory from the seed alone, each street from its own random stream (so a smaller
build is a subset of the full one), then *loaded*, inserting only what the database lacks:

- Organizations are matched by natural key: a filed one by its street and name, a registered
  one by its credit code. Their members, history, applications, reports, ratings and
  incubations are written with the organization and only then; a second run writes nothing.
- People: every organization has a leader of its own (a new person; 红领之家 is led by the
  ``org_leader`` login's person), and members come from the community's residents — the
  district's people plus a few new residents per community — so people belong to two or
  three organizations each rather than the district needing 30,000 people.
- Filing numbers are ``<street code>-<year>-<sequence>`` in filing order, and each street
  and year's ``FilingCounter`` is raised to the last number used, so the next approval
  continues the sequence.
- 红联社区 (小港街道) is built to the source's figures: 80% of the leaders of its
  organizations and 80% of its party members belong to one.
- Rows with timestamps the ORM would set to "now" (histories, applications, reports, posts)
  are inserted with ``cases._insert_rows`` so they carry their real moments.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.demo import data
from gongzhi.demo import organization_data as od
from gongzhi.demo.case_simulation import TZ
from gongzhi.demo.cases import _insert_rows
from gongzhi.organizations.choices import (
    ApplicationStatus,
    IncubationStage,
    MemberRole,
    OrgAction,
    OrgStatus,
    PartyOrgType,
    PlatformLevel,
    Track,
)
from gongzhi.organizations.models import (
    Alliance,
    AllianceMembership,
    AlliancePost,
    AnnualReport,
    FilingApplication,
    FilingCounter,
    FilingRule,
    Incubation,
    Membership,
    Organization,
    OrganizationChange,
    OrganizationDomain,
    Rating,
    ServicePlatform,
)
from gongzhi.organizations.validators import ALPHABET, credit_check_char
from gongzhi.people.choices import PoliticalStatus

_BATCH = 500
_PARTY = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)
_NAMED = {n.name for n in od.NAMED}


@dataclass
class OrgSpec:
    name: str
    track: str
    status: str
    area_code: str
    street_code: str
    leader: str  # the leader's ID number
    members: list[tuple[str, str, datetime.date]] = field(default_factory=list)  # id number, role, joined
    category: str = ""
    legal_form: str = ""
    credit_code: str = ""
    registered_on: datetime.date | None = None
    filed_on: datetime.date | None = None
    filing_number: str | None = None
    founded_on: datetime.date | None = None
    venue: str = ""
    phone: str = ""
    description: str = ""
    domains: tuple[str, ...] = ()
    party_org_type: str = PartyOrgType.NONE
    party_org_name: str = ""
    # (action, from, to, date, note) in order
    history: list[tuple[str, str, str, datetime.date, str]] = field(default_factory=list)
    reports: list[int] = field(default_factory=list)
    ratings: list[tuple[int, Decimal, datetime.date]] = field(default_factory=list)
    # (platform key, stage, mentor, entered, cultivating, ended, outcome)
    incubation: tuple | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (
            ("registered", self.credit_code)
            if self.credit_code
            else ("filed", f"{self.street_code}:{self.name}")
        )


@dataclass
class OrgPlan:
    people: list[Any] = field(default_factory=list)  # builder.PersonSpec
    platforms: list[tuple[str, str, str]] = field(default_factory=list)  # area code, name, level
    orgs: list[OrgSpec] = field(default_factory=list)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)


# --- codes and dates --------------------------------------------------------------------------


def _org_code(body8: str) -> str:
    """A 9-character organization code (GB 11714): 8 characters and their check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body8, weights, strict=True))
    check = 11 - total % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(legal_form: str, street_number: int, serial: int) -> str:
    """A GB 32100 code as the civil-affairs bureau issues: 5 (civil affairs), the kind (1 social
    group, 2 social service agency, 3 foundation), the district's region code, the organization
    code (``MJ`` + street + serial), the check character."""
    kind = {"social_group": "1", "social_service": "2", "foundation": "3"}[legal_form]
    first17 = f"5{kind}{data.DISTRICT_CODE}" + _org_code(f"MJ{street_number:02d}{serial:04d}")
    assert all(c in ALPHABET for c in first17)  # noqa: S101 - a plan bug, caught by the demo tests
    return first17 + credit_check_char(first17)


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))), tzinfo=TZ
    )


def _weighted(rng: random.Random, weights: dict) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --- the plan ---------------------------------------------------------------------------------


class _StreetPlanner:
    """The organizations of one street, from its own random stream."""

    def __init__(self, seed: int, street: Any, plan: Any, out: OrgPlan, logins: dict[str, str]):
        from gongzhi.demo.builder import _PersonMaker, _seeded

        self.street = street
        self.rng, self.fake = _seeded(seed, f"orgs:{street.code}")
        # ID numbers of a station range of their own (51–60), apart from the district's people.
        self.people = _PersonMaker(self.rng, self.fake, station=50 + street.number)
        self.out = out
        self.logins = logins
        specs = {a.code: a for a in plan.areas}
        self.communities: list[Any] = []
        self.grids: dict[str, list[Any]] = defaultdict(list)
        for spec in plan.areas:
            if spec.level == AreaLevel.COMMUNITY and self._street_of(spec, specs) == street.code:
                self.communities.append(spec)
        community_codes = {c.code for c in self.communities}
        for spec in plan.areas:
            if spec.level == AreaLevel.GRID and spec.parent_code in community_codes:
                self.grids[spec.parent_code].append(spec)
        grid_community = {g.code: c for c, gs in self.grids.items() for g in gs}
        self.pool: dict[str, list[Any]] = defaultdict(list)  # community → residents (PersonSpec)
        for person in plan.people:
            if person.home_grid_code in grid_community:
                self.pool[grid_community[person.home_grid_code]].append(person)
        self.names: set[str] = set()
        self.serial = 0

    @staticmethod
    def _street_of(spec: Any, specs: dict) -> str | None:
        while spec is not None and spec.level != AreaLevel.STREET:
            spec = specs.get(spec.parent_code)
        return spec.code if spec else None

    def _person(self, community: Any, *, age: tuple[int, int], party: bool | None = None, share: float = 0.0):
        grid = self.rng.choice(self.grids[community.code])
        status = None
        if party is not None:
            status = PoliticalStatus.PARTY_MEMBER if party else PoliticalStatus.MASSES
        person = self.people.person(
            age=age, area_code=grid.code, home_grid_code=grid.code, party_share=share, political_status=status
        )
        self.out.people.append(person)
        return person

    # names

    def _filed_name(self, community: Any, category: str) -> str:
        stem = community.name.removesuffix("社区")
        for _ in range(50):
            suffix = self.rng.choice(od.FILED_SUFFIXES[category])
            roll = self.rng.random()
            if roll < 0.45:
                name = f"{stem}{self.rng.choice(od.BRANDS)}{suffix}"
            elif roll < 0.7:
                name = f"{stem}社区{suffix}"
            else:
                name = f"{self.rng.choice(od.BRANDS)}{suffix}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError(f"no free name in {community.name}")  # pragma: no cover

    def _registered_name(self, legal_form: str) -> str:
        stem = self.street.name.removesuffix("街道")
        for _ in range(50):
            if legal_form == "social_group":
                topic = self.rng.choice(od.GROUP_TOPICS)
                name = f"北仑区{stem}{topic}{self.rng.choice(od.GROUP_SUFFIXES)}"
            elif legal_form == "social_service":
                name = f"北仑区{stem}{self.rng.choice(od.BRANDS)}{self.rng.choice(od.SERVICE_KINDS)}"
            else:
                name = f"宁波市北仑区{stem}{self.rng.choice(od.BRANDS)}{self.rng.choice(od.FOUNDATION_KINDS)}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError(f"no free registered name in {self.street.name}")  # pragma: no cover

    # the street

    def plan(self) -> None:
        weights = [sum(g.population for g in self.grids[c.code]) for c in self.communities]
        from gongzhi.demo.builder import _apportion

        n_filed = round(od.FILED_TOTAL * self.street.population / data.TOTAL_POPULATION)
        n_registered = round(od.REGISTERED_TOTAL * self.street.population / data.TOTAL_POPULATION)
        filed_counts = _apportion(n_filed, weights)
        registered_counts = _apportion(n_registered, weights)
        self.out.platforms.append(
            (self.street.code, f"{self.street.name}社会组织服务中心", PlatformLevel.STREET)
        )
        named = [n for n in od.NAMED if n.street == self.street.name]
        for c, community in enumerate(self.communities):
            if c == 0 or any(n.community == community.name for n in named):
                self.out.platforms.append(
                    (community.code, f"{community.name}社会组织服务站", PlatformLevel.COMMUNITY)
                )
        orgs: list[OrgSpec] = []
        for c, community in enumerate(self.communities):
            orgs += self.community(
                community,
                filed_counts[c],
                registered_counts[c],
                [n for n in named if n.community == community.name],
                extras=(c % 3 == 1 and (self.street.name, community.name) != od.HONGLIAN),
            )
        self.number(orgs)
        _plan_incubations(orgs, self.out.platforms, self.rng, self.fake)
        self.out.orgs += orgs

    def community(
        self, community: Any, n_filed: int, n_registered: int, named: list[Any], *, extras: bool
    ) -> list[OrgSpec]:
        rng = self.rng
        honglian = (self.street.name, community.name) == od.HONGLIAN
        specs: list[OrgSpec] = []
        for n in named:
            specs.append(self.named(community, n))
        filed_named = sum(1 for n in named if n.track == Track.FILED)
        registered_named = len(named) - filed_named
        for _ in range(max(0, n_filed - filed_named)):
            specs.append(self.filed(community, OrgStatus.FILED))
        for _ in range(max(0, n_registered - registered_named)):
            specs.append(self.registered(community))
        # Life's variety: a few suspended, and elsewhere than 红联 a few deregistered, applying
        # and draft organizations (these three do not count as live).
        for spec in specs:
            if spec.name not in _NAMED and rng.random() < 0.015:
                spec.status = OrgStatus.SUSPENDED
        if extras:
            specs.append(self.filed(community, OrgStatus.DEREGISTERED))
            specs.append(self.filed(community, OrgStatus.APPLYING))
            specs.append(self.filed(community, OrgStatus.DRAFT))

        # Leaders: new people; in 红联 exactly 80% party members.
        leaders_party = self._leader_parties(len(specs), honglian)
        leader_specs = {}
        for spec, party in zip(specs, leaders_party, strict=True):
            if spec.leader.startswith("login:"):
                spec.leader = self.logins[spec.leader.removeprefix("login:")]
                spec.phone = self.people.phone()
                continue
            person = self._person(community, age=(32, 70), party=party)
            spec.leader = person.id_number
            leader_specs[person.id_number] = person
            spec.phone = person.phone

        # Residents who join: the community's people plus new residents, about 2.5
        # memberships each; of the party members among them only some join (红联: so that
        # 80% of the community's party members belong to an organization).
        wanted = sum(rng.randint(9, 14) if s.track == Track.FILED else rng.randint(4, 9) for s in specs)
        residents = list(self.pool[community.code])
        for _ in range(max(0, round(wanted / 2.5) - len(residents))):
            residents.append(self._person(community, age=(20, 80), share=od.RESIDENT_PARTY_SHARE))
        party = [p for p in residents if p.political_status in _PARTY]
        others = [p for p in residents if p.political_status not in _PARTY]
        if honglian:
            party_leaders = sum(1 for p in leader_specs.values() if p.political_status in _PARTY)
            everyone = len(party) + party_leaders
            join = min(len(party), max(0, round(od.HONGLIAN_SHARE * everyone) - party_leaders))
        else:
            join = round(od.MEMBER_PARTY_SHARE * len(party))
        joining_party = rng.sample(party, join)
        joining = others + joining_party
        for spec in specs:
            self.fill(spec, community, joining)
        # Every party member chosen to join is in at least one live organization.
        live = [s for s in specs if s.status in (OrgStatus.FILED, OrgStatus.REGISTERED, OrgStatus.SUSPENDED)]
        members = {m[0] for s in live for m in s.members}
        for person in joining_party:
            if person.id_number not in members and live:
                spec = rng.choice(live)
                spec.members.append((person.id_number, MemberRole.MEMBER, self._joined(spec)))
        return specs

    def _leader_parties(self, n: int, honglian: bool) -> list[bool]:
        if honglian:
            k = round(od.HONGLIAN_SHARE * n)
            flags = [True] * k + [False] * (n - k)
            self.rng.shuffle(flags)
            return flags
        return [self.rng.random() < od.LEADER_PARTY_SHARE for _ in range(n)]

    def _joined(self, spec: OrgSpec) -> datetime.date:
        start = spec.founded_on or od.FILED_FROM
        end = spec.filed_on or spec.registered_on or data.REFERENCE_DATE
        if spec.filed_on:  # members joined before the filing: the rule counts them
            end = spec.filed_on - datetime.timedelta(days=20)
        return _day_between(self.rng, min(start, end), end)

    def fill(self, spec: OrgSpec, community: Any, joining: Sequence[Any]) -> None:
        """The leader and members (drafts one short of the rule now and then)."""
        rng = self.rng
        spec.members.append((spec.leader, MemberRole.LEADER, self._joined(spec)))
        if spec.track == Track.FILED:
            count = 8 if spec.status == OrgStatus.DRAFT else rng.randint(9, 14)
        else:
            count = rng.randint(4, 9)
        chosen = rng.sample(list(joining), min(count, len(joining)))
        roles = [MemberRole.DEPUTY, MemberRole.SECRETARY]
        for i, person in enumerate(chosen):
            if person.id_number == spec.leader:
                continue
            role = roles[i] if i < len(roles) else MemberRole.MEMBER
            spec.members.append((person.id_number, role, self._joined(spec)))

    def _common(self, spec: OrgSpec, community: Any, category: str) -> None:
        rng = self.rng
        stem = community.name.removesuffix("社区")
        spec.venue = rng.choice(od.VENUES).format(community=community.name, stem=stem, n=rng.randint(2, 4))
        if not spec.description:
            template = od.DESCRIPTIONS.get(category) or "面向{community}居民，开展{x}。"
            x = rng.choice(od.ACTIVITIES.get(category) or ("专业社会服务",))
            spec.description = template.format(x=x, community=community.name)

    def _party(self, spec: OrgSpec, community: Any) -> None:
        rng = self.rng
        if spec.party_org_type == PartyOrgType.NONE:
            weights = (
                {"independent": 0.2, "joint": 0.3, "instructor": 0.3, "none": 0.2}
                if spec.track == Track.REGISTERED
                else {"independent": 0.02, "joint": 0.15, "instructor": 0.35, "none": 0.48}
            )
            spec.party_org_type = _weighted(rng, weights)
        spec.party_org_name = {
            PartyOrgType.INDEPENDENT: f"{spec.name}党支部",
            PartyOrgType.JOINT: f"{community.name}社会组织联合党支部",
            PartyOrgType.INSTRUCTOR: f"{self.street.name}社会组织党建指导站",
        }.get(spec.party_org_type, "")

    def filed(self, community: Any, status: str) -> OrgSpec:
        rng = self.rng
        category = _weighted(rng, od.CATEGORY_WEIGHTS)
        spec = OrgSpec(
            name=self._filed_name(community, category),
            track=Track.FILED,
            status=status,
            category=category,
            area_code=rng.choice([community.code] * 3 + [g.code for g in self.grids[community.code]]),
            street_code=self.street.code,
            leader="",
            domains=tuple(sorted(rng.sample(od.CATEGORY_DOMAINS[category], rng.randint(1, 2)))),
        )
        if status in (OrgStatus.DRAFT, OrgStatus.APPLYING):
            spec.founded_on = _day_between(rng, datetime.date(2025, 6, 1), datetime.date(2026, 8, 31))
        else:
            # Half were filed in the first three years of street filing.
            last = datetime.date(2019, 12, 31) if rng.random() < 0.5 else od.FILED_UNTIL
            spec.filed_on = _day_between(rng, od.FILED_FROM, last)
            spec.founded_on = spec.filed_on - datetime.timedelta(days=rng.randint(60, 2500))
        self._common(spec, community, category)
        self._party(spec, community)
        return spec

    def registered(self, community: Any) -> OrgSpec:
        rng = self.rng
        legal_form = _weighted(rng, od.LEGAL_FORM_WEIGHTS)
        self.serial += 1
        name = self._registered_name(legal_form)
        kind = next((k for k in od.SERVICE_KINDS if name.endswith(k)), "")
        domains = od.SERVICE_DOMAINS.get(kind) or (
            ("charity", "education") if legal_form == "foundation" else ()
        )
        if not domains:
            domains = tuple(sorted(rng.sample(["culture", "community", "education", "health"], 1)))
        spec = OrgSpec(
            name=name,
            track=Track.REGISTERED,
            status=OrgStatus.REGISTERED,
            legal_form=legal_form,
            credit_code=credit_code(legal_form, self.street.number, self.serial),
            area_code=community.code,
            street_code=self.street.code,
            leader="",
            domains=tuple(domains),
        )
        spec.registered_on = _day_between(rng, od.REGISTERED_FROM, od.REGISTERED_UNTIL)
        spec.founded_on = spec.registered_on - datetime.timedelta(days=rng.randint(30, 400))
        # About one in twelve grew from a filed community organization.
        if spec.registered_on.year >= 2019 and rng.random() < 0.25:
            spec.filed_on = _day_between(
                rng, od.FILED_FROM, spec.registered_on - datetime.timedelta(days=365)
            )
            spec.founded_on = spec.filed_on - datetime.timedelta(days=rng.randint(60, 900))
        self._common(spec, community, "")
        self._party(spec, community)
        return spec

    def named(self, community: Any, n: Any) -> OrgSpec:
        spec = OrgSpec(
            name=n.name,
            track=n.track,
            status=OrgStatus.FILED if n.track == Track.FILED else OrgStatus.REGISTERED,
            category=n.category,
            legal_form=n.legal_form,
            area_code=community.code,
            street_code=self.street.code,
            leader=f"login:{n.leader_login}" if n.leader_login else "",
            description=n.description,
            domains=tuple(sorted(n.domains)),
            founded_on=n.founded,
            party_org_type=n.party_org_type,
        )
        self.names.add(n.name)
        if n.track == Track.FILED:
            spec.filed_on = n.started
        else:
            self.serial += 1
            spec.credit_code = credit_code(n.legal_form, self.street.number, self.serial)
            spec.registered_on = n.started
        self._common(spec, community, n.category)
        self._party(spec, community)
        if n.party_org_type == PartyOrgType.NONE:
            spec.party_org_type, spec.party_org_name = PartyOrgType.NONE, ""
        return spec

    def number(self, orgs: list[OrgSpec]) -> None:
        """Filing numbers in filing order, per year; then history, reports, ratings."""
        filed = sorted((s for s in orgs if s.filed_on), key=lambda s: (s.filed_on, s.name))
        seq: dict[int, int] = defaultdict(int)
        for spec in filed:
            seq[spec.filed_on.year] += 1
            spec.filing_number = f"{self.street.code}-{spec.filed_on.year}-{seq[spec.filed_on.year]:04d}"
        for year, last in seq.items():
            self.out.counters[(self.street.code, year)] = last
        for spec in orgs:
            self.history(spec)
            self.reports_and_ratings(spec)

    def history(self, spec: OrgSpec) -> None:
        rng = self.rng
        h = spec.history
        created = spec.founded_on + datetime.timedelta(days=rng.randint(0, 40))
        if spec.filed_on:
            created = min(created, spec.filed_on - datetime.timedelta(days=30))
        if spec.registered_on:
            created = min(created, spec.registered_on - datetime.timedelta(days=10))
        h.append((OrgAction.CREATE, "", OrgStatus.DRAFT, created, ""))
        if spec.filed_on:
            applied = spec.filed_on - datetime.timedelta(days=rng.randint(3, 15))
            h.append((OrgAction.APPLY, OrgStatus.DRAFT, OrgStatus.APPLYING, applied, ""))
            h.append((OrgAction.APPROVE, OrgStatus.APPLYING, OrgStatus.FILED, spec.filed_on, ""))
        elif spec.status == OrgStatus.APPLYING:
            applied = _day_between(rng, datetime.date(2026, 10, 1), datetime.date(2026, 10, 30))
            h.append((OrgAction.APPLY, OrgStatus.DRAFT, OrgStatus.APPLYING, applied, ""))
        if spec.registered_on:
            before = OrgStatus.FILED if spec.filed_on else OrgStatus.DRAFT
            h.append((OrgAction.REGISTER, before, OrgStatus.REGISTERED, spec.registered_on, ""))
        live = OrgStatus.REGISTERED if spec.track == Track.REGISTERED else OrgStatus.FILED
        started = spec.registered_on or spec.filed_on
        if spec.status == OrgStatus.SUSPENDED:
            day = _day_between(rng, max(started, datetime.date(2025, 1, 1)), datetime.date(2026, 10, 15))
            h.append(
                (
                    OrgAction.SUSPEND,
                    live,
                    OrgStatus.SUSPENDED,
                    day,
                    "负责人长期外出，活动暂停，待重新推选负责人",
                )
            )
        if spec.status == OrgStatus.DEREGISTERED:
            day = _day_between(rng, started + datetime.timedelta(days=200), datetime.date(2026, 9, 30))
            h.append(
                (OrgAction.DEREGISTER, live, OrgStatus.DEREGISTERED, day, "成员减少，经会员大会决定自行解散")
            )

    def reports_and_ratings(self, spec: OrgSpec) -> None:
        rng = self.rng
        started = spec.filed_on or spec.registered_on
        if started is None or spec.status == OrgStatus.DEREGISTERED:
            return
        years = set()
        if started.year <= od.REPORT_YEAR - 1 and rng.random() > 0.03:
            years.add(od.REPORT_YEAR - 1)
        if started.year <= od.REPORT_YEAR and rng.random() > od.REPORT_MISSING_SHARE:
            years.add(od.REPORT_YEAR)
        # About 70% of registered organizations have been rated (needing the year before's
        # report); some twice, the older rating kept as history.
        if spec.track == Track.REGISTERED and rng.random() < 0.7:
            first = max(started + datetime.timedelta(days=730), datetime.date(2016, 1, 1))
            if first < datetime.date(2026, 9, 1):
                rated_on = _day_between(rng, first, datetime.date(2026, 9, 1))
                rated = [rated_on]
                if rated_on.year >= 2023 and rng.random() < 0.3 and first.year <= 2017:
                    rated.insert(0, _day_between(rng, first, datetime.date(2018, 12, 31)))
                for day in rated:
                    level = _weighted(rng, od.RATING_WEIGHTS)
                    low, high = od.RATING_SCORES[level]
                    spec.ratings.append((level, Decimal(rng.randint(low * 10, high * 10)) / 10, day))
                    if started.year <= day.year - 1:
                        years.add(day.year - 1)
        spec.reports = sorted(years)


def plan_organizations(plan: Any, *, seed: int = data.DEMO_SEED) -> OrgPlan:
    """The demo's organizations for ``plan``'s streets, from the seed alone."""
    out = OrgPlan()
    out.platforms.append((data.DISTRICT_CODE, "北仑区社会组织服务中心", PlatformLevel.DISTRICT))
    logins = {login.username: login.id_number for login in plan.logins}
    street_codes = {a.code for a in plan.areas if a.level == AreaLevel.STREET}
    for street in data.STREETS:
        if street.code in street_codes:
            _StreetPlanner(seed, street, plan, out, logins).plan()
    return out


def _plan_incubations(orgs: list[OrgSpec], platforms: list, rng: random.Random, fake: Any) -> None:
    """About one filed organization in twelve went through a platform: most graduated (when
    they were filed), recent ones are still there; drafts and applicants are in incubation."""
    by_area: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for platform in platforms:
        by_area[platform[0]].append(platform)
    district = platforms[0]
    for spec in orgs:
        running = spec.status in (OrgStatus.DRAFT, OrgStatus.APPLYING)
        recent = spec.filed_on is not None and spec.filed_on >= datetime.date(2025, 9, 1)
        if not (
            running or (spec.track == Track.FILED and rng.random() < 0.08) or (recent and rng.random() < 0.5)
        ):
            continue
        community = spec.area_code[:12]
        options = by_area.get(community, []) + by_area[spec.street_code] + [district]
        platform = options[0] if rng.random() < 0.7 else rng.choice(options)
        mentor = f"{fake.last_name()}{fake.first_name()}"
        key = (platform[0], platform[1])
        if running or recent:
            entered = _day_between(rng, datetime.date(2025, 9, 1), datetime.date(2026, 6, 30))
            if rng.random() < 0.5:
                cultivating = entered + datetime.timedelta(days=rng.randint(30, 90))
                spec.incubation = (key, IncubationStage.CULTIVATING, mentor, entered, cultivating, None, "")
            else:
                spec.incubation = (key, IncubationStage.ENTERED, mentor, entered, None, None, "")
        elif spec.filed_on is not None:
            entered = spec.filed_on - datetime.timedelta(days=rng.randint(150, 400))
            cultivating = entered + datetime.timedelta(days=rng.randint(30, 90))
            if rng.random() < 0.1:
                ended = cultivating + datetime.timedelta(days=rng.randint(30, 60))
                spec.incubation = (
                    key,
                    IncubationStage.WITHDRAWN,
                    mentor,
                    entered,
                    cultivating,
                    ended,
                    "骨干成员流失，暂停孵化",
                )
            else:
                outcome = rng.choice(
                    (
                        "完成备案，建立规章制度",
                        "完成备案，获得公益创投项目资助",
                        "完成备案，培养骨干成员 5 名",
                    )
                )
                spec.incubation = (
                    key,
                    IncubationStage.GRADUATED,
                    mentor,
                    entered,
                    cultivating,
                    spec.filed_on,
                    outcome,
                )


# --- loading ----------------------------------------------------------------------------------


def _chunks(values: Sequence, size: int = _BATCH):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _ensure_charter() -> None:
    if not default_storage.exists(od.CHARTER_PATH):
        text = "%PDF-1.4\n% 社区社会组织章程（示范文本）：名称、宗旨、业务范围、成员、负责人、活动场所、财务管理。\n"
        default_storage.save(od.CHARTER_PATH, ContentFile(text.encode()))


def _load_platforms(specs: list[tuple[str, str, str]], areas: dict[str, Area]) -> tuple[dict, int]:
    existing = {(a, n): pk for a, n, pk in ServicePlatform.objects.values_list("area__code", "name", "pk")}
    new = [
        ServicePlatform(name=name, level=level, area=areas[code], address=f"{areas[code].name}党群服务中心")
        for code, name, level in specs
        if (code, name) not in existing
    ]
    ServicePlatform.objects.bulk_create(new)
    if new:
        existing = {
            (a, n): pk for a, n, pk in ServicePlatform.objects.values_list("area__code", "name", "pk")
        }
    return existing, len(new)


def _existing_orgs(street_ids: list[int]) -> dict[tuple[str, str], int]:
    keys: dict[tuple[str, str], int] = {}
    rows = Organization.objects.filter(street_id__in=street_ids).values_list(
        "track", "credit_code", "street__code", "name", "pk", "filing_number"
    )
    for track, code, street, name, pk, number in rows:
        if number:  # a demo organization renamed since keeps its number: it is still there
            keys[("number", number)] = pk
        if code:
            keys[("registered", code)] = pk
        if track == Track.FILED or not code:
            keys[("filed", f"{street}:{name}")] = pk
    return keys


def load_organizations(plan: Any, *, seed: int = data.DEMO_SEED) -> dict[str, int]:
    """Insert what the database lacks of the demo organizations for ``plan``'s streets, in one
    transaction; return counts of inserted rows by kind."""
    from gongzhi.demo.builder import _load_people

    org_plan = plan_organizations(plan, seed=seed)
    created: dict[str, int] = {}
    with transaction.atomic():
        areas = {a.code: a for a in Area.objects.filter(path__prefix=f"/{data.DISTRICT_CODE}/")}
        person_ids, created["organization_people"] = _load_people(plan.people + org_plan.people, areas)
        platform_ids, created["service_platforms"] = _load_platforms(org_plan.platforms, areas)
        street_ids = [areas[code].pk for code in {s.street_code for s in org_plan.orgs}]
        known = _existing_orgs(street_ids)
        new = [s for s in org_plan.orgs if s.key not in known and ("number", s.filing_number) not in known]
        created["organizations"] = len(new)
        if new:
            _ensure_charter()
            _insert_orgs(new, areas, person_ids)
            known = _existing_orgs(street_ids)
            _insert_children(new, known, person_ids, platform_ids)
        created["memberships"] = sum(len(s.members) for s in new)
        created["annual_reports"] = sum(len(s.reports) for s in new)
        created["ratings"] = sum(len(s.ratings) for s in new)
        created["incubations"] = sum(1 for s in new if s.incubation)
        created["filing_counters"] = _load_counters(org_plan.counters, areas)
        alliances, members, posts = _load_alliances(org_plan, known)
        created.update(alliances=alliances, alliance_members=members, alliance_posts=posts)
    return created


def _insert_orgs(specs: list[OrgSpec], areas: dict[str, Area], person_ids: dict[str, int]) -> None:
    rng = random.Random("orgs:timestamps")
    rows = []
    for s in specs:
        created = s.history[0][3]
        rows.append(
            {
                "name": s.name,
                "track": s.track,
                "status": s.status,
                "category": s.category,
                "legal_form": s.legal_form,
                "credit_code": s.credit_code,
                "registering_authority": od.REGISTERING_AUTHORITY if s.credit_code else "",
                "registered_on": s.registered_on,
                "area_id": areas[s.area_code].pk,
                "street_id": areas[s.street_code].pk,
                "venue": s.venue,
                "leader_id": person_ids[s.leader],
                "charter": od.CHARTER_PATH if s.track == Track.FILED or s.filed_on else "",
                "description": s.description,
                # Sealed: the encrypted and masked columns (crypto.sealed), never the plain number.
                **Organization.phone.values(s.phone),
                "founded_on": s.founded_on,
                "filing_number": s.filing_number,
                "filed_on": s.filed_on,
                "is_incubating": bool(
                    s.incubation and s.incubation[1] in (IncubationStage.ENTERED, IncubationStage.CULTIVATING)
                ),
                "party_org_type": s.party_org_type,
                "party_org_name": s.party_org_name,
                "created_by_id": None,
                "created_at": _moment(created, rng),
                "updated_at": _moment(s.history[-1][3], rng),
            }
        )
    _insert_rows(Organization, rows)


def _insert_children(
    specs: list[OrgSpec], known: dict, person_ids: dict[str, int], platform_ids: dict
) -> None:
    rng = random.Random("orgs:children")
    rules = list(FilingRule.objects.filter(is_active=True))
    domains, members, changes, applications, reports, ratings, incubations = [], [], [], [], [], [], []
    for s in specs:
        org_id = known[s.key]
        domains += [OrganizationDomain(organization_id=org_id, domain=d) for d in s.domains]
        seen = set()
        for id_number, role, joined in s.members:
            if id_number in seen:
                continue
            seen.add(id_number)
            members.append(
                Membership(
                    organization_id=org_id, person_id=person_ids[id_number], role=role, joined_on=joined
                )
            )
        for action, before, after, day, note in s.history:
            changes.append(
                {"organization_id": org_id, "action": action, "from_status": before, "to_status": after,
                 "actor_id": None, "note": note, "created_at": _moment(day, rng)}
            )  # fmt: skip
        apply = next((h for h in s.history if h[0] == OrgAction.APPLY), None)
        if apply is not None:
            count = len(seen)
            checklist = [
                {"rule": r.code, "message": r.message, "passed": True,
                 "detail": f"现有 {count} 人" if r.kind == "min_members" else ""}
                for r in rules
            ]  # fmt: skip
            approved = s.filing_number is not None
            decided = _moment(s.filed_on, rng) if approved else None
            applications.append(
                {"organization_id": org_id, "street_id": None, "status": ApplicationStatus.APPROVED if approved
                 else ApplicationStatus.PENDING, "checklist": checklist, "submitted_by_id": None,
                 "submitted_at": _moment(apply[3], rng), "decided_by_id": None, "decided_at": decided,
                 "refusal_reason": "", "filing_number": s.filing_number or "", "_street": s.street_code}
            )  # fmt: skip
        for year in s.reports:
            income = Decimal(rng.randint(0, 400) * 100)
            reports.append(
                {"organization_id": org_id, "year": year, "activities": rng.randint(4, 60), "members": len(seen),
                 "income": income, "expenses": (income * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.01")),
                 "party_building": "" if s.party_org_type == PartyOrgType.NONE
                 else f"{s.party_org_name or '党建指导员'}全年开展主题党日活动 {rng.randint(4, 12)} 次。",
                 "summary": f"{year} 年度{s.description[:30]}", "submitted_by_id": None,
                 "submitted_at": _moment(datetime.date(year + 1, rng.randint(1, 5), rng.randint(1, 28)), rng)}
            )  # fmt: skip
        for level, score, day in s.ratings:
            try:
                until = day.replace(year=day.year + 5)
            except ValueError:  # 29 February
                until = day.replace(year=day.year + 5, day=28)
            ratings.append(Rating(organization_id=org_id, level=level, score=score, rated_on=day,
                                  valid_until=until, assessor=od.ASSESSOR))  # fmt: skip
        if s.incubation:
            key, stage, mentor, entered, cultivating, ended, outcome = s.incubation
            incubations.append(
                Incubation(organization_id=org_id, platform_id=platform_ids[key], stage=stage, mentor=mentor,
                           entered_on=entered, cultivating_on=cultivating, ended_on=ended, outcome=outcome)
            )  # fmt: skip
    street_ids = dict(Area.objects.filter(level=AreaLevel.STREET).values_list("code", "pk"))
    for row in applications:
        row["street_id"] = street_ids[row.pop("_street")]
    OrganizationDomain.objects.bulk_create(domains, batch_size=_BATCH)
    Membership.objects.bulk_create(members, batch_size=_BATCH)
    _insert_rows(OrganizationChange, changes)
    _insert_rows(FilingApplication, applications)
    _insert_rows(AnnualReport, reports)
    Rating.objects.bulk_create(ratings, batch_size=_BATCH)
    Incubation.objects.bulk_create(incubations, batch_size=_BATCH)


def _load_counters(counters: dict[tuple[str, int], int], areas: dict[str, Area]) -> int:
    """Raise each street-year counter to the demo's last number (never lower it)."""
    existing = {(c.street_id, c.year): c for c in FilingCounter.objects.all()}
    new, changed = [], 0
    for (code, year), last in counters.items():
        counter = existing.get((areas[code].pk, year))
        if counter is None:
            new.append(FilingCounter(street_id=areas[code].pk, year=year, last=last))
        elif counter.last < last:
            FilingCounter.objects.filter(pk=counter.pk).update(last=last)
            changed += 1
    FilingCounter.objects.bulk_create(new)
    return len(new) + changed


def _load_alliances(org_plan: OrgPlan, known: dict) -> tuple[int, int, int]:
    by_name: dict[str, OrgSpec] = {}
    for s in org_plan.orgs:
        by_name.setdefault(s.name, s)
    authors = {u.username: u for u in User.objects.filter(username__in=["org_leader", "community"])}
    counts = [0, 0, 0]
    for name, lead_name, named_members, size in (od.BAILINGNIAO, od.HONGLING):
        lead = by_name.get(lead_name)
        if lead is None or lead.key not in known:  # not in this build, or renamed since
            continue
        description, founded, posts = od.ALLIANCE_TEXT[name]
        members = [by_name[m] for m in named_members if m in by_name and by_name[m].key in known]
        # The rest: live filed organizations of 新碶 in charity or life service, in plan order.
        xinqi = data.XINQI.code
        for s in org_plan.orgs:
            if len(members) >= size - 1:
                break
            if (
                s.street_code == xinqi
                and s is not lead
                and s not in members
                and s.status == OrgStatus.FILED
                and s.key in known
                and s.category in ("charity", "life_service")
                and (
                    name != "红领志愿服务联盟"
                    or s.area_code.startswith(lead.area_code[:12])
                    or len(members) >= 8
                )
            ):
                members.append(s)
        alliance = Alliance.objects.filter(name=name).first()
        if alliance is None:
            area = Area.objects.get(code=data.DISTRICT_CODE if name == "百灵鸟公益联盟" else xinqi)
            alliance = Alliance.objects.create(
                name=name, lead_id=known[lead.key], area=area, description=description, founded_on=founded
            )
            counts[0] += 1
        present = set(alliance.memberships.values_list("organization_id", flat=True))
        joins = []
        for i, s in enumerate([lead, *members]):
            org_id = known[s.key]
            if org_id not in present:
                joins.append(
                    AllianceMembership(
                        alliance=alliance,
                        organization_id=org_id,
                        joined_on=founded + datetime.timedelta(days=30 * i),
                    )
                )
        AllianceMembership.objects.bulk_create(joins)
        counts[1] += len(joins)
        titles = set(alliance.posts.values_list("title", flat=True))
        author = authors.get("org_leader" if name == "红领志愿服务联盟" else "community")
        rows = []
        for i, (title, body, when) in enumerate(posts):
            if title in titles or author is None:
                continue
            poster = [lead, *members][i % (1 + len(members))]
            rows.append(
                {"alliance_id": alliance.pk, "organization_id": known[poster.key], "author_id": author.pk,
                 "title": title, "body": body,
                 "created_at": datetime.datetime.fromisoformat(when).replace(tzinfo=TZ)}
            )  # fmt: skip
        _insert_rows(AlliancePost, rows)
        counts[2] += len(rows)
    return counts[0], counts[1], counts[2]
