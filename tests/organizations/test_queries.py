"""Density, counts, party-building shares and missing annual reports on a hand-computed set.

Populations (tests/conftest.py): G1 1,200 + G2 800 = C1 = Z1 = S1 2,000; G3 = C2 = S2 500;
D 2,500. The set (rows made directly: these are tests of reads):

  S1  A  filed       C1  charity         leader p1 (党员)    members p1, p3 (预备党员), m1; p8 (党员) left
      B  filed       G2  culture_sports  leader p2 (党员)    members p2, p1
      C  registered  C1  —               leader p5 (群众)    members p5
      X  suspended   C1  (registered)    leader p1           —
      D  deregistered C1 (filed)         leader p6 (党员)    members p6          ← never counts
      E  draft       C1                  leader p7 (党员)    members p7          ← never counts
  S2  F  filed       C2  mediation       leader q1 (党员)    members q1, q2 (群众)
      G  registered  C2  —               leader q2           —
  p4 (党员, S1) belongs to nothing.
"""

from __future__ import annotations

import datetime

import pytest

from gongzhi.areas.choices import AreaLevel
from gongzhi.organizations.choices import OrgStatus, Track
from gongzhi.organizations.models import AnnualReport, Membership, Organization
from gongzhi.organizations.queries import (
    density_by_child,
    organization_stats,
    organizations_missing_reports,
    party_building_shares,
    per_10k,
)
from tests.factories import make_area, make_person

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def orgs(tree):
    g1, g3 = tree["G1"], tree["G3"]
    p = {
        name: make_person(grid=grid, name=name, political_status=status)
        for name, grid, status in [
            ("p1", g1, "party_member"),
            ("p2", g1, "party_member"),
            ("p3", g1, "probationary"),
            ("p4", g1, "party_member"),
            ("p5", g1, "masses"),
            ("p6", g1, "party_member"),
            ("p7", g1, "party_member"),
            ("p8", g1, "party_member"),
            ("m1", g1, "masses"),
            ("q1", g3, "party_member"),
            ("q2", g3, "masses"),
        ]
    }

    def org(name, area, track, status, leader, members=(), **fields):
        street = tree["S1"] if area.path.startswith(tree["S1"].path) else tree["S2"]
        o = Organization.objects.create(
            name=name, area=area, street=street, track=track, status=status, leader=p[leader], **fields
        )
        for m in members:
            Membership.objects.create(organization=o, person=p[m])
        return o

    made = {
        "A": org("A", tree["C1"], Track.FILED, OrgStatus.FILED, "p1", ["p1", "p3", "m1"],
                 category="charity", filed_on=D(2024, 3, 1)),
        "B": org("B", tree["G2"], Track.FILED, OrgStatus.FILED, "p2", ["p2", "p1"],
                 category="culture_sports", filed_on=D(2025, 6, 1)),
        "C": org("C", tree["C1"], Track.REGISTERED, OrgStatus.REGISTERED, "p5", ["p5"],
                 registered_on=D(2020, 1, 1)),
        "X": org("X", tree["C1"], Track.REGISTERED, OrgStatus.SUSPENDED, "p1", registered_on=D(2021, 5, 1)),
        "D": org("D", tree["C1"], Track.FILED, OrgStatus.DEREGISTERED, "p6", ["p6"],
                 category="charity", filed_on=D(2019, 1, 1)),
        "E": org("E", tree["C1"], Track.FILED, OrgStatus.DRAFT, "p7", ["p7"], category="charity"),
        "F": org("F", tree["C2"], Track.FILED, OrgStatus.FILED, "q1", ["q1", "q2"],
                 category="mediation", filed_on=D(2023, 2, 1)),
        "G": org("G", tree["C2"], Track.REGISTERED, OrgStatus.REGISTERED, "q2", registered_on=D(2024, 12, 31)),
    }  # fmt: skip
    Membership.objects.create(organization=made["A"], person=p["p8"], left_on=D(2025, 1, 1))
    AnnualReport.objects.create(organization=made["A"], year=2024)
    AnnualReport.objects.create(organization=made["F"], year=2023)
    AnnualReport.objects.create(organization=made["D"], year=2024)
    return made


def test_stats_counts_live_organizations_of_a_street_by_track_category_and_status(orgs, tree):
    assert organization_stats(tree["S1"]) == {
        "area": "S1",
        "population": 2000,
        "total": 4,
        "by_track": {"filed": 2, "registered": 2},
        "by_category": {"charity": 1, "culture_sports": 1},
        "by_status": {"filed": 2, "registered": 1, "suspended": 1},
        "per_10k": {"filed": 10.0, "registered": 10.0, "total": 20.0},
    }


def test_stats_of_the_district_add_up_its_streets(orgs, tree):
    stats = organization_stats(tree["D"])
    assert stats["population"] == 2500
    assert stats["by_track"] == {"filed": 3, "registered": 3}
    assert stats["by_category"] == {"charity": 1, "culture_sports": 1, "mediation": 1}
    assert stats["per_10k"] == {"filed": 12.0, "registered": 12.0, "total": 24.0}


def test_stats_of_a_grid_count_only_what_lies_in_it(orgs, tree):
    stats = organization_stats(tree["G2"])
    assert (stats["total"], stats["population"], stats["per_10k"]["total"]) == (1, 800, 12.5)


def test_stats_of_an_empty_area_are_zero_and_density_undefined_without_residents(orgs, tree):
    empty = make_area("C9", AreaLevel.COMMUNITY, tree["S2"], name="空社区")
    assert organization_stats(empty) == {
        "area": "C9",
        "population": 0,
        "total": 0,
        "by_track": {"filed": 0, "registered": 0},
        "by_category": {},
        "by_status": {},
        "per_10k": {"filed": None, "registered": None, "total": None},
    }


def test_stats_take_a_handful_of_queries(orgs, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        organization_stats(tree["D"])


def test_per_10k_rounds_to_one_decimal():
    assert (per_10k(1, 3000), per_10k(2640, 800_000), per_10k(3, 0)) == (3.3, 33.0, None)


def test_density_by_child_gives_one_row_per_child_in_one_query(orgs, tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = density_by_child(tree["D"])
    assert rows == [
        {"code": "S1", "name": "新碶街道", "population": 2000, "filed": 2, "registered": 2, "total": 4,
         "per_10k": 20.0},
        {"code": "S2", "name": "大碶街道", "population": 500, "filed": 1, "registered": 1, "total": 2,
         "per_10k": 40.0},
    ]  # fmt: skip
    assert [(r["code"], r["total"], r["per_10k"]) for r in density_by_child(tree["C1"])] == [
        ("G1", 0, 0.0),
        ("G2", 1, 12.5),
    ]


def test_party_shares_of_a_street(orgs, tree):
    # Party members under S1: p1 p2 p3 p4 p6 p7 p8 = 7; in a live organization now: p1, p2,
    # p3 (p6 only in the deregistered D, p7 only in the draft E, p8 left A) = 3.
    # Leaders of live organizations: p1 (A and X), p2, p5 = 3 people, of whom p1, p2 are members.
    assert party_building_shares(tree["S1"]) == {
        "party_members": 7,
        "party_members_in_orgs": 3,
        "member_share": 0.429,
        "leaders": 3,
        "party_leaders": 2,
        "leader_share": 0.667,
    }


def test_party_shares_of_the_district_and_the_other_street(orgs, tree):
    district = party_building_shares(tree["D"])
    assert (district["party_members"], district["party_members_in_orgs"], district["member_share"]) == (
        8,
        4,
        0.5,
    )
    assert (district["leaders"], district["party_leaders"], district["leader_share"]) == (5, 3, 0.6)
    s2 = party_building_shares(tree["S2"])
    assert (s2["member_share"], s2["leaders"], s2["leader_share"]) == (1.0, 2, 0.5)


def test_party_shares_are_none_without_party_members_or_leaders(orgs, tree):
    empty = make_area("C9", AreaLevel.COMMUNITY, tree["S2"], name="空社区")
    assert party_building_shares(empty) == {
        "party_members": 0,
        "party_members_in_orgs": 0,
        "member_share": None,
        "leaders": 0,
        "party_leaders": 0,
        "leader_share": None,
    }


def test_party_shares_take_a_handful_of_queries(orgs, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        party_building_shares(tree["D"])


def test_missing_reports_lists_live_organizations_started_by_the_year_without_its_report(orgs, tree):
    # 2024: A reported; B filed in 2025; D deregistered; E a draft. X is suspended but owes it;
    # G registered on the year's last day owes it; F reported only for 2023.
    assert sorted(o.name for o in organizations_missing_reports(tree["D"], 2024)) == ["C", "F", "G", "X"]
    assert sorted(o.name for o in organizations_missing_reports(tree["S1"], 2024)) == ["C", "X"]
    assert sorted(o.name for o in organizations_missing_reports(tree["D"], 2025)) == [
        "A", "B", "C", "F", "G", "X"
    ]  # fmt: skip
    assert list(organizations_missing_reports(tree["D"], 2019)) == []
