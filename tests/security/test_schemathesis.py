"""schemathesis over the whole OpenAPI schema (issue 8, "Inputs and abuse").

Every operation of ``/api/schema/`` is called through the Django WSGI application with a valid
API token of the district admin, over the two-street demo world (``tests/security/conftest.py``),
with a small derandomized number of generated requests each. A response must not be a server
error, its status code must be one the schema documents, and its body must match the schema.

Bounded for CI: ``SCHEMATHESIS_MAX_EXAMPLES`` (default 5) examples an operation.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gongzhi.accounts.services import issue_token

# The module's tests share the two-street world (tests/security/conftest.py), built once for the
# module: one xdist worker runs them all (``--dist loadgroup`` in pyproject.toml), so that it is
# built once, not on each worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("security-world-schemathesis")]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _load_schema():
    # Generated here, at collection, the way /api/schema/ generates it (no database involved),
    # so that every operation is its own test item and pytest-xdist spreads them over workers.
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    spec = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(spec)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@pytest.fixture(scope="module")
def token(world):
    return issue_token(world.users["district"], name="schemathesis").key


@pytest.fixture(scope="module", autouse=True)
def _wsgi_in_test_transaction(world):
    # The WSGI handler closes the database connection after each request; inside a test's
    # transaction that would lose the world, so (as Django's test client does) keep it open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with override_settings(ALLOWED_HOSTS=["localhost", "testserver"]):
        try:
            yield
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
