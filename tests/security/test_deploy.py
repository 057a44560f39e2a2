"""Production settings (DEBUG=0 and real values), in a fresh process as a deployment runs them:
the hardening settings raise no deployment warning, and an answer over HTTPS carries HSTS,
nosniff, frame denial, the CSP, the referrer and opener policies and no-store."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from cryptography.fernet import Fernet

PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#k2!pL9@qR4$vN8^mT3&wZ6*yB1(cF5)hJ0-sD" * 2,
    "ALLOWED_HOSTS": "gongzhi.example.org",
    "GONGZHI_DATA_KEY": Fernet.generate_key().decode(),
}
# Checks that the hardening settings answer for (Django's deployment checks, django-csp).
HARDENING_CHECKS = ("security.", "csp.", "django_ratelimit.")


def _run(args: list[str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "GONGZHI_DATA_KEY")}
    env.update(PROD_ENV, GONGZHI_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "gongzhi.cli", *args], env=env, capture_output=True, text=True, check=False
    )


def test_check_deploy_finds_nothing_in_the_hardening_settings(tmp_path):
    result = _run(["check", "--deploy"], tmp_path)

    found = re.findall(r"\(([\w.]+\.[WE]\d+)\)", result.stdout + result.stderr)
    assert [check for check in found if check.startswith(HARDENING_CHECKS)] == []


PROBE = """
import json
from django.test import Client
response = Client(HTTP_HOST="gongzhi.example.org").get("/api/v1/me/", secure=True)
print(json.dumps({"status": response.status_code, **dict(response.headers)}))
"""


def test_production_answers_carry_the_security_headers(tmp_path):
    result = _run(["shell", "-c", PROBE], tmp_path)

    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert headers["status"] in (401, 403), result.stderr
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "script-src 'self';" in headers["Content-Security-Policy"] + ";"
    assert "unsafe-eval" not in headers["Content-Security-Policy"]


def test_production_redirects_plain_http_to_https(tmp_path):
    probe = PROBE.replace("secure=True", "secure=False")

    result = _run(["shell", "-c", probe], tmp_path)

    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert headers["status"] == 301, result.stderr
    assert headers["Location"] == "https://gongzhi.example.org/api/v1/me/"
