"""Settings: production values pass Django's deployment checks; missing secrets fail loudly."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#k2!pL9@qR4$vN8^mT3&wZ6*yB1(cF5)hJ0-sD" * 2,
    "ALLOWED_HOSTS": "gongzhi.example.org",
    "GONGZHI_DATA_KEY": Fernet.generate_key().decode(),
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "GONGZHI_DATA_KEY")}
    full_env.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "gongzhi.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_has_no_warnings_with_real_values():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PROD_ENV)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_without_secret_key_fails_loudly():
    env = {**PROD_ENV, "SECRET_KEY": ""}

    result = _run(["check"], env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr


def test_production_without_data_key_fails_loudly():
    env = {**PROD_ENV, "GONGZHI_DATA_KEY": ""}

    result = _run(["check"], env)

    assert result.returncode != 0
    assert "GONGZHI_DATA_KEY must be set when DEBUG=0" in result.stderr


def test_bad_boolean_is_refused():
    result = _run(["check"], {"DEBUG": "maybe"})

    assert "Unexpected value DEBUG='maybe'" in result.stderr


def test_a_bad_rate_limit_is_refused():
    result = _run(["check"], {"GONGZHI_RATE_LOGIN": "ten per minute"})

    assert result.returncode != 0
    assert "GONGZHI_RATE_LOGIN must be count/period such as 10/m" in result.stderr


def test_limits_come_from_the_environment():
    env = {"GONGZHI_RATE_PUBLIC_REPORT": "5/h", "GONGZHI_MAX_REQUEST_BYTES": "1048576"}
    probe = "from django.conf import settings; print(settings.GONGZHI_RATE_PUBLIC_REPORT, settings.GONGZHI_MAX_REQUEST_BYTES)"

    result = _run(["shell", "-c", probe], env)

    assert result.stdout.strip().splitlines()[-1].split() == ["5/h", "1048576"], result.stderr


def _postgresql_options(extra: dict[str, str]) -> str:
    script = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    env = {
        **{k: v for k, v in os.environ.items() if k != "GONGZHI_PG_JIT"},
        "DATABASE_URL": "postgresql://gongzhi@db.example.org:5432/gongzhi",
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
        **extra,
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_postgresql_connections_do_without_jit_unless_asked():
    assert _postgresql_options({}) == "-c jit=off"
    assert _postgresql_options({"GONGZHI_PG_JIT": "1"}) == ""


def test_the_test_database_runs_without_jit(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
