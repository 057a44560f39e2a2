"""Audit fixtures: auditors at the district (root) and at a street, a system administrator,
and helpers to write rows and to lift the append-only triggers for tamper tests."""

from __future__ import annotations

import contextlib
import datetime

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.audit.models import AuditEvent
from tests.cases.conftest import categories, grids, handler, media, reported, unit  # noqa: F401
from tests.factories import UserFactory
from tests.projects.conftest import elderly_project, gov_fund, org, org_leader  # noqa: F401
from tests.volunteers.conftest import activity, ann, club, leader  # noqa: F401


@pytest.fixture
def auditor(tree):
    user = UserFactory(username="auditor", display_name="审计员")
    assign_role(user, role=Role.AUDITOR, area=tree["D"])
    return user


@pytest.fixture
def street_auditor(tree):
    user = UserFactory(username="street_auditor")
    assign_role(user, role=Role.AUDITOR, area=tree["S1"])
    return user


@pytest.fixture
def sysadmin(tree):
    user = UserFactory(username="sysadmin")
    assign_role(user, role=Role.SYSADMIN, area=tree["D"])
    return user


def old_event(days: int, **kwargs) -> AuditEvent:
    """An event written ``days`` ago (inserting is the one write the log allows)."""
    kwargs.setdefault("category", "admin")
    kwargs.setdefault("action", "test.old")
    return AuditEvent.objects.create(at=timezone.now() - datetime.timedelta(days=days), **kwargs)


@contextlib.contextmanager
def triggers_lifted():
    """Tamper as a database owner would: without the append-only triggers, restored after."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            try:
                yield cursor
            finally:
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditevent'"
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
            try:
                yield cursor
            finally:
                for _name, sql in saved:
                    cursor.execute(sql)
