"""Demo public-welfare projects: the year's funding (about 30 million yuan: government purchase
of services, the welfare-lottery fund and three corporate donations, one restricted to
老有所养), the 微民生·益起来 programme with its 20 projects, and about 300 service projects in
all across the seven life-cycle categories and the ten streets — with claims and
applications, milestones, indicators, allocations, disbursements with voucher numbers,
delivery reports reaching about 160,000 person-times, acceptances, evaluations and awards,
and 愈合花园, the case-service project whose case records only its caseworker (the
``org_leader`` login) and the district see. Facts are in ``project_data``.

Like the district, the cases and the organizations, the projects are first *planned* in
memory from the seed alone — each street from its own random stream, so a smaller build is a
subset of the full one — and then *loaded*, inserting only what the database lacks:

- Funding sources and the programme are matched by name and year, projects by year and title
  (titles are unique in the plan). A project's claims, history, milestones, indicators,
  ledgers, deliveries, acceptance, evaluation and case records are written with the project
  and only then, so a second run writes nothing.
- Claimants are live organizations of the demo's organizations (planned again from the same
  seed, matched by their natural key) inside the project's target area, as
  ``services.check_eligibility`` requires; they must be loaded first.
- Rows are inserted in bulk with their real moments (``cases._insert_rows``): calling the
  services for 300 projects and thousands of ledger and delivery rows would take far longer
  and stamp everything "now". The plan keeps the services' rules instead: every transition
  follows ``ALLOWED_TRANSITIONS``; allocations never exceed a source (checked again against
  the database before inserting) and respect a donation's restriction; disbursements never
  exceed what a source allocated to the project, at any moment of the ledger; a cancelled
  project's unpaid allocation returns to its sources by reversing entries as
  ``services.cancel_project`` writes them; totals and grades are computed as
  ``services.evaluate_project`` computes them.
- Coverage has a few deliberate gaps (``project_data.GAPS``): cells of the category × street
  matrix with no project.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.demo import data
from gongzhi.demo import project_data as pd
from gongzhi.demo.cases import _insert_rows
from gongzhi.demo.organizations import _existing_orgs, _moment, _org_code, plan_organizations
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.organizations.validators import credit_check_char
from gongzhi.people.choices import Tag
from gongzhi.people.services import id_number_hash
from gongzhi.projects.choices import (
    SCORE_WEIGHTS,
    CaseRecordStatus,
    ClaimKind,
    ClaimStatus,
    IndicatorKind,
    ProjectAction,
    ProjectStatus,
)
from gongzhi.projects.models import (
    Acceptance,
    Allocation,
    Award,
    CaseNote,
    CaseRecord,
    Delivery,
    Disbursement,
    Evaluation,
    FundingSource,
    Indicator,
    Milestone,
    Programme,
    Project,
    ProjectCaseworker,
    ProjectChange,
    ProjectClaim,
    ProjectDomain,
)
from gongzhi.projects.queries import CENT
from gongzhi.projects.services import grade_for

REFERENCE = data.REFERENCE_DATE
LAST_DAY = REFERENCE - datetime.timedelta(days=1)  # nothing in the demo happens on or after it
YEAR_START = datetime.date(pd.YEAR, 1, 1)
YEAR_END = datetime.date(pd.YEAR, 12, 31)
DISTRICT = "district"  # the scope of district-wide projects (vouchers, random stream)


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class ProjectSpec:
    """One project and everything that happened to it, in the order it happened.

    Organizations are named by their key in the organizations plan (``OrgSpec.key``), users
    by username, funding sources by ``SourceData.key``.
    """

    title: str
    category: str
    area_code: str
    status: str
    publisher: str
    created_by: str
    created_on: datetime.date
    description: str = ""
    programme: bool = False
    competitive: bool = False
    max_claimants: int = 1
    case_services: bool = False
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    domains: tuple[str, ...] = ()
    claimed_by: tuple[str, str] | None = None
    # (action, from, to, day, actor, note)
    history: list[tuple[str, str, str, datetime.date, str, str]] = field(default_factory=list)
    # (org key, kind, status, proposal, created on, decided on, created by, decided by)
    claims: list[tuple] = field(default_factory=list)
    # (title, due on, completed on, evidence, completed by)
    milestones: list[tuple] = field(default_factory=list)
    # (kind, name, target, unit, actual)
    indicators: list[tuple] = field(default_factory=list)
    # (source key, amount, day)
    allocations: list[tuple[str, Decimal, datetime.date]] = field(default_factory=list)
    # (source key, amount returned, day, note): the reversal of that source's allocation
    allocation_reversals: list[tuple[str, Decimal, datetime.date, str]] = field(default_factory=list)
    # (source key, amount, voucher, paid on, note, reversal of voucher or "")
    disbursements: list[tuple] = field(default_factory=list)
    # (title, held on, place, content, beneficiaries, person-times, satisfaction, org key, reporter)
    deliveries: list[tuple] = field(default_factory=list)
    acceptance: tuple | None = None  # (accepted on, opinion, by)
    evaluation: tuple | None = None  # (scores dict, total, grade, comment, evaluated on, by)
    caseworkers: list[str] = field(default_factory=list)
    # (household, members, needs, plan, person id number or "", opened on, closed on, [(day, text)])
    case_records: list[tuple] = field(default_factory=list)

    @property
    def updated_on(self) -> datetime.date:
        return self.history[-1][3] if self.history else self.created_on


@dataclass
class ProjectsPlan:
    sources: tuple[pd.SourceData, ...] = pd.SOURCES
    projects: list[ProjectSpec] = field(default_factory=list)
    # (name, level, issuer, awarded on, project title or "", organization key or None)
    awards: list[tuple] = field(default_factory=list)

    def digest(self) -> str:
        return hashlib.sha256(repr((self.projects, self.awards)).encode()).hexdigest()

    def allocated(self) -> dict[str, Decimal]:
        """Per source key: what the plan allocates net of reversals."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for project in self.projects:
            for key, amount, _day in project.allocations:
                totals[key] += amount
            for key, amount, _day, _note in project.allocation_reversals:
                totals[key] -= amount
        return dict(totals)


def donor_credit_code(body8: str) -> str:
    """A company's GB 32100 code: 9 (industry and commerce), 1 (enterprise), the district's
    region code, the organization code (8 characters and their check) and the check character."""
    first17 = f"91{data.DISTRICT_CODE}{_org_code(body8)}"
    return first17 + credit_check_char(first17)


def _weighted(rng: random.Random, weights: dict) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _plus(day: datetime.date, low: int, high: int, rng: random.Random) -> datetime.date:
    return day + datetime.timedelta(days=rng.randint(low, high))


def _hundreds(rng: random.Random, bounds: tuple[int, int]) -> Decimal:
    return Decimal(rng.randint(*bounds) * 100).quantize(CENT)


def _share(budget: Decimal, fraction: float) -> Decimal:
    """``fraction`` of ``budget`` in whole hundreds of yuan."""
    return (budget * Decimal(fraction) / 100).quantize(Decimal(1)) * 100


class _OrgIndex:
    """The live organizations of the organizations plan by where they are, to pick claimants
    inside a project's target area (organization areas are communities or their grids, whose
    codes start with the community's code)."""

    def __init__(self, org_plan: Any):
        self.live = [s for s in org_plan.orgs if s.status in LIVE_STATUSES]
        self.by_name = {s.name: s for s in org_plan.orgs}
        self.by_key = {s.key: s for s in org_plan.orgs}
        # Area codes extend their parent's (street 9 digits, community 12, grid 15), and
        # projects target the district, a street or a community.
        self.by_area: dict[str, list[Any]] = defaultdict(list)
        for spec in self.live:
            for length in (6, 9, 12):
                self.by_area[spec.area_code[:length]].append(spec)

    def inside(self, area_code: str, by: datetime.date) -> list[Any]:
        """Live organizations in the area (or below it) that were filed or registered before ``by``."""
        return [s for s in self.by_area[area_code] if (s.filed_on or s.registered_on or by) < by]

    @staticmethod
    def pick(rng: random.Random, candidates: list[Any], category: str, count: int = 1) -> list[Any]:
        """``count`` distinct candidates, those serving the category's domains three times as likely."""
        wanted = set(pd.CATEGORY_DOMAINS[category])
        pool = list(candidates)
        chosen = []
        for _i in range(min(count, len(pool))):
            weights = [3 if wanted & set(s.domains) else 1 for s in pool]
            spec = rng.choices(pool, weights=weights)[0]
            pool.remove(spec)
            chosen.append(spec)
        return chosen


class _ScopePlanner:
    """The projects of one street (or the district-wide ones), from the scope's own stream."""

    def __init__(self, seed: int, scope: str, number: int, planner: _Planner):
        from gongzhi.demo.builder import _seeded

        self.rng, _fake = _seeded(seed, f"projects:{scope}")
        self.scope = scope
        self.number = number  # in voucher numbers: the street's number, 0 for the district
        self.planner = planner
        self.vouchers = 0
        self.titles: set[str] = set()

    # names and numbers

    def voucher(self) -> str:
        self.vouchers += 1
        return f"BLCZ{pd.YEAR}-{self.number:02d}{self.vouchers:04d}"

    def title(self, area: Any, category: str, *, programme: bool = False) -> tuple[str, str] | None:
        """(title, theme) of a new project in ``area``: a theme of the category not yet used
        there (titles are unique in the plan), or None when they are all taken."""
        themes = [t for t in pd.THEMES[category] if self._title(area, t, programme) not in self.titles]
        if not themes:
            return None
        theme = self.rng.choice(themes)
        title = self._title(area, theme, programme)
        self.titles.add(title)
        return title, theme

    @staticmethod
    def _title(area: Any, theme: str, programme: bool) -> str:
        if programme:
            return f"微民生·{area.name.removesuffix('社区')}{theme}"
        return f"{area.name}{theme}项目"

    # one project

    def project(
        self,
        *,
        area: Any,
        category: str,
        status: str,
        publisher: str,
        created_by: str,
        claimants: list[Any],
        budget: Decimal,
        timeline: dict[str, datetime.date],
        programme: bool = False,
        max_claimants: int = 1,
        title: str = "",
        description: str = "",
    ) -> ProjectSpec | None:
        """A project and its life up to ``status``; None when the area has no theme left."""
        rng = self.rng
        if not title:
            named = self.title(area, category, programme=programme)
            if named is None:
                return None
            title, theme = named
            where = "全区" if area.level == AreaLevel.DISTRICT else area.name
            description = pd.DESCRIPTIONS[category].format(area=where, theme=theme)
        spec = ProjectSpec(
            title=title,
            category=category,
            area_code=area.code,
            status=status,
            publisher=publisher,
            created_by=created_by,
            created_on=timeline["created"],
            description=description,
            programme=programme,
            max_claimants=max_claimants,
            starts_on=timeline["starts_on"],
            ends_on=timeline["ends_on"],
            domains=tuple(sorted(pd.CATEGORY_DOMAINS[category])),
        )
        # Competitive projects need applicants to choose from; shared ones are claimed.
        spec.competitive = (
            not programme
            and max_claimants == 1
            and status != ProjectStatus.DRAFT
            and len(claimants) > 1
            and rng.random() < pd.COMPETITIVE_SHARE
        )
        self.allocate(spec, budget, timeline["created"])
        self.walk(spec, timeline, claimants)
        self.plan_parts(spec, timeline, budget)
        return spec

    def timeline(self, status: str, *, programme: bool = False) -> dict[str, datetime.date]:
        """The days a project of ``status`` went through its life, all before the reference
        day; planned dates for what is still ahead."""
        rng = self.rng
        d = datetime.date
        if programme:
            created = pd.PROGRAMME_CREATED
            published = _plus(created, 5, 8, rng)
        elif status in (ProjectStatus.DRAFT, ProjectStatus.PUBLISHED):
            created = _between(rng, d(pd.YEAR, 9, 10), d(pd.YEAR, 10, 15))
            published = _plus(created, 3, 12, rng)
        elif status == ProjectStatus.CLAIMED:
            created = _between(rng, d(pd.YEAR, 8, 1), d(pd.YEAR, 9, 20))
            published = _plus(created, 3, 12, rng)
        elif status == ProjectStatus.IN_PROGRESS:
            created = _between(rng, d(pd.YEAR, 1, 5), d(pd.YEAR, 6, 30))
            published = _plus(created, 3, 15, rng)
        else:
            created = _between(rng, d(pd.YEAR, 1, 5), d(pd.YEAR, 3, 31))
            published = _plus(created, 3, 15, rng)
        claimed = _plus(published, 5, 20, rng)
        start = _plus(claimed, 3, 12, rng)
        dates = {"created": created, "published": published, "claimed": claimed, "start": start}
        if status in (ProjectStatus.DRAFT, ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED):
            dates["starts_on"] = max(start, _plus(REFERENCE, 10, 25, rng))
            dates["ends_on"] = YEAR_END
            return dates
        limits = {
            ProjectStatus.EVALUATED: d(pd.YEAR, 8, 31),
            ProjectStatus.ACCEPTED: d(pd.YEAR, 9, 30),
            ProjectStatus.COMPLETED: d(pd.YEAR, 10, 20),
        }
        if status in limits:
            low = min(start + datetime.timedelta(days=90), limits[status])
            end = _between(rng, low, limits[status])
            dates["completed"] = end
            dates["accepted"] = min(
                _plus(end, 7, 25, rng), d(pd.YEAR, 10, 8) if status == "evaluated" else LAST_DAY
            )
            dates["evaluated"] = min(_plus(dates["accepted"], 7, 20, rng), LAST_DAY)
        else:  # in progress, or cancelled while it ran
            end = rng.choice((d(pd.YEAR, 11, 30), d(pd.YEAR, 12, 15), YEAR_END))
            dates["cancelled"] = _between(rng, max(start, d(pd.YEAR, 6, 1)), d(pd.YEAR, 10, 15))
        dates["starts_on"], dates["ends_on"] = start, end
        return dates

    def allocate(self, spec: ProjectSpec, budget: Decimal, created: datetime.date) -> None:
        """Split the budget over the sources: the elderly donation for some elderly projects,
        an unrestricted donation now and then, the lottery fund for 扶老、助残、救孤, the
        government purchase for the rest (and for every project of the programme)."""
        rng = self.rng
        parts: dict[str, Decimal] = {}
        rest = budget
        if not spec.programme:
            if spec.category == "elderly" and rng.random() < 0.3:
                parts["port"] = min(rest, _share(budget, rng.uniform(0.25, 0.5)))
            elif rng.random() < 0.1:
                key = rng.choice(("materials", "bay"))
                parts[key] = min(rest, _share(budget, rng.uniform(0.3, 0.6)))
            rest -= sum(parts.values(), Decimal(0))
            if spec.category in pd.LOTTERY_CATEGORIES and rng.random() < 0.55:
                parts["lottery"] = rest
                rest = Decimal(0)
        if rest > 0:
            parts["gov"] = rest
        day = _plus(created, 1, 3, rng)
        spec.allocations = [(key, amount.quantize(CENT), day) for key, amount in parts.items() if amount > 0]

    def walk(self, spec: ProjectSpec, dates: dict[str, datetime.date], claimants: list[Any]) -> None:
        """The transitions, claims and applications from draft to the project's status."""
        rng = self.rng
        target = spec.status
        cancelled = target == ProjectStatus.CANCELLED
        # A cancelled project stopped either before anyone took it on or while it ran.
        ran = cancelled and rng.random() < 0.5 and bool(claimants)
        history = spec.history

        def step(
            action: str, before: str, after: str, day: datetime.date, actor: str, note: str = ""
        ) -> None:
            history.append((action, before, after, day, actor, note))

        if target == ProjectStatus.DRAFT:
            return
        step(ProjectAction.PUBLISH, "draft", "published", dates["published"], spec.created_by)
        if target == ProjectStatus.PUBLISHED or (cancelled and not ran):
            if spec.competitive and target == ProjectStatus.PUBLISHED:
                for org in claimants[: rng.randint(1, 2)]:
                    day = min(_plus(dates["published"], 2, 10, rng), LAST_DAY)
                    login = self.leader_login(org)
                    spec.claims.append(
                        (org.key, ClaimKind.APPLY, ClaimStatus.APPLIED, self.proposal(org, spec), day, None,
                         login or spec.created_by, "")
                    )  # fmt: skip
                    step(ProjectAction.APPLY, "published", "published", day, login, org.name)
            else:
                spec.competitive = spec.competitive and not cancelled
            if cancelled:
                when = dates.get("cancelled") or _plus(dates["published"], 20, 40, rng)
                step(
                    ProjectAction.CANCEL,
                    "published",
                    "cancelled",
                    when,
                    spec.created_by,
                    rng.choice(pd.CANCEL_REASONS),
                )
            return
        lead = claimants[0]
        claimed = dates["claimed"]
        if spec.competitive:
            applicants = claimants[: rng.randint(2, 3)]
            for org in applicants:
                day = min(_plus(dates["published"], 1, 10, rng), claimed)
                status = ClaimStatus.UNDERTAKING if org is lead else ClaimStatus.NOT_SELECTED
                login = self.leader_login(org)
                spec.claims.append(
                    (org.key, ClaimKind.APPLY, status, self.proposal(org, spec), day, claimed,
                     login or spec.created_by, spec.created_by)
                )  # fmt: skip
                step(ProjectAction.APPLY, "published", "published", day, login, org.name)
            spec.history.sort(key=lambda h: h[3])  # applications in the order they came
            step(ProjectAction.SELECT, "published", "claimed", claimed, spec.created_by, lead.name)
        else:
            for i, org in enumerate(claimants[: spec.max_claimants]):
                day = claimed + datetime.timedelta(days=i)
                spec.claims.append(
                    (org.key, ClaimKind.CLAIM, ClaimStatus.UNDERTAKING, "", day, day,
                     self.leader_login(org) or spec.created_by, "")
                )  # fmt: skip
                before = "published" if i == 0 else "claimed"
                step(ProjectAction.CLAIM, before, "claimed", day, self.leader_login(org), org.name)
        spec.claimed_by = lead.key
        if target == ProjectStatus.CLAIMED:
            return
        undertaker = self.leader_login(lead)
        step(ProjectAction.START, "claimed", "in_progress", dates["start"], undertaker)
        if cancelled:
            when = dates["cancelled"]
            step(
                ProjectAction.CANCEL,
                "in_progress",
                "cancelled",
                when,
                spec.created_by,
                rng.choice(pd.CANCEL_REASONS),
            )
            return
        if target == ProjectStatus.IN_PROGRESS:
            return
        step(ProjectAction.COMPLETE, "in_progress", "completed", dates["completed"], undertaker)
        if target == ProjectStatus.COMPLETED:
            return
        opinion = rng.choice(pd.ACCEPTANCE_OPINIONS)
        spec.acceptance = (dates["accepted"], opinion, "evaluator")
        step(ProjectAction.ACCEPT, "completed", "accepted", dates["accepted"], "evaluator", opinion)
        if target == ProjectStatus.ACCEPTED:
            return
        spec.evaluation = self.scores(dates["evaluated"])
        step(ProjectAction.EVALUATE, "accepted", "evaluated", dates["evaluated"], "evaluator")

    def leader_login(self, org: Any) -> str:
        """The username of the organization's leader, if the leader is a demo login."""
        return self.planner.leader_logins.get(org.leader, "")

    def proposal(self, org: Any, spec: ProjectSpec) -> str:
        return f"{org.name}承接{spec.title}的实施方案：组建专职团队，按季度开展服务并接受监督评估。"

    def scores(self, day: datetime.date) -> tuple:
        rng = self.rng
        grade = _weighted(rng, pd.GRADE_WEIGHTS)
        low, high = pd.GRADE_SCORES[grade]
        base = rng.uniform(low, high)
        scores = {
            key: Decimal(min(100.0, max(0.0, base + rng.uniform(-5, 5)))).quantize(CENT)
            for key in SCORE_WEIGHTS
        }
        total = (sum(scores[k] * SCORE_WEIGHTS[k] for k in scores) / 100).quantize(CENT)
        grade = str(grade_for(total))
        return (scores, total, grade, pd.EVALUATION_COMMENTS[grade], day, "evaluator")

    def plan_parts(self, spec: ProjectSpec, dates: dict[str, datetime.date], budget: Decimal) -> None:
        """Milestones, indicators, disbursements and deliveries, by how far the project got."""
        rng = self.rng
        started = any(h[0] == ProjectAction.START for h in spec.history)
        start, end = spec.starts_on, spec.ends_on
        span = (end - start).days
        done_by = dates.get("completed")
        stopped = dates.get("cancelled") if spec.status == ProjectStatus.CANCELLED else None
        undertaker = self.leader_login(self.planner.orgs.by_key[spec.claimed_by]) if spec.claimed_by else ""
        for name, share in pd.MILESTONES:
            due = start + datetime.timedelta(days=round(span * share))
            completed = None
            if started and not stopped and (done_by or due + datetime.timedelta(days=5) < REFERENCE):
                completed = min(max(start, _plus(due, -6, 4, rng)), done_by or LAST_DAY)
            spec.milestones.append(
                (name, due, completed, f"{name}已完成，资料已归档。" if completed else "", undertaker if completed else "")
            )  # fmt: skip

        planned = int(budget / rng.randint(*pd.YUAN_PER_PERSON_TIME))
        months = max(1.0, span / 30)
        activities = max(3, round(months * rng.uniform(1.3, 2.3)))
        spec.indicators = [
            (IndicatorKind.BENEFICIARIES, "服务人数", Decimal(max(10, round(planned / 2.4, -1))), "人", None),
            (IndicatorKind.PERSON_TIMES, "服务人次", Decimal(max(10, round(planned, -1))), "人次", None),
            (IndicatorKind.ACTIVITIES, "活动场次", Decimal(activities), "场", None),
            (IndicatorKind.SATISFACTION, "服务对象满意度", Decimal(90), "%", None),
        ]
        paid = self.pay(spec, dates, stopped) if started else {}
        if spec.status == ProjectStatus.CANCELLED:
            # What was not paid out goes back to its sources (services.cancel_project).
            day, reason = spec.history[-1][3], spec.history[-1][5]
            for key, amount, _day in spec.allocations:
                back = amount - paid.get(key, Decimal(0))
                if back > 0:
                    spec.allocation_reversals.append((key, back, day, f"项目取消：{reason}"))
        if not started:
            return
        # Deliveries over the time the project ran, reaching its planned person-times in
        # proportion (a little more or less when it is done).
        last = min(x for x in (done_by or end, stopped or end, LAST_DAY))
        ran = max(1, (last - start).days)
        reached = planned * (
            rng.uniform(0.95, 1.2) if done_by else min(1.0, ran / max(1, span)) * rng.uniform(0.9, 1.1)
        )
        if spec.evaluation and spec.evaluation[2] == "fail":
            reached *= 0.7
        count = max(2, round(activities * min(1.0, ran / max(1, span))))
        weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
        org = self.planner.orgs.by_key[spec.claimed_by]
        area = self.planner.areas[spec.area_code]
        place_area = area.name if area.level != AreaLevel.DISTRICT else org_area_name(self.planner, org)
        for i, weight in enumerate(weights):
            times = max(1, round(reached * weight / sum(weights)))
            people = max(1, min(times, round(times / rng.uniform(1.0, 3.2))))
            held = start + datetime.timedelta(days=round(ran * (i + rng.uniform(0.1, 0.9)) / count))
            kind = rng.choice(pd.DELIVERY_KINDS)
            spec.deliveries.append(
                (f"{spec.title.removesuffix('项目')}{kind}（第 {i + 1} 期）", min(held, last),
                 rng.choice(pd.DELIVERY_PLACES).format(area=place_area),
                 f"开展{kind}，服务{people}人、{times}人次。", people, times,
                 Decimal(rng.uniform(86, 99)).quantize(CENT), spec.claimed_by, undertaker)
            )  # fmt: skip

    def pay(
        self, spec: ProjectSpec, dates: dict[str, datetime.date], stopped: datetime.date | None
    ) -> dict[str, Decimal]:
        """Instalments per source: 40% when work starts, 40% at completion, the rest after
        evaluation — each only once its day has come (and before a cancellation). Returns
        what each source paid."""
        rng = self.rng
        due = [_plus(dates["start"], 5, 15, rng)]
        if "completed" in dates:
            due.append(_plus(dates["completed"], 5, 20, rng))
        if spec.evaluation:
            due.append(_plus(spec.evaluation[4], 5, 15, rng))
        due = [d for d in due if d <= LAST_DAY and (stopped is None or d < stopped)]
        paid: dict[str, Decimal] = defaultdict(Decimal)
        for i, day in enumerate(due):
            final = i == len(pd.INSTALMENTS) - 1
            for key, amount, _day in spec.allocations:
                part = amount - paid[key] if final else (amount * pd.INSTALMENTS[i]).quantize(CENT)
                if part <= 0:
                    continue
                voucher = self.voucher()
                if i == 0 and self.planner.wrong_entries_left > 0 and key == "gov" and rng.random() < 0.15:
                    # Keyed in wrong, reversed two days later with the same voucher and paid
                    # again under a new one: the ledger keeps all three entries.
                    self.planner.wrong_entries_left -= 1
                    wrong = (part * Decimal("1.5")).quantize(CENT)
                    later = min(day + datetime.timedelta(days=2), LAST_DAY)
                    spec.disbursements.append((key, wrong, voucher, day, "首期拨付", ""))
                    spec.disbursements.append((key, -wrong, voucher, later, "金额录入错误，冲销", voucher))
                    voucher, day = self.voucher(), later
                note = ("首期拨付", "中期拨付", "尾款拨付")[i]
                spec.disbursements.append((key, part, voucher, day, note, ""))
                paid[key] += part
        return paid


def org_area_name(planner: _Planner, org: Any) -> str:
    area = planner.areas[org.area_code]
    return planner.areas[area.parent_code].name if area.level == AreaLevel.GRID else area.name


class _Planner:
    def __init__(self, plan: Any, org_plan: Any, seed: int):
        self.seed = seed
        self.areas = {a.code: a for a in plan.areas}
        paths: dict[str, str] = {}
        for a in plan.areas:  # parents first
            paths[a.code] = f"{paths[a.parent_code] if a.parent_code else '/'}{a.code}/"
        self.paths = paths
        self.orgs = _OrgIndex(org_plan)
        self.leader_logins = {login.id_number: login.username for login in plan.logins}
        self.plan = plan
        self.out = ProjectsPlan()
        self.wrong_entries_left = 0

    def street_of(self, code: str) -> str:
        while self.areas[code].level != AreaLevel.STREET:
            code = self.areas[code].parent_code
        return code

    def communities(self, street_code: str) -> list[Any]:
        return [
            a
            for a in self.plan.areas
            if a.level == AreaLevel.COMMUNITY and self.street_of(a.code) == street_code
        ]

    def district(self) -> None:
        """District-wide projects, undertaken by registered organizations of 新碶街道 (built in
        every demo, so a smaller build keeps them); a few are shared by two organizations."""
        planner = _ScopePlanner(self.seed, DISTRICT, 0, self)
        self.wrong_entries_left = 1
        rng = planner.rng
        district = self.areas[data.DISTRICT_CODE]
        for i in range(pd.DISTRICT_PROJECTS):
            category = _weighted(rng, pd.CATEGORY_WEIGHTS)
            shared = i % 10 == 3
            statuses = pd.STATUS_WEIGHTS
            if shared:  # taken on by both, and under way or done
                statuses = {k: v for k, v in statuses.items() if k not in ("draft", "published", "cancelled")}
            status = _weighted(rng, statuses)
            timeline = planner.timeline(status)
            candidates = [
                s for s in self.orgs.inside(data.XINQI.code, timeline["claimed"]) if s.track == "registered"
            ]
            spec = planner.project(
                area=district,
                category=category,
                status=status,
                publisher=pd.DISTRICT_PUBLISHERS[category],
                created_by="district",
                claimants=_OrgIndex.pick(rng, candidates, category, 3),
                budget=_hundreds(rng, pd.BUDGET["district"]),
                timeline=timeline,
                max_claimants=2 if shared else 1,
            )
            if spec is not None:
                self.out.projects.append(spec)

    def street(self, street: Any, count: int) -> None:
        planner = _ScopePlanner(self.seed, street.code, street.number, self)
        self.wrong_entries_left = 1 if street.number in (1, 2, 5) else 0
        rng = planner.rng
        communities = self.communities(street.code)
        street_area = self.areas[street.code]
        open_categories = [c for c in pd.CATEGORY_WEIGHTS if (street.name, c) not in pd.GAPS]
        publisher = f"{street.name}办事处"
        creator = "xinqi" if street.code == data.XINQI.code else "district"

        # The programme's projects in this street: small, all taken on.
        for _i in range(pd.PROGRAMME_PER_STREET):
            for _attempt in range(10):
                community = rng.choice(communities)
                category = rng.choice(open_categories)
                status = _weighted(rng, pd.PROGRAMME_STATUS_WEIGHTS)
                timeline = planner.timeline(status, programme=True)
                claimants = _OrgIndex.pick(
                    rng, self.orgs.inside(community.code, timeline["claimed"]), category, 1
                )
                if not claimants:
                    continue
                spec = planner.project(
                    area=community, category=category, status=status, publisher=pd.PROGRAMME_PUBLISHER,
                    created_by="district", claimants=claimants, budget=_hundreds(rng, pd.PROGRAMME_BUDGET),
                    programme=True, timeline=timeline,
                )  # fmt: skip
                if spec is not None:
                    self.out.projects.append(spec)
                    break

        if street.code == data.XINQI.code:
            self.healing_garden(planner, street_area)
            count -= 1

        # One project per open category first (the coverage), then more by weight.
        categories = list(open_categories)
        rng.shuffle(categories)
        weights = {c: w for c, w in pd.CATEGORY_WEIGHTS.items() if c in open_categories}
        categories += [_weighted(rng, weights) for _ in range(max(0, count - len(categories)))]
        for i, category in enumerate(categories):
            statuses = pd.STATUS_WEIGHTS
            if i < len(open_categories):  # a cell's only project is neither a draft nor cancelled
                statuses = {k: v for k, v in statuses.items() if k not in ("draft", "cancelled")}
            status = _weighted(rng, statuses)
            timeline = planner.timeline(status)
            for _attempt in range(10):
                area = street_area if rng.random() < 0.25 else rng.choice(communities)
                candidates = self.orgs.inside(area.code, timeline["claimed"])
                claimants = _OrgIndex.pick(rng, candidates, category, 3)
                if len(claimants) < 1:
                    continue
                spec = planner.project(
                    area=area, category=category, status=status, publisher=publisher, created_by=creator,
                    claimants=claimants, budget=_hundreds(rng, pd.BUDGET["street" if area is street_area else "community"]),
                    timeline=timeline,
                )  # fmt: skip
                if spec is not None:
                    self.out.projects.append(spec)
                    break

    def healing_garden(self, planner: _ScopePlanner, street_area: Any) -> None:
        """愈合花园: case services for families with a member with a mental disorder."""
        hg = pd.HEALING_GARDEN
        rng = planner.rng
        org = self.orgs.by_name[hg["undertaker"]]
        start = hg["starts_on"]
        timeline = {
            "created": datetime.date(pd.YEAR, 1, 12),
            "published": datetime.date(pd.YEAR, 1, 20),
            "claimed": datetime.date(pd.YEAR, 2, 3),
            "start": start,
            "starts_on": start,
            "ends_on": hg["ends_on"],
        }
        spec = planner.project(
            area=street_area, category=hg["category"], status=ProjectStatus.IN_PROGRESS,
            publisher=f"{street_area.name}办事处", created_by="xinqi", claimants=[org], budget=hg["budget"],
            title=hg["title"], description=hg["description"], timeline=timeline,
        )  # fmt: skip
        assert spec is not None  # noqa: S101 - the title is given
        spec.case_services = True
        spec.domains = ("disability", "health")
        spec.indicators = [
            (IndicatorKind.BENEFICIARIES, "服务人数", Decimal(600), "人", None),
            (IndicatorKind.PERSON_TIMES, "服务人次", Decimal(hg["person_times"]), "人次", None),
            (IndicatorKind.ACTIVITIES, "活动场次", Decimal(40), "场", None),
            (IndicatorKind.SATISFACTION, "服务对象满意度", Decimal(90), "%", None),
            (IndicatorKind.OTHER, "服务家庭数", Decimal(200), "户", Decimal(hg["households"])),
        ]
        # Person-times to the project's own figure (by the share of its run so far).
        share = (LAST_DAY - start).days / (hg["ends_on"] - start).days
        scale = hg["person_times"] * share / max(1, sum(d[5] for d in spec.deliveries))
        deliveries = []
        for title, held, place, _content, people, times, *rest in spec.deliveries:
            times = max(1, round(times * scale))
            people = max(1, min(times, round(people * scale)))
            content = f"开展家属支持和康复活动，服务{people}人、{times}人次。"
            deliveries.append((title, held, place, content, people, times, *rest))
        spec.deliveries = deliveries
        spec.caseworkers = [hg["caseworker"]]
        # The district's residents tagged as families with a mental disorder, in 新碶.
        tagged = [
            p.id_number
            for p in self.plan.people
            if Tag.MENTAL_DISORDER_FAMILY in p.tags
            and self.paths[p.area_code].startswith(self.paths[street_area.code])
        ]
        for i, (household, members, needs) in enumerate(pd.CASE_HOUSEHOLDS):
            opened = _plus(start, 10 + 12 * i, 20 + 12 * i, rng)
            notes = []
            day = opened
            for text in pd.CASE_NOTES[: rng.randint(3, len(pd.CASE_NOTES))]:
                notes.append((day, text))
                day = min(_plus(day, 14, 40, rng), LAST_DAY)
            closed = notes[-1][0] if i == len(pd.CASE_HOUSEHOLDS) - 1 else None
            plan = "一户一案：定期探访、家属支持小组、康复训练和资源链接。"
            spec.case_records.append(
                (household, members, needs, plan, tagged[i] if i < len(tagged) else "", opened, closed, notes)
            )
        self.out.projects.append(spec)

    def awards(self) -> None:
        titles = {p.title for p in self.out.projects}
        for name, level, issuer, day, title, org_name in pd.AWARDS:
            if title and title not in titles:
                continue
            org = self.orgs.by_name.get(org_name) if org_name else None
            self.out.awards.append((name, level, issuer, day, title, org.key if org else None))
        name, level, issuer, day = pd.DISTRICT_AWARD
        winners = [p for p in self.out.projects if p.evaluation and p.evaluation[2] == "excellent"]
        for project in winners[: pd.DISTRICT_AWARD_COUNT]:
            self.out.awards.append((name, level, issuer, day, project.title, project.claimed_by))


def plan_projects(plan: Any, *, seed: int = data.DEMO_SEED, org_plan: Any = None) -> ProjectsPlan:
    """The demo's funding, programme, projects and awards for ``plan``'s streets, from the
    seed alone (``org_plan``: the organizations plan of the same seed, planned if not given)."""
    from gongzhi.demo.builder import _apportion

    org_plan = org_plan or plan_organizations(plan, seed=seed)
    planner = _Planner(plan, org_plan, seed)
    planner.district()
    counts = _apportion(pd.STREET_PROJECTS, [s.population for s in data.STREETS])
    built = {a.code for a in plan.areas if a.level == AreaLevel.STREET}
    for street, count in zip(data.STREETS, counts, strict=True):
        if street.code in built:
            planner.street(street, count)
    planner.awards()
    allocated = planner.out.allocated()
    for source in planner.out.sources:
        if allocated.get(source.key, Decimal(0)) > source.amount:  # pragma: no cover - a plan bug
            raise ValueError(f"the demo over-allocates {source.name}")
    return planner.out


# --- loading ----------------------------------------------------------------------------------


def load_projects(plan: Any, *, seed: int = data.DEMO_SEED) -> dict[str, int]:
    """Insert what the database lacks of the demo's funding, programme, projects and awards
    for ``plan``'s streets, in one transaction; return counts of inserted rows by kind. The
    demo organizations must be loaded (``load_organizations``)."""
    org_plan = plan_organizations(plan, seed=seed)
    projects_plan = plan_projects(plan, seed=seed, org_plan=org_plan)
    created: dict[str, int] = {}
    rng = random.Random(f"{seed}:projects:timestamps")
    with transaction.atomic():
        areas = {a.code: a for a in Area.objects.filter(path__prefix=f"/{data.DISTRICT_CODE}/")}
        street_ids = [a.pk for a in areas.values() if a.level == AreaLevel.STREET]
        orgs = _existing_orgs(street_ids)
        users = dict(
            User.objects.filter(
                username__in=["district", "xinqi", "finance", "evaluator", "org_leader"]
            ).values_list("username", "pk")
        )
        sources, created["funding_sources"] = _load_sources(projects_plan, areas, users, rng)
        programme, created["programmes"] = _load_programme(areas, users, rng)
        existing = set(Project.objects.filter(year=pd.YEAR).values_list("title", flat=True))
        new = [p for p in projects_plan.projects if p.title not in existing]
        missing = {key for p in new for key in [c[0] for c in p.claims]} - set(orgs)
        if missing:
            raise RuntimeError(f"load the demo organizations first: {sorted(missing)[:3]} are missing")
        _check_sources(new, sources)
        created["projects"] = len(new)
        _insert_projects(new, areas, orgs, users, programme, rng)
        ids = dict(
            Project.objects.filter(year=pd.YEAR, title__in=[p.title for p in new]).values_list("title", "pk")
        )
        created.update(_insert_parts(new, ids, orgs, users, sources, rng))
        created["awards"] = _load_awards(projects_plan, areas, orgs, users)
    return created


def _moments(days: list[datetime.date], rng: random.Random) -> list[datetime.datetime]:
    """Office-hours moments on ``days`` (in order) that never go backwards: a project's
    history and its ledger are read in the order of their timestamps."""
    moments: list[datetime.datetime] = []
    for day in days:
        moment = _moment(day, rng)
        if moments and moment <= moments[-1]:
            moment = moments[-1] + datetime.timedelta(minutes=rng.randint(5, 40))
        moments.append(moment)
    return moments


def _load_sources(projects_plan: ProjectsPlan, areas, users, rng) -> tuple[dict[str, int], int]:
    district = areas[data.DISTRICT_CODE]
    existing = {
        (name, year): pk for name, year, pk in FundingSource.objects.values_list("name", "year", "pk")
    }
    rows = [
        {
            "kind": s.kind, "name": s.name, "year": pd.YEAR, "amount": s.amount, "area_id": district.pk,
            "donor_name": s.donor_name, "donor_credit_code": donor_credit_code(s.donor_body) if s.donor_body else "",
            "restriction": s.restriction, "receipt_issued": s.receipt_issued, "created_by_id": users.get("district"),
            "created_at": _moment(datetime.date(pd.YEAR, 1, 4), rng),
        }
        for s in projects_plan.sources
        if (s.name, pd.YEAR) not in existing
    ]  # fmt: skip
    _insert_rows(FundingSource, rows)
    if rows:
        existing = {
            (name, year): pk for name, year, pk in FundingSource.objects.values_list("name", "year", "pk")
        }
    return {s.key: existing[(s.name, pd.YEAR)] for s in projects_plan.sources}, len(rows)


def _load_programme(areas, users, rng) -> tuple[int, int]:
    found = (
        Programme.objects.filter(name=pd.PROGRAMME_NAME, year=pd.YEAR).values_list("pk", flat=True).first()
    )
    if found:
        return found, 0
    _insert_rows(
        Programme,
        [
            {"name": pd.PROGRAMME_NAME, "year": pd.YEAR, "publisher": pd.PROGRAMME_PUBLISHER,
             "area_id": areas[data.DISTRICT_CODE].pk, "created_by_id": users.get("district"),
             "created_at": _moment(pd.PROGRAMME_CREATED, rng)}
        ],
    )  # fmt: skip
    return Programme.objects.get(name=pd.PROGRAMME_NAME, year=pd.YEAR).pk, 1


def _check_sources(new: list[ProjectSpec], sources: dict[str, int]) -> None:
    """The rule ``services.allocate`` enforces, against what the sources already carry."""
    from gongzhi.projects.queries import ledger_sum
    from gongzhi.projects.services import BudgetExceeded, yuan

    adding: dict[str, Decimal] = defaultdict(Decimal)
    for p in new:
        for key, amount, _day in p.allocations:
            adding[key] += amount
        for key, amount, _day, _note in p.allocation_reversals:
            adding[key] -= amount
    for key, amount in adding.items():
        source = FundingSource.objects.get(pk=sources[key])
        remaining = source.amount - ledger_sum(Allocation.objects.filter(source=source))
        if amount > remaining:
            raise BudgetExceeded(
                _("演示项目需从资金来源“%(s)s”分配 %(a)s 元，超出其可分配余额 %(r)s 元。")
                % {"s": source.name, "a": yuan(amount), "r": yuan(remaining)}
            )


def _insert_projects(new: list[ProjectSpec], areas, orgs, users, programme: int, rng) -> None:
    _insert_rows(
        Project,
        [
            {"title": p.title, "description": p.description, "programme_id": programme if p.programme else None,
             "lifecycle_category": p.category, "area_id": areas[p.area_code].pk, "status": p.status,
             "year": pd.YEAR, "publisher": p.publisher, "competitive": p.competitive,
             "max_claimants": p.max_claimants, "starts_on": p.starts_on, "ends_on": p.ends_on,
             "case_services": p.case_services, "claimed_by_id": orgs[p.claimed_by] if p.claimed_by else None,
             "created_by_id": users.get(p.created_by), "created_at": _moment(p.created_on, rng),
             "updated_at": _moment(p.updated_on, rng)}
            for p in new
        ],
    )  # fmt: skip


def _insert_parts(new: list[ProjectSpec], ids, orgs, users, sources, rng) -> dict[str, int]:
    """Everything that hangs off the new projects, ledgers last (reversals need the entries)."""
    rows: dict[str, list] = defaultdict(list)
    for p in new:
        pk = ids[p.title]
        rows["domains"] += [ProjectDomain(project_id=pk, domain=d) for d in p.domains]
        moments = _moments([h[3] for h in p.history], rng)
        for (action, before, after, _day, actor, note), moment in zip(p.history, moments, strict=True):
            rows["changes"].append(
                {"project_id": pk, "action": action, "from_status": before, "to_status": after,
                 "actor_id": users.get(actor), "note": note, "created_at": moment}
            )  # fmt: skip
        for key, kind, status, proposal, made, decided, by, decider in p.claims:
            rows["claims"].append(
                {"project_id": pk, "organization_id": orgs[key], "kind": kind, "status": status,
                 "proposal": proposal, "created_by_id": users.get(by), "created_at": _moment(made, rng),
                 "decided_by_id": users.get(decider), "decided_at": _moment(decided, rng) if decided else None}
            )  # fmt: skip
        for title, due, done, evidence, by in p.milestones:
            rows["milestones"].append(
                Milestone(project_id=pk, title=title, due_on=due, completed_on=done, evidence=evidence,
                          completed_by_id=users.get(by))
            )  # fmt: skip
        for kind, name, target, unit, actual in p.indicators:
            rows["indicators"].append(
                Indicator(project_id=pk, kind=kind, name=name, target=target, unit=unit, actual=actual)
            )
        for key, amount, day in p.allocations:
            rows["allocations"].append(
                {"project_id": pk, "source_id": sources[key], "amount": amount, "reversal_of_id": None,
                 "note": "", "created_by_id": users.get("district"), "created_at": _moment(day, rng)}
            )  # fmt: skip
        moments = _moments([d[3] for d in p.disbursements], rng)
        for (key, amount, voucher, paid_on, note, reverses), moment in zip(
            p.disbursements, moments, strict=True
        ):
            row = {"project_id": pk, "source_id": sources[key], "amount": amount, "voucher": voucher,
                   "paid_on": paid_on, "reversal_of_id": None, "note": note,
                   "created_by_id": users.get("finance"), "created_at": moment}  # fmt: skip
            rows["reversed_disbursements" if reverses else "disbursements"].append(row)
        for title, held, place, content, people, times, satisfaction, org, by in p.deliveries:
            rows["deliveries"].append(
                {"project_id": pk, "organization_id": orgs[org], "milestone_id": None, "title": title,
                 "held_on": held, "place": place, "content": content, "beneficiaries": people,
                 "person_times": times, "satisfaction": satisfaction, "reported_by_id": users.get(by),
                 "created_at": _moment(held, rng)}
            )  # fmt: skip
        if p.acceptance:
            day, opinion, by = p.acceptance
            rows["acceptances"].append(
                {"project_id": pk, "accepted_by_id": users.get(by), "accepted_on": day, "opinion": opinion,
                 "created_at": _moment(day, rng)}
            )  # fmt: skip
        if p.evaluation:
            scores, total, grade, comment, day, by = p.evaluation
            rows["evaluations"].append(
                {"project_id": pk, "evaluator_id": users.get(by), "evaluator_org": pd.EVALUATOR_ORG, **scores,
                 "total": total, "grade": grade, "comment": comment, "evaluated_on": day,
                 "created_at": _moment(day, rng)}
            )  # fmt: skip
        for username in p.caseworkers:
            if users.get(username):
                rows["caseworkers"].append(
                    ProjectCaseworker(
                        project_id=pk, user_id=users[username], added_by_id=users.get(p.created_by)
                    )
                )
    ProjectDomain.objects.bulk_create(rows["domains"], batch_size=500)
    Milestone.objects.bulk_create(rows["milestones"], batch_size=500)
    Indicator.objects.bulk_create(rows["indicators"], batch_size=500)
    ProjectCaseworker.objects.bulk_create(rows["caseworkers"])
    for model, key in (
        (ProjectChange, "changes"),
        (ProjectClaim, "claims"),
        (Allocation, "allocations"),
        (Disbursement, "disbursements"),
        (Delivery, "deliveries"),
        (Acceptance, "acceptances"),
        (Evaluation, "evaluations"),
    ):
        _insert_rows(model, rows[key])
    _insert_reversals(new, ids, sources, rows["reversed_disbursements"], rng, users)
    records, notes = _insert_case_records(new, ids, users)
    return {
        "project_claims": len(rows["claims"]),
        "project_changes": len(rows["changes"]),
        "milestones": len(rows["milestones"]),
        "indicators": len(rows["indicators"]),
        "allocations": len(rows["allocations"]) + sum(len(p.allocation_reversals) for p in new),
        "disbursements": len(rows["disbursements"]) + len(rows["reversed_disbursements"]),
        "deliveries": len(rows["deliveries"]),
        "acceptances": len(rows["acceptances"]),
        "evaluations": len(rows["evaluations"]),
        "caseworkers": len(rows["caseworkers"]),
        "case_records": records,
        "case_notes": notes,
    }


def _insert_reversals(new, ids, sources, reversed_rows, rng, users) -> None:
    """Reversing entries point at the entry they reverse: a cancelled project's allocation
    from each source (one entry per source in the demo), a disbursement keyed in wrong (by its
    voucher)."""
    project_ids = [ids[p.title] for p in new]
    allocation_ids = {}
    disbursement_ids = {}
    for chunk_start in range(0, len(project_ids), 500):
        chunk = project_ids[chunk_start : chunk_start + 500]
        allocation_ids.update(
            {
                (project, source): pk
                for project, source, pk in Allocation.objects.filter(
                    project_id__in=chunk, reversal_of__isnull=True
                ).values_list("project_id", "source_id", "pk")
            }
        )
        disbursement_ids.update(
            {
                (project, voucher): pk
                for project, voucher, pk in Disbursement.objects.filter(
                    project_id__in=chunk, reversal_of__isnull=True, amount__gt=0
                ).values_list("project_id", "voucher", "pk")
            }
        )
    allocation_rows = [
        {"project_id": ids[p.title], "source_id": sources[key], "amount": -amount,
         "reversal_of_id": allocation_ids[(ids[p.title], sources[key])], "note": note,
         "created_by_id": users.get(p.created_by), "created_at": _moment(day, rng)}
        for p in new
        for key, amount, day, note in p.allocation_reversals
    ]  # fmt: skip
    _insert_rows(Allocation, allocation_rows)
    for row in reversed_rows:
        row["reversal_of_id"] = disbursement_ids[(row["project_id"], row["voucher"])]
    _insert_rows(Disbursement, reversed_rows)


def _insert_case_records(new, ids, users) -> tuple[int, int]:
    numbers = [n for p in new for r in p.case_records if (n := r[4])]
    people = {}
    if numbers:
        from gongzhi.people.models import Person

        hashes = {id_number_hash(n): n for n in numbers}
        people = {
            hashes[h]: pk
            for h, pk in Person.objects.filter(id_number_hash__in=hashes).values_list("id_number_hash", "pk")
        }
    records, notes = 0, 0
    for p in new:
        pk = ids[p.title]
        writer = users.get(p.caseworkers[0]) if p.caseworkers else None
        for i, (household, members, needs, plan, number, opened, closed, entries) in enumerate(
            p.case_records, 1
        ):
            record = CaseRecord.objects.create(
                project_id=pk, number=f"GA{pk:05d}-{i:03d}", household=household, person_id=people.get(number),
                members=members, needs=needs, plan=plan,
                status=CaseRecordStatus.CLOSED if closed else CaseRecordStatus.OPEN, opened_on=opened,
                closed_on=closed, created_by_id=writer,
            )  # fmt: skip
            CaseNote.objects.bulk_create(
                [
                    CaseNote(record=record, noted_on=day, content=text, written_by_id=writer)
                    for day, text in entries
                ]
            )
            records += 1
            notes += len(entries)
    return records, notes


def _load_awards(projects_plan: ProjectsPlan, areas, orgs, users) -> int:
    titles = [a[4] for a in projects_plan.awards if a[4]]
    projects = {
        p.title: p for p in Project.objects.filter(year=pd.YEAR, title__in=titles).select_related("area")
    }
    present = set(Award.objects.values_list("name", "awarded_on", "project_id", "organization_id"))
    new = []
    from gongzhi.organizations.models import Organization

    org_areas = dict(
        Organization.objects.filter(
            pk__in=[orgs[a[5]] for a in projects_plan.awards if a[5] in orgs]
        ).values_list("pk", "area_id")
    )
    for name, level, issuer, day, title, org_key in projects_plan.awards:
        project = projects.get(title) if title else None
        org_id = orgs.get(org_key) if org_key else None
        if (title and project is None) or (org_key and org_id is None):
            continue
        if (name, day, project.pk if project else None, org_id) in present:
            continue
        new.append(
            Award(name=name, level=level, issuer=issuer, awarded_on=day, project=project, organization_id=org_id,
                  area_id=project.area_id if project else org_areas[org_id], created_by_id=users.get("district"))
        )  # fmt: skip
    Award.objects.bulk_create(new)
    return len(new)
