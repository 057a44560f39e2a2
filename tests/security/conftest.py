"""Security fixtures.

``world`` is the demo district cut to its first two streets — 新碶街道 (S1, where every demo login
works) and 大碶街道 (S2, outside every street-level login) — with cases, organizations, projects
and money, volunteers and corrections in both, so that every list, export and statistic has data
that could leak. It is built once per test module (about 15 s) inside a transaction that is
rolled back afterwards; each test still runs in its own savepoint, so a test that changes a row
leaves the world as it found it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.areas.models import Area
from tests.factories import UserFactory

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """The two-street district and its logins, by demo username (see gongzhi/demo/data.py):
    district, xinqi (street admin of S1), community, grid, org_leader, volunteer, justice,
    resident, finance, evaluator; plus sysadmin and auditor (district), nobody (a login with no
    role at all) and root (a superuser, who sees everything: the yardstick for leak checks)."""

    s1: Area
    s2: Area
    district: Area
    users: dict[str, User] = field(default_factory=dict)

    def area_of(self, username: str) -> Area | None:
        """The area of the persona's (first) role, None for a login without one."""
        assignment = self.users[username].role_assignments.select_related("area").first()
        return assignment.area if assignment else None


def build_world() -> World:
    from gongzhi.demo.builder import build_demo

    build_demo(streets=2, cases=True, organizations=True, projects=True, volunteers=True)
    streets = list(Area.objects.filter(level="street").order_by("code"))
    district = Area.objects.get(level="district")
    world = World(s1=streets[0], s2=streets[1], district=district)
    world.users = {u.username: u for u in User.objects.all()}
    # The demo may bring its own sysadmin and auditor logins; add them where it does not.
    for username, role in (("sysadmin", Role.SYSADMIN), ("auditor", Role.AUDITOR)):
        if username not in world.users:
            world.users[username] = UserFactory(username=username)
            assign_role(world.users[username], role=role, area=district)
    world.users["nobody"] = UserFactory(username="matrix-nobody")
    world.users["root"] = UserFactory(username="matrix-root", is_superuser=True, is_staff=True)
    # The demo sends no notifications: one each for xinqi, and for another login whose
    # notification must never show to xinqi.
    from gongzhi.notifications.models import Notification

    Notification.objects.create(recipient=world.users["xinqi"], verb="test", text="给新碶街道管理员的通知")
    Notification.objects.create(recipient=world.users["community"], verb="test", text="他人的通知-泄漏标记")
    # API tokens of two logins; the demo's caseworker (the one login who writes case records).
    from gongzhi.accounts.services import issue_token
    from gongzhi.projects.models import ProjectCaseworker

    for username in ("xinqi", "community"):
        issue_token(world.users[username], name="matrix")
    world.users["caseworker"] = ProjectCaseworker.objects.select_related("user").first().user
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Any:
    with (
        override_settings(PASSWORD_HASHERS=FAST_HASHING),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
