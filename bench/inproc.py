"""The benchmarks that run inside one Django process (no HTTP): ``python -m bench.inproc <step>``.

The harness runs each step in a subprocess whose DATABASE_URL names the database to measure
(the sweep compares two), and reads the JSON the step prints on its last line.

- ``prepare``: an API token for a street admin of the data set, the street, a grid and a
  category to report in, the areas for the dashboard, the data set's size; creates the
  bench-only table the raw-INSERT baseline writes to.
- ``sweep``: the overdue sweep's time (median of repeats; each run rolled back afterwards).
- ``import``: XLSX organization import rows/s and openpyxl's bare read of the same file.
- ``probe``: query counts and in-process latency of the case list at several page sizes and of
  the dashboard overview, on this database (the chart of latency against data size).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site.settings")
    django.setup()


def _median_time(fn, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def street_admin():
    """A street admin of the data set (the persona the API load acts as) and their street."""
    from gongzhi.accounts.models import RoleAssignment

    assignment = (
        RoleAssignment.objects.filter(role="street_admin", user__is_active=True, area__level="street")
        .select_related("user", "area")
        .order_by("area__path", "pk")
        .first()
    )
    if assignment is None:
        raise SystemExit("bench: the data set has no street admin (role street_admin over a street).")
    return assignment.user, assignment.area


def top_admin():
    """Whoever sees the top of the area tree: its district admin, else a superuser (R3)."""
    from django.contrib.auth import get_user_model

    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.areas.models import Area

    top = Area.objects.filter(parent__isnull=True).order_by("path").first()
    assignment = (
        RoleAssignment.objects.filter(role="district_admin", user__is_active=True, area=top)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if assignment is not None:
        return assignment.user, top
    user = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise SystemExit("bench: the data set has no district admin over its top area and no superuser.")
    return user, top


def fresh_password(user) -> bool:
    """A persona whose password has expired answers 403 to every API call: mark it as changed
    now (as if the persona had changed it), without touching the hash or revoking tokens."""
    from django.utils import timezone

    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import password_expired

    if not password_expired(user):
        return False
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
    return True


def prepare() -> dict[str, Any]:
    from django.db import connection

    from gongzhi.accounts.services import issue_token
    from gongzhi.areas.models import Area
    from gongzhi.cases.models import Case, CaseCategory
    from gongzhi.organizations.models import Organization
    from gongzhi.volunteers.models import ServiceRecord, Volunteer

    user, street = street_admin()
    top_user, top = top_admin()
    refreshed = [u.username for u in (user, top_user) if fresh_password(u)]
    token = issue_token(user, name="bench", ttl_days=1).key
    grid = (
        Area.objects.filter(path__startswith=street.path, level="grid", center_lat__isnull=False)
        .order_by("path")
        .first()
    ) or Area.objects.filter(path__startswith=street.path, level="grid").order_by("path").first()
    # A category a street admin may report in: active, with no children (the leaves are the ones
    # people pick).
    category = (
        CaseCategory.objects.filter(is_active=True, children__isnull=True).order_by("code").first()
        if hasattr(CaseCategory, "children")
        else CaseCategory.objects.filter(is_active=True).order_by("code").first()
    )
    child = Area.objects.filter(parent=top).order_by("path").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_case (id bigserial PRIMARY KEY, category varchar(32),"
            " description text, lat double precision, lng double precision,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("TRUNCATE bench_raw_case")
    levels = {}
    for level in ("district", "street", "community", "grid"):
        levels[level] = Area.objects.filter(level=level).count()
    # Reports spread over the street's grids (at their centres), as a day's reports are: not a
    # thousand on one spot, which would make every report a duplicate of all the others.
    spots = [
        f"{code}:{lat}:{lng}"
        for code, lat, lng in Area.objects.filter(
            path__startswith=street.path, level="grid", center_lat__isnull=False
        )
        .order_by("path")
        .values_list("code", "center_lat", "center_lng")[:200]
    ]
    return {
        "token": token,
        "spots": ",".join(spots),
        "user": user.username,
        "top_token": issue_token(top_user, name="bench", ttl_days=1).key,
        "top_user": top_user.username,
        "passwords_refreshed": refreshed,
        "street": street.code,
        "street_cases": Case.objects.filter(grid__path__startswith=street.path).count(),
        "grid": grid.code,
        "lat": grid.center_lat,
        "lng": grid.center_lng,
        "category": category.code,
        "top_area": {"code": top.code, "level": top.level, "name": top.name},
        "child_area": {"code": child.code, "level": child.level, "name": child.name} if child else None,
        "data": {
            "areas": levels,
            "cases": Case.objects.count(),
            "organizations": Organization.objects.count(),
            "volunteers": Volunteer.objects.count(),
            "service_records": ServiceRecord.objects.count(),
        },
    }


def sweep(repeats: int) -> dict[str, Any]:
    """Each run inside a transaction that is rolled back, so every repeat finds the same overdue
    cases; the callbacks the sweep registers for after each case's commit (notifications) run
    inside the measured time before the rollback, as they would after the commits."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gongzhi.cases.choices import OPEN_STATUSES
    from gongzhi.cases.models import Case
    from gongzhi.cases.sweep import sweep_cases

    now = timezone.now()
    figures: list[dict[str, Any]] = []

    def once() -> None:
        with transaction.atomic():
            start = time.perf_counter()
            result = sweep_cases(now)
            callbacks, connection.run_on_commit = connection.run_on_commit, []
            for _sids, func, _robust in callbacks:
                func()
            elapsed = time.perf_counter() - start
            figures.append({"seconds": elapsed, "red": result.red, "yellow": result.yellow})
            transaction.set_rollback(True)

    for _ in range(repeats):
        once()
    return {
        "cases": Case.objects.count(),
        "overdue": Case.objects.filter(status__in=OPEN_STATUSES, stage_deadline__lt=now).count(),
        "seconds": statistics.median(f["seconds"] for f in figures),
        "runs": figures,
    }


def write_import_file(path: str, rows: int) -> None:
    from openpyxl import Workbook

    from gongzhi.areas.models import Area
    from gongzhi.organizations.importer import MEMBER_COLUMNS, MEMBER_SHEET, ORG_COLUMNS, ORG_SHEET

    _user, street = street_admin()
    communities = list(
        Area.objects.filter(path__startswith=street.path, level="community")
        .order_by("path")
        .values_list("code", flat=True)
    ) or [street.code]
    book = Workbook()
    sheet = book.active
    sheet.title = ORG_SHEET
    sheet.append(list(ORG_COLUMNS.values()))
    for i in range(rows):
        sheet.append(
            [
                f"压测社区组织{i:06d}",
                "",
                communities[i % len(communities)],
                f"活动室{i}",
                "",
                "2024-03-01",
                "",
                "否",
                "",
            ]
        )
    members = book.create_sheet(MEMBER_SHEET)
    members.append(list(MEMBER_COLUMNS.values()))
    book.save(path)


def import_bench(rows: int, repeats: int) -> dict[str, Any]:
    from django.db import transaction
    from openpyxl import load_workbook

    from gongzhi.organizations.importer import import_organizations, read_workbook

    user, _street = street_admin()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "orgs.xlsx")
        write_import_file(path, rows)

        def bare() -> None:
            book = load_workbook(path, read_only=True, data_only=True)
            for sheet in book.worksheets:
                for _row in sheet.iter_rows(values_only=True):
                    pass
            book.close()

        def full() -> None:
            with transaction.atomic():
                result = import_organizations(read_workbook(path), by=user)
                assert result.organizations == rows, result
                transaction.set_rollback(True)  # the next repeat imports the same names again

        bare_s, bare_runs = _median_time(bare, repeats)
        import_s, import_runs = _median_time(full, repeats)
    return {
        "rows": rows,
        "import_seconds": import_s,
        "bare_seconds": bare_s,
        "import_rows_per_s": rows / import_s,
        "bare_rows_per_s": rows / bare_s,
        "import_runs": import_runs,
        "bare_runs": bare_runs,
    }


def probe(page_sizes: list[int], repeats: int) -> dict[str, Any]:
    """Query count and median in-process time of a page of the case list (at each size) and of
    the overview of the top area."""
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongzhi.accounts.services import issue_token
    from gongzhi.cases.models import Case

    def timed(client: Client, url: str) -> dict[str, Any]:
        client.get(url)  # warm: the token's first use stamps it (an UPDATE at most once a minute)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        count = len(queries)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {url} answered {response.status_code}: {response.content[:300]!r}")
        seconds, _runs = _median_time(lambda: client.get(url), repeats)
        return {"queries": count, "ms": seconds * 1000}

    user, street = street_admin()
    top_user, top = top_admin()
    street_client = Client(
        HTTP_AUTHORIZATION=f"Token {issue_token(user, name='bench-probe', ttl_days=1).key}"
    )
    top_client = Client(
        HTTP_AUTHORIZATION=f"Token {issue_token(top_user, name='bench-probe', ttl_days=1).key}"
    )
    # Django empties the query log when a request starts; keep it for the count.
    request_started.disconnect(reset_queries)
    try:
        listing = {
            str(size): timed(street_client, f"/api/v1/cases/?under={street.code}&page_size={size}")
            for size in page_sizes
        }
        overview = timed(top_client, f"/api/v1/stats/overview/?area={top.code}")
    finally:
        request_started.connect(reset_queries)
    return {
        "cases": Case.objects.count(),
        "street_cases": Case.objects.filter(grid__path__startswith=street.path).count(),
        "list": listing,
        "overview": overview,
    }


def main(argv: list[str]) -> None:
    _setup()
    step = argv[0]
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    if step == "prepare":
        out = prepare()
    elif step == "sweep":
        out = sweep(repeats)
    elif step == "import":
        out = import_bench(int(os.environ.get("BENCH_IMPORT_ROWS", "1000")), repeats)
    elif step == "probe":
        out = probe([int(s) for s in os.environ.get("BENCH_PAGE_SIZES", "10,50,200").split(",")], repeats)
    else:
        raise SystemExit(f"bench.inproc: unknown step {step!r} (prepare, sweep, import, probe).")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
