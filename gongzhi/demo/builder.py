"""The deterministic demo district: 北仑区 with its ten streets, zones, communities and grids,
grid staff, residents with tags, and one login per role.

Building happens in two steps so that it is both deterministic and idempotent:

1. ``plan_district`` computes, in memory and from fixed seeds only, every row the demo
   consists of. Each street draws from its own ``random.Random`` and ``Faker("zh_CN")``
   seeded with ``"<seed>:<street code>"``, so a smaller build (``streets=2``) is an exact
   subset of the full one. Dates are computed against ``data.REFERENCE_DATE``, never today.
2. ``load_plan`` inserts what the database lacks, matching rows by natural keys (area code,
   ID-number blind index, grid assignment key, username) and changing nothing else. A second
   run therefore writes nothing and only hashes the plan's ID numbers to compare.

Rows are written with ``bulk_create`` in batches: the service functions validate and write
one row at a time (and one audit row each), which is right for people at a desk but costs
tens of seconds for thousands of demo rows. The loader applies the same rules the services
apply (area codes, the tree rule, boundaries, ID numbers, phones; paths and depths computed
as ``create_area`` computes them) and uses ``create_user``/``assign_role`` for the logins.
Demo rows therefore carry no audit-log history of their own.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import random
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from faker import Faker

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.services import assign_role, create_user
from gongzhi.areas.choices import LEVEL_ORDER, AreaLevel, GridDuty
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.areas.services import placement_error
from gongzhi.areas.validators import boundary_center, validate_area_code, validate_boundary
from gongzhi.core.exceptions import DomainError
from gongzhi.demo import data
from gongzhi.demo.cases import load_cases
from gongzhi.demo.organizations import load_organizations
from gongzhi.demo.projects import load_projects
from gongzhi.demo.volunteers import load_volunteers
from gongzhi.people.choices import PoliticalStatus, Sex, Tag
from gongzhi.people.models import Person, PersonTag
from gongzhi.people.services import id_number_hash, person_fields_from_id_number
from gongzhi.people.validators import id_check_char, validate_phone

Box = tuple[float, float, float, float]  # west, south, east, north

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_BATCH = 500  # rows per INSERT and per IN (...) lookup; well inside every backend's limits


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary: dict
    population: int = 0
    households: int = 0


@dataclass(frozen=True)
class PersonSpec:
    id_number: str
    name: str
    phone: str
    political_status: str
    area_code: str
    home_grid_code: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffSpec:
    grid_code: str
    id_number: str
    duty: str
    start_date: datetime.date


@dataclass(frozen=True)
class LoginSpec:
    username: str
    role: str
    area_code: str
    area_name: str
    display_name: str
    id_number: str


@dataclass
class DistrictPlan:
    """Every row of the demo, in insertion order (areas parent-first)."""

    areas: list[AreaSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    staff: list[StaffSpec] = field(default_factory=list)
    logins: list[LoginSpec] = field(default_factory=list)

    def digest(self) -> str:
        """A fingerprint of the whole plan: equal digests mean identical demo data.

        Dataclass reprs list fields in declaration order and dicts keep insertion order, so
        the text does not depend on the process's hash seed.
        """
        text = repr((self.areas, self.people, self.staff, self.logins))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class DemoResult:
    """What one build inserted (``created``: the district; ``cases``: grid cases and what
    they need, see ``gongzhi.demo.cases``; ``organizations``: social organizations, see
    ``gongzhi.demo.organizations``; ``projects``: funding and public-welfare projects, see
    ``gongzhi.demo.projects``; ``volunteers``: volunteers, activities, records, wishes and
    correction volunteers, see ``gongzhi.demo.volunteers``), how long it took, and the
    logins to list: one per role, and the handling-unit members (username, display name,
    unit)."""

    created: dict[str, int]
    seconds: float
    logins: list[LoginSpec]
    cases: dict[str, int] = field(default_factory=dict)
    unit_logins: list[tuple[str, str, str]] = field(default_factory=list)
    organizations: dict[str, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    volunteers: dict[str, int] = field(default_factory=dict)

    @property
    def already_loaded(self) -> bool:
        return (
            not any(self.created.values())
            and not any(self.cases.values())
            and not any(self.organizations.values())
            and not any(self.projects.values())
            and not any(self.volunteers.values())
        )


# --- geometry -------------------------------------------------------------------------------


def _rectangle(box: Box) -> dict:
    """A GeoJSON Polygon for ``box``, exterior ring counter-clockwise (RFC 7946)."""
    w, s, e, n = (round(c, 6) for c in box)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _split(box: Box, count: int) -> list[Box]:
    """Tile ``box`` with ``count`` cells in rows (north first, west to east), each shrunk by a
    margin so that every child lies strictly inside its parent and apart from its siblings.

    Widths are corrected by cos(latitude) so cells come out roughly square on the ground.
    """
    west, south, east, north = box
    width, height = east - west, north - south
    ground_width = width * math.cos(math.radians((south + north) / 2))
    cols = min(count, max(1, round(math.sqrt(count * ground_width / height))))
    rows = math.ceil(count / cols)
    per_row, extra = divmod(count, rows)
    cells: list[Box] = []
    for r in range(rows):
        in_row = per_row + (1 if r < extra else 0)
        row_north = north - r * height / rows
        row_south = north - (r + 1) * height / rows
        for c in range(in_row):
            cell_west = west + c * width / in_row
            cell_east = west + (c + 1) * width / in_row
            dx = (cell_east - cell_west) * 0.04
            dy = (row_north - row_south) * 0.04
            cells.append((cell_west + dx, row_south + dy, cell_east - dx, row_north - dy))
    return cells


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum to exactly ``total``
    (largest remainder), so the district's population is the stated figure."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    parts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (parts[i] - shares[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _grid_counts(rng: random.Random, communities: int, total: int, low: int = 3, high: int = 8) -> list[int]:
    """``communities`` grid counts in [low, high] summing to ``total`` (新碶's 143)."""
    if not communities * low <= total <= communities * high:
        raise ValueError(f"{total} grids cannot be spread over {communities} communities")
    counts = [low] * communities
    for _ in range(total - communities * low):
        i = rng.choice([i for i, c in enumerate(counts) if c < high])
        counts[i] += 1
    return counts


# --- people ---------------------------------------------------------------------------------


class _PersonMaker:
    """Draws people for one street from its own seeded generators.

    ID numbers are ``330206`` + birth date + a 3-digit sequence whose first two digits are the
    street's number (as a police station's code would be) and whose last digit's parity is
    the sex, + the GB 11643 check character. Giving each street its own sequence range keeps
    numbers unique across streets without coordination; within a street a set catches the
    rare repeat.
    """

    def __init__(self, rng: random.Random, fake: Faker, station: int):
        self.rng = rng
        self.fake = fake
        self.station = station
        self.used: set[str] = set()

    def id_number(self, sex: str, age: tuple[int, int]) -> str:
        while True:
            days = self.rng.randint(int(age[0] * 365.25) + 1, int((age[1] + 1) * 365.25) - 1)
            birth = data.REFERENCE_DATE - datetime.timedelta(days=days)
            last = self.rng.choice("13579" if sex == Sex.MALE else "02468")
            first17 = f"{data.ID_REGION}{birth:%Y%m%d}{self.station:02d}{last}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_char(first17)

    def phone(self) -> str:
        number = self.fake.phone_number()
        if _MOBILE_RE.match(number):
            return number
        return self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def political_status(self, party_share: float) -> str:
        roll = self.rng.random()
        if roll < party_share:
            return PoliticalStatus.PARTY_MEMBER
        if roll < party_share + 0.05:
            return PoliticalStatus.ACTIVIST
        return PoliticalStatus.MASSES

    def person(
        self,
        *,
        age: tuple[int, int],
        area_code: str,
        home_grid_code: str | None,
        party_share: float = 0.0,
        political_status: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> PersonSpec:
        sex = self.rng.choice((Sex.MALE, Sex.FEMALE))
        # Faker's zh_CN name_male()/name_female() mix both lists of given names; the
        # gendered given-name lists keep the name consistent with the ID number's sex digit.
        given = self.fake.first_name_male() if sex == Sex.MALE else self.fake.first_name_female()
        name = self.fake.last_name() + given
        return PersonSpec(
            id_number=self.id_number(sex, age),
            name=name,
            phone=self.phone(),
            political_status=political_status or self.political_status(party_share),
            area_code=area_code,
            home_grid_code=home_grid_code,
            tags=tags,
        )


def _seeded(seed: int, scope: str) -> tuple[random.Random, Faker]:
    """A random stream and a Faker for one scope (a street, the logins), from the seed alone."""
    key = f"{seed}:{scope}"
    fake = Faker("zh_CN")
    fake.seed_instance(key)
    return random.Random(key), fake


# --- the plan -------------------------------------------------------------------------------


class _Planner:
    def __init__(self, seed: int):
        self.seed = seed
        self.plan = DistrictPlan()

    def area(self, spec: AreaSpec) -> AreaSpec:
        self.plan.areas.append(spec)
        return spec

    def district(self) -> AreaSpec:
        return self.area(
            AreaSpec(
                code=data.DISTRICT_CODE,
                name=data.DISTRICT_NAME,
                level=AreaLevel.DISTRICT,
                parent_code=None,
                boundary=_rectangle(data.DISTRICT_BOX),
            )
        )

    def street(self, street: data.StreetData, box: Box) -> None:
        rng, fake = _seeded(self.seed, street.code)
        people = _PersonMaker(rng, fake, station=street.number)
        self.area(AreaSpec(street.code, street.name, AreaLevel.STREET, data.DISTRICT_CODE, _rectangle(box)))
        # (community spec, its box) in code order, each under its street or zone.
        communities: list[tuple[AreaSpec, Box]] = []
        if street.zones:
            for z, ((zone_name, names), zone_box) in enumerate(
                zip(street.zones, _split(box, len(street.zones)), strict=True), start=1
            ):
                zone = self.area(
                    AreaSpec(
                        f"{street.code}P{z:02d}", zone_name, AreaLevel.ZONE, street.code, _rectangle(zone_box)
                    )
                )
                for name, community_box in zip(names, _split(zone_box, len(names)), strict=True):
                    code = f"{street.code}{len(communities) + 1:03d}"
                    spec = AreaSpec(code, name, AreaLevel.COMMUNITY, zone.code, _rectangle(community_box))
                    communities.append((self.area(spec), community_box))
        else:
            boxes = _split(box, len(street.communities))
            for c, (name, community_box) in enumerate(zip(street.communities, boxes, strict=True), start=1):
                spec = AreaSpec(
                    f"{street.code}{c:03d}", name, AreaLevel.COMMUNITY, street.code, _rectangle(community_box)
                )
                communities.append((self.area(spec), community_box))

        if street.grids is not None:
            grid_counts = _grid_counts(rng, len(communities), street.grids)
        else:
            low, high = street.grids_per_community
            grid_counts = [rng.randint(low, high) for _ in communities]
        weights = [rng.uniform(0.6, 1.4) for _ in range(sum(grid_counts))]
        populations = iter(_apportion(street.population, weights))
        for (community, community_box), count in zip(communities, grid_counts, strict=True):
            stem = community.name.removesuffix("社区")
            for g, grid_box in enumerate(_split(community_box, count), start=1):
                population = next(populations)
                grid = self.area(
                    AreaSpec(
                        code=f"{community.code}{g:03d}",
                        name=f"{stem}{data.GRID_NUMERALS[g - 1]}网格",
                        level=AreaLevel.GRID,
                        parent_code=community.code,
                        boundary=_rectangle(grid_box),
                        population=population,
                        households=round(population / rng.uniform(*data.PERSONS_PER_HOUSEHOLD)),
                    )
                )
                self.grid_people(grid.code, rng, people)

    def grid_people(self, grid: str, rng: random.Random, people: _PersonMaker) -> None:
        """Staff a grid (网格长, 1–2 网格员, 党员志愿者, 居民小组长) and add the residents the
        grid keeps an eye on: veterans, the elderly, the disabled and, rarely, the sensitive
        cases (community correction, families with a mental disorder)."""
        at = {"area_code": grid, "home_grid_code": grid}

        def staff(duty: str, person: PersonSpec) -> None:
            self.plan.people.append(person)
            start = rng.choice(data.STAFF_START_DATES)
            self.plan.staff.append(StaffSpec(grid, person.id_number, duty, start))

        staff(GridDuty.LEADER, people.person(age=(30, 55), party_share=0.7, **at))
        members = (GridDuty.FULL_TIME,) if rng.random() < 0.5 else (GridDuty.FULL_TIME, GridDuty.PART_TIME)
        for duty in members:
            staff(duty, people.person(age=(24, 50), party_share=0.45, **at))
        for _ in range(rng.randint(2, 4)):
            status = PoliticalStatus.PARTY_MEMBER if rng.random() < 0.9 else PoliticalStatus.PROBATIONARY
            tags = (Tag.VETERAN,) if rng.random() < 0.2 else ()
            staff(
                GridDuty.PARTY_VOLUNTEER,
                people.person(age=(35, 75), political_status=status, tags=tags, **at),
            )
        for _ in range(rng.randint(1, 3)):
            staff(GridDuty.GROUP_LEADER, people.person(age=(45, 72), party_share=0.4, **at))

        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.45:
                tags = (Tag.ELDERLY, Tag.DISABLED) if rng.random() < 0.15 else (Tag.ELDERLY,)
                person = people.person(age=(65, 92), tags=tags, **at)
            elif roll < 0.75:
                person = people.person(age=(28, 80), party_share=0.5, tags=(Tag.VETERAN,), **at)
            else:
                person = people.person(age=(18, 80), tags=(Tag.DISABLED,), **at)
            self.plan.people.append(person)
        if rng.random() < 0.03:
            person = people.person(age=(20, 60), tags=(Tag.COMMUNITY_CORRECTION,), **at)
            self.plan.people.append(person)
        if rng.random() < 0.03:
            person = people.person(age=(25, 70), tags=(Tag.MENTAL_DISORDER_FAMILY,), **at)
            self.plan.people.append(person)

    def logins(self) -> None:
        """One login per role around 新碶街道's first community and its first grid."""
        street = data.XINQI.code
        community = next(a for a in self.plan.areas if a.parent_code == f"{street}P01")
        grid = next(a for a in self.plan.areas if a.parent_code == community.code)
        places = {
            "district": self.plan.areas[0],
            "street": next(a for a in self.plan.areas if a.code == street),
            "community": community,
            "grid": grid,
        }
        rng, fake = _seeded(self.seed, "logins")
        people = _PersonMaker(rng, fake, station=0)
        for login in data.DEMO_LOGINS:
            area = places[login.place]
            if login.staff_duty:
                id_number = next(
                    s.id_number
                    for s in self.plan.staff
                    if s.grid_code == grid.code and s.duty == login.staff_duty
                )
                person = next(p for p in self.plan.people if p.id_number == id_number)
            else:
                # Office staff are filed under the area they serve; the resident under a grid.
                home = grid.code if login.place == "grid" else None
                person = people.person(
                    age=(25, 58), party_share=0.6, area_code=area.code, home_grid_code=home
                )
                self.plan.people.append(person)
            self.plan.logins.append(
                LoginSpec(login.username, login.role, area.code, area.name, person.name, person.id_number)
            )


def plan_district(*, seed: int = data.DEMO_SEED, streets: int | None = None) -> DistrictPlan:
    """The demo as data. ``streets`` limits it to the first N streets (新碶街道 first, which
    the logins need), for quick tests; each street's rows are the same as in the full plan."""
    chosen = data.STREETS[:streets] if streets else data.STREETS
    planner = _Planner(seed)
    planner.district()
    boxes = dict(zip(data.STREET_LAYOUT, _split(data.DISTRICT_BOX, len(data.STREET_LAYOUT)), strict=True))
    for street in chosen:
        planner.street(street, boxes[street.name])
    planner.logins()
    return planner.plan


# --- loading --------------------------------------------------------------------------------


def _chunks(values: Sequence, size: int = _BATCH) -> Iterator[Sequence]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _lookup(queryset: QuerySet, key: str, values: Iterable, *fields: str) -> list[tuple]:
    """``values_list(*fields)`` of the rows whose ``key`` is in ``values``, in chunks."""
    rows: list[tuple] = []
    for chunk in _chunks(list(values)):
        rows.extend(queryset.filter(**{f"{key}__in": chunk}).values_list(*fields))
    return rows


def _load_areas(specs: list[AreaSpec]) -> tuple[dict[str, Area], int]:
    """Insert missing areas level by level (parents exist before children); return every
    plan area by code and how many were inserted."""
    areas = {
        a.code: a for chunk in _chunks([s.code for s in specs]) for a in Area.objects.filter(code__in=chunk)
    }
    inserted = 0
    for level in LEVEL_ORDER:
        new: list[Area] = []
        for spec in specs:
            if spec.level != level or spec.code in areas:
                continue
            parent = areas[spec.parent_code] if spec.parent_code else None
            validate_area_code(spec.code)
            error = placement_error(spec.level, parent.level if parent else None)
            if error:
                raise DomainError(error, field="parent")
            validate_boundary(spec.boundary)
            lat, lng = boundary_center(spec.boundary)
            new.append(
                Area(
                    code=spec.code,
                    name=spec.name,
                    level=spec.level,
                    parent=parent,
                    path=f"{parent.path if parent else '/'}{spec.code}/",
                    depth=(parent.depth + 1) if parent else 0,
                    population=spec.population,
                    households=spec.households,
                    boundary=spec.boundary,
                    center_lat=lat,
                    center_lng=lng,
                )
            )
        Area.objects.bulk_create(new, batch_size=_BATCH)
        # Read back rather than trust bulk_create to set primary keys (not every backend does).
        for chunk in _chunks([a.code for a in new]):
            areas.update({a.code: a for a in Area.objects.filter(code__in=chunk)})
        inserted += len(new)
    return areas, inserted


def _load_people(specs: list[PersonSpec], areas: dict[str, Area]) -> tuple[dict[str, int], int]:
    """Insert missing people; return person ids by ID number and how many were inserted."""
    hashes = {s.id_number: id_number_hash(s.id_number) for s in specs}
    existing = dict(_lookup(Person.objects, "id_number_hash", hashes.values(), "id_number_hash", "id"))
    new = []
    for spec in specs:
        if hashes[spec.id_number] in existing:
            continue
        validate_phone(spec.phone)
        new.append(
            Person(
                name=spec.name,
                phone=spec.phone,
                political_status=spec.political_status,
                home_grid=areas[spec.home_grid_code] if spec.home_grid_code else None,
                area=areas[spec.area_code],
                **person_fields_from_id_number(spec.id_number),
            )
        )
    Person.objects.bulk_create(new, batch_size=_BATCH)
    if new:
        existing = dict(_lookup(Person.objects, "id_number_hash", hashes.values(), "id_number_hash", "id"))
    return {number: existing[digest] for number, digest in hashes.items()}, len(new)


def _load_tags(specs: list[PersonSpec], person_ids: dict[str, int]) -> int:
    wanted = [(person_ids[s.id_number], tag) for s in specs for tag in s.tags]
    present = set(_lookup(PersonTag.objects, "person_id", {p for p, _ in wanted}, "person_id", "tag"))
    new = [PersonTag(person_id=p, tag=t) for p, t in wanted if (p, t) not in present]
    PersonTag.objects.bulk_create(new, batch_size=_BATCH)
    return len(new)


def _load_staff(specs: list[StaffSpec], areas: dict[str, Area], person_ids: dict[str, int]) -> int:
    wanted = [(areas[s.grid_code].pk, person_ids[s.id_number], s.duty, s.start_date) for s in specs]
    present = set(
        _lookup(
            GridAssignment.objects,
            "person_id",
            {w[1] for w in wanted},
            "grid_id",
            "person_id",
            "duty",
            "start_date",
        )
    )
    new = [
        GridAssignment(grid_id=g, person_id=p, duty=d, start_date=s)
        for g, p, d, s in wanted
        if (g, p, d, s) not in present
    ]
    GridAssignment.objects.bulk_create(new, batch_size=_BATCH)
    return len(new)


# The published TOTP secret of the demo logins whose role requires two-factor authentication
# (district, xinqi, justice): add it to any authenticator app, or print the current code with
# `oathtool --totp -b <secret>` (README). Like DEMO_PASSWORD, it is public: for the demo only.
DEMO_TOTP_SECRET = "GONGZHI2DEMO2TOTP2SECRET2BEILUN2"  # noqa: S105 - published demo secret


def _give_demo_second_factor(user: User) -> None:
    """A confirmed TOTP device with the published demo secret, unless the user has one."""
    import base64

    from gongzhi.accounts.models import AuthenticatorDevice
    from gongzhi.accounts.services import requires_second_factor

    if not requires_second_factor(user) or AuthenticatorDevice.objects.filter(user=user).exists():
        return
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()  # stored encrypted, like every user's secret
    AuthenticatorDevice.objects.create(user=user, name="演示验证器", key=key, confirmed=True)


def _load_logins(
    specs: list[LoginSpec], areas: dict[str, Area], person_ids: dict[str, int]
) -> dict[str, int]:
    """Create missing logins through the accounts services and link each to its person.

    An existing username is left as it is (its password may have been changed on purpose);
    only a missing role or a missing person link is added.
    """
    counts = {"users": 0, "roles": 0, "person_links": 0}
    for spec in specs:
        area = areas[spec.area_code]
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = create_user(
                spec.username,
                password=data.DEMO_PASSWORD,
                role=spec.role,
                area=area,
                display_name=spec.display_name,
                check_password=False,
            )
            counts["users"] += 1
            counts["roles"] += 1
            _give_demo_second_factor(user)
        elif not RoleAssignment.objects.filter(user=user, role=spec.role, area=area).exists():
            assign_role(user, role=spec.role, area=area)
            counts["roles"] += 1
        if not Person.objects.filter(user=user).exists():
            # update() rather than save(): the link is all that changes, and only if unset.
            counts["person_links"] += Person.objects.filter(
                pk=person_ids[spec.id_number], user__isnull=True
            ).update(user=user)
    return counts


def load_plan(plan: DistrictPlan) -> dict[str, int]:
    """Insert what the database lacks of ``plan``, in one transaction; return counts of
    inserted rows by kind. Existing rows are matched by natural key and left unchanged."""
    with transaction.atomic():
        areas, area_count = _load_areas(plan.areas)
        person_ids, people_count = _load_people(plan.people, areas)
        created = {
            "areas": area_count,
            "people": people_count,
            "tags": _load_tags(plan.people, person_ids),
            "grid_assignments": _load_staff(plan.staff, areas, person_ids),
        }
        created.update(_load_logins(plan.logins, areas, person_ids))
    return created


def build_demo(
    *,
    seed: int = data.DEMO_SEED,
    streets: int | None = None,
    cases: bool = False,
    organizations: bool = False,
    projects: bool = False,
    volunteers: bool = False,
) -> DemoResult:
    """Plan the demo district and load whatever of it is missing (see the module docstring);
    with ``cases``, then a year of grid cases in it (``gongzhi.demo.cases``), and with
    ``organizations`` its social organizations (``gongzhi.demo.organizations``), as ``gongzhi
    demo`` does; with ``projects`` (which needs the organizations) the year's funding and
    public-welfare projects (``gongzhi.demo.projects``); with ``volunteers`` (which needs the
    organizations too) the volunteers, their activities and records, micro-wishes and the
    community-correction volunteers (``gongzhi.demo.volunteers``). The district alone takes
    about a second, the cases a few more, so tests of the district leave them out.

    Raises DomainError or ValidationError only if the plan itself breaks a rule, which the
    tests guard against.
    """
    started = time.perf_counter()
    plan = plan_district(seed=seed, streets=streets)
    created = load_plan(plan)
    result = DemoResult(created=created, seconds=0.0, logins=plan.logins)
    if cases:
        loaded = load_cases(plan, seed=seed)
        result.cases = loaded.created
        result.unit_logins = [loaded.handler] if loaded.handler else []
    if organizations:
        result.organizations = load_organizations(plan, seed=seed)
    if projects:
        result.projects = load_projects(plan, seed=seed)
    if volunteers:
        result.volunteers = load_volunteers(plan, seed=seed)
    from gongzhi.stats.rollups import refresh_rollups  # issue 9 (H6): leave the dashboard's roll-ups fresh

    refresh_rollups(full=True)
    result.seconds = time.perf_counter() - started
    return result
