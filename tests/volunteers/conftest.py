"""Volunteer fixtures on the area tree of tests/conftest.py.

``club`` is a filed organization in C1 led by ``leader`` (an org_leader login over S1);
``ann`` and ``bob`` are volunteers with logins (volunteer role over C1) serving with it;
``activity`` is a 敬老 activity of the club tomorrow 09:00–11:00 for two people, sign-up open.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.services import assign_role
from gongzhi.volunteers import services
from tests.factories import UserFactory, make_person
from tests.projects.conftest import make_org


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def leader(tree):
    user = UserFactory(username="club_leader")
    assign_role(user, role="org_leader", area=tree["S1"])
    return user


@pytest.fixture
def club(tree, leader):
    return make_org(tree["C1"], "红领之家", leader_user=leader)


def make_volunteer(tree, club, username: str, name: str, *, political_status: str = "masses"):
    user = UserFactory(username=username)
    assign_role(user, role="volunteer", area=tree["C1"])
    person = make_person(grid=tree["G1"], name=name, political_status=political_status)
    person.user = user
    person.save(update_fields=["user"])
    return services.register_volunteer(person, by=user, skills=["理发"], organizations=[club])


@pytest.fixture
def ann(tree, club):
    return make_volunteer(tree, club, "ann", "安娜", political_status="party_member")


@pytest.fixture
def bob(tree, club):
    return make_volunteer(tree, club, "bob", "鲍勃")


@pytest.fixture
def carl(tree, club):
    return make_volunteer(tree, club, "carl", "卡尔")


def at(days: int = 1, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """A local (Asia/Shanghai) time ``days`` from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def activity(tree, club, leader):
    return services.create_activity(
        by=leader,
        organizer=club,
        title="重阳敬老理发",
        category="elder_care",
        area=tree["C1"],
        place="百合社区老年活动室",
        starts_at=at(1, 9),
        ends_at=at(1, 11),
        capacity=2,
    )
