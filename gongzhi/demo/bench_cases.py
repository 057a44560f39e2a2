"""Cases and their event ledgers for the benchmark data set, consistent with the state machine.

Each case follows a path through ``cases.choices.ALLOWED_TRANSITIONS`` and gets one event per
step, with the fields the services set on the way (registered_at, dispatch/handle/verify
deadlines, handling unit, resolved level, version = steps + 1):

- closed (结案): four in ten resolved on site by the grid (report → resolve_on_site); the rest
  report → register → escalate ×0–2 (to community or street) → dispatch → accept → feedback →
  verify, and half of those evaluated afterwards;
- open: stopped in reported / registered / dispatched / handling / fed_back, the current
  stage's deadline 2–20 days after the anchor and its yellow moment at least a day after it,
  so the sweep finds none of them;
- overdue: open the same way, but the stage deadline passed before the anchor and no warning
  raised yet: exactly the cases the sweep's red pass must find.

Which case is which is a permutation of the case indexes (``i·p mod N`` with p coprime to N),
so the counts are exact and the kinds are spread over ids, grids and time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gongzhi.demo import bench_rows
from gongzhi.demo.bench_rows import DAY, HOUR, Part, Tree, person_name, rng_for, ts

# (code, name, parent code, urgency, handle hours, is_public)
CATEGORIES = (
    ("BENCH-01", "市容环境", None, "normal", 24, True),
    ("BENCH-0101", "占道堆物", "BENCH-01", "normal", 24, True),
    ("BENCH-0102", "暴露垃圾", "BENCH-01", "normal", 8, True),
    ("BENCH-0103", "绿化带养家禽", "BENCH-01", "normal", 24, True),
    ("BENCH-02", "交通设施", None, "normal", 24, True),
    ("BENCH-0201", "僵尸车", "BENCH-02", "normal", 40, True),
    ("BENCH-0202", "路面破损", "BENCH-02", "urgent", 16, True),
    ("BENCH-03", "违法建设", None, "normal", 40, True),
    ("BENCH-0301", "违法搭建", "BENCH-03", "normal", 40, True),
    ("BENCH-04", "社会治理", None, "normal", 24, False),
    ("BENCH-0401", "矛盾纠纷", "BENCH-04", "urgent", 24, False),
    ("BENCH-0402", "安全隐患", "BENCH-04", "critical", 8, True),
)
LEAF_CATEGORIES = [i for i, c in enumerate(CATEGORIES) if c[2] is not None]
DESCRIPTIONS = {
    "占道堆物": ("楼道口堆放杂物，影响通行", "人行道上堆放建材", "店门口占道经营堆物"),
    "暴露垃圾": ("垃圾桶满溢未清运", "河边有暴露垃圾", "小区角落堆积生活垃圾"),
    "绿化带养家禽": ("绿化带内有人圈养鸡鸭", "小区绿地养鹅，气味大"),
    "僵尸车": ("路边长期停放无牌车辆", "小区内废弃车辆占用车位"),
    "路面破损": ("路面出现坑洼，易绊倒行人", "窨井盖松动"),
    "违法搭建": ("楼顶私自搭建彩钢棚", "一楼住户违规扩建院墙"),
    "矛盾纠纷": ("邻里因噪音发生纠纷", "楼上漏水引发邻里矛盾"),
    "安全隐患": ("电动车楼道充电", "消防通道被占用"),
}
SOURCES = (
    ("grid_member", 0.5),
    ("resident", 0.2),
    ("hotline", 0.2),
    ("party_volunteer", 0.07),
    ("inspection", 0.03),
)
OPEN_STATES = (
    ("reported", 0.1),
    ("registered", 0.15),
    ("dispatched", 0.15),
    ("handling", 0.45),
    ("fed_back", 0.15),
)
SOURCE_LABELS = {
    "grid_member": "网格员",
    "party_volunteer": "党员志愿者",
    "inspection": "督查组",
    "hotline": "12345热线",
}

CASE_COLUMNS = [
    "id",
    "number",
    "tracking_token",
    "category_id",
    "description",
    "address",
    "lat",
    "lng",
    "grid_id",
    "level",
    "responsible_area_id",
    "status",
    "source",
    "urgency",
    "reporter_id",
    "reporter_name",
    "reporter_phone_encrypted",
    "reporter_phone_masked",
    "reporter_email",
    "handling_unit_id",
    "campaign_id",
    "merged_into_id",
    "application_id",
    "stage_deadline",
    "yellow_at",
    "due_at",
    "warning",
    "is_supervised",
    "rework_count",
    "extension_count",
    "requested_extension_hours",
    "requested_extension_reason",
    "escalation_count",
    "resolved_level",
    "reported_at",
    "registered_at",
    "dispatched_at",
    "dispatch_deadline",
    "accepted_at",
    "handle_deadline",
    "fed_back_at",
    "verify_deadline",
    "verified_at",
    "verified_by_id",
    "closed_at",
    "satisfaction",
    "evaluated_at",
    "version",
    "updated_at",
]
# No id: the database numbers events in the order they are written, which is case order.
EVENT_COLUMNS = [
    "case_id",
    "action",
    "from_status",
    "to_status",
    "level",
    "actor_id",
    "actor_label",
    "note",
    "data",
    "created_at",
]


def _pick(weights, roll: float) -> str:
    acc = 0.0
    for value, share in weights:
        acc += share
        if roll < acc:
            return value
    return weights[-1][0]


@dataclass
class CaseContext:
    """What the generator needs besides the tree: ids of categories and handling units."""

    category_ids: list[int]  # by CATEGORIES index
    community_unit: list[int]  # handling unit id by community index
    street_unit: list[int]  # handling unit id by street index
    utc_offset: int  # seconds, for the local date in case numbers


def case_kinds(total: int, open_count: int, overdue: int, seed: int):
    """kind(i) → 'overdue' | 'open' | 'closed', exactly ``overdue`` and ``open_count`` of them."""
    rng = rng_for(seed, "case-kinds")
    if total <= 1:
        mult = 1
    else:
        while True:
            mult = rng.randrange(1, total) | 1
            if math.gcd(mult, total) == 1:
                break

    def kind(i: int) -> str:
        slot = (i * mult) % total
        if slot < overdue:
            return "overdue"
        if slot < overdue + open_count:
            return "open"
        return "closed"

    return kind


def case_parts(total: int) -> list[Part]:
    """The cases' parts: ``PART_ROWS`` consecutive cases each."""
    size = bench_rows.PART_ROWS
    return [Part(n, start, min(start + size, total)) for n, start in enumerate(range(0, total, size))]


def case_rows(
    tree: Tree,
    ctx: CaseContext,
    part: Part,
    *,
    total: int,
    open_count: int,
    overdue: int,
    seed: int,
    now: int,
) -> tuple[list[tuple], list[tuple]]:
    """The rows of ``part``'s cases and of their events (``CASE_COLUMNS``, ``EVENT_COLUMNS``)."""
    rng = rng_for(seed, f"cases-{part.number}")
    random = rng.random

    def between(low: int, high: int) -> int:
        # randrange's uniformity checks cost more than the rest of a step; this is uniform
        # enough for timestamps and picks.
        return low + int(random() * (high - low))

    kind_of = case_kinds(total, open_count, overdue, seed)
    n_grids = len(tree.grids)
    community_of_grid = tree.grid_community
    street_of_grid = tree.grid_street
    cases: list[tuple] = []
    events: list[tuple] = []
    year_span = 365 * DAY

    for i in range(part.start, part.stop):
        case_id = i + 1
        kind = kind_of(i)
        gi = between(0, n_grids)
        grid_id = tree.grids[gi]
        community_id = tree.communities[community_of_grid[gi]]
        street_id = tree.streets[street_of_grid[gi]]
        cat_index = LEAF_CATEGORIES[between(0, len(LEAF_CATEGORIES))]
        _code, cat_name, _parent, urgency, _handle_hours, _public = CATEGORIES[cat_index]
        description = DESCRIPTIONS[cat_name][between(0, len(DESCRIPTIONS[cat_name]))]
        source = _pick(SOURCES, random())
        reporter_name = person_name(rng) if source == "resident" else ""
        reporter_label = reporter_name or SOURCE_LABELS[source]
        lat, lng = tree.grid_center[gi]
        lat += (random() - 0.5) * 0.003
        lng += (random() - 0.5) * 0.003
        address = f"{tree.name[community_id]}{between(1, 200)}号"

        # The path through the state machine, as (action, from, to, level) steps.
        level = "grid"
        steps: list[tuple[str, str, str, str]] = [("report", "", "reported", "grid")]
        on_site = False
        if kind == "closed":
            on_site = source == "grid_member" and random() < 0.8
            target = "closed"
        else:
            target = _pick(OPEN_STATES, random())
        escalations = 0
        if on_site:
            steps.append(("resolve_on_site", "reported", "closed", "grid"))
        elif target != "reported":
            steps.append(("register", "reported", "registered", "grid"))
            roll = random()
            escalations = 2 if roll < 0.08 else 1 if roll < 0.25 else 0
            for _ in range(escalations):
                level = "community" if level == "grid" else "street"
                steps.append(("escalate", "registered", "registered", level))
            chain = (
                ("dispatch", "registered", "dispatched"),
                ("accept", "dispatched", "handling"),
                ("feedback", "handling", "fed_back"),
                ("verify", "fed_back", "closed"),
            )
            for action, before, after in chain:
                if before == target:
                    break
                steps.append((action, before, after, level))
            evaluated = target == "closed" and random() < 0.5
            if evaluated:
                steps.append(("evaluate", "closed", "closed", level))

        # When each step happened, and the current stage's clock.
        n = len(steps)
        stage_deadline = yellow_at = None
        if kind == "closed":
            reported = now - year_span + (i * year_span) // max(1, total) + between(-DAY, DAY)
            reported = min(reported, now - 30 * DAY)
            times = [reported]
            for _ in range(n - 1):
                times.append(times[-1] + between(HOUR // 6, 30 * HOUR))
        else:
            if kind == "open":
                last = now - between(HOUR, 5 * DAY)
                stage_deadline = now + between(2 * DAY, 20 * DAY)
                yellow_at = max(now + DAY, last + (stage_deadline - last) * 8 // 10)
            else:
                stage_deadline = now - between(HOUR, 10 * DAY)
                last = stage_deadline - between(2 * HOUR, 3 * DAY)
                yellow_at = last + (stage_deadline - last) * 8 // 10
            times = [last]
            for _ in range(n - 1):
                times.append(times[-1] - between(HOUR // 6, 20 * HOUR))
            times.reverse()

        at = {action: t for (action, *_), t in zip(steps, times, strict=True)}
        reported_at = times[0]
        responsible = {"grid": grid_id, "community": community_id, "street": street_id}[level]
        unit = None
        if "dispatch" in at:
            unit = (
                ctx.street_unit[street_of_grid[gi]]
                if level == "street"
                else ctx.community_unit[community_of_grid[gi]]
            )
        registered = at.get("register", at.get("resolve_on_site"))
        last_register = max(
            (t for (a, *_), t in zip(steps, times, strict=True) if a in ("register", "escalate")),
            default=None,
        )
        closed_at = at.get("verify", at.get("resolve_on_site"))
        status = steps[-2][2] if steps[-1][0] == "evaluate" else steps[-1][2]
        evaluated_at = at.get("evaluate")
        satisfaction = ""
        if evaluated_at is not None:
            satisfaction = _pick((("satisfied", 0.8), ("basically", 0.15), ("dissatisfied", 0.05)), random())
        due_at = None
        if on_site:
            due_at = closed_at
        elif last_register is not None:
            due_at = last_register + 5 * DAY
        if kind == "open" and due_at is not None:
            due_at = max(due_at, stage_deadline)
        dispatch_deadline = last_register + 4 * HOUR if last_register is not None else None
        if status == "registered" and stage_deadline is not None:
            dispatch_deadline = stage_deadline
        handle_deadline = at["accept"] + 3 * DAY if "accept" in at else None
        if status == "handling":
            handle_deadline = stage_deadline
        verify_deadline = at["feedback"] + DAY if "feedback" in at else None
        if status == "fed_back":
            verify_deadline = stage_deadline
        local_day = (reported_at + ctx.utc_offset) // DAY

        def t(value):
            return ts(value) if value is not None else None

        cases.append(
            (
                case_id,
                f"{_yyyymmdd(local_day)}{case_id:07d}",
                f"b{case_id:x}{rng.getrandbits(40):010x}",
                ctx.category_ids[cat_index],
                description,
                address,
                round(lat, 6),
                round(lng, 6),
                grid_id,
                level,
                responsible,
                status,
                source,
                urgency,
                None,
                reporter_name,
                "",
                "",
                "",
                unit,
                None,
                None,
                None,
                t(stage_deadline),
                t(yellow_at),
                t(due_at),
                0,
                False,
                0,
                0,
                None,
                "",
                escalations,
                level if status == "closed" else "",
                ts(reported_at),
                t(registered),
                t(at.get("dispatch")),
                t(dispatch_deadline),
                t(at.get("accept")),
                t(handle_deadline),
                t(at.get("feedback")),
                t(verify_deadline),
                t(closed_at if status == "closed" else None),
                None,
                t(closed_at if status == "closed" else None),
                satisfaction,
                t(evaluated_at),
                n,
                ts(times[-1]),
            )
        )
        for (action, before, after, step_level), when in zip(steps, times, strict=True):
            if action == "report":
                actor, note = reporter_label, description
            elif action in ("accept", "feedback"):
                actor, note = "处置单位", "已处置完毕" if action == "feedback" else ""
            elif action in ("verify", "resolve_on_site"):
                actor, note = "网格员", "现场核查通过" if action == "verify" else "已现场处置"
            elif action == "evaluate":
                actor, note = reporter_label, ""
            else:
                actor, note = f"{tree.name[responsible]}调度员", ""
            events.append((case_id, action, before, after, step_level, None, actor, note, "{}", ts(when)))
    return cases, events


_DATES: dict[int, str] = {}


def _yyyymmdd(day: int) -> str:
    text = _DATES.get(day)
    if text is None:
        text = ts(day * DAY)[:10].replace("-", "")
        _DATES[day] = text
    return text
