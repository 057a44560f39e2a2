"""Demo grid cases: a year of cases across the demo district, as the services would have made
them, plus what they need — the work calendar's holidays, the case categories, handling units
(one demo login, ``handler``, is a member of 百合社区环卫队) and 新碶街道's environment
campaign (the facts are in ``case_data``).

Like the district (``builder``), the cases are first *planned* in memory from the seed alone
(``case_simulation``: every case played through the services' transitions and the sweep's
rules) and then *loaded* here, inserting only what the database lacks:

- Cases are matched by their tracking token, derived from the seed (a demo's tokens are
  therefore guessable: it is demo data); everything else by its natural key (a holiday's
  date, a category's code, a unit's area and name, the campaign's name and area).
- Calling the services for 7,500 cases and 50,000 events would take minutes, so rows are
  inserted in bulk (``_insert_rows``). New cases get ids in the order they were reported,
  so numbers (``services._number``: report date + id) grow with time as they would have.
- No notifications and no photos are made for the demo's past.

The result passes the model constraints and every timeline is a path through
``ALLOWED_TRANSITIONS``; running the sweep at the reference moment finds nothing to do
(tests/demo/test_demo_cases.py checks all three). On this machine the whole ``gongzhi demo``
takes about 10 s the first time and 2–3 s to find nothing missing the next time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, connections, router, transaction
from django.db.models import Max
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.cases.choices import CaseAction
from gongzhi.cases.models import (
    Campaign,
    CampaignPost,
    Case,
    CaseCategory,
    CaseEvent,
    CategoryTimeLimit,
    HandlingUnit,
    Holiday,
)
from gongzhi.demo import data
from gongzhi.demo.case_data import (
    CAMPAIGN_END,
    CAMPAIGN_NAME,
    CAMPAIGN_START,
    CATEGORIES,
    COMMUNITY_UNITS,
    DISTRICT_UNITS,
    HANDLER_UNIT,
    HANDLER_USERNAME,
    HOLIDAYS,
    STREET_UNITS,
    TIME_LIMITS,
)
from gongzhi.demo.case_simulation import TZ, SimCase, plan_cases
from gongzhi.people.models import Person
from gongzhi.people.services import id_number_hash, person_fields_from_id_number

_BATCH = 500


@dataclass
class CasesResult:
    """What one build inserted, by kind of row, and the login it added (``handler``)."""

    created: dict[str, int]
    handler: tuple[str, str, str] | None = None  # username, display name, unit name


def _chunks(values: Sequence, size: int = _BATCH):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _load_holidays() -> int:
    existing = set(Holiday.objects.values_list("date", flat=True))
    new = [
        Holiday(date=datetime.date.fromisoformat(day), name=name, is_workday=workday)
        for day, name, workday in HOLIDAYS
        if datetime.date.fromisoformat(day) not in existing
    ]
    Holiday.objects.bulk_create(new)
    return len(new)


def _load_units(areas: dict[str, Area], street_codes: list[str], plan: Any) -> tuple[dict, int]:
    """Units by (area code, name); inserts the missing ones."""
    district = plan.areas[0]
    wanted: list[tuple[str, str, str, str]] = [
        (district.code, name, kind, phone) for name, kind, phone in DISTRICT_UNITS
    ]
    for spec in plan.areas:
        if spec.level == AreaLevel.STREET and spec.code in street_codes:
            stem = spec.name.removesuffix("街道")
            wanted += [
                (spec.code, p.format(street=spec.name, stem=stem), kind, "") for p, kind in STREET_UNITS
            ]
    for spec in plan.areas:
        if spec.level == AreaLevel.COMMUNITY and areas[spec.code].path.split("/")[2] in street_codes:
            wanted += [(spec.code, p.format(community=spec.name), kind, "") for p, kind in COMMUNITY_UNITS]
    ids = {
        (code, name): pk
        for code, name, pk in HandlingUnit.objects.filter(
            area__in=[areas[c] for c in {w[0] for w in wanted}]
        ).values_list("area__code", "name", "pk")
    }
    new = [
        HandlingUnit(area=areas[code], name=name, kind=kind, contact_phone=phone)
        for code, name, kind, phone in wanted
        if (code, name) not in ids
    ]
    HandlingUnit.objects.bulk_create(new, batch_size=_BATCH)
    if new:
        ids = {
            (code, name): pk
            for code, name, pk in HandlingUnit.objects.filter(
                area__in=[areas[c] for c in {w[0] for w in wanted}]
            ).values_list("area__code", "name", "pk")
        }
    return ids, len(new)


def _load_categories(unit_ids: dict, district_code: str) -> int:
    existing = set(CaseCategory.objects.values_list("code", flat=True))
    created = 0
    by_code: dict[str, CaseCategory] = {
        c.code: c for c in CaseCategory.objects.filter(code__in=[s.code for s in CATEGORIES])
    }
    for spec in CATEGORIES:  # parents come first
        if spec.code in existing:
            continue
        register, dispatch, accept, handle, verify = (Decimal(str(h)) for h in spec.hours)
        by_code[spec.code] = CaseCategory.objects.create(
            code=spec.code,
            name=spec.name,
            parent=by_code[spec.parent] if spec.parent else None,
            default_unit_id=unit_ids.get((district_code, spec.units[2])) if spec.parent else None,
            urgency=spec.urgency,
            register_hours=register,
            dispatch_hours=dispatch,
            accept_hours=accept,
            handle_hours=handle,
            verify_hours=verify,
            auto_escalate=spec.auto_escalate,
        )
        created += 1
    present = set(CategoryTimeLimit.objects.values_list("category__code", "stage", "level"))
    new = [
        CategoryTimeLimit(category=by_code[code], stage=stage, level=level, hours=Decimal(hours))
        for code, stage, level, hours in TIME_LIMITS
        if (code, stage, level) not in present
    ]
    CategoryTimeLimit.objects.bulk_create(new)
    return created + len(new)


def _load_handler(plan: Any, areas: dict[str, Area], unit_id: int, seed: int) -> tuple[User, dict[str, int]]:
    """The ``handler`` login: a member of 百合社区环卫队 with a person record of their own
    (drawn like the builder's logins, from the seed, with an ID-number range of its own)."""
    from gongzhi.demo.builder import _PersonMaker, _seeded

    created = {"unit_logins": 0, "unit_people": 0, "unit_members": 0}
    community = next(a for a in plan.logins if a.role == "community_worker")
    rng, fake = _seeded(seed, "cases-logins")
    spec = _PersonMaker(rng, fake, station=99).person(
        age=(30, 55), area_code=community.area_code, home_grid_code=None, party_share=0.3
    )
    user = User.objects.filter(username=HANDLER_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            username=HANDLER_USERNAME, password=data.DEMO_PASSWORD, display_name=spec.name
        )
        created["unit_logins"] += 1
    if not Person.objects.filter(user=user).exists():
        digest = id_number_hash(spec.id_number)
        person = Person.objects.filter(id_number_hash=digest).first()
        if person is None:
            person = Person.objects.create(
                name=spec.name,
                phone=spec.phone,
                political_status=spec.political_status,
                area=areas[spec.area_code],
                **person_fields_from_id_number(spec.id_number),
            )
        # update() rather than save(): the link is all that changes, and only if unset.
        created["unit_people"] += Person.objects.filter(pk=person.pk, user__isnull=True).update(user=user)
    unit = HandlingUnit.objects.get(pk=unit_id)
    if not unit.members.filter(pk=user.pk).exists():
        unit.members.add(user)
        created["unit_members"] += 1
    return user, created


def _load_campaign(areas: dict[str, Area], users: dict[str, User]) -> tuple[Campaign, int]:
    street = areas[data.XINQI.code]
    campaign = Campaign.objects.filter(name=CAMPAIGN_NAME, area=street).first()
    if campaign is not None:
        return campaign, 0
    campaign = Campaign.objects.create(
        name=CAMPAIGN_NAME,
        area=street,
        description=(
            "聚焦占道堆物、暴露垃圾、乱张贴、绿化带养殖和违法搭建，"
            "网格员每日巡查上报，街道、社区联动处置，三个月内实现背街小巷环境明显改观。"
        ),
        start_date=CAMPAIGN_START,
        end_date=CAMPAIGN_END,
        created_by=users.get("xinqi"),
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        created_at=datetime.datetime.combine(CAMPAIGN_START, datetime.time(9), tzinfo=TZ)
        - datetime.timedelta(days=3)
    )
    return campaign, 1


def _campaign_posts(campaign: Campaign, cases: list[SimCase], users: dict[str, User]) -> int:
    """A progress message every other week, with the figures of the campaign's cases."""
    existing = set(CampaignPost.objects.filter(campaign=campaign).values_list("text", flat=True))
    ours = [c for c in cases if c.campaign]
    posts = []
    # Every other Friday evening, and a summing-up the morning after the campaign ends.
    moments = [
        datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=TZ)
        for day in _every(CAMPAIGN_START + datetime.timedelta(days=11), CAMPAIGN_END, days=14)
    ]
    moments.append(
        datetime.datetime.combine(CAMPAIGN_END + datetime.timedelta(days=1), datetime.time(10), tzinfo=TZ)
    )
    for week, moment in enumerate(moments, start=1):
        reported = [c for c in ours if c.reported_at <= moment]
        closed = [c for c in reported if c.closed_at and c.closed_at <= moment]
        on_site = sum(1 for c in closed if any(e.action == CaseAction.RESOLVE_ON_SITE for e in c.events))
        by_kind: dict[str, int] = defaultdict(int)
        for c in closed:
            by_kind[_CATEGORY_NAMES[c.category]] += 1
        top = "、".join(f"{name} {n} 处" for name, n in sorted(by_kind.items(), key=lambda x: -x[1])[:3])
        if moment.date() > CAMPAIGN_END:
            text = (
                f"{CAMPAIGN_NAME}圆满收官：三个月共发现问题 {len(reported)} 处，已整改 {len(closed)} 处，"
                f"其中网格员现场自处置 {on_site} 处。感谢各社区、网格员和志愿者的辛勤付出！"
            )
        else:
            text = (
                f"整治第 {week * 2} 周进展：累计发现问题 {len(reported)} 处，已整改 {len(closed)} 处"
                f"（{top}），网格员现场自处置 {on_site} 处。"
            )
        author = users["xinqi"] if week % 2 else users["community"]
        if text not in existing:
            posts.append((CampaignPost(campaign=campaign, author=author, text=text), moment))
    CampaignPost.objects.bulk_create([p for p, _ in posts])
    for post, moment in posts:  # created_at is auto_now_add: set the real moment afterwards
        CampaignPost.objects.filter(pk=post.pk).update(created_at=moment)
    return len(posts)


_CATEGORY_NAMES = {s.code: s.name for s in CATEGORIES}


def _every(first: datetime.date, last: datetime.date, *, days: int) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range(0, (last - first).days + 1, days)]


def _insert_rows(model: type, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (column → value) into ``model``'s table with ``executemany``.

    ``bulk_create`` prepares every field of every instance through the compiler, which for
    50,000 rows costs seconds; here each value goes through the same ``get_db_prep_save``
    of its field, but only for the fields that change a value on the way to the database
    (dates and JSON), and nothing else is done per row.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.column in rows[0] or not f.primary_key]
    # A column the rows leave out gets its field's default, as the ORM would give it.
    defaults = [f for f in fields if f.column not in rows[0]]
    converted = [
        f
        for f in fields
        if f.get_internal_type() in ("DateTimeField", "DateField", "JSONField", "DecimalField")
    ]
    # The connection itself rather than the ``django.db.connection`` proxy, whose every
    # attribute lookup goes through a thread-local: 100,000s of lookups here.
    db = connections[router.db_for_write(model)]
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - identifiers from the model, values bound  # nosec B608
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = []
    for row in rows:
        for f in defaults:
            row[f.column] = f.get_default()
        for f in converted:
            if row[f.column] is not None:
                row[f.column] = f.get_db_prep_save(row[f.column], db)
        values.append([row[f.column] for f in fields])
    with db.cursor() as cursor:
        for chunk in _chunks(values, 5000):
            cursor.executemany(sql, chunk)


def _insert_cases(
    sims: list[SimCase],
    *,
    categories: dict[str, int],
    areas: dict[str, Area],
    unit_ids: dict,
    users: dict[str, User],
    campaign: Campaign,
) -> tuple[int, int]:
    """Insert the cases not yet loaded and their events; return (cases, events) inserted.

    New cases get ids in the order they were reported, following the highest id in use, so
    that numbers (``services._number``: report date + id) grow with time as they would have,
    and a merged case can point at its original before either is inserted. The id sequence
    is moved past them afterwards (PostgreSQL; SQLite's AUTOINCREMENT follows by itself).
    """
    known: dict[str, tuple[int, str]] = {}
    for chunk in _chunks([s.token for s in sims]):
        rows = Case.objects.filter(tracking_token__in=chunk).values_list("tracking_token", "pk", "number")
        known.update((token, (pk, number)) for token, pk, number in rows)
    new = sorted((s for s in sims if s.token not in known), key=lambda s: (s.reported_at, s.token))
    if not new:
        return 0, 0
    next_id = (Case.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    for pk, s in enumerate(new, start=next_id):
        known[s.token] = (pk, f"{timezone.localtime(s.reported_at, TZ):%Y%m%d}{pk:07d}")
    user_ids = {name: u.pk for name, u in users.items()}
    loaded_at = timezone.now()

    def user_id(username: str | None) -> int | None:
        return user_ids.get(username) if username else None

    _insert_rows(
        Case,
        [
            {
                "id": known[s.token][0],
                "number": known[s.token][1],
                "tracking_token": s.token,
                "category_id": categories[s.category],
                "description": s.description,
                "address": s.address,
                "lat": s.lat,
                "lng": s.lng,
                "grid_id": areas[s.place.code].pk,
                "level": s.level,
                "responsible_area_id": areas[s.responsible].pk,
                "status": s.status,
                "source": s.source,
                "urgency": s.urgency,
                "reporter_id": user_id(s.reporter),
                "reporter_name": s.reporter_name,
                # Sealed: the encrypted and masked columns (crypto.sealed), never the plain number.
                **Case.reporter_phone.values(s.reporter_phone),
                "reporter_email": "",
                "handling_unit_id": unit_ids[s.unit] if s.unit else None,
                "campaign_id": campaign.pk if s.campaign else None,
                "merged_into_id": known[s.merged_into.token][0] if s.merged_into else None,
                "application_id": None,
                "stage_deadline": s.stage_deadline,
                "yellow_at": s.yellow_at,
                "due_at": s.due_at,
                "warning": s.warning,
                "is_supervised": s.is_supervised,
                "rework_count": s.rework_count,
                "extension_count": s.extension_count,
                "escalation_count": s.escalation_count,
                "resolved_level": s.resolved_level,
                "reported_at": s.reported_at,
                "registered_at": s.registered_at,
                "dispatched_at": s.dispatched_at,
                "dispatch_deadline": s.dispatch_deadline,
                "accepted_at": s.accepted_at,
                "handle_deadline": s.handle_deadline,
                "fed_back_at": s.fed_back_at,
                "verify_deadline": s.verify_deadline,
                "verified_at": s.verified_at,
                "verified_by_id": user_id(s.verified_by),
                "closed_at": s.closed_at,
                "satisfaction": s.satisfaction,
                "evaluated_at": s.evaluated_at,
                "version": s.version,
                "updated_at": loaded_at,
            }
            for s in new
        ],
    )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):
            cursor.execute(sql)

    events = []
    for s in new:
        case_id = known[s.token][0]
        for e in s.events:
            payload = e.data
            if e.action == CaseAction.MERGE:
                payload = {
                    "into": known[s.merged_into.token][0],
                    "into_number": known[s.merged_into.token][1],
                }
            events.append(
                {
                    "case_id": case_id,
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "level": e.level,
                    "actor_id": user_id(e.actor),
                    "actor_label": e.actor_label,
                    "note": e.note,
                    "data": payload,
                    "created_at": e.created_at,
                }
            )
    _insert_rows(CaseEvent, events)
    return len(new), len(events)


def load_cases(plan: Any, *, seed: int) -> CasesResult:
    """Insert what the database lacks of the demo cases for ``plan``'s streets, in one
    transaction. Existing rows are matched by natural key and left unchanged."""
    created: dict[str, int] = {}
    with transaction.atomic():
        street_codes = [a.code for a in plan.areas if a.level == AreaLevel.STREET]
        district = plan.areas[0]
        areas = {a.code: a for a in Area.objects.filter(path__prefix=f"/{district.code}/")}
        created["holidays"] = _load_holidays()
        unit_ids, created["handling_units"] = _load_units(areas, street_codes, plan)
        created["case_categories"] = _load_categories(unit_ids, district.code)
        community = next(a for a in plan.logins if a.role == "community_worker")
        handler_unit = (community.area_code, HANDLER_UNIT.format(community=community.area_name))
        handler, handler_rows = _load_handler(plan, areas, unit_ids[handler_unit], seed)
        created.update(handler_rows)
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[*(a.username for a in plan.logins), HANDLER_USERNAME])
        }
        campaign, created["campaigns"] = _load_campaign(areas, users)
        sims = plan_cases(
            plan, seed=seed, unit_ids=unit_ids, handler_unit=handler_unit, handler_name=str(handler)
        )
        categories = dict(CaseCategory.objects.values_list("code", "pk"))
        created["cases"], created["case_events"] = _insert_cases(
            sims, categories=categories, areas=areas, unit_ids=unit_ids, users=users, campaign=campaign
        )
        created["campaign_posts"] = _campaign_posts(
            campaign, [s for s in sims if s.place.street == data.XINQI.code], users
        )
    return CasesResult(created=created, handler=(HANDLER_USERNAME, str(handler), handler_unit[1]))
