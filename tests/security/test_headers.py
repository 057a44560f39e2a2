"""Security headers: a CSP without inline or eval'd script, frame denial, nosniff, referrer and
opener policies, and ``Cache-Control: no-store`` wherever personal data may be in the answer.
Templates hold no inline script, no event-handler attributes and no <style> blocks, so the
policy can forbid them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import G1_POINT

pytestmark = pytest.mark.django_db

# The case fixtures, for a public tracking page.
categories, grids, media = cases_conftest.categories, cases_conftest.grids, cases_conftest.media

TEMPLATES = Path(__file__).resolve().parents[2] / "gongzhi" / "templates"
STATIC_JS = Path(__file__).resolve().parents[2] / "gongzhi" / "static" / "gongzhi"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_pages_carry_a_csp_without_inline_or_eval_script(page, community_worker):
    response = page(community_worker).get("/")

    csp = directives(response)
    assert response.status_code == 200
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["style-src-attr"] == ["'unsafe-inline'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]


def test_pages_deny_framing_sniffing_and_cross_origin_leaks(page):
    response = page().get("/login/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert (
        response["Permissions-Policy"] == "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"
    )


def test_api_answers_carry_the_same_headers(api, community_worker):
    response = api(community_worker).get("/api/v1/me/")

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("path", ["/", "/areas/", "/cases/queue/", "/people/", "/volunteers/"])
def test_every_page_for_a_signed_in_user_is_no_store(page, community_worker, path):
    response = page(community_worker).get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_no_store_even_for_anonymous_callers(api, community_worker):
    signed_in = api(community_worker).get("/api/v1/areas/")
    anonymous = api().get("/api/v1/areas/")

    assert signed_in.status_code == 200
    assert anonymous.status_code in (401, 403)
    assert signed_in["Cache-Control"] == "no-store"
    assert anonymous["Cache-Control"] == "no-store"


def test_public_tracking_page_is_no_store(categories, grids, media):
    case = services.report_case(
        category=categories["clutter"],
        description="楼道堆物",
        source=CaseSource.RESIDENT,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        reporter_phone="13812345678",
    )

    response = Client().get(f"/track/{case.tracking_token}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_public_page_without_personal_data_may_be_cached(page, tree):
    response = page().get("/wishes/wall/")

    assert "no-store" not in response.get("Cache-Control", "")


def test_schema_is_not_marked_private(api, community_worker):
    response = api(community_worker).get("/api/schema/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_keep_their_caching(page, community_worker):
    response = page(community_worker).get("/static/gongzhi/site.css")
    response.close()

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Templates and scripts hold nothing the CSP would block ----------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']\s*javascript:""", re.I)
STYLE_BLOCK = re.compile(r"<style\b(?![^>]*\bnonce=)", re.I)  # a nonce'd block is allowed
HTMX_EVAL = re.compile(r"hx-on|hx-vars|hx-vals\s*=\s*[\"']\s*js:|hx-trigger\s*=\s*[\"'][^\"']*\[", re.I)


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_template_scan_sees_every_template():
    assert len(_templates()) > 100


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (INLINE_SCRIPT, "inline <script>"),
        (HANDLER_ATTRIBUTE, "on* event-handler attribute"),
        (JS_URL, "javascript: URL"),
        (STYLE_BLOCK, "<style> block (move it to a static CSS file)"),
        (HTMX_EVAL, "htmx code evaluation (hx-on, js: values, trigger filters)"),
    ],
)
def test_templates_hold_nothing_the_csp_blocks(pattern, what):
    found = [
        f"{path.relative_to(TEMPLATES)}:{text[: m.start()].count(chr(10)) + 1}"
        for path in _templates()
        for text in [path.read_text(encoding="utf-8")]
        for m in pattern.finditer(text)
    ]

    assert found == [], f"{what} in: {found}"


def test_the_scan_catches_what_it_looks_for():
    sample = '<script>alert(1)</script><a onclick="x()" href="javascript:void(0)"><style>p{}</style>'

    assert INLINE_SCRIPT.search(sample)
    assert HANDLER_ATTRIBUTE.search(sample)
    assert JS_URL.search(sample)
    assert STYLE_BLOCK.search(sample)
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert not STYLE_BLOCK.search('<style nonce="{{ request.csp_nonce }}">')


def test_static_scripts_evaluate_no_strings():
    offenders = [
        path.name
        for path in STATIC_JS.glob("*.js")
        if re.search(r"\beval\(|new Function\(|setTimeout\(\s*[\"']", path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_htmx_is_configured_without_eval_or_injected_styles(page, community_worker):
    html = page(community_worker).get("/").content.decode()

    assert '"allowEval":false' in html
    assert '"includeIndicatorStyles":false' in html


# --- API docs and admin under the policy ------------------------------------------------------


def test_api_docs_load_their_script_from_a_url_and_style_with_a_nonce(page, community_worker):
    client = page(community_worker)

    response = client.get("/api/docs/")
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    script = client.get("/api/docs/?script=")

    assert response.status_code == 200
    assert INLINE_SCRIPT.findall(html) == []
    assert 'src="/api/docs/?script="' in html
    assert f'<style nonce="{nonce}">' in html
    assert directives(response)["script-src"] == ["'self'"]
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_admin_pages_render_under_the_policy(page, tree):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)

    response = page(root).get("/admin/")

    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert INLINE_SCRIPT.findall(response.content.decode()) == []
