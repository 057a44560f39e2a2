"""Baseline endpoints: what the framework and the database can do with none of the product's
work, served by the same gunicorn workers as the product so that each ratio divides two
figures measured under the same conditions. Bench-only: never in the product's URLs.

- ``bare``: a Django view answering a small ``JsonResponse`` (full middleware stack, no
  database) — the ceiling for any endpoint of this server.
- ``raw_insert``: one ``INSERT`` through a raw psycopg connection into the bench-only table
  ``bench_raw_case`` — the ceiling for any endpoint that writes one row.
- ``cases_values``: a page of cases under an area, fetched with ``.values()`` and rendered
  with orjson — what the case list would cost with no serializer.
- ``dashboard_sql``: the dashboard's main figures for an area and period in one hand-written
  SQL statement over the base tables.
"""

from __future__ import annotations

import datetime
import json

import orjson
import psycopg
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gongzhi.areas.models import Area
from gongzhi.cases.choices import OPEN_STATUSES
from gongzhi.cases.models import Case
from gongzhi.organizations.queries import COUNTED_STATUSES as ORG_STATUSES
from gongzhi.projects.queries import COUNTED_STATUSES as PROJECT_STATUSES
from gongzhi.stats.indicators import Period

RAW_TABLE = "bench_raw_case"

# The columns the case list shows (CaseListSerializer), as plain values.
LIST_FIELDS = (
    "id",
    "number",
    "category__code",
    "category__name",
    "description",
    "address",
    "lat",
    "lng",
    "grid__code",
    "grid__name",
    "level",
    "responsible_area__code",
    "responsible_area__name",
    "status",
    "source",
    "urgency",
    "handling_unit__name",
    "campaign_id",
    "warning",
    "is_supervised",
    "stage_deadline",
    "due_at",
    "reported_at",
    "closed_at",
    "resolved_level",
    "version",
    "updated_at",
)


@csrf_exempt
def bare(request):
    return JsonResponse({"ok": True, "method": request.method})


_raw: psycopg.Connection | None = None


def _raw_connection() -> psycopg.Connection:
    """One autocommit psycopg connection per worker process, opened on first use."""
    global _raw
    if _raw is None or _raw.closed:
        db = settings.DATABASES["default"]
        _raw = psycopg.connect(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            autocommit=True,
        )
    return _raw


@csrf_exempt
def raw_insert(request):
    body = json.loads(request.body or b"{}")
    row = (
        _raw_connection()
        .execute(
            f"INSERT INTO {RAW_TABLE} (category, description, lat, lng) VALUES (%s, %s, %s, %s) RETURNING id",  # noqa: S608 - constant table name
            (body.get("category", ""), body.get("description", ""), body.get("lat"), body.get("lng")),
        )
        .fetchone()
    )
    return JsonResponse({"id": row[0]}, status=201)


def cases_values(request):
    root = Area.objects.filter(code=request.GET.get("under", "")).only("path").first()
    size = min(int(request.GET.get("page_size", 50)), 200)
    rows = []
    if root is not None:
        rows = list(
            Case.objects.filter(grid__path__startswith=root.path)
            .order_by("-reported_at", "-id")
            .values(*LIST_FIELDS)[:size]
        )
    return HttpResponse(orjson.dumps({"results": rows}), content_type="application/json")


DASHBOARD_SQL = """
WITH a AS (SELECT path || '%%' AS under FROM areas_area WHERE code = %(area)s)
SELECT
  (SELECT coalesce(sum(g.population), 0) FROM areas_area g, a
     WHERE g.level = 'grid' AND g.path LIKE a.under) AS population,
  (SELECT count(*) FROM organizations_organization o JOIN areas_area oa ON oa.id = o.area_id, a
     WHERE o.status = ANY(%(org_statuses)s) AND oa.path LIKE a.under) AS organizations_total,
  (SELECT count(*) FROM volunteers_volunteer v JOIN people_person p ON p.id = v.person_id
     JOIN areas_area pa ON pa.id = p.area_id, a
     WHERE v.status = 'active' AND pa.path LIKE a.under) AS volunteers,
  r.service_records, r.service_hours,
  c.cases_reported, c.cases_closed, c.cases_overdue,
  (SELECT count(*) FROM projects_project pr JOIN areas_area pra ON pra.id = pr.area_id, a
     WHERE pr.status = ANY(%(project_statuses)s) AND pr.year BETWEEN %(y0)s AND %(y1)s
       AND pra.path LIKE a.under) AS projects
FROM
  (SELECT count(*) FILTER (WHERE s.kind <> 'adjustment') AS service_records,
          coalesce(sum(s.hours), 0) AS service_hours
     FROM volunteers_servicerecord s JOIN areas_area sa ON sa.id = s.area_id, a
     WHERE s.status = 'approved' AND s.served_on BETWEEN %(d0)s AND %(d1)s
       AND sa.path LIKE a.under) r,
  (SELECT count(*) FILTER (WHERE k.reported_at >= %(t0)s AND k.reported_at < %(t1)s) AS cases_reported,
          count(*) FILTER (WHERE k.closed_at >= %(t0)s AND k.closed_at < %(t1)s) AS cases_closed,
          count(*) FILTER (WHERE k.status = ANY(%(open)s) AND k.stage_deadline < %(now)s) AS cases_overdue
     FROM cases_case k JOIN areas_area ka ON ka.id = k.grid_id, a
     WHERE ka.path LIKE a.under) c
"""


def dashboard_figures(code: str, start: datetime.date, end: datetime.date) -> dict:
    period = Period(start, end)
    params = {
        "area": code,
        "org_statuses": [str(s) for s in ORG_STATUSES],
        "project_statuses": [str(s) for s in PROJECT_STATUSES],
        "y0": start.year,
        "y1": end.year,
        "d0": start,
        "d1": end,
        "t0": period.begin,
        "t1": period.finish,
        "open": [str(s) for s in OPEN_STATUSES],
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(DASHBOARD_SQL, params)
        names = [col[0] for col in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def dashboard_sql(request):
    end = datetime.date.fromisoformat(request.GET["to"]) if request.GET.get("to") else timezone.localdate()
    start = (
        datetime.date.fromisoformat(request.GET["from"])
        if request.GET.get("from")
        else datetime.date(end.year, 1, 1)
    )
    figures = dashboard_figures(request.GET.get("area", ""), start, end)
    figures["service_hours"] = f"{figures['service_hours']:.2f}"
    return HttpResponse(orjson.dumps(figures), content_type="application/json")
