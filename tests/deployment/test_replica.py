"""Read scaling (gongzhi/core/replica.py) against a second, real PostgreSQL connection.

The "replica" here is a separate session (its own connection object and server process) to
the test database, opened with ``default_transaction_read_only=on``: any write routed to it
fails loudly, and what it reads it reads through its own connection, so counting the queries
on each connection shows which one served a request. Streaming replication itself is
PostgreSQL's; what is ours is which connection each query goes to. The tests are
transactional (committed rows), because the second session cannot see the first one's
uncommitted test transaction. SQLite has no second server to read from: skipped there.

The settings wiring (DATABASE_REPLICA_URL) is checked in a fresh interpreter at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.models import User
from gongzhi.accounts.services import issue_token
from gongzhi.core.replica import REPLICA, ReplicaRouter, RequestReads, _current
from gongzhi.notifications.models import Notification

NOTIFICATIONS = "/api/v1/notifications/"
OVERVIEW = "/api/v1/stats/overview/"
TABLE = Notification._meta.db_table

replica_db = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture(scope="module")
def _replica_alias(django_db_setup, django_db_blocker):
    """A "replica" alias: a second, read-only session to the test database. Registered once
    the test databases exist (it copies the primary's test settings) and before each test's
    database set-up, which then allows it (``databases="__all__"``)."""
    if connection.vendor != "postgresql":
        yield None
        return
    replica_settings = {**connections[DEFAULT_DB_ALIAS].settings_dict}
    options = {**replica_settings.get("OPTIONS", {})}
    options["options"] = f"{options.get('options', '')} -c default_transaction_read_only=on".strip()
    # A mirror of the primary, as DATABASE_REPLICA_URL's settings say: the test runner then
    # neither creates nor flushes it.
    test_settings = {**replica_settings.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    replica_settings.update(OPTIONS=options, CONN_MAX_AGE=0, TEST=test_settings)
    previous = connections.settings.get(REPLICA)
    if previous is not None:  # DATABASE_REPLICA_URL set for this run: ours meanwhile
        connections[REPLICA].close()
        del connections[REPLICA]
    connections.settings[REPLICA] = replica_settings
    yield REPLICA
    with django_db_blocker.unblock():
        connections[REPLICA].close()
    del connections[REPLICA]
    if previous is None:
        del connections.settings[REPLICA]
    else:
        connections.settings[REPLICA] = previous


@pytest.fixture
def replica(_replica_alias, transactional_db, settings):
    """The replica connection, with the router and middleware installed as
    DATABASE_REPLICA_URL installs them."""
    if _replica_alias is None:
        pytest.skip("read replicas need PostgreSQL: run with DATABASE_URL=postgresql://…")
    settings.DATABASE_ROUTERS = ["gongzhi.core.replica.ReplicaRouter"]
    if "gongzhi.core.replica.ReplicaMiddleware" not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(
            middleware.index("axes.middleware.AxesMiddleware"), "gongzhi.core.replica.ReplicaMiddleware"
        )
        settings.MIDDLEWARE = middleware
    # Long enough that a slow, loaded machine never lets a pin lapse within one test.
    settings.GONGZHI_REPLICA_PIN_SECONDS = 60
    yield connections[REPLICA]
    connections[REPLICA].close()


class Queries:
    """The SQL each connection ran inside the block (copied at its end: every request's start
    empties the connections' query logs)."""

    def __enter__(self):
        self._contexts = [
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]),
            CaptureQueriesContext(connections[REPLICA]),
        ]
        for context in self._contexts:
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in reversed(self._contexts):
            context.__exit__(*exc)
        self.primary, self.replica = ([query["sql"] for query in c.captured_queries] for c in self._contexts)


def touching(sqls: list[str], table: str = TABLE) -> list[str]:
    return [sql for sql in sqls if f'"{table}"' in sql]


@pytest.fixture
def inbox(district_admin):
    return [
        Notification.objects.create(recipient=district_admin, verb="case", text=f"第 {n} 条通知")
        for n in range(3)
    ]


# --- the second connection --------------------------------------------------------------------


@replica_db
def test_the_replica_is_its_own_read_only_session(replica):
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_database()")
        primary_pid, primary_db = cursor.fetchone()
    with replica.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid(), current_database(), current_setting('transaction_read_only')"
        )
        replica_pid, replica_db_name, read_only = cursor.fetchone()

    assert replica.connection is not connections[DEFAULT_DB_ALIAS].connection
    assert replica_pid != primary_pid
    assert (replica_db_name, read_only) == (primary_db, "on")


@replica_db
def test_a_write_sent_to_the_replica_fails_loudly(replica, district_admin):
    with pytest.raises(DatabaseError, match="read-only transaction"):
        Notification.objects.using(REPLICA).create(recipient_id=district_admin.pk, verb="x", text="x")


# --- which requests the replica serves ----------------------------------------------------------


@replica_db
def test_a_list_is_read_from_the_replica(replica, api, district_admin, inbox):
    client = api(district_admin)

    with Queries() as queries:
        response = client.get(NOTIFICATIONS)

    assert response.status_code == 200, response.content
    assert [row["text"] for row in response.json()["results"]] == [
        "第 2 条通知",
        "第 1 条通知",
        "第 0 条通知",
    ]
    assert touching(queries.replica) != []
    assert touching(queries.primary) == []


@replica_db
def test_a_dashboard_is_read_from_the_replica(replica, api, district_admin, inbox):
    with Queries() as queries:
        response = api(district_admin).get(OVERVIEW, {"area": "D"})

    assert response.status_code == 200, response.content
    assert queries.replica != []
    # Only who-may-see-what (the caller's roles) is read from the primary.
    assert [sql for sql in queries.primary if '"accounts_' not in sql] == []


@replica_db
def test_a_list_page_reads_the_replica_and_the_session_the_primary(replica, page, district_admin):
    client = page(district_admin)

    with Queries() as queries:
        response = client.get("/stats/")

    assert response.status_code == 200
    assert queries.replica != []
    assert touching(queries.primary, "django_session") != []
    assert touching(queries.replica, "django_session") == []
    assert touching(queries.replica, "accounts_user") == []


@replica_db
def test_a_detail_request_reads_the_primary(replica, api, district_admin, inbox):
    with Queries() as queries:
        response = api(district_admin).get("/api/v1/me/")

    assert response.status_code == 200, response.content
    assert queries.replica == []


# --- read your writes ---------------------------------------------------------------------------


@replica_db
def test_a_write_goes_to_the_primary_and_pins_the_writers_reads_there(replica, api, district_admin, inbox):
    client = api(district_admin)

    with Queries() as writing:
        marked = client.post(f"{NOTIFICATIONS}{inbox[0].pk}/read/")
    with Queries() as reading:
        listed = client.get(NOTIFICATIONS)

    assert marked.status_code == 200, marked.content
    assert writing.replica == []
    assert any(sql.startswith(f'UPDATE "{TABLE}"') for sql in writing.primary)
    assert listed.status_code == 200
    assert reading.replica == []
    assert touching(reading.primary) != []
    read_at = {row["id"]: row["read_at"] for row in listed.json()["results"]}
    assert read_at[inbox[0].pk] is not None


@replica_db
def test_after_the_pin_window_reads_return_to_the_replica(replica, api, district_admin, inbox, settings):
    settings.GONGZHI_REPLICA_PIN_SECONDS = 3
    client = api(district_admin)
    client.post(f"{NOTIFICATIONS}{inbox[0].pk}/read/")
    written = time.monotonic()

    with Queries() as pinned:
        client.get(NOTIFICATIONS)
    if time.monotonic() - written >= 3:
        pytest.skip("the machine is too loaded to read within the 3-second pin window")
    time.sleep(max(0.0, 3.2 - (time.monotonic() - written)))
    with Queries() as released:
        client.get(NOTIFICATIONS)

    assert (pinned.replica, touching(pinned.primary) != []) == ([], True)
    assert (touching(released.replica) != [], touching(released.primary)) == (True, [])


@replica_db
def test_a_failed_write_does_not_pin(replica, api, district_admin, inbox):
    client = api(district_admin)

    refused = client.post(f"{NOTIFICATIONS}999999/read/")
    with Queries() as reading:
        client.get(NOTIFICATIONS)

    assert refused.status_code == 404
    assert touching(reading.replica) != []


@replica_db
def test_a_token_client_without_cookies_is_pinned_by_its_token(replica, district_admin, inbox):
    from rest_framework.test import APIClient

    key = issue_token(district_admin).key

    def fresh_client() -> APIClient:  # a new client for each call: no cookie is ever sent back
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    with Queries() as before:
        fresh_client().get(NOTIFICATIONS)
    fresh_client().post(f"{NOTIFICATIONS}{inbox[1].pk}/read/")
    with Queries() as after:
        response = fresh_client().get(NOTIFICATIONS)

    assert touching(before.replica) != []
    assert after.replica == []
    assert {row["id"]: row["read_at"] is not None for row in response.json()["results"]}[inbox[1].pk] is True


@replica_db
def test_a_write_through_the_api_pins_the_same_users_pages(replica, api, page, district_admin, inbox):
    browser = page(district_admin)
    api(district_admin).post(f"{NOTIFICATIONS}{inbox[0].pk}/read/")

    with Queries() as reading:
        response = browser.get("/stats/")

    assert response.status_code == 200
    assert reading.replica == []


@replica_db
def test_another_users_write_does_not_pin_me(replica, api, district_admin, street_admin, inbox):
    other = Notification.objects.create(recipient=street_admin, verb="case", text="别人的通知")
    api(street_admin).post(f"{NOTIFICATIONS}{other.pk}/read/")

    with Queries() as reading:
        api(district_admin).get(NOTIFICATIONS)

    assert touching(reading.replica) != []


# --- lag safety inside a request ----------------------------------------------------------------


@replica_db
def test_transactions_writes_and_sign_in_data_read_the_primary(replica, district_admin, inbox):
    state = RequestReads(eligible=True)  # what the middleware sets for a list request
    token = _current.set(state)
    try:
        with Queries() as plain:
            list(Notification.objects.all())
        with Queries() as users:
            list(User.objects.all())
        with Queries() as locked, transaction.atomic():
            list(Notification.objects.select_for_update().filter(pk=inbox[0].pk))
        with Queries() as written:
            Notification.objects.filter(pk=inbox[0].pk).update(text="改过")
            after_write = list(Notification.objects.values_list("text", flat=True).filter(pk=inbox[0].pk))
    finally:
        _current.reset(token)

    assert (len(touching(plain.replica)), touching(plain.primary)) == (1, [])
    assert (users.replica, len(users.primary)) == ([], 1)
    assert (locked.replica, len(touching(locked.primary))) == ([], 1)
    assert written.replica == []
    assert after_write == ["改过"]
    assert state.wrote is True


def test_outside_a_request_every_read_and_write_is_the_primarys():
    router = ReplicaRouter()

    assert router.db_for_read(Notification) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Notification) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "notifications") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "notifications") is None


# --- settings ---------------------------------------------------------------------------------


def settings_with(tmp_path, **env: str) -> dict:
    """DATABASES, DATABASE_ROUTERS and MIDDLEWARE as a fresh interpreter loads them."""
    full_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "GONGZHI_REPLICA_PIN_SECONDS"}
    }
    full_env.update(GONGZHI_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gongzhi.settings", **env)
    code = (
        "import json\n"
        "from django.conf import settings\n"
        "print(json.dumps({'databases': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS,"
        " 'middleware': settings.MIDDLEWARE, 'pin': settings.GONGZHI_REPLICA_PIN_SECONDS}, default=str))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=full_env, capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        return {"error": result.stderr}
    return json.loads(result.stdout)


def test_replica_url_adds_the_database_the_router_and_the_middleware(tmp_path):
    loaded = settings_with(
        tmp_path,
        DATABASE_URL="postgresql://gongzhi:pw@primary.internal:5432/gongzhi",
        DATABASE_REPLICA_URL="postgresql://reader:pw@replica.internal:5433/gongzhi",
        GONGZHI_REPLICA_PIN_SECONDS="15",
    )

    replica = loaded["databases"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"], replica["NAME"]) == (
        "replica.internal",
        5433,
        "reader",
        "gongzhi",
    )
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert replica["TEST"] == {"MIRROR": "default"}  # tests read the primary's test database
    assert loaded["databases"]["default"]["HOST"] == "primary.internal"
    assert loaded["routers"] == ["gongzhi.core.replica.ReplicaRouter"]
    middleware = loaded["middleware"]
    assert middleware.index("gongzhi.core.replica.ReplicaMiddleware") == len(middleware) - 2
    assert middleware[-1] == "axes.middleware.AxesMiddleware"
    assert loaded["pin"] == 15


def test_without_a_replica_url_nothing_changes(tmp_path):
    loaded = settings_with(tmp_path, DATABASE_URL="postgresql://gongzhi:pw@primary.internal:5432/gongzhi")
    embedded = settings_with(tmp_path)

    for result in (loaded, embedded):
        assert list(result["databases"]) == ["default"]
        assert result["routers"] == []
        assert "gongzhi.core.replica.ReplicaMiddleware" not in result["middleware"]
    assert embedded["databases"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_a_replica_without_a_postgresql_primary_is_refused(tmp_path):
    loaded = settings_with(tmp_path, DATABASE_REPLICA_URL="postgresql://reader:pw@replica.internal/gongzhi")

    assert "DATABASE_REPLICA_URL needs DATABASE_URL" in loaded["error"]
