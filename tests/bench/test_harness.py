"""The benchmark harness's pieces that run without gunicorn or locust: the results writer, the
bench-only URLconf, the in-process benchmarks (probe, import) on a small data set, and the
dashboard baseline giving the same figures as the overview."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench import inproc, report
from bench.site.views import dashboard_figures
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.services import report_case
from gongzhi.stats import indicators
from tests.cases.conftest import categories, grids  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_site(settings):
    settings.ROOT_URLCONF = "bench.site.urls"


@pytest.fixture
def cases(categories, grids, street_admin):  # noqa: F811 - fixtures
    """Seven cases in the G1 and G2 grids of street S1."""
    made = []
    for i in range(7):
        grid = grids["G1"] if i % 2 else grids["G2"]
        made.append(
            report_case(
                category=categories["clutter"],
                description=f"堆物 {i}",
                source=CaseSource.INSPECTION,
                by=street_admin,
                grid=grid,
            )
        )
    return made


def test_baselines_are_not_product_urls(bench_site):
    assert resolve("/bench/bare/", urlconf="bench.site.urls").url_name == "bench-bare"
    with pytest.raises(Resolver404):
        resolve("/bench/bare/", urlconf="gongzhi.urls")


def _run(**fields):
    """What every run's results hold before its benchmarks (a quick run on the tiny data set)."""
    return {
        "date": "2026-11-27",
        "mode": "quick",
        "scale": "tiny",
        "machine": {"summary": "test machine"},
        "settings": {"summary": "DEBUG=0"},
        "data_set": {"source": "bench-data", "counts": {"cases": 500}},
        **fields,
    }


def test_results_writer(tmp_path):
    results = {
        **_run(),
        "r1": {"ratio": 0.5, "ratio_raw_insert": 0.7, "figures": {"create_rps": 50.0, "bare_rps": 100.0}},
        "r2": {"ratio": 2.0, "figures": {}, "queries": {500: {"10": 4, "50": 4}}, "constant_queries": True},
        "sweep": {"ratio": None, "error": "not loaded"},
        "size_probe": [
            {
                "cases": 500,
                "list": {"50": {"ms": 10.0, "queries": 4}},
                "overview": {"ms": 30.0, "queries": 20},
            },
            {
                "cases": 5000,
                "list": {"50": {"ms": 12.0, "queries": 4}},
                "overview": {"ms": 90.0, "queries": 20},
            },
        ],
    }
    paths = report.write(results, tmp_path)
    written = json.loads(paths["json"].read_text())
    assert written["r1"]["met"] is True
    assert written["r1"]["goal"] == "≥ 0.35"
    assert written["r2"]["met"] is False
    assert written["sweep"]["met"] is None
    markdown = paths["md"].read_text()
    assert "| r1: case reports/s ÷ bare JsonResponse/s | 0.5 | ≥ 0.35 | yes |" in markdown
    assert "not measured: not loaded" in markdown
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_city_run_is_written_beside_the_days_district_run(tmp_path):
    district = report.write(_run(mode="full", scale="district"), tmp_path)
    city = report.write(
        _run(mode="full", scale="city", r3={"ratio": 0.1, "figures_match": {"population": True}}), tmp_path
    )

    assert district["json"].name == "2026-11-27.json"
    assert city["json"].name == "2026-11-27-city.json"
    assert "all 1 figures equal the hand SQL's" in city["md"].read_text()


def test_a_run_whose_data_set_failed_to_load_still_writes_its_report(tmp_path):
    results = _run(error="BenchError: refusing to drop database")
    del results["data_set"]

    paths = report.write(results, tmp_path)

    assert "refusing to drop database" in paths["json"].read_text()


def test_probe_counts_constant_queries_for_the_case_list(bench_site, cases, street_admin, district_admin):
    figures = inproc.probe([2, 5, 50], repeats=1)
    counts = {size: v["queries"] for size, v in figures["list"].items()}
    assert len(set(counts.values())) == 1, counts
    assert figures["street_cases"] == 7
    assert figures["overview"]["queries"] > 0


def test_import_benchmark_imports_every_row_and_rolls_back(bench_site, tree, street_admin):
    from gongzhi.organizations.models import Organization

    figures = inproc.import_bench(rows=4, repeats=1)
    assert figures["rows"] == 4
    assert figures["import_rows_per_s"] > 0
    assert figures["bare_rows_per_s"] > 0
    assert not Organization.objects.filter(name__startswith="压测社区组织").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the hand SQL baseline is PostgreSQL SQL")
def test_hand_sql_dashboard_gives_the_overviews_figures(cases, tree):
    today = timezone.localdate()
    start = datetime.date(today.year, 1, 1)
    overview = indicators.overview(tree["D"], indicators.Period(start, today))
    sql = dashboard_figures(tree["D"].code, start, today)
    assert sql["population"] == overview["population"]
    assert sql["cases_reported"] == overview["cases"]["reported"] == 7
    assert sql["cases_closed"] == overview["cases"]["closed"]
    assert sql["cases_overdue"] == overview["cases"]["overdue"]
    assert sql["organizations_total"] == overview["organizations"]["total"]
    assert sql["volunteers"] == overview["volunteers"]["total"]
    assert sql["projects"] == overview["projects"]["count"]
