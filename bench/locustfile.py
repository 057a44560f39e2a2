"""Locust users for the HTTP benchmarks; the harness (bench/run.py) picks one class per run.

Configured by environment (the harness sets it): ``BENCH_TOKEN`` (an API token of a street
admin in the data set), ``BENCH_CATEGORY``, ``BENCH_SPOTS`` (the street's grids and their
centres, where reports are made; else ``BENCH_GRID`` and ``BENCH_LAT``/``BENCH_LNG``), ``BENCH_UNDER`` (the street whose cases are listed), ``BENCH_PAGE_SIZE``, and
``BENCH_USER_RATE``: requests per second per simulated user (0 = as fast as possible, for
throughput; above 0 paces each user, for the latency-at-a-given-rate steps of R4).
"""

from __future__ import annotations

import os
import random
import uuid

from locust import FastHttpUser, constant, constant_throughput, task

TOKEN = os.environ.get("BENCH_TOKEN", "")
CATEGORY = os.environ.get("BENCH_CATEGORY", "")
GRID = os.environ.get("BENCH_GRID", "")
LAT = float(os.environ.get("BENCH_LAT") or 0) or None
LNG = float(os.environ.get("BENCH_LNG") or 0) or None
UNDER = os.environ.get("BENCH_UNDER", "")
PAGE_SIZE = int(os.environ.get("BENCH_PAGE_SIZE", "50"))
USER_RATE = float(os.environ.get("BENCH_USER_RATE", "0"))
AUTH = {"Authorization": f"Token {TOKEN}"}


# "grid:lat:lng" spots the reports rotate over (BENCH_SPOTS); else the one BENCH_GRID.
SPOTS = [tuple(spot.split(":")) for spot in os.environ.get("BENCH_SPOTS", "").split(",") if spot]


def _report() -> dict:
    if SPOTS:
        grid, lat, lng = random.choice(SPOTS)
        lat, lng = float(lat), float(lng)
    else:
        grid, lat, lng = GRID, LAT, LNG
    body = {"category": CATEGORY, "description": "路灯不亮，压测上报", "grid": grid, "address": "压测地址"}
    if lat is not None and lng is not None:
        body.update(lat=lat, lng=lng)
    return body


class _Base(FastHttpUser):
    abstract = True
    wait_time = constant_throughput(USER_RATE) if USER_RATE > 0 else constant(0)


class CreateCase(_Base):
    """R1/R4: the real case report (validation, audit row, idempotency record, task after commit)."""

    @task
    def create(self):
        headers = {**AUTH, "Idempotency-Key": uuid.uuid4().hex}
        with self.client.post(
            "/api/v1/cases/", json=_report(), headers=headers, name="create", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Bare(_Base):
    """R1 baseline: a bare JsonResponse in the same server."""

    @task
    def bare(self):
        self.client.post("/bench/bare/", json=_report(), name="bare")


class RawInsert(_Base):
    """R1 baseline: one raw psycopg INSERT in the same server."""

    @task
    def insert(self):
        self.client.post("/bench/raw-insert/", json=_report(), name="raw_insert")


class ListCases(_Base):
    """R2: a page of cases under a street, through the API."""

    @task
    def list(self):
        self.client.get(f"/api/v1/cases/?under={UNDER}&page_size={PAGE_SIZE}", headers=AUTH, name="list")


class ListValues(_Base):
    """R2 baseline: the same rows with .values() and orjson."""

    @task
    def values(self):
        self.client.get(f"/bench/cases-values/?under={UNDER}&page_size={PAGE_SIZE}", name="values")
