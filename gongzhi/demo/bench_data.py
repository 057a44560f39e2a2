"""``gongzhi bench-data``: a deterministic, bulk-loaded, city-sized data set for benchmarks.

Scales (issue 9): ``city`` ≈ 10M residents, 10 districts of 15 streets, 3,000 communities,
30,000 grids, 30,000 organizations, 1M volunteers, 10M service records, 5M cases with their
events (80 % closed, 15 % open, 5 % overdue), 300 funding sources, 3,000 projects;
``district`` one tenth of that; ``tiny`` about a thousandth of a district, for tests and the CI
smoke benchmark.

How it is fast enough (the city must load in 20 minutes on two cores):

- rows are generated as plain tuples (``bench_rows``, ``bench_cases``) and streamed with
  ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` in one transaction on SQLite — never
  through models, services or the API;
- the big tables lose their secondary indexes and foreign keys while they fill and get them
  back at the end (one sort per index and one join per foreign key instead of millions of
  random B-tree inserts and trigger checks), then ``ANALYZE``;
- everything happens in one transaction: a failed build leaves the database as it was.

What the data is *not*: no audit rows (the services write those; a bulk load has no actor),
no photos, no notifications, and no Fernet-per-value shortcut — every ID number is
sealed for real (see ``bench_rows.person_rows``; one resident in ten has a phone on record,
so phones add a tenth of that cost). Logins share one password hash computed once
(``BENCH_PASSWORD``), because Argon2 per user would cost minutes at city scale.

Measured (2026-11-27, this 2-core machine shared with four other jobs, load average ≈ 8):
district scale, 4.95M rows, loads in 167 s on PostgreSQL (29.6k rows/s; 36 s of our CPU,
27 s of the server backend's) and 257 s on SQLite (19k rows/s, 97 s CPU); a quarter district
runs at 29.0k rows/s with a quarter of the CPU, so the cost is linear in rows. The city
(49.5M rows) then needs ≈ 365 s of this process's CPU — single-threaded, so about 6 minutes
is the floor — and ≈ 270 s of the server backend's (plus its parallel index workers), partly
overlapping: an estimated 6–11 minutes on two quiet cores, not measured here. The summary's
``python_cpu_seconds`` and ``server_cpu_seconds`` show the same split for any run.

The loader refuses a database holding anything but bench data; with ``replace=True`` it
first empties one holding only bench data (audit rows included, through the audit
``maintenance`` switch that whole-database wipes use).
"""

from __future__ import annotations

import datetime
import itertools
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.areas.models import Area
from gongzhi.audit.guard import maintenance
from gongzhi.cases.models import Case, CaseCategory, CaseEvent, HandlingUnit
from gongzhi.demo import bench_rows as rows
from gongzhi.demo.bench_cases import (
    CASE_COLUMNS,
    CATEGORIES,
    EVENT_COLUMNS,
    CaseContext,
    case_parts,
    case_rows,
)
from gongzhi.organizations.models import Organization
from gongzhi.people.models import Person
from gongzhi.projects.models import FundingSource, Project
from gongzhi.volunteers.models import Activity, ServiceRecord, Volunteer

BENCH_PASSWORD = "Bench-pass-2026"  # noqa: S105 - public, like the demo password: bench data only
DEFAULT_SEED = 20260901


@dataclass(frozen=True)
class Scale:
    name: str
    districts: int
    streets: int  # per district
    communities: int  # per street
    grids: int  # per community
    residents: int
    organizations: int
    volunteers: int
    service_records: int
    cases: int
    funding_sources: int
    projects: int


SCALES = {
    "tiny": Scale("tiny", 1, 2, 2, 2, 1_000, 6, 100, 1_000, 500, 3, 3),
    "district": Scale("district", 1, 15, 20, 10, 1_000_000, 3_000, 100_000, 1_000_000, 500_000, 30, 300),
    "city": Scale("city", 10, 15, 20, 10, 10_000_000, 30_000, 1_000_000, 10_000_000, 5_000_000, 300, 3_000),
}
OPEN_SHARE = 0.15
OVERDUE_SHARE = 0.05


class BenchDataError(Exception):
    """The build cannot start: the database holds other data, or the figures do not add up."""


# --- Writing --------------------------------------------------------------------------------


class _Writer:
    """Appends tuples to a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise BenchDataError(_("bench-data 只支持 PostgreSQL 和 SQLite。"))

    def write(self, model, columns: list[str], data: Iterable[tuple] | bytes, given: int = 0) -> int:
        """Append ``data``: tuples, or (PostgreSQL) ``given`` rows already as COPY text."""
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        count = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    if isinstance(data, bytes):
                        copy.write(data)
                        count = given
                    else:
                        for row in data:
                            copy.write_row(row)
                            count += 1
            else:
                # Table and column names come from model metadata, never from input.
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608  # nosec B608
                raw = cursor.cursor
                batch: list[tuple] = []
                for row in data:
                    batch.append(row)
                    if len(batch) == 5000:
                        raw.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    raw.executemany(sql, batch)
                    count += len(batch)
        return count


# --- Generating in parallel -----------------------------------------------------------------

# The job of the forked workers (``_generated``): set before they fork, so they inherit it.
_JOB: Callable[[rows.Part], tuple[list[tuple], ...]] | None = None


def _run_part(part: rows.Part) -> list[tuple[bytes, int]]:
    """In a worker: ``_JOB(part)``'s rows of each table as COPY text, with their number.

    Formatting here rather than in the loader keeps the loader's share of the work to
    relaying bytes; psycopg's own row formatter (C) writes exactly what ``copy.write_row``
    would."""
    from psycopg._copy_base import format_row_text
    from psycopg.adapt import Transformer

    assert _JOB is not None  # noqa: S101  # nosec B101 - set before the fork
    transformer = Transformer()
    out = []
    for table_rows in _JOB(part):
        buffer = bytearray()
        for row in table_rows:
            format_row_text(row, transformer, buffer)
        out.append((bytes(buffer), len(table_rows)))
    return out


def _generated(
    job: Callable[[rows.Part], tuple[list[tuple], ...]], parts: list[rows.Part], workers: int
) -> Iterator[list[tuple[list[tuple] | bytes, int]]]:
    """``job(part)`` for each part, in order, as (data, row count) per table.

    With ``workers`` > 1 on PostgreSQL, parts are generated (and formatted as COPY text) in
    that many forked processes, at most two parts each ahead of the loader, while the loader
    streams finished ones to the server: generation was the load's bottleneck on one core.
    Every part has its own random generator and first id (``bench_rows``), so the rows are
    the same whatever the number of workers. Workers never touch the database connection.
    """
    if workers <= 1 or connection.vendor != "postgresql":
        for part in parts:
            yield [(table_rows, len(table_rows)) for table_rows in job(part)]
        return
    global _JOB
    _JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:

            def start(count: int) -> None:
                # A process pool's job, not a Celery task: nothing here waits for a commit.
                pending.extend(
                    map(pool.apply_async, itertools.repeat(_run_part), zip(itertools.islice(queue, count)))
                )

            queue = iter(parts)
            pending: deque = deque()
            start(2 * workers)
            while pending:
                result = pending.popleft().get()
                start(1)
                yield result
    finally:
        _JOB = None


def default_workers() -> int:
    """Generator processes for a build: one per usable core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


class _Indexes:
    """Secondary indexes and foreign keys of the big tables, dropped for the load and rebuilt."""

    def __init__(self, models: list) -> None:
        self.tables = [m._meta.db_table for m in models]
        self.restore: list[str] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                if connection.vendor == "postgresql":
                    cursor.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
                        [table],
                    )
                    constraints = cursor.fetchall()
                    cursor.execute(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                        [table, table],
                    )
                    indexes = cursor.fetchall()
                    for name, _definition in constraints:
                        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    for name, _definition in indexes:
                        cursor.execute(f'DROP INDEX "{name}"')
                    self.restore += [definition for _name, definition in indexes]
                    self.restore += [
                        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                        for name, definition in constraints
                    ]
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL ORDER BY name",
                        [table],
                    )
                    for name, definition in cursor.fetchall():
                        cursor.execute(f'DROP INDEX "{name}"')
                        self.restore.append(definition)

    def rebuild(self) -> None:
        # Indexes first, so that adding a foreign key checks the rows through them.
        with connection.cursor() as cursor:
            for statement in self.restore:
                cursor.execute(statement)


# --- Checks and wiping ----------------------------------------------------------------------

_CHECKED = (
    Area,
    User,
    Person,
    Case,
    CaseCategory,
    HandlingUnit,
    Organization,
    Volunteer,
    FundingSource,
    Project,
)
# Rows that migrations put in an empty database and a wipe must keep.
_KEEP_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "organizations_filingrule",
}


def database_state() -> str:
    """'empty', 'bench' (only rows this builder writes) or 'other'."""
    if not any(model.objects.exists() for model in _CHECKED):
        from gongzhi.audit.models import AuditEvent

        return "other" if AuditEvent.objects.exists() else "empty"
    foreign = (
        Area.objects.exclude(code__startswith=rows.BENCH_CODE_PREFIX).exists()
        or User.objects.exclude(username__startswith=rows.BENCH_USER_PREFIX).exists()
        or CaseCategory.objects.exclude(code__startswith=rows.BENCH_CATEGORY_PREFIX).exists()
        or not Area.objects.exists()
    )
    return "other" if foreign else "bench"


def _wipe() -> None:
    """Empty every table but the ones migrations fill (the audit log too: maintenance switch)."""
    tables = [
        t for t in connection.introspection.django_table_names(only_existing=True) if t not in _KEEP_TABLES
    ]
    with maintenance(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks still pending in this transaction would block TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            names = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - Django's own table names  # nosec B608
            cursor.execute(
                f"DELETE FROM sqlite_sequence WHERE name IN ({', '.join('%s' for _ in tables)})",  # noqa: S608  # nosec B608
                tables,
            )


# --- Building -------------------------------------------------------------------------------


def _anchor(now: datetime.datetime | None) -> int:
    """The build's reference instant (epoch seconds): the start of today (UTC) by default, so
    two builds on the same day with the same seed give the same rows."""
    if now is None:
        today = datetime.datetime.now(datetime.UTC).date()
        now = datetime.datetime(today.year, today.month, today.day, tzinfo=datetime.UTC)
    return int(now.timestamp())


def _utc_offset(anchor: int) -> int:
    from zoneinfo import ZoneInfo

    instant = datetime.datetime.fromtimestamp(anchor, datetime.UTC)
    offset = instant.astimezone(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def build(
    scale: str = "tiny",
    *,
    seed: int = DEFAULT_SEED,
    cases: int | None = None,
    overdue: int | None = None,
    replace: bool = False,
    now: datetime.datetime | None = None,
    progress: Callable[[str, int, float], None] | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Fill the default database with the bench data set at ``scale``; return a summary:
    ``counts`` and ``seconds`` per table, ``rows_per_second``, ``total_rows``,
    ``total_seconds``, ``cases``/``open``/``overdue``, and ``personas`` (usernames by role and
    the shared password). ``cases``/``overdue`` override the number of cases and of overdue
    open cases (open non-overdue cases stay 15 % of ``cases``). ``progress(table, rows,
    seconds)`` is called after each table. ``workers`` processes generate the big tables
    (default: one per core; the rows do not depend on it).

    Raises BenchDataError when the database holds non-bench data, or bench data without
    ``replace``, or when the case figures do not add up.
    """
    if scale not in SCALES:
        raise BenchDataError(_("未知规模“%(s)s”，可选：%(all)s。") % {"s": scale, "all": "、".join(SCALES)})
    spec = SCALES[scale]
    total_cases = spec.cases if cases is None else cases
    overdue_cases = round(total_cases * OVERDUE_SHARE) if overdue is None else overdue
    open_cases = round(total_cases * OPEN_SHARE)
    if total_cases < 0 or overdue_cases < 0 or open_cases + overdue_cases > total_cases:
        raise BenchDataError(
            _(
                "事件数 %(n)s 容纳不下 %(o)s 件未超期的在办事件和 %(d)s 件超期事件；请增大 --cases 或减小 --overdue。"
            )
            % {"n": total_cases, "o": open_cases, "d": overdue_cases}
        )
    writer = _Writer()
    if scale == "city" and connection.vendor == "sqlite":
        # ~50M rows and ~15 GB in one SQLite file is not a deployment anyone runs (issue 9:
        # SQLite up to district scale); refuse before spending an hour on it.
        raise BenchDataError(
            _("city 规模只支持 PostgreSQL；SQLite 最多生成 district 规模。请设置 DATABASE_URL。")
        )
    anchor = _anchor(now)
    workers = default_workers() if workers is None else max(1, workers)
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def timed(model, columns, data_factory, key: str | None = None) -> None:
        key = key or model._meta.db_table
        started = time.perf_counter()
        counts[key] = counts.get(key, 0) + writer.write(model, columns, data_factory())
        seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - started
        if progress:
            progress(key, counts[key], seconds[key])

    def timed_parts(tables: list, job, parts: list[rows.Part]) -> None:
        """Write ``job``'s rows part by part into ``tables`` ((model, columns) each)."""
        spent = [0.0] * len(tables)
        written = [0] * len(tables)
        mark = time.perf_counter()
        for result in _generated(job, parts, workers):
            for t, ((model, columns), (data, n)) in enumerate(zip(tables, result, strict=True)):
                started = time.perf_counter()
                written[t] += writer.write(model, columns, data, n)
                ended = time.perf_counter()
                # Waiting for a part counts to the first table, writing to each its own.
                spent[t] += ended - (mark if t == 0 else started)
                mark = ended
        for (model, _unused), n, s in zip(tables, written, spent, strict=True):
            key = model._meta.db_table
            counts[key], seconds[key] = counts.get(key, 0) + n, seconds.get(key, 0.0) + s
            if progress:
                progress(key, counts[key], seconds[key])

    big = [Person, Volunteer, Activity, ServiceRecord, Case, CaseEvent]
    began = time.perf_counter()
    cpu_began = time.process_time()
    server_began = _server_cpu()
    with transaction.atomic():
        state = database_state()
        if state == "other":
            raise BenchDataError(
                _(
                    "数据库中已有非基准测试数据，bench-data 不会写入。请换一个空数据库（DATABASE_URL），迁移后再运行。"
                )
            )
        if state == "bench":
            if not replace:
                raise BenchDataError(
                    _("数据库中已有基准测试数据。要重新生成，请加 --replace（会清空该数据库）。")
                )
            _wipe()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL TIME ZONE 'UTC'")
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        indexes = _Indexes(big)
        indexes.drop()
        _restart_ids(CaseEvent)

        tree = rows.plan_tree(spec, seed, anchor)
        timed(Area, _columns(Area), lambda: ([*r[:9], _json(r[9]), *r[10:]] for r in tree.rows))
        personas = _logins(tree, anchor, timed)
        ctx = _case_setup(tree, anchor, timed)
        timed_parts(
            [(Person, _columns(Person))],
            lambda part: (list(rows.person_rows(tree, seed, anchor, part)),),
            rows.person_parts(tree),
        )
        people = rows.volunteer_people(spec)
        timed(Volunteer, _columns(Volunteer), lambda: rows.volunteer_rows(people, seed, anchor))
        orgs = rows.plan_organizations(tree, spec, seed, anchor)
        timed(Organization, _columns(Organization), lambda: orgs.rows)
        activities = rows.plan_activities(tree, orgs, seed, anchor)
        timed(Activity, _columns(Activity), lambda: activities.rows)
        timed_parts(
            [(ServiceRecord, _columns(ServiceRecord))],
            lambda part: (list(rows.service_record_rows(tree, people, activities, spec, seed, part)),),
            rows.service_record_parts(people, spec),
        )
        timed(FundingSource, _columns(FundingSource), lambda: rows.funding_rows(tree, spec, seed, anchor))
        timed(Project, _columns(Project), lambda: rows.project_rows(tree, orgs, spec, seed, anchor))

        timed_parts(
            [(Case, CASE_COLUMNS), (CaseEvent, EVENT_COLUMNS)],
            lambda part: case_rows(
                tree,
                ctx,
                part,
                total=total_cases,
                open_count=open_cases,
                overdue=overdue_cases,
                seed=seed,
                now=anchor,
            ),
            case_parts(total_cases),
        )

        started = time.perf_counter()
        indexes.rebuild()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), _loaded_models()):
                cursor.execute(statement)
            cursor.execute("ANALYZE")
        seconds["indexes_and_analyze"] = time.perf_counter() - started
        if progress:
            progress("indexes_and_analyze", 0, seconds["indexes_and_analyze"])
    from gongzhi.stats.rollups import refresh_rollups  # issue 9 (H6): leave the dashboard's roll-ups fresh

    seconds["stats_rollups"] = refresh_rollups(full=True).seconds
    total_seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    server_ended = _server_cpu()
    total_rows = sum(counts.values())
    return {
        "scale": scale,
        "seed": seed,
        "vendor": connection.vendor,
        "anchor": datetime.datetime.fromtimestamp(anchor, datetime.UTC).isoformat(),
        "cases": total_cases,
        "open": open_cases,
        "overdue": overdue_cases,
        "closed": total_cases - open_cases - overdue_cases,
        "counts": counts,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "rows_per_second": {k: round(counts[k] / seconds[k]) for k in counts if seconds.get(k)},
        "total_rows": total_rows,
        "total_seconds": round(total_seconds, 3),
        "overall_rows_per_second": round(total_rows / total_seconds) if total_seconds else 0,
        # CPU this process spent generating and sending rows (the database server's is not in
        # it): on a busy machine wall time overstates the cost, this does not.
        "python_cpu_seconds": round(cpu_seconds, 3),
        # The PostgreSQL backend's CPU, when the server runs on this machine (else None).
        "server_cpu_seconds": (
            round(server_ended - server_began, 3)
            if server_began is not None and server_ended is not None
            else None
        ),
        "personas": personas,
    }


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, read from /proc when
    the server runs on this machine; None otherwise (SQLite runs inside our process)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _restart_ids(model) -> None:
    """Number ``model``'s (empty) table from 1 again: the loader leaves its ids to the
    database, and a sequence keeps counting through rolled-back inserts."""
    table = {"table": model._meta.db_table, "column": model._meta.pk.column}
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_by_name_sql(no_style(), [table]):
            cursor.execute(statement)


def _json(value) -> str | None:
    import json

    return None if value is None else json.dumps(value, separators=(",", ":"))


def _loaded_models() -> list:
    models = [Area, User, RoleAssignment, CaseCategory, HandlingUnit, Person, Volunteer, Organization]
    return [*models, Activity, ServiceRecord, FundingSource, Project, Case, CaseEvent]


def _logins(tree: rows.Tree, anchor: int, timed) -> dict[str, Any]:
    """Logins for the personas benchmark requests act as: a district admin per district, a
    street admin per street, a community worker per community and a grid member on the first
    grid of each community. One password hash for all (see the module docstring)."""
    password = make_password(BENCH_PASSWORD)
    joined = rows.ts(anchor - 400 * rows.DAY)
    changed = rows.ts(anchor)
    users: list[tuple] = []
    roles: list[tuple] = []
    start = rows.ds(anchor - 400 * rows.DAY)

    def add(prefix: str, role: str, area_id: int, staff: bool = False) -> str:
        user_id = len(users) + 1
        username = f"{rows.BENCH_USER_PREFIX}{prefix}-{tree.code[area_id]}"
        display = f"{tree.name[area_id]}{ {'da': '区管理员', 'sa': '街道管理员', 'cw': '社工', 'gm': '网格员'}[prefix] }"
        # password_changed_at is the anchor: an older date would make the password expire.
        users.append(
            (user_id, password, None, False, username, "", "", "", staff, True, joined, display, changed)
        )
        roles.append((user_id, user_id, role, area_id, start, None, joined))
        return username

    for d in tree.districts:
        add("da", "district_admin", d, staff=True)
    for s in tree.streets:
        add("sa", "street_admin", s)
    per_community = len(tree.grids) // len(tree.communities)
    for ci, c in enumerate(tree.communities):
        add("cw", "community_worker", c)
        add("gm", "grid_member", tree.grids[ci * per_community])
    timed(User, _columns(User), lambda: users)
    timed(RoleAssignment, _columns(RoleAssignment), lambda: roles)
    return {
        "password": BENCH_PASSWORD,
        "district_admin": users[0][4],
        "street_admin": users[len(tree.districts)][4],
        "street_admins": [u[4] for u in users[len(tree.districts) : len(tree.districts) + len(tree.streets)]],
        "community_worker": f"{rows.BENCH_USER_PREFIX}cw-{tree.code[tree.communities[0]]}",
        "grid_member": f"{rows.BENCH_USER_PREFIX}gm-{tree.code[tree.grids[0]]}",
    }


def _case_setup(tree: rows.Tree, anchor: int, timed) -> CaseContext:
    """Case categories (two levels) and the handling units cases are dispatched to: a
    community team per community and a department per street."""
    code_ids = {c[0]: i + 1 for i, c in enumerate(CATEGORIES)}
    category_rows = [
        (
            i + 1,
            code,
            name,
            code_ids.get(parent),
            None,
            urgency,
            "2.00",
            "2.00",
            "2.00",
            f"{hours}.00",
            "8.00",
            True,
            public,
            "",
            True,
        )
        for i, (code, name, parent, urgency, hours, public) in enumerate(CATEGORIES)
    ]
    timed(CaseCategory, _columns(CaseCategory), lambda: category_rows)
    units: list[tuple] = []
    community_unit = []
    for c in tree.communities:
        units.append((len(units) + 1, f"{tree.name[c]}综合处置队", "community_team", c, "", True))
        community_unit.append(len(units))
    street_unit = []
    for s in tree.streets:
        units.append((len(units) + 1, f"{tree.name[s]}综合行政执法中队", "department", s, "", True))
        street_unit.append(len(units))
    timed(HandlingUnit, _columns(HandlingUnit), lambda: units)
    return CaseContext(
        category_ids=[i + 1 for i in range(len(CATEGORIES))],
        community_unit=community_unit,
        street_unit=street_unit,
        utc_offset=_utc_offset(anchor),
    )
