"""Organization fixtures on the area tree of tests/conftest.py.

``draft`` is a filed-track organization in community C1 (street S1) with a leader, a charter
and a venue but only 9 members (one short of the default rule); ``ready`` has 10 and meets every
rule. ``org_leader`` is a login holding the org_leader role over S1, linked to the leader.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.accounts.services import assign_role
from gongzhi.organizations import services
from tests.factories import UserFactory, make_person


@pytest.fixture
def charter():
    return SimpleUploadedFile("章程.pdf", b"%PDF-1.4 charter text", content_type="application/pdf")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def leader_person(tree):
    return make_person(grid=tree["G1"], name="陈军浩", political_status="party_member")


@pytest.fixture
def org_leader(tree, leader_person):
    user = UserFactory(username="org_leader")
    assign_role(user, role="org_leader", area=tree["S1"])
    leader_person.user = user
    leader_person.save(update_fields=["user"])
    return user


def add_members(org, grid, n, *, party=0):
    for i in range(n):
        person = make_person(
            grid=grid, name=f"成员{org.pk}-{i}", political_status="party_member" if i < party else "masses"
        )
        services.add_member(org, person=person)


@pytest.fixture
def draft(tree, community_worker, leader_person, charter, media):
    org = services.create_organization(
        name="红领之家",
        area=tree["C1"],
        by=community_worker,
        category="charity",
        venue="百合社区党群服务中心二楼",
        leader=leader_person,
        charter=charter,
        domains=["elderly", "veterans"],
    )
    add_members(org, tree["G1"], 8)  # + the leader = 9 members
    return org


@pytest.fixture
def ready(draft, tree):
    add_members(draft, tree["G2"], 1)
    return draft
