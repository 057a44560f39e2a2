"""The deployment files (deploy/) agree with the code and with docs/deployment.md.

Docker is not available to the tests, so the compose file and the Dockerfile are checked as
text; gunicorn loads its configuration and serves through it for real, and systemd checks
the unit files where ``systemd-analyze`` is installed.
"""

from __future__ import annotations

import ast
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from gunicorn.app.base import BaseApplication

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs" / "deployment.md"
VENV_BIN = Path(sys.executable).parent
UNITS = ("gongzhi-web.service", "gongzhi-worker.service", "gongzhi-beat.service")
APP_SERVICES = ("migrate", "web", "worker", "beat")
# The variables compose.yaml interpolates itself (from deploy/.env), not the application's.
COMPOSE_VARIABLES = {"POSTGRES_PASSWORD"}


def variables_read_by(path: Path) -> set[str]:
    """Environment variables a Python file reads: the first argument of env_str/env_bool/
    env_int/env_list, os.environ.get, os.getenv and gunicorn.conf.py's _int."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        value = node.args[0].value
        if name == "get" and not (isinstance(func.value, ast.Attribute) and func.value.attr == "environ"):
            continue  # a dict's .get(), not os.environ.get()
        if name in {"env_str", "env_bool", "env_int", "env_list", "_int", "get", "getenv"} and (
            isinstance(value, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", value)
        ):
            names.add(value)
    return names


SETTINGS_VARIABLES = variables_read_by(ROOT / "gongzhi" / "settings.py")
GUNICORN_VARIABLES = variables_read_by(DEPLOY / "gunicorn.conf.py")
KNOWN_VARIABLES = SETTINGS_VARIABLES | GUNICORN_VARIABLES


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of an environment file, commented-out examples (``# KEY=value``) too."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip()):
            pairs[match.group(1)] = match.group(2)
    return pairs


def unit(name: str) -> dict[str, list[str]]:
    """``Section.Key`` → values of a systemd unit file (a key may repeat)."""
    entries: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.setdefault(f"{section}.{key}", []).append(value)
    return entries


def compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


# --- the environment --------------------------------------------------------------------------


def test_settings_and_gunicorn_read_the_variables_the_tests_look_for():
    # A guard for the parser below: if it stopped finding variables, every other check would pass.
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "GONGZHI_DATA_KEY",
        "ALLOWED_HOSTS",
    } <= SETTINGS_VARIABLES
    assert {"GONGZHI_BIND", "GONGZHI_WEB_WORKERS", "GONGZHI_WEB_TIMEOUT"} <= GUNICORN_VARIABLES


def test_example_environment_sets_every_required_variable_and_only_known_ones():
    example = env_file(DEPLOY / "gongzhi.env.example")
    active = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "gongzhi.env.example").read_text(encoding="utf-8").splitlines()
        if re.match(r"[A-Z]", line)
    }

    assert set(example) - KNOWN_VARIABLES == set()
    required = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "GONGZHI_DATA_KEY", "DATABASE_URL", "REDIS_URL"}
    assert required <= active
    assert example["DEBUG"] == "0"
    assert example["SECRET_KEY"] == example["GONGZHI_DATA_KEY"] == ""  # never a shipped secret


def test_deployment_guide_lists_every_environment_variable():
    guide = DOCS.read_text(encoding="utf-8")

    missing = sorted(name for name in KNOWN_VARIABLES if f"`{name}`" not in guide)

    assert missing == []


def test_deployment_guide_names_every_periodic_task_and_how_often_it_runs():
    guide = DOCS.read_text(encoding="utf-8")

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert f"`{entry['task']}`" in guide


# --- Celery -----------------------------------------------------------------------------------


def test_every_periodic_task_is_registered_with_the_worker_app():
    from gongzhi.celery import app

    app.loader.import_default_modules()

    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(app.tasks)


def test_celery_keeps_beats_schedule_in_the_data_directory_and_acknowledges_late():
    from gongzhi.celery import app

    assert Path(app.conf.beat_schedule_filename) == settings.DATA_DIR / "celerybeat-schedule"
    assert (app.conf.task_acks_late, app.conf.worker_prefetch_multiplier) == (True, 1)
    assert app.conf.broker_connection_retry_on_startup is True


# --- gunicorn ---------------------------------------------------------------------------------


class ConfigProbe(BaseApplication):
    """Gunicorn's own settings object, loaded from deploy/gunicorn.conf.py as ``--config`` does."""

    def load_config(self) -> None:
        for key, value in runpy.run_path(str(DEPLOY / "gunicorn.conf.py")).items():
            if key in self.cfg.settings:
                self.cfg.set(key.lower(), value)  # gunicorn validates each value here

    def load(self):  # never served
        raise NotImplementedError


def test_gunicorn_config_takes_bind_workers_and_timeout_from_the_environment(monkeypatch):
    monkeypatch.setenv("GONGZHI_BIND", "unix:/run/gongzhi/web.sock, 127.0.0.1:8001")
    monkeypatch.setenv("GONGZHI_WEB_WORKERS", "3")
    monkeypatch.setenv("GONGZHI_WEB_TIMEOUT", "45")
    monkeypatch.setenv("GONGZHI_WEB_MAX_REQUESTS", "500")

    cfg = ConfigProbe().cfg

    assert cfg.bind == ["unix:/run/gongzhi/web.sock", "127.0.0.1:8001"]
    assert (cfg.workers, cfg.timeout, cfg.max_requests, cfg.max_requests_jitter) == (3, 45, 500, 50)
    assert cfg.wsgi_app == "gongzhi.wsgi:application"


def test_gunicorn_config_defaults_to_the_loopback_and_workers_by_cpu(monkeypatch):
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    cfg = ConfigProbe().cfg

    assert cfg.bind == ["127.0.0.1:8000"]
    assert cfg.workers == min(2 * len(os.sched_getaffinity(0)) + 1, 12)
    assert (cfg.timeout, cfg.max_requests, cfg.max_requests_jitter) == (60, 1000, 100)
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]


def test_gunicorn_config_refuses_a_worker_count_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("GONGZHI_WEB_WORKERS", "four")

    with pytest.raises(SystemExit) as excinfo:
        ConfigProbe()

    assert str(excinfo.value) == "GONGZHI_WEB_WORKERS must be an integer, got 'four'."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_and_its_access_log_holds_no_query_string_or_tracking_token(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GONGZHI_")}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        GONGZHI_DATA_KEY=",".join(settings.GONGZHI_DATA_KEYS),
        ALLOWED_HOSTS="gongzhi.test",
        GONGZHI_DATA_DIR=str(tmp_path),
        GONGZHI_BIND=f"127.0.0.1:{port}",
        GONGZHI_WEB_WORKERS="1",
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    # Plain HTTP is redirected to HTTPS before any view runs, so no database is needed.
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/track/SECRET-TRACKING-TOKEN/?api_key=SECRET-API-KEY",
        headers={"Host": "gongzhi.test", "X-Forwarded-For": "203.0.113.7"},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
            [str(VENV_BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py")],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.build_opener(NoRedirect).open(request, timeout=10)
                except urllib.error.HTTPError as answer:
                    status, location = answer.code, answer.headers["Location"]
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn did not serve:\n{log.read_text(errors='replace')[-4000:]}")
                    time.sleep(0.3)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    output = log.read_text(errors="replace")
    access = [line for line in output.splitlines() if '"GET ' in line]
    assert (status, location) == (
        301,
        "https://gongzhi.test/track/SECRET-TRACKING-TOKEN/?api_key=SECRET-API-KEY",
    )
    assert len(access) == 1, output
    assert re.fullmatch(
        r'203\.0\.113\.7 - "GET /track/\*\*\*/ HTTP/1\.1" 301 0 \d+ms "Python-urllib/[\d.]+"', access[0]
    ), access[0]
    assert server.returncode == 0, output


# --- systemd ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNITS)
def test_unit_runs_as_its_own_user_from_the_environment_file_and_restarts(name):
    entries = unit(name)
    data_dir = env_file(DEPLOY / "gongzhi.env.example")["GONGZHI_DATA_DIR"]

    assert entries["Service.User"] == entries["Service.Group"] == ["gongzhi"]
    assert entries["Service.EnvironmentFile"] == ["/etc/gongzhi/gongzhi.env"]
    assert entries["Service.Restart"] == ["on-failure"]
    assert entries["Service.WorkingDirectory"] == entries["Service.ReadWritePaths"] == [data_dir]
    assert entries["Install.WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("name", UNITS)
def test_unit_is_hardened(name):
    entries = unit(name)

    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectControlGroups": "yes",
        "RestrictNamespaces": "yes",
        "LockPersonality": "yes",
    }
    assert {key: entries[f"Service.{key}"] for key in expected} == {
        key: [value] for key, value in expected.items()
    }


def test_units_start_gunicorn_worker_and_beat_with_this_repository_files():
    commands = {name: unit(name)["Service.ExecStart"][0].split() for name in UNITS}

    assert commands["gongzhi-web.service"][:3] == [
        "/opt/gongzhi/venv/bin/gunicorn",
        "--config",
        "/opt/gongzhi/deploy/gunicorn.conf.py",
    ]
    assert commands["gongzhi-worker.service"][:4] == [
        "/opt/gongzhi/venv/bin/celery",
        "-A",
        "gongzhi",
        "worker",
    ]
    assert commands["gongzhi-beat.service"][:4] == ["/opt/gongzhi/venv/bin/celery", "-A", "gongzhi", "beat"]
    # /opt/gongzhi is the checkout: the files the units name are in this repository.
    assert (ROOT / "deploy" / "gunicorn.conf.py").is_file()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    # systemd refuses an ExecStart whose program does not exist: point them at this virtualenv.
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8").replace("/opt/gongzhi/venv/bin/", f"{VENV_BIN}/")
        (tmp_path / name).write_text(text)

    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in UNITS)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")


# --- Docker Compose ---------------------------------------------------------------------------


def test_compose_runs_postgres_redis_and_the_application_services():
    services = compose()["services"]

    assert sorted(services) == ["beat", "migrate", "postgres", "redis", "web", "worker"]
    assert (services["postgres"]["image"], services["redis"]["image"]) == ("postgres:15", "redis:7")
    for name in APP_SERVICES:
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert services[name]["env_file"] == "gongzhi.env"
        assert services[name]["volumes"] == ["data:/data", "media:/data/media"]
    assert set(compose()["volumes"]) >= {"data", "media"}


def test_compose_migrates_and_collects_static_files_before_the_others_start():
    services = compose()["services"]

    assert services["migrate"]["command"] == [
        "sh",
        "-c",
        "gongzhi migrate --noinput && gongzhi collectstatic --noinput",
    ]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_compose_starts_the_same_processes_as_the_systemd_units():
    services = compose()["services"]

    assert services["web"]["command"] == ["gunicorn", "--config", "/opt/gongzhi/gunicorn.conf.py"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "gongzhi", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "gongzhi", "beat"]
    assert "deploy" not in services["beat"]  # one beat, never replicated
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_passes_only_variables_the_application_reads():
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    services = compose()["services"]

    for name in APP_SERVICES:
        assert set(services[name]["environment"]) - KNOWN_VARIABLES == set(), name
    assert set(services["web"]["environment"]) >= {"DATABASE_URL", "REDIS_URL", "GONGZHI_DATA_DIR"}
    assert set(re.findall(r"\$\{([A-Z_]+)", text)) == COMPOSE_VARIABLES


def test_dockerfile_installs_the_package_and_keeps_node_out_of_the_final_image():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[1:]

    assert [stage.split()[0] for stage in stages] == [
        "node:20-bookworm-slim",
        "python:3.11-slim",
        "python:3.11-slim",
    ]
    assert "npm ci" in stages[0]
    assert "pip install --no-cache-dir --disable-pip-version-check ." in stages[1]
    assert "npm" not in stages[2]
    # What the image copies from the build context exists in it.
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    assert "/opt/gongzhi/gunicorn.conf.py" in dockerfile
    assert env_file(DEPLOY / "gongzhi.env.example")["GONGZHI_NODE_MODULES"] == "/opt/gongzhi/node_modules"
    assert "GONGZHI_NODE_MODULES=/opt/gongzhi/node_modules" in dockerfile
