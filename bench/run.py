"""The benchmark harness: ``python -m bench.run [--quick] [--scale district]`` (``make bench``,
``make bench-quick``). See bench/README.md.

It fills a PostgreSQL database with ``gongzhi bench-data`` (or reuses one it filled before with
the same arguments), starts the product under gunicorn with production settings (DEBUG off,
Redis cache and task queue, the workers deploy/gunicorn.conf.py chooses) pinned to one core,
drives it with locust headless pinned to another, and runs the in-process benchmarks (sweep,
import, query-count probes) in subprocesses. Every figure is the median of repeated runs and is
divided by a baseline measured in the same run. It exits non-zero when a benchmark crashes (or
answers errors), never because a goal is missed: goals are reported.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import datetime
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import report

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CITY_PEAK = 7.0  # case reports per second at a 10-million city's peak (issue 9)
P95_LIMIT_MS = 300.0


class BenchError(RuntimeError):
    """A benchmark could not run or answered errors: the run fails."""


@dataclass
class Config:
    quick: bool
    scale: str
    seed: int
    database_url: str
    repeats: int
    seconds: int
    users: int
    sweep_cases: int
    sweep_overdue: int
    import_rows: int
    redis_url: str
    out: Path
    fresh: bool
    r4_steps: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Databases --------------------------------------------------------------------------------


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin(url: str):
    import psycopg

    return psycopg.connect(
        _with_db(url, "postgres").replace("postgresql+psycopg", "postgresql"), autocommit=True
    )


def recreate_database(url: str, template: str | None = None) -> None:
    name = _db_name(url)
    if "bench" not in name:
        raise BenchError(f"refusing to drop database {name!r}: a bench database's name must contain 'bench'.")
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


_migrated: set[str] = set()


def migrated_template(cfg: Config, env: dict[str, str]) -> str:
    """An empty, migrated database every data set starts from (a copy is much faster than
    running the migrations again); rebuilt once per run."""
    url = _with_db(cfg.database_url, f"{_db_name(cfg.database_url)}_template")
    if url not in _migrated:
        tenv = {**env, "DATABASE_URL": url}
        check = [str(BIN / "gongzhi"), "migrate", "--check", "-v0"]
        current = (
            database_exists(url)
            and subprocess.run(check, env=tenv, cwd=ROOT, capture_output=True, check=False).returncode == 0  # noqa: S603 - our own tools, argument lists
        )
        if not current:
            recreate_database(url)
            _run([str(BIN / "gongzhi"), "migrate", "-v0"], tenv, "migrate")
        _migrated.add(url)
    return _db_name(url)


def database_exists(url: str) -> bool:
    with _admin(url) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_db_name(url),)).fetchone()
            is not None
        )


def settle(url: str) -> float:
    """``VACUUM (ANALYZE)`` and ``CHECKPOINT`` the data set before anything is timed; returns the
    seconds it took. A table just bulk-loaded is otherwise vacuumed by autovacuum during the first
    runs (it sets every page all-visible: as many writes as the load), and the load's dirty pages
    are flushed by the checkpointer then too, both on the disk the case reports commit to (two
    district runs right after their loads measured the raw INSERT baseline at 328/s and 188/s on
    the same machine). On a data set already vacuumed both are quick."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            log(f"{_db_name(url)}: CHECKPOINT needs superuser or pg_checkpoint; skipped")
    return time.perf_counter() - started


def _marker(url: str) -> dict[str, Any] | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT args FROM bench_meta ORDER BY loaded_at DESC LIMIT 1").fetchone()
    except psycopg.Error:
        return None
    return json.loads(row[0]) if row else None


def _write_marker(url: str, args: dict[str, Any], seconds: float) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (args text NOT NULL, seconds double precision,"
            " loaded_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO bench_meta (args, seconds) VALUES (%s, %s)",
            (json.dumps(args, sort_keys=True), seconds),
        )


def bench_data_available() -> bool:
    """Whether ``gongzhi bench-data`` exists (else the demo district stands in, and says so)."""
    return any(ROOT.glob("gongzhi/*/management/commands/bench_data.py"))


def ensure_data(
    cfg: Config,
    url: str,
    env: dict[str, str],
    *,
    scale: str | None = None,
    cases: int | None = None,
    overdue: int | None = None,
) -> dict[str, Any]:
    """Fill ``url`` with the data set (unless it already holds this very one); returns how."""
    source = "bench-data" if bench_data_available() else "demo"
    scale = scale or cfg.scale
    args = {"source": source, "scale": scale, "seed": cfg.seed, "cases": cases, "overdue": overdue}
    if (
        not cfg.fresh
        and database_exists(url)
        and _marker(url) == json.loads(json.dumps(args, sort_keys=True))
    ):
        log(f"{_db_name(url)}: reusing the data set loaded before ({args})")
        # Migrations added since it was loaded (a no-op when there are none).
        _run([str(BIN / "gongzhi"), "migrate", "-v0"], {**env, "DATABASE_URL": url}, "migrate")
        # The dashboard reads roll-ups only while they are fresh (GONGZHI_ROLLUP_MAX_AGE_MINUTES);
        # a fresh load ends with a full refresh, a reused one gets it here, as beat would give it.
        if source == "bench-data":
            _run(
                [str(BIN / "gongzhi"), "refresh-rollups", "--full"],
                {**env, "DATABASE_URL": url},
                "refresh roll-ups",
            )
        waited = settle(url)
        log(f"{_db_name(url)}: vacuumed and checkpointed in {waited:.1f} s")
        return {**args, "reused": True, "settle_seconds": waited}
    log(f"{_db_name(url)}: loading {args}")
    recreate_database(url, template=migrated_template(cfg, env))
    denv = {**env, "DATABASE_URL": url}
    start = time.perf_counter()
    if source == "bench-data":
        command = [str(BIN / "gongzhi"), "bench-data", "--scale", scale, "--seed", str(cfg.seed)]
        if cases is not None:
            command += ["--cases", str(cases)]
        if overdue is not None:
            command += ["--overdue", str(overdue)]
    else:
        command = [str(BIN / "gongzhi"), "demo", "--seed", str(cfg.seed)]
    output = _run(command, denv, "load data")
    seconds = time.perf_counter() - start
    _write_marker(url, args, seconds)
    tail = [line for line in output.splitlines() if line.strip()][-3:]
    log(f"{_db_name(url)}: loaded in {seconds:.1f} s ({' / '.join(tail)[:300]})")
    waited = settle(url)
    log(f"{_db_name(url)}: vacuumed and checkpointed in {waited:.1f} s")
    return {**args, "reused": False, "load_seconds": seconds, "settle_seconds": waited}


def _run(command: list[str], env: dict[str, str], what: str, timeout: float = 3600) -> str:
    done = subprocess.run(  # noqa: S603 - our own tools, argument lists
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise BenchError(
            f"{what} failed ({' '.join(command)}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def inproc(step: str, env: dict[str, str], url: str, **extra: Any) -> dict[str, Any]:
    """Run ``bench.inproc <step>`` on database ``url`` (pinned to the load core) and read its JSON."""
    penv = {**env, "DATABASE_URL": url, **{k: str(v) for k, v in extra.items()}}
    out = _run([*pinned(LOAD_CPU), sys.executable, "-m", "bench.inproc", step], penv, f"bench.inproc {step}")
    return json.loads(out.strip().splitlines()[-1])


# --- CPUs -------------------------------------------------------------------------------------

CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
SERVER_CPU = CPUS[0] if len(CPUS) >= 2 else None
LOAD_CPU = CPUS[1] if len(CPUS) >= 2 else None


def pinned(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []


# --- The server ---------------------------------------------------------------------------------


def dev_data_key() -> str:
    """The data key the data set's sealed fields were written with (the development key: the data
    set is synthetic). Server and loader must use the same one."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"gongzhi-dev-data-key").digest()).decode()


def base_env(cfg: Config) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.site.settings",
        PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        DEBUG="0",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or "bench-" + hashlib.sha256(os.urandom(32)).hexdigest(),
        GONGZHI_DATA_KEY=env.get("BENCH_DATA_KEY") or dev_data_key(),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        REDIS_URL=cfg.redis_url,
        LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with deploy/gunicorn.conf.py, pinned to the server core."""

    def __init__(self, env: dict[str, str], url: str, logdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "DATABASE_URL": url, "GONGZHI_BIND": f"127.0.0.1:{self.port}"}
        self.logfile = (logdir / "gunicorn.log").open("w")
        self.proc: subprocess.Popen | None = None
        self.peak_rss = 0
        self.samples = 0
        self._stop = threading.Event()

    def start(self) -> None:
        command = [
            *pinned(SERVER_CPU),
            str(BIN / "gunicorn"),
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--pythonpath",
            str(ROOT),
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our own tools, argument lists
            command, env=self.env, cwd=ROOT, stdout=self.logfile, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}; see {self.logfile.name}")
            try:
                with urllib.request.urlopen(self.base + "/bench/bare/", timeout=2) as answer:  # noqa: S310 - our own server
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise BenchError("gunicorn did not answer within 60 s")
        threading.Thread(target=self._sample, daemon=True).start()

    def workers(self) -> list[Any]:
        import psutil

        try:
            return psutil.Process(self.proc.pid).children()
        except psutil.Error:
            return []

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            for worker in self.workers():
                with contextlib.suppress(psutil.Error):
                    self.peak_rss = max(self.peak_rss, worker.memory_info().rss)
            self.samples += 1
            self._stop.wait(0.25)

    def stop(self) -> None:
        self._stop.set()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logfile.close()


# --- Load ------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float


def locust(
    server: Server,
    user_class: str,
    env: dict[str, str],
    *,
    users: int,
    seconds: float,
    workdir: Path,
    user_rate: float = 0.0,
    allow_empty: bool = False,
) -> LoadResult:
    """One headless locust run; errors (over 1 % of requests) fail the benchmark. A run that
    completed no request fails it too, unless ``allow_empty`` (a paced R4 step the server could
    not keep up with is a finding, not a crash)."""
    prefix = workdir / f"locust-{user_class.replace(' ', '-')}-{time.monotonic_ns()}"
    command = [
        *pinned(LOAD_CPU),
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{max(1, round(seconds))}s",
        "--host",
        server.base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        "--stop-timeout",
        "5",
        *user_class.split(),
    ]
    lenv = {**env, "BENCH_USER_RATE": str(user_rate)}
    done = subprocess.run(  # noqa: S603 - our own tools, argument lists
        command, env=lenv, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise BenchError(
            f"locust {user_class} wrote no statistics:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    with stats.open() as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    result = LoadResult(
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=float(row["Requests/s"]),
        p50_ms=float(row["50%"] if row["50%"] not in ("", "N/A") else "nan"),
        p95_ms=float(row["95%"] if row["95%"] not in ("", "N/A") else "nan"),
    )
    if (result.requests == 0 and not allow_empty) or result.failures > 0.01 * result.requests:
        failures = Path(f"{prefix}_failures.csv")
        detail = failures.read_text()[:2000] if failures.exists() else done.stderr[-2000:]
        raise BenchError(
            f"locust {user_class}: {result.failures} of {result.requests} requests failed:\n{detail}"
        )
    return result


def median_load(
    cfg: Config, server: Server, user_class: str, env: dict[str, str], workdir: Path, **kw: Any
) -> dict[str, Any]:
    runs = [locust(server, user_class, env, workdir=workdir, **kw) for _ in range(cfg.repeats)]
    if any(r.requests == 0 for r in runs):  # allowed only for R4 steps: nothing kept up
        return {"rps": 0.0, "p50_ms": None, "p95_ms": None, "runs": [r.__dict__ for r in runs]}
    return {
        "rps": statistics.median(r.rps for r in runs),
        "p50_ms": statistics.median(r.p50_ms for r in runs),
        "p95_ms": statistics.median(r.p95_ms for r in runs),
        "runs": [r.__dict__ for r in runs],
    }


def get_ms(url: str, token: str | None, count: int) -> tuple[float, Any]:
    """Median wall time of ``count`` sequential GETs (after one warm-up), and the last answer."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    times, body = [], None
    for i in range(count + 1):
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - our own server
            data = answer.read()
            if answer.status != 200:
                raise BenchError(f"GET {url} answered {answer.status}")
        if i:
            times.append((time.perf_counter() - start) * 1000)
        body = json.loads(data)
    return statistics.median(times), body


# --- The benchmarks ---------------------------------------------------------------------------------


def run_http(
    cfg: Config, env: dict[str, str], url: str, prep: dict[str, Any], results: dict[str, Any], workdir: Path
) -> None:
    lenv = {
        **env,
        "BENCH_TOKEN": prep["token"],
        "BENCH_CATEGORY": prep["category"],
        "BENCH_GRID": prep["grid"],
        "BENCH_LAT": str(prep["lat"] or ""),
        "BENCH_LNG": str(prep["lng"] or ""),
        "BENCH_SPOTS": prep["spots"],
        "BENCH_UNDER": prep["street"],
        "BENCH_PAGE_SIZE": "50",
    }
    server = Server(env, url, workdir)
    log(f"gunicorn on {server.base} (server CPU {SERVER_CPU}, load CPU {LOAD_CPU})")
    server.start()
    results["settings"]["workers"] = len(server.workers())
    try:
        # Warm-up: every worker imports and connects before anything is timed.
        locust(
            server,
            "Bare CreateCase ListCases ListValues RawInsert",
            lenv,
            users=10,
            seconds=3,
            workdir=workdir,
        )

        log("R1 create ÷ bare ÷ raw INSERT")
        create = median_load(cfg, server, "CreateCase", lenv, workdir, users=cfg.users, seconds=cfg.seconds)
        bare = median_load(cfg, server, "Bare", lenv, workdir, users=cfg.users, seconds=cfg.seconds)
        raw = median_load(cfg, server, "RawInsert", lenv, workdir, users=cfg.users, seconds=cfg.seconds)
        results["r1"] = {
            "ratio": create["rps"] / bare["rps"],
            "ratio_raw_insert": create["rps"] / raw["rps"],
            "figures": {
                "create_rps": create["rps"],
                "bare_rps": bare["rps"],
                "raw_insert_rps": raw["rps"],
                "create_p95_ms": create["p95_ms"],
                "bare_p95_ms": bare["p95_ms"],
                "raw_insert_p95_ms": raw["p95_ms"],
                "users": cfg.users,
            },
            "runs": {"create": create["runs"], "bare": bare["runs"], "raw_insert": raw["runs"]},
        }
        log(f"  create {create['rps']:.1f}/s, bare {bare['rps']:.1f}/s, raw INSERT {raw['rps']:.1f}/s")

        log("R2 list ÷ .values()+orjson")
        listing = median_load(cfg, server, "ListCases", lenv, workdir, users=cfg.users, seconds=cfg.seconds)
        values = median_load(cfg, server, "ListValues", lenv, workdir, users=cfg.users, seconds=cfg.seconds)
        results["r2"] = {
            "ratio": values["rps"] / listing["rps"],  # time per page: list ÷ values
            "figures": {
                "list_rps": listing["rps"],
                "values_rps": values["rps"],
                "list_p50_ms": listing["p50_ms"],
                "values_p50_ms": values["p50_ms"],
                "page_size": 50,
                "street": prep["street"],
                "street_cases": prep["street_cases"],
            },
            "runs": {"list": listing["runs"], "values": values["runs"]},
        }
        log(f"  list {listing['rps']:.1f}/s, values {values['rps']:.1f}/s")

        log("R3 overview ÷ hand SQL")
        # R1 and R2 reported cases after the load's refresh: refresh the roll-ups as beat does
        # every GONGZHI_ROLLUP_INTERVAL_SECONDS, so that the overview's figures are today's.
        _run([str(BIN / "gongzhi"), "refresh-rollups"], {**env, "DATABASE_URL": url}, "refresh roll-ups")
        today = datetime.datetime.now().astimezone().date()
        period = f"from={today.year}-01-01&to={today.isoformat()}"
        count = max(3, cfg.repeats * 3)
        top, child = prep["top_area"]["code"], (prep["child_area"] or prep["top_area"])["code"]
        top_ms, top_body = get_ms(
            f"{server.base}/api/v1/stats/overview/?area={top}&{period}", prep["top_token"], count
        )
        child_ms, _ = get_ms(
            f"{server.base}/api/v1/stats/overview/?area={child}&{period}", prep["top_token"], count
        )
        sql_ms, sql_body = get_ms(f"{server.base}/bench/dashboard-sql/?area={top}&{period}", None, count)
        results["r3"] = {
            "ratio": top_ms / sql_ms,
            "scale_ratio": top_ms / child_ms,
            "figures": {
                "overview_top_ms": top_ms,
                "overview_child_ms": child_ms,
                "sql_top_ms": sql_ms,
                "top_area": prep["top_area"],
                "child_area": prep["child_area"],
                "requests_each": count,
            },
            "figures_match": compare_dashboard(top_body, sql_body),
        }
        log(f"  overview top {top_ms:.1f} ms, child {child_ms:.1f} ms, hand SQL {sql_ms:.1f} ms")

        log("R4 headroom: reports/s at p95 < 300 ms")
        steps = []
        best = None
        for share in cfg.r4_steps:
            target = max(1.0, share * create["rps"])
            users = max(2, math.ceil(target * 0.4))
            run = median_load(
                cfg,
                server,
                "CreateCase",
                lenv,
                workdir,
                users=users,
                seconds=max(cfg.seconds, 5),
                user_rate=target / users,
                allow_empty=True,
            )
            p95 = run["p95_ms"]
            ok = run["rps"] >= 0.9 * target and p95 is not None and p95 < P95_LIMIT_MS
            steps.append(
                {
                    "target_rps": target,
                    "users": users,
                    "achieved_rps": run["rps"],
                    "p95_ms": run["p95_ms"],
                    "sustained": ok,
                }
            )
            shown = "—" if p95 is None else f"{p95:.0f}"
            log(
                f"  target {target:.1f}/s: achieved {run['rps']:.1f}/s, p95 {shown} ms {'ok' if ok else 'not sustained'}"
            )
            if ok and (best is None or run["rps"] > best["achieved_rps"]):
                best = steps[-1]
        results["r4"] = {
            "ratio": best["achieved_rps"] / CITY_PEAK if best else 0.0,
            "figures": {
                "sustainable_rps": best["achieved_rps"] if best else 0.0,
                "p95_ms": best["p95_ms"] if best else None,
                "city_peak_rps": CITY_PEAK,
            },
            "steps": steps,
        }
    finally:
        server.stop()
    results["memory"] = {
        "ratio": server.peak_rss / (200 * 1024 * 1024),
        "figures": {"peak_worker_rss_mb": server.peak_rss / (1024 * 1024), "samples": server.samples},
    }
    if server.samples == 0 or server.peak_rss == 0:
        raise BenchError("no worker memory was sampled")


def compare_dashboard(overview: dict[str, Any], sql: dict[str, Any]) -> dict[str, Any]:
    """Which of the hand SQL's figures equal the overview's (the same figures, two ways): True,
    or both values where they differ."""
    pairs = {
        "population": overview.get("population"),
        "organizations_total": overview.get("organizations", {}).get("total"),
        "volunteers": overview.get("volunteers", {}).get("total"),
        "service_records": overview.get("service_records"),
        "service_hours": overview.get("service_hours"),
        "cases_reported": overview.get("cases", {}).get("reported"),
        "cases_closed": overview.get("cases", {}).get("closed"),
        "cases_overdue": overview.get("cases", {}).get("overdue"),
        "projects": overview.get("projects", {}).get("count"),
    }
    return {
        name: True if str(value) == str(sql.get(name)) else {"overview": value, "sql": sql.get(name)}
        for name, value in pairs.items()
    }


def run_sweep(cfg: Config, env: dict[str, str], results: dict[str, Any]) -> list[dict[str, Any]]:
    if not bench_data_available():
        results["sweep"] = {
            "ratio": None,
            "error": "gongzhi bench-data is not available (needs --cases/--overdue)",
        }
        return []
    base = cfg.database_url
    large_url = _with_db(base, f"{_db_name(base)}_sweep_large")
    small_url = _with_db(base, f"{_db_name(base)}_sweep_small")
    # The sweep's cost should follow the overdue cases, not the table: the rest of the data set
    # does not matter, so both databases are the tiny one with N and N/10 cases.
    ensure_data(cfg, large_url, env, scale="tiny", cases=cfg.sweep_cases, overdue=cfg.sweep_overdue)
    ensure_data(cfg, small_url, env, scale="tiny", cases=cfg.sweep_cases // 10, overdue=cfg.sweep_overdue)
    log("sweep over N and N/10 cases")
    large = inproc("sweep", env, large_url, BENCH_REPEATS=cfg.repeats)
    small = inproc("sweep", env, small_url, BENCH_REPEATS=cfg.repeats)
    results["sweep"] = {
        "ratio": large["seconds"] / small["seconds"],
        "figures": {
            "large_seconds": large["seconds"],
            "small_seconds": small["seconds"],
            "large_cases": large["cases"],
            "small_cases": small["cases"],
            "large_overdue": large["overdue"],
            "small_overdue": small["overdue"],
        },
        "runs": {"large": large["runs"], "small": small["runs"]},
    }
    log(
        f"  {large['seconds']:.2f} s over {large['cases']} cases, {small['seconds']:.2f} s over {small['cases']}"
    )
    return [large_url, small_url]


def machine() -> dict[str, Any]:
    info = {
        "hostname": platform.node(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "usable_cpus": CPUS,
        "server_cpu": SERVER_CPU,
        "load_cpu": LOAD_CPU,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_mb"] = int(line.split()[1]) // 1024
                break
    except OSError:
        pass
    info["load_average"] = os.getloadavg()
    info["summary"] = (
        f"{info.get('cpu_model', '?')}, {info['cpus']} CPUs, {info.get('memory_mb', '?')} MB, "
        f"load average at start {info['load_average'][0]:.2f}"
    )
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data set, short runs (CI)")
    parser.add_argument("--scale", default=None, help="bench-data scale (tiny, district, city)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--seconds", type=int, default=None, help="length of each load run")
    parser.add_argument("--users", type=int, default=None, help="concurrent locust users for throughput runs")
    parser.add_argument("--sweep-cases", type=int, default=None, help="N for the sweep (and N/10)")
    parser.add_argument("--sweep-overdue", type=int, default=None)
    parser.add_argument("--import-rows", type=int, default=None)
    parser.add_argument("--fresh", action="store_true", help="reload the data sets even if present")
    parser.add_argument("--out", default=None, help="folder for the results")
    parser.add_argument("--only", default="", help="comma-separated subset: http,sweep,import,probe")
    a = parser.parse_args(argv)
    quick = a.quick
    database_url = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/gongzhi_bench"
    if not database_url.startswith(("postgres://", "postgresql://")):
        print(
            "bench: DATABASE_URL must name a PostgreSQL database (the benchmarks measure production).",
            file=sys.stderr,
        )
        return 2
    cfg = Config(
        quick=quick,
        scale=a.scale or ("tiny" if quick else "district"),
        seed=a.seed,
        database_url=database_url,
        repeats=a.repeats or (2 if quick else 3),
        seconds=a.seconds or (3 if quick else 15),
        users=a.users or (6 if quick else 16),
        sweep_cases=a.sweep_cases or (2000 if quick else 500_000),
        sweep_overdue=a.sweep_overdue or (20 if quick else 200),
        import_rows=a.import_rows or (100 if quick else 500),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        out=Path(a.out) if a.out else (ROOT / ("var/bench" if quick else "bench/results")),
        fresh=a.fresh or quick,
        r4_steps=[0.3, 0.7] if quick else [0.1, 0.2, 0.4, 0.6, 0.75, 0.9, 1.0],
    )
    only = {s for s in a.only.split(",") if s}
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().date().isoformat()
        if not quick
        else f"quick-{datetime.datetime.now().astimezone().date().isoformat()}",
        "mode": "quick" if quick else "full",
        "scale": cfg.scale,
        "machine": machine(),
        "settings": {
            "summary": "DEBUG=0, gunicorn (deploy/gunicorn.conf.py) pinned to CPU "
            f"{SERVER_CPU}, locust and in-process steps pinned to CPU {LOAD_CPU}, PostgreSQL "
            f"{_db_name(database_url)} (unpinned), Redis {cfg.redis_url}; {cfg.repeats} repeats of "
            f"{cfg.seconds} s, {cfg.users} users",
            "repeats": cfg.repeats,
            "seconds": cfg.seconds,
            "users": cfg.users,
            "database": _db_name(database_url),
        },
        "notes": cfg.notes,
    }
    env = base_env(cfg)
    failed = False
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        workdir = Path(tmp)
        try:
            loaded = ensure_data(cfg, database_url, env)
            prep = inproc("prepare", env, database_url)
            results["data_set"] = {**loaded, "counts": prep["data"]}
            if loaded["source"] == "demo":
                cfg.notes.append(
                    "gongzhi bench-data was not available: the demo district was used as the data set."
                )
            if not only or "http" in only:
                run_http(cfg, env, database_url, prep, results, workdir)
            sizes = [database_url]
            if not only or "sweep" in only:
                sizes += run_sweep(cfg, env, results)
            if not only or "import" in only:
                log("import ÷ openpyxl bare read")
                figures = inproc(
                    "import", env, database_url, BENCH_REPEATS=cfg.repeats, BENCH_IMPORT_ROWS=cfg.import_rows
                )
                results["import"] = {
                    "ratio": figures["import_rows_per_s"] / figures["bare_rows_per_s"],
                    "figures": {k: v for k, v in figures.items() if not k.endswith("_runs")},
                    "runs": {"import": figures["import_runs"], "bare": figures["bare_runs"]},
                }
            if not only or "probe" in only:
                log("query counts and latency against data size")
                results["size_probe"] = [
                    {
                        **inproc("probe", env, u, BENCH_REPEATS=1 if cfg.quick else cfg.repeats),
                        "label": f"{cfg.scale} data set" if u == database_url else "tiny + N cases",
                    }
                    for u in sizes
                ]
                if "r2" in results:
                    counts = {
                        p["cases"]: {size: v["queries"] for size, v in p["list"].items()}
                        for p in results["size_probe"]
                    }
                    results["r2"]["queries"] = counts
                    distinct = {q for per in counts.values() for q in per.values()}
                    # The token's last-use stamp adds one UPDATE at most once a minute.
                    results["r2"]["constant_queries"] = max(distinct) - min(distinct) <= 1
        except Exception:
            failed = True
            traceback.print_exc()
            results["error"] = traceback.format_exc()
        finally:
            _flush_redis(cfg.redis_url)
    results["duration_seconds"] = time.perf_counter() - started
    paths = report.write(results, cfg.out)
    print(paths["md"].read_text())
    log(f"wrote {', '.join(str(p) for p in paths.values())} in {results['duration_seconds']:.0f} s")
    if failed:
        log("a benchmark crashed: failing the run (goals missed never fail it)")
        return 1
    return 0


def _flush_redis(url: str) -> None:
    """Empty the bench's own Redis database (queued tasks and cache keys from the load)."""
    try:
        import redis

        redis.Redis.from_url(url).flushdb()
    except Exception as exc:  # cleanup only: the run's figures stand
        log(f"could not empty {url}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
