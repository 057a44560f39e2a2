"""The OpenAPI schema generates cleanly and the docs are served offline."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path, capsys):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))

    text = out.read_text()
    assert "/api/v1/areas/{code}/" in text
    assert "/api/v1/people/{id}/reveal-id-number/" in text
    assert "Warning" not in capsys.readouterr().err


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    html = docs.content.decode()
    assert "swagger-ui" in html
    # Swagger UI comes from the sidecar package's static files, not a CDN.
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
