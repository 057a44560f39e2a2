"""Row generators for the benchmark data set (``bench_data``): plain tuples, in column order.

Every value comes from one ``random.Random`` per table seeded with ``"<seed>:<table>"`` and
from the anchor (the build's reference instant), so the same seed and anchor give the same
rows; only Fernet ciphertexts differ, because Fernet draws a fresh IV for every value. The
biggest tables are generated in **parts** of about ``PART_ROWS`` rows, each with its own
``random.Random`` (``"<seed>:<table>-<part>"``) and its own first id, so that ``bench_data`` can
generate parts in several processes and still write the same rows in the same order.

Values are written as the database stores them: datetimes as naive UTC text
``YYYY-MM-DD HH:MM:SS`` (Django's SQLite format; PostgreSQL reads it as UTC because the loader
sets the session time zone), dates as ``YYYY-MM-DD``, decimals and JSON as text.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import hmac
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from gongzhi.core import crypto
from gongzhi.core.masking import mask_id_number, mask_phone
from gongzhi.organizations.validators import ALPHABET as CREDIT_ALPHABET
from gongzhi.organizations.validators import credit_check_char
from gongzhi.people.models import PHONE_INDEX_PURPOSE
from gongzhi.people.services import ID_INDEX_PURPOSE
from gongzhi.people.validators import id_check_char

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
DAY = 86_400
HOUR = 3_600

# Bench area codes start with 99: no province has that code (GB/T 2260), so a bench tree can
# never be mistaken for a real one, and ``bench_data`` recognises its own rows by it.
BENCH_CODE_PREFIX = "99"
BENCH_USER_PREFIX = "bench-"
BENCH_CATEGORY_PREFIX = "BENCH-"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏飞建国建华志强海燕晨浩宇欣怡子涵梓轩雨桐思远嘉怡文博俊杰丹丹"
PLACE_CHARS = "新大小东西南北中长安和平兴福春江山湖河海岭峰林桥塘港湾碶浦柴桥霞戚家梅墟白峰郭巨璎珞芝兰红联明珠凤凰金沙银杏"


_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_DAY_TEXT: dict[int, str] = {}


def ts(seconds: int) -> str:
    """Naive UTC text of an epoch instant, as Django stores datetimes on SQLite. Called tens
    of millions of times, so it joins two cached strings instead of formatting a datetime."""
    day, rest = divmod(seconds, DAY)
    text = _DAY_TEXT.get(day)
    if text is None:
        text = _DAY_TEXT[day] = (EPOCH + datetime.timedelta(days=day)).date().isoformat() + " "
    return text + _HMS[rest]


def ds(seconds: int) -> str:
    return (EPOCH + datetime.timedelta(seconds=seconds)).date().isoformat()


def rng_for(seed: int, table: str) -> random.Random:
    return random.Random(f"{seed}:{table}")


PART_ROWS = 20_000  # rows of a part (see the module docstring)


@dataclass(frozen=True)
class Part:
    """A slice ``[start, stop)`` of a table's units (grids, volunteers, cases), numbered."""

    number: int
    start: int
    stop: int


def parts_by_weight(weights: list[int]) -> list[Part]:
    """Consecutive units grouped into parts of about ``PART_ROWS`` rows, unit ``i`` giving
    ``weights[i]`` rows; never an empty part."""
    size = PART_ROWS
    parts: list[Part] = []
    start = filled = 0
    for i, weight in enumerate(weights):
        filled += weight
        if filled >= size:
            parts.append(Part(len(parts), start, i + 1))
            start, filled = i + 1, 0
    if start < len(weights):
        parts.append(Part(len(parts), start, len(weights)))
    return parts


def place_name(rng: random.Random) -> str:
    return rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS)


def person_name(rng: random.Random) -> str:
    # Indexing by random() rather than rng.choice: this runs for every resident.
    r = rng.random
    given = GIVEN[int(r() * len(GIVEN))]
    if r() < 0.6:
        given += GIVEN[int(r() * len(GIVEN))]
    return SURNAMES[int(r() * len(SURNAMES))] + given


def _index_hmac(purpose: str):
    # crypto.blind_index's key and construction, built once; ``copy()`` per value is ~4× faster
    # than ``hmac.new`` and gives the same digest (the tests look people up through the service).
    key = hashlib.sha256(f"{purpose}:{settings.GONGZHI_INDEX_KEY}".encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


# --- The area tree --------------------------------------------------------------------------


@dataclass
class Tree:
    """The bench areas, by id; grids in path order (their list index is their grid index)."""

    rows: list[tuple] = field(default_factory=list)
    districts: list[int] = field(default_factory=list)
    streets: list[int] = field(default_factory=list)
    communities: list[int] = field(default_factory=list)
    grids: list[int] = field(default_factory=list)
    name: dict[int, str] = field(default_factory=dict)
    code: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    grid_street: list[int] = field(default_factory=list)  # street index of each grid
    grid_community: list[int] = field(default_factory=list)  # community index of each grid
    grid_center: list[tuple[float, float]] = field(default_factory=list)
    street_district: list[int] = field(default_factory=list)
    grid_population: list[int] = field(default_factory=list)
    person_start: list[int] = field(default_factory=list)  # first person index of each grid


def plan_tree(scale, seed: int, now: int) -> Tree:
    """Areas with materialized paths exactly as ``areas.services.create_area`` builds them
    (``path = parent.path + code + "/"``, ``depth = parent.depth + 1``), residents spread over
    the grids (±40 %), and each grid a small square boundary around its centre."""
    rng = rng_for(seed, "areas")
    tree = Tree()
    created = ts(now - 400 * DAY)
    next_id = 1
    per_street = scale.communities * scale.grids
    side = math.ceil(math.sqrt(scale.districts * scale.streets * per_street))
    cell = 0.004  # degrees: a grid of ~400 m

    def add(code, name, level, parent_id, parent_path, depth, population=0, boundary=None, center=None):
        nonlocal next_id
        area_id = next_id
        next_id += 1
        path = f"{parent_path}{code}/"
        households = round(population / 2.6)
        lat, lng = center if center else (None, None)
        tree.rows.append(
            (
                area_id,
                code,
                name,
                level,
                parent_id,
                path,
                depth,
                population,
                households,
                boundary,
                lat,
                lng,
                created,
                created,
            )
        )
        tree.name[area_id] = name
        tree.code[area_id] = code
        tree.parent[area_id] = parent_id
        return area_id, path

    weights = [0.6 + 0.8 * rng.random() for _ in range(scale.districts * scale.streets * per_street)]
    total = sum(weights)
    populations = [int(scale.residents * w / total) for w in weights]
    for i in range(scale.residents - sum(populations)):
        populations[i % len(populations)] += 1
    start = 0
    for p in populations:
        tree.person_start.append(start)
        start += p
    tree.grid_population = populations

    gi = 0
    for d in range(scale.districts):
        d_code = f"{BENCH_CODE_PREFIX}01{d + 1:02d}"
        d_id, d_path = add(d_code, f"{place_name(rng)}区", "district", None, "/", 0)
        tree.districts.append(d_id)
        for s in range(scale.streets):
            s_code = f"{d_code}{s + 1:03d}"
            s_id, s_path = add(s_code, f"{place_name(rng)}街道", "street", d_id, d_path, 1)
            tree.streets.append(s_id)
            tree.street_district.append(d)
            street_index = len(tree.streets) - 1
            for c in range(scale.communities):
                c_code = f"{s_code}{c + 1:03d}"
                c_name = f"{place_name(rng)}社区"
                c_id, c_path = add(c_code, c_name, "community", s_id, s_path, 2)
                tree.communities.append(c_id)
                for g in range(scale.grids):
                    row, col = divmod(gi, side)
                    south, west = 29.70 + row * cell, 121.50 + col * cell
                    ring = [[west, south], [west + cell, south], [west + cell, south + cell]]
                    ring += [[west, south + cell], [west, south]]
                    center = (round(south + cell / 2, 6), round(west + cell / 2, 6))
                    g_id, _ = add(
                        f"{c_code}{g + 1:02d}",
                        f"{c_name[:-2]}{g + 1}网格",
                        "grid",
                        c_id,
                        c_path,
                        3,
                        populations[gi],
                        {"type": "Polygon", "coordinates": [ring]},
                        center,
                    )
                    tree.grids.append(g_id)
                    tree.grid_street.append(street_index)
                    tree.grid_community.append(len(tree.communities) - 1)
                    tree.grid_center.append(center)
                    gi += 1
    return tree


def grid_of_person(tree: Tree, index: int) -> int:
    return bisect.bisect_right(tree.person_start, index) - 1


# --- People ---------------------------------------------------------------------------------

BIRTH_DAYS = 29_220  # 1940-01-01 … 2019-12-31
REGIONS = ("330206", "330203", "330205", "330211", "330212")
PHONE_SHARE = 0.1


def _coprime_multiplier(modulus: int, rng: random.Random) -> int:
    while True:
        a = rng.randrange(modulus // 3, modulus - 1) | 1
        if math.gcd(a, modulus) == 1:
            return a


@functools.cache
def _birth_days() -> tuple[list[str], list[str]]:
    """Each possible birth day as YYYYMMDD (in the ID number) and as ISO text."""
    birth0 = datetime.date(1940, 1, 1)
    dates = [(birth0 + datetime.timedelta(days=d)) for d in range(BIRTH_DAYS)]
    return [d.strftime("%Y%m%d") for d in dates], [d.isoformat() for d in dates]


def person_parts(tree: Tree) -> list[Part]:
    """The residents' parts: consecutive grids, about ``PART_ROWS`` residents each."""
    return parts_by_weight(tree.grid_population)


def person_rows(tree: Tree, seed: int, now: int, part: Part) -> Iterator[tuple]:
    """The residents of ``part``'s grids, grid by grid. ID numbers are valid (region, birth
    date, check digit) and unique: person i gets ``(a·i + b) mod M`` as (birth day, sequence),
    a bijection of [0, M) with M = 29,220 days × 1,000 > any scale's residents (a and b are
    the table's, the same for every part).

    Encryption: the ID number is sealed with Fernet like any other (≈75k values/s on one
    core: a third of the city build's CPU); only one resident in ten has a mobile phone on
    record, so phones add a tenth of that. Nothing is shared between rows."""
    table_rng = rng_for(seed, "people")
    modulus = BIRTH_DAYS * 1000
    mult = _coprime_multiplier(modulus, table_rng)
    offset = table_rng.randrange(modulus)
    rng = rng_for(seed, f"people-{part.number}")
    id_hmac = _index_hmac(ID_INDEX_PURPOSE)
    phone_hmac = _index_hmac(PHONE_INDEX_PURPOSE)
    encrypt = crypto.encrypt
    birth_digits, birth_text = _birth_days()
    created = ts(now - 365 * DAY)
    index = tree.person_start[part.start]
    for gi in range(part.start, part.stop):
        grid_id = tree.grids[gi]
        for _ in range(tree.grid_population[gi]):
            code = (mult * index + offset) % modulus
            day, seq = divmod(code, 1000)
            first17 = f"{REGIONS[index % 5]}{birth_digits[day]}{seq:03d}"
            number = first17 + id_check_char(first17)
            digest = id_hmac.copy()
            digest.update(number.encode())
            roll = rng.random()
            if roll < PHONE_SHARE:
                phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                p_digest = phone_hmac.copy()
                p_digest.update(phone.encode())
                phone_cols = (encrypt(phone), mask_phone(phone), p_digest.hexdigest())
            else:
                phone_cols = ("", "", "")
            status = (
                "party_member"
                if roll < 0.08
                else "activist"
                if roll < 0.09
                else "league_member"
                if roll < 0.15
                else "masses"
            )
            yield (
                index + 1,
                person_name(rng),
                encrypt(number),
                digest.hexdigest(),
                mask_id_number(number),
                birth_text[day],
                "M" if seq % 2 else "F",
                *phone_cols,
                status,
                grid_id,
                grid_id,
                None,
                created,
                created,
            )
            index += 1


# --- Volunteers, organizations, activities, service records -------------------------------


def volunteer_people(scale) -> list[int]:
    """Person indexes of the volunteers: every k-th resident, so they spread over all grids."""
    step = max(1, scale.residents // max(1, scale.volunteers))
    return [i * step for i in range(min(scale.volunteers, scale.residents))]


def volunteer_rows(people: list[int], seed: int, now: int) -> Iterator[tuple]:
    rng = rng_for(seed, "volunteers")
    year_now = (EPOCH + datetime.timedelta(seconds=now)).year
    counters: dict[int, int] = {}
    for vi, person_index in enumerate(people):
        registered = now - rng.randrange(30, 8 * 365) * DAY
        year = (EPOCH + datetime.timedelta(seconds=registered)).year
        year = min(year, year_now)
        counters[year] = counters.get(year, 0) + 1
        yield (
            vi + 1,
            person_index + 1,
            f"ZY{year}{counters[year]:06d}",
            "[]",
            "",
            "left" if rng.random() < 0.03 else "active",
            ds(registered),
            None,
            ts(registered),
        )


ORG_WORDS = ("邻里互助", "文体", "调解", "志愿服务", "敬老", "护绿", "助残", "读书", "平安巡防", "亲子")
ORG_KINDS = ("服务队", "协会", "社", "小组", "俱乐部")
FILED_CATEGORIES = ("life_service", "charity", "culture_sports", "mediation")
LEGAL_FORMS = ("social_group", "social_service", "foundation")


@dataclass
class OrgPlan:
    rows: list[tuple] = field(default_factory=list)
    by_street: list[list[int]] = field(default_factory=list)  # org ids per street index
    area: dict[int, int] = field(default_factory=dict)


def plan_organizations(tree: Tree, scale, seed: int, now: int) -> OrgPlan:
    """Organizations spread evenly over streets: four in five filed at a community (备案),
    one in five registered with the district (登记, with a valid unified social credit code)."""
    rng = rng_for(seed, "organizations")
    plan = OrgPlan(by_street=[[] for _ in tree.streets])
    n_streets = len(tree.streets)
    for oi in range(scale.organizations):
        si = oi % n_streets
        street_id = tree.streets[si]
        org_id = oi + 1
        word = ORG_WORDS[rng.randrange(len(ORG_WORDS))]
        kind = ORG_KINDS[rng.randrange(len(ORG_KINDS))]
        founded = now - rng.randrange(200, 15 * 365) * DAY
        created = ts(founded)
        party = rng.choice(("independent", "joint", "instructor", "none", "none"))
        if rng.random() < 0.8:
            ci = si * scale.communities + rng.randrange(scale.communities)
            area_id = tree.communities[ci]
            name = f"{tree.name[area_id]}{word}{kind}{oi // n_streets + 1}"
            status = "filed" if rng.random() < 0.95 else "applying"
            filed = status == "filed"
            row = (name, "filed", status, rng.choice(FILED_CATEGORIES), "", "", "", None)
            filing = (f"BA{tree.code[street_id]}{oi:06d}" if filed else None, ds(founded) if filed else None)
        else:
            area_id = street_id
            name = f"{tree.name[street_id]}{word}{kind}（{oi + 1}）"
            body = f"{oi:09d}"
            org_code = (
                "".join(CREDIT_ALPHABET[int(ch) * 3 % 31] for ch in body[:8]) + CREDIT_ALPHABET[oi % 31]
            )
            first17 = f"5{rng.choice('123')}330206{org_code}"
            credit = first17 + credit_check_char(first17)
            row = (
                name,
                "registered",
                "registered",
                "",
                rng.choice(LEGAL_FORMS),
                credit,
                "区民政局",
                ds(founded),
            )
            filing = (None, None)
        plan.rows.append(
            (
                org_id,
                *row,
                area_id,
                street_id,
                f"{tree.name[area_id]}活动室",
                None,
                "",
                "",
                "",
                "",
                ds(founded),
                *filing,
                False,
                party,
                "",
                None,
                created,
                created,
            )
        )
        plan.by_street[si].append(org_id)
        plan.area[org_id] = area_id
    return plan


ACTIVITY_CATEGORIES = (
    ("elder_care", "敬老"),
    ("greening", "护绿"),
    ("disability", "助残"),
    ("litter", "益起捡"),
    ("environment", "环保"),
    ("safety", "平安巡防"),
    ("culture", "文化服务"),
)
ACTIVITIES_PER_ORG = 4


@dataclass
class ActivityPlan:
    rows: list[tuple] = field(default_factory=list)
    # per activity: (id, org id, area id, starts, ends, place)
    facts: list[tuple[int, int, int, int, int, str]] = field(default_factory=list)
    by_street: list[list[int]] = field(default_factory=list)  # activity list indexes per street


def plan_activities(tree: Tree, orgs: OrgPlan, seed: int, now: int) -> ActivityPlan:
    rng = rng_for(seed, "activities")
    plan = ActivityPlan(by_street=[[] for _ in tree.streets])
    for si, org_ids in enumerate(orgs.by_street):
        for org_id in org_ids:
            for _ in range(ACTIVITIES_PER_ORG):
                key, label = ACTIVITY_CATEGORIES[rng.randrange(len(ACTIVITY_CATEGORIES))]
                start = now - rng.randrange(1, 365) * DAY + rng.randrange(8, 16) * HOUR
                end = start + rng.choice((2, 3, 4)) * HOUR
                area_id = orgs.area[org_id]
                place = f"{tree.name[area_id]}{label}服务点"
                act_id = len(plan.facts) + 1
                plan.rows.append(
                    (
                        act_id,
                        f"{tree.name[area_id]}{label}志愿服务",
                        key,
                        "",
                        org_id,
                        "",
                        None,
                        None,
                        None,
                        area_id,
                        place,
                        ts(start),
                        ts(end),
                        100,
                        ts(start - 7 * DAY),
                        ts(start - HOUR),
                        2,
                        "open",
                        f"{rng.getrandbits(128):032x}",
                        None,
                        ts(start - 8 * DAY),
                    )
                )
                plan.facts.append((act_id, org_id, area_id, start, end, place))
                plan.by_street[si].append(act_id - 1)
    return plan


def service_record_parts(people: list[int], scale) -> list[Part]:
    """The service records' parts: consecutive volunteers, about ``PART_ROWS`` records each."""
    per, extra = _records_per_volunteer(people, scale)
    return parts_by_weight([per + (1 if vi < extra else 0) for vi in range(len(people))])


def _records_per_volunteer(people: list[int], scale) -> tuple[int, int]:
    per = scale.service_records // max(1, len(people))
    return per, scale.service_records - per * len(people)


def service_record_rows(
    tree: Tree, people: list[int], activities: ActivityPlan, scale, seed: int, part: Part
) -> Iterator[tuple]:
    """The records of ``part``'s volunteers: each serves at activities of their own street;
    nine in ten records approved."""
    rng = rng_for(seed, f"service_records-{part.number}")
    per, extra = _records_per_volunteer(people, scale)
    record_id = part.start * per + min(part.start, extra)  # the records before this part
    hours_text = {2: "2.0", 3: "3.0", 4: "4.0"}
    for vi in range(part.start, part.stop):
        person_index = people[vi]
        si = tree.grid_street[grid_of_person(tree, person_index)]
        pool = activities.by_street[si]
        for _ in range(per + (1 if vi < extra else 0)):
            act_id, org_id, area_id, start, end, place = activities.facts[pool[int(rng.random() * len(pool))]]
            record_id += 1
            hours = hours_text[(end - start) // HOUR]
            roll = rng.random()
            status = "approved" if roll < 0.9 else "pending" if roll < 0.98 else "declined"
            decided = ts(end + DAY) if status != "pending" else None
            yield (
                record_id,
                vi + 1,
                act_id,
                None,
                org_id,
                area_id,
                "activity",
                status,
                ds(start),
                ts(start),
                ts(end),
                place,
                "",
                hours,
                hours,
                "",
                None,
                None,
                ts(end),
                None,
                decided,
            )


# --- Funding and projects -------------------------------------------------------------------

FUNDING_KINDS = ("government_purchase", "welfare_lottery", "corporate_donation", "other")
LIFECYCLES = ("childcare", "education", "employment", "health", "elderly", "housing", "vulnerable")
LIFECYCLE_LABELS = ("幼有所育", "学有所教", "劳有所得", "病有所医", "老有所养", "住有所居", "弱有所扶")
PROJECT_STATUSES = (
    ("published", 0.15),
    ("claimed", 0.15),
    ("in_progress", 0.35),
    ("completed", 0.1),
    ("accepted", 0.1),
    ("evaluated", 0.1),
    ("cancelled", 0.05),
)


def funding_rows(tree: Tree, scale, seed: int, now: int) -> Iterator[tuple]:
    rng = rng_for(seed, "funding")
    year = (EPOCH + datetime.timedelta(seconds=now)).year
    for fi in range(scale.funding_sources):
        kind = FUNDING_KINDS[fi % len(FUNDING_KINDS)]
        district = tree.districts[fi % len(tree.districts)]
        donor = f"{place_name(rng)}实业有限公司" if kind == "corporate_donation" else ""
        restriction = LIFECYCLES[rng.randrange(len(LIFECYCLES))] if kind == "corporate_donation" else ""
        yield (
            fi + 1,
            kind,
            f"{year - fi % 3}年度{tree.name[district]}公益资金{fi + 1}",
            year - fi % 3,
            f"{rng.randrange(100, 5000) * 1000}.00",
            district,
            donor,
            "",
            restriction,
            kind == "corporate_donation",
            None,
            ts(now - 90 * DAY),
        )


def project_rows(tree: Tree, orgs: OrgPlan, scale, seed: int, now: int) -> Iterator[tuple]:
    rng = rng_for(seed, "projects")
    year = (EPOCH + datetime.timedelta(seconds=now)).year
    cumulative = []
    acc = 0.0
    for status, share in PROJECT_STATUSES:
        acc += share
        cumulative.append((acc, status))
    for pi in range(scale.projects):
        si = pi % len(tree.streets)
        street_id = tree.streets[si]
        li = rng.randrange(len(LIFECYCLES))
        roll = rng.random()
        status = next((s for limit, s in cumulative if roll < limit), "in_progress")
        claimed = None
        if status not in ("published", "cancelled") and orgs.by_street[si]:
            claimed = orgs.by_street[si][rng.randrange(len(orgs.by_street[si]))]
        starts = now - rng.randrange(10, 300) * DAY
        created = ts(starts - 30 * DAY)
        yield (
            pi + 1,
            f"{tree.name[street_id]}{LIFECYCLE_LABELS[li]}公益项目{pi + 1}",
            "",
            None,
            LIFECYCLES[li],
            street_id,
            status,
            year,
            f"{tree.name[street_id]}党工委",
            False,
            1,
            ds(starts),
            ds(starts + 365 * DAY),
            rng.random() < 0.1,
            claimed,
            None,
            None,
            created,
            created,
        )
