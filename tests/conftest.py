"""Shared fixtures: a small area tree with two streets, and personas holding roles in it.

The tree (codes):
  D      北仑区 (district)
  S1     新碶街道 → Z1 片区 → C1 社区 → G1, G2 网格
  S2     大碶街道 → C2 社区 → G3 网格
Personas: district_admin (D), street_admin (S1), community_worker (C1), grid_member (G1),
justice_officer (S1), volunteer and outsider (no jurisdiction).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.areas.choices import AreaLevel
from tests.factories import UserFactory, make_area

PASSWORD = "Gz-test-pass-2026"


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English leaves English active in the thread; start every test in the
    # default language so messages never depend on which test ran before.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True, scope="session")
def _audit_log_flushable():
    # The audit log refuses deletes in the database (gongzhi/audit/migrations/0002); the flush
    # that empties the database after each transactional test passes the maintenance switch,
    # as a restore over an existing database would.
    from django.db.backends.base.operations import BaseDatabaseOperations

    from gongzhi.audit.guard import maintenance

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with maintenance(self.connection.alias):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True, scope="session")
def _static_files_found_on_request():
    # Each test client loads the middleware afresh, and WhiteNoise would then scan every static
    # file (about 1,000: 0.4 s a client). Tests rarely fetch static files, so let it find them
    # when asked, as it does under `runserver`.
    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture(autouse=True)
def _reference_data_read_fresh(settings):
    # Each test rolls back what it wrote, which no signal reports: a process-local copy of
    # holidays or grids (gongzhi/core/refcache.py) would outlive the test that made them.
    # tests/core/test_refcache.py covers the copy itself.
    settings.GONGZHI_REFERENCE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers are slow by design; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    # Many tests log in and post public reports from one address: limits are high by default
    # and tests/security lowers them. Counters live in the cache, emptied for every test.
    for name in (
        "GONGZHI_RATE_LOGIN",
        "GONGZHI_RATE_PUBLIC_REPORT",
        "GONGZHI_RATE_OPEN311",
        "GONGZHI_RATE_OPEN311_KEY",
        "GONGZHI_RATE_VERIFY",
    ):
        setattr(settings, name, "100000/m")
    cache.clear()


@pytest.fixture
def tree(db):
    d = make_area("D", AreaLevel.DISTRICT, name="北仑区")
    s1 = make_area("S1", AreaLevel.STREET, d, name="新碶街道")
    z1 = make_area("Z1", AreaLevel.ZONE, s1, name="百合片区")
    c1 = make_area("C1", AreaLevel.COMMUNITY, z1, name="百合社区")
    g1 = make_area("G1", AreaLevel.GRID, c1, name="百合一网格", population=1200, households=400)
    g2 = make_area("G2", AreaLevel.GRID, c1, name="百合二网格", population=800, households=300)
    s2 = make_area("S2", AreaLevel.STREET, d, name="大碶街道")
    c2 = make_area("C2", AreaLevel.COMMUNITY, s2, name="灵峰社区")
    g3 = make_area("G3", AreaLevel.GRID, c2, name="灵峰一网格", population=500, households=200)
    return {"D": d, "S1": s1, "Z1": z1, "C1": c1, "G1": g1, "G2": g2, "S2": s2, "C2": c2, "G3": g3}


def _persona(role: str, area_code: str | None, tree, username: str):
    user = UserFactory(username=username)
    if area_code:
        assign_role(user, role=role, area=tree[area_code])
    return user


@pytest.fixture
def district_admin(tree):
    return _persona(Role.DISTRICT_ADMIN, "D", tree, "district_admin")


@pytest.fixture
def street_admin(tree):
    return _persona(Role.STREET_ADMIN, "S1", tree, "street_admin")


@pytest.fixture
def community_worker(tree):
    return _persona(Role.COMMUNITY_WORKER, "C1", tree, "community_worker")


@pytest.fixture
def grid_member(tree):
    return _persona(Role.GRID_MEMBER, "G1", tree, "grid_member")


@pytest.fixture
def justice_officer(tree):
    return _persona(Role.JUSTICE_OFFICER, "S1", tree, "justice_officer")


@pytest.fixture
def outsider(tree):
    return _persona(Role.VOLUNTEER, None, tree, "outsider")


@pytest.fixture
def api():
    """An API client factory: ``api(user)`` is authenticated as ``user``; ``api()`` anonymous."""

    def make(user=None, language: str | None = None) -> APIClient:
        client = APIClient()
        if language:
            client.credentials(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def check_deferred_constraints() -> None:
    """Check now the foreign keys of rows built once for a module, inside the transaction that
    is rolled back after it. Call it once the rows are built.

    PostgreSQL checks foreign keys at commit, and that transaction never commits: the checks stay
    queued, and the constraint check Django runs at the end of every test (``SET CONSTRAINTS ALL
    IMMEDIATE`` inside the test's savepoint) would run every one of them again, since rolling
    back the savepoint queues them once more: seconds a test over the demo. Run here, outside
    any savepoint, they are done with; each test still checks the rows it writes."""
    from django.db import connection

    connection.check_constraints()


def signed_in_client(user) -> Client:
    """A client whose session has passed every sign-in step: password, and for users whose
    role requires it the second factor (a confirmed test TOTP device). Built directly rather
    than with ``force_login`` so that tests see no login audit rows of their own making."""
    import time
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY

    from gongzhi.accounts.models import AuthenticatorDevice
    from gongzhi.accounts.services import requires_second_factor
    from gongzhi.accounts.signals import HAS_DEVICE_KEY, LAST_ACTIVITY_KEY

    client = Client()
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "gongzhi.accounts.backends.RoleBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LAST_ACTIVITY_KEY] = int(time.time())
    if requires_second_factor(user):
        device = AuthenticatorDevice.objects.filter(
            user=user, confirmed=True
        ).first() or AuthenticatorDevice.objects.create(user=user, name="tests", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[HAS_DEVICE_KEY] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def page():
    """A browser-like client factory: ``page(user)`` is signed in as ``user`` (second factor
    included); ``page()`` is anonymous."""

    def make(user=None) -> Client:
        return signed_in_client(user) if user is not None else Client()

    return make
