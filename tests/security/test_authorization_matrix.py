"""The authorization matrix (issue 8): every API endpoint and page, four ways.

For each row of ``tests/security/matrix.py``: anonymous → 401 JSON (API) or a redirect to the
login page; a wrong role → 403; the right role on a row outside its jurisdiction → 404 (detail
routes), or for lists a 200 without the outside rows the superuser (or the row's
``leak_seen_by`` login) sees on the same page; the right role inside → success. The world (two
streets of the demo district, every kind of row in both) is built once for the module; see
``tests/security/conftest.py``. Requests reuse one client of each kind and each login's session
made with the world: a new test client loads the middleware again, which costs more than most
requests.

Unsafe methods are sent with an empty body: for the right role a 400 (or a re-rendered form)
is accepted as evidence that authorization let the request through to validation — what this
test is about; each endpoint's own tests post valid bodies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.security.conftest import World
from tests.security.matrix import ADMIN_SITE_NAMESPACE, PUBLIC, ROWS, Row

# The module's tests share the two-street world (tests/security/conftest.py), built once for the
# module: one xdist worker runs them all (``--dist loadgroup`` in pyproject.toml), so that it is
# built once, not on each worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("security-world-matrix")]

REFUSALS = (401, 403, 404)


def all_routes() -> dict[str, set[str]]:
    """Every named route of the project (``namespace:name``) → the HTTP methods its DRF view
    maps (empty for plain Django views, whose methods the table states)."""
    routes: dict[str, set[str]] = {}

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, ns)
            elif isinstance(pattern, URLPattern):
                name = (
                    f"{namespace}:{pattern.name or ''}"
                    if namespace
                    else (pattern.name or str(pattern.pattern))
                )
                methods = routes.setdefault(name, set())
                actions = getattr(pattern.callback, "actions", None) or {}
                # DRF adds "head" to a route's actions once it has served a GET in this
                # process; HEAD is GET without a body and is checked with it.
                methods.update(m.upper() for m in actions if m != "head")

    walk(get_resolver(), None)
    return routes


def test_every_route_is_classified():
    routes = all_routes()
    in_table = {row.route for row in ROWS}
    unclassified = sorted(
        name
        for name in routes
        if name not in in_table and name not in PUBLIC and not name.startswith(f"{ADMIN_SITE_NAMESPACE}:")
    )
    assert unclassified == [], "routes in neither ROWS, PUBLIC nor ADMIN_SITE: " + ", ".join(unclassified)


def test_every_method_of_every_api_route_has_a_row():
    covered = {(row.route, row.method) for row in ROWS}
    missing = sorted(
        f"{method} {name}"
        for name, methods in all_routes().items()
        if name not in PUBLIC
        for method in methods
        if (name, method) not in covered
    )
    assert missing == []


def test_the_table_names_only_existing_routes():
    routes = all_routes()
    stale = sorted({row.route for row in ROWS} - set(routes)) + sorted(PUBLIC - set(routes))
    assert stale == []


# --- The matrix ------------------------------------------------------------------------------------


def _queryset(row: Row):
    model = apps.get_model(row.obj)
    qs = model._default_manager.all()
    lookup = row.path or getattr(qs, "area_path", None)
    if lookup is None and row.outside is not None:
        raise AssertionError(f"{row.obj} has no area path: give the row a path or outside=None")
    return qs.filter(**row.where).exclude(**row.exclude).order_by("pk"), lookup


def pick(row: Row, world: World, *, inside: bool) -> Any:
    """A row of ``row.obj`` inside the right persona's area (S1 for district-wide personas), or
    in S2 when ``inside`` is False."""
    qs, lookup = _queryset(row)
    if lookup is None:  # rows with no area (case categories): anyone's
        return qs.last() if inside else None
    if lookup.endswith("username"):  # the user's own rows (notifications)
        assert inside
        return qs.filter(**{lookup: row.right}).last()
    area = world.area_of(row.right)
    if inside:
        path = world.s1.path if area is None or area.level == "district" else area.path
    else:
        path = world.s2.path
    found = qs.filter(**{f"{lookup}__startswith": path}).last()
    if found is None and inside and (area is None or area.level == "district"):
        found = qs.filter(**{f"{lookup}__startswith": world.district.path}).last()  # district-held
    return found


def url_for(row: Row, obj: Any = None, world: World | None = None) -> str:
    kwargs = row.kw(obj) if obj is not None else {}
    query = row.query.replace("{s1}", world.s1.code) if world else row.query
    return reverse(row.route, kwargs=kwargs) + query


def call(world: World, row: Row, url: str, username: str | None):
    """Send the row's request as ``username`` (None: signed out): the API with the user forced
    in, pages with the login's session made with the world (no sign-in per request)."""
    user = world.users[username] if username else None
    if url.startswith("/api/"):
        client = _client(world, APIClient)
        client.force_authenticate(user)
        response = getattr(client, row.method.lower())(url, row.data or {}, format="json")
    else:
        client = _client(world, Client)
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[username]
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.generic(row.method, url, data=_form(row.data))
    if response.streaming:
        # A file: read it now. The test client closes it once read (a second close would fire
        # request_finished, which closes the database connection inside the test's transaction).
        response.streamed = b"".join(response.streaming_content)
    return response


def _client(world: World, kind: type[Client]) -> Client:
    """One client of each kind for the whole module, its cookies cleared before each request: a
    new client loads the middleware again, and WhiteNoise's scan of the static files then costs
    more than the request itself."""
    client = world.clients.get(kind.__name__)
    if client is None:
        client = world.clients[kind.__name__] = kind()
    client.cookies.clear()
    return client


def _form(data: dict | None) -> str:
    from urllib.parse import urlencode

    return urlencode(data or {})


def _statuses(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,)


def _body(response) -> str:
    content = response.streamed if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):  # an XLSX export: its cells
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
        )
    return content.decode("utf-8", "replace")


def leak_labels(row: Row, world: World) -> set[str]:
    """Values of ``row.leak`` found only in S2 (a name shared with an S1 row proves nothing).
    Worked out once per world: every test leaves the world as it found it."""
    key = f"{row.leak}@{row.leak_path}"
    if key not in world.leak_labels:
        world.leak_labels[key] = _leak_labels(row, world)
    return world.leak_labels[key]


def _leak_labels(row: Row, world: World) -> set[str]:
    label, field_name = row.leak.split(":")
    model = apps.get_model(label)
    qs = model._default_manager.all()
    lookup = f"{row.leak_path or qs.area_path}__startswith"
    outside = {str(v) for v in qs.filter(**{lookup: world.s2.path}).values_list(field_name, flat=True) if v}
    elsewhere = {
        str(v) for v in qs.exclude(**{lookup: world.s2.path}).values_list(field_name, flat=True) if v
    }
    # A label also found inside another row's label elsewhere would be a false alarm.
    joined = "\n".join(elsewhere)
    return {v for v in outside if len(v) >= 3 and v not in joined}


def leak_url(row: Row, world: World, url: str) -> str:
    """The list URL for the leak check: asking for S2 where the row has a filter for it, and
    for the largest API page, so that an unscoped list would show outside rows."""
    extra = row.leak_query.replace("{s2}", world.s2.code).lstrip("?")
    if url.startswith("/api/") and "page_size" not in url + extra:
        extra = "&".join(filter(None, [extra, "page_size=200"]))
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + extra


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_matrix(row: Row, world: World):
    problems: list[str] = []
    inside = pick(row, world, inside=True) if row.obj else None
    if row.obj and inside is None:
        pytest.fail(f"no {row.obj} inside the jurisdiction of {row.right}: add one to the world")
    url = url_for(row, inside, world)
    is_api = url.startswith("/api/")

    # Anonymous.
    response = call(world, row, url, None)
    if row.anonymous is not None:
        if response.status_code != row.anonymous:
            problems.append(f"anonymous: {response.status_code}, expected {row.anonymous}")
    elif is_api:
        if response.status_code != 401 or "error" not in response.json():
            problems.append(f"anonymous: {response.status_code}, expected 401 JSON")
    elif response.status_code != 302 or not response["Location"].startswith(reverse("login")):
        problems.append(f"anonymous: {response.status_code} {response.get('Location')}, expected login")

    # The wrong role.
    if row.wrong:
        response = call(world, row, url, row.wrong)
        if response.status_code not in _statuses(row.wrong_status):
            problems.append(f"wrong role {row.wrong}: {response.status_code}, expected {row.wrong_status}")

    # The right role, outside its jurisdiction.
    if row.obj and row.outside is not None:
        outside = pick(row, world, inside=False)
        if outside is None:
            problems.append(f"no {row.obj} in S2 to test outside access")
        else:
            response = call(world, row, url_for(row, outside), row.right)
            if response.status_code != row.outside:
                problems.append(f"outside: {response.status_code}, expected {row.outside}")

    if row.outside_query:
        outside_url = reverse(row.route) + row.outside_query.replace("{s2}", world.s2.code)
        response = call(world, row, outside_url, row.right)
        if response.status_code != 404:
            problems.append(f"outside ({outside_url}): {response.status_code}, expected 404")

    # Lists: outside rows the yardstick (the superuser) sees on this page must not reach the right role.
    if row.leak:
        labels = leak_labels(row, world)
        url = leak_url(row, world, url)
        yardstick_body = _body(call(world, row, url, row.leak_seen_by))
        seen = {v for v in labels if v in yardstick_body}
        if not seen:
            problems.append(f"leak check vacuous: {row.leak_seen_by} sees no S2-only {row.leak} on {url}")
        response = call(world, row, url, row.right)
        body = _body(response)
        leaked = sorted(v for v in seen if v in body)
        if leaked:
            problems.append(f"LEAK to {row.right}: {leaked[:5]}")
        url = url_for(row, inside, world)

    # The right role, inside.
    response = call(world, row, url, row.right)
    status = response.status_code
    if row.ok:
        good = status in row.ok
    elif row.method == "GET":
        good = status == 200
    else:
        good = status not in REFUSALS and status < 500
    if not is_api and status == 302 and response["Location"].startswith(reverse("login")):
        good = False
    if row.absent and row.absent in _body(response):
        problems.append(f"LEAK to {row.right}: {row.absent}")
    if not good:
        detail = ""
        if is_api and response.get("Content-Type", "").startswith("application/json"):
            detail = json.dumps(response.json(), ensure_ascii=False)[:200]
        problems.append(f"right role {row.right} inside: {status} {detail}")

    assert problems == [], f"{row.id} ({url}): " + "; ".join(problems)
