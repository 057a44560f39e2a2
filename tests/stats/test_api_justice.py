"""Justice figures (community correction) through ``/api/v1/stats/justice/``: for the justice
role alone, aggregates only (nothing logged per person), and no figure over fewer than
``MIN_CELL`` people — nor one that the total minus the rows shown would give away.

The justice officer works over S1. Community C1 gets a third grid G9 for the breakdowns."""

from __future__ import annotations

import pytest

from gongzhi.areas.choices import AreaLevel
from gongzhi.people.models import SensitiveAccess
from gongzhi.volunteers import services as volunteers
from gongzhi.volunteers.queries import MIN_CELL
from tests.factories import make_area, make_person
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

JUSTICE = "/api/v1/stats/justice/"
SMALL = f"不足 {MIN_CELL} 人，不予分列。"
HIDDEN = {
    "served": None,
    "lost_contact": None,
    "reoffended": None,
    "lost_contact_rate": None,
    "reoffence_rate": None,
    "suppressed": True,
}


def error(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def g9(tree):
    return make_area("G9", AreaLevel.GRID, tree["C1"], name="百合三网格", population=300)


@pytest.fixture
def place(justice_officer, club):
    """``place(grid, n)``: n people under correction in ``grid``; returns their assignments."""

    def make(grid, n: int, prefix: str):
        made = []
        for i in range(n):
            person = make_person(grid=grid, name=f"{prefix}{i}")
            made.append(
                volunteers.assign_correction(
                    person, by=justice_officer, organization=club, starts_on=at(-30).date()
                )
            )
        return made

    return make


def figures(rows: list[dict]) -> list[tuple]:
    return [(r["code"], r["served"], r["suppressed"]) for r in rows]


def test_the_justice_officer_gets_the_figures(tree, justice_officer, place, api):
    g1 = place(tree["G1"], 5, "甲")
    g2 = place(tree["G2"], 6, "乙")
    volunteers.record_supervision_event(
        g1[0], by=justice_officer, kind="lost_contact", occurred_on=at(-2).date()
    )
    volunteers.record_supervision_event(
        g2[0], by=justice_officer, kind="reoffence", occurred_on=at(-3).date()
    )

    response = api(justice_officer).get(JUSTICE, {"area": "C1"})

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("area", "since", "min_cell", "served", "lost_contact", "reoffended")} == {
        "area": "C1",
        "since": None,
        "min_cell": MIN_CELL,
        "served": 11,
        "lost_contact": 1,
        "reoffended": 1,
    }
    assert (body["lost_contact_rate"], body["reoffence_rate"], body["suppressed"]) == ("9.09", "9.09", False)
    assert body["children"] == [
        {
            "code": "G1",
            "name": "百合一网格",
            "level": "grid",
            "own": False,
            "served": 5,
            "lost_contact": 1,
            "reoffended": 0,
            "lost_contact_rate": "20.00",
            "reoffence_rate": "0.00",
            "suppressed": False,
            "note": "",
        },
        {
            "code": "G2",
            "name": "百合二网格",
            "level": "grid",
            "own": False,
            "served": 6,
            "lost_contact": 0,
            "reoffended": 1,
            "lost_contact_rate": "0.00",
            "reoffence_rate": "16.67",
            "suppressed": False,
            "note": "",
        },
    ]
    # Aggregates name nobody: no sensitive access is logged.
    assert SensitiveAccess.objects.count() == 0


def test_the_default_area_is_the_justice_officers(tree, justice_officer, place, api):
    place(tree["G1"], 5, "甲")

    body = api(justice_officer).get(JUSTICE).json()

    assert (body["area"], body["served"], figures(body["children"])) == ("S1", 5, [("Z1", 5, False)])


@pytest.mark.parametrize("persona", ["district_admin", "street_admin", "community_worker", "outsider"])
def test_everyone_else_is_refused_before_any_lookup(tree, justice_officer, place, api, request, persona):
    place(tree["G1"], 5, "甲")
    user = request.getfixturevalue(persona)

    for code in ("S1", "NOPE", ""):
        response = api(user).get(JUSTICE, {"area": code})
        assert (response.status_code, error(response)["code"]) == (403, "permission_denied")
        assert "served" not in response.json()


def test_outside_the_justice_jurisdiction_is_not_found(tree, justice_officer, api):
    for code in ("S2", "G3", "D", "NOPE"):
        response = api(justice_officer).get(JUSTICE, {"area": code})
        assert (response.status_code, error(response)["code"]) == (404, "not_found")


def test_a_small_grid_is_suppressed_and_so_is_the_next_smallest(tree, g9, place, justice_officer, api):
    place(tree["G1"], 5, "甲")
    place(tree["G2"], 6, "乙")
    place(g9, 2, "丙")

    body = api(justice_officer).get(JUSTICE, {"area": "C1"}).json()

    assert body["served"] == 13
    g1, g2, g9_row = body["children"]
    # G9's 2 people are hidden; hiding G1 (the smallest shown) too keeps 13 − 6 from giving
    # them away.
    assert {k: g9_row[k] for k in HIDDEN} == HIDDEN
    assert g9_row["note"] == SMALL
    assert {k: g1[k] for k in HIDDEN} == HIDDEN
    assert g1["note"] == "为防止由合计推算出人数过少的区域，本行一并不予分列。"
    assert (g2["served"], g2["suppressed"]) == (6, False)


def test_two_small_grids_need_no_second_suppression(tree, g9, place, justice_officer, api):
    place(tree["G1"], 5, "甲")
    place(tree["G2"], 1, "乙")
    place(g9, 2, "丙")

    body = api(justice_officer).get(JUSTICE, {"area": "C1"}).json()

    assert figures(body["children"]) == [("G1", 5, False), ("G2", None, True), ("G9", None, True)]


def test_a_total_below_the_minimum_is_suppressed(tree, place, justice_officer, api):
    place(tree["G1"], MIN_CELL - 1, "甲")

    body = api(justice_officer).get(JUSTICE, {"area": "S1"}).json()

    assert {k: body[k] for k in HIDDEN} == HIDDEN
    assert body["note"] == SMALL
    assert figures(body["children"]) == [("Z1", None, True)]


def test_people_on_the_area_itself_are_a_row_of_their_own(tree, place, justice_officer, api, club):
    place(tree["G1"], 5, "甲")
    person = make_person(area=tree["C1"], name="丁")
    volunteers.assign_correction(person, by=justice_officer, organization=club, starts_on=at(-30).date())

    body = api(justice_officer).get(JUSTICE, {"area": "C1"}).json()

    assert body["served"] == 6
    # C1's one person is hidden, and with it G1, or 6 − 5 would show them.
    assert [(r["code"], r["own"], r["suppressed"]) for r in body["children"]] == [
        ("G1", False, True),
        ("G2", False, True),
        ("C1", True, True),
    ]


def test_since_leaves_out_corrections_ended_before(tree, place, justice_officer, api):
    ended = place(tree["G1"], 6, "甲")
    volunteers.end_correction(ended[0], by=justice_officer, ends_on=at(-20).date())

    body = api(justice_officer).get(JUSTICE, {"area": "S1", "since": at(-10).date().isoformat()}).json()

    assert (body["since"], body["served"]) == (at(-10).date().isoformat(), 5)


def test_a_bad_since_names_the_parameter(justice_officer, api):
    response = api(justice_officer).get(JUSTICE, {"since": "yesterday"})

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["since"]
