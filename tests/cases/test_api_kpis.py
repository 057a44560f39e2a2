"""/api/v1/cases/kpis/: the shape of the answer and the jurisdiction check."""

from __future__ import annotations

import pytest

from gongzhi.cases import services
from gongzhi.cases.kpis import KPI_NAMES
from tests.cases.conftest import MONDAY_9

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/kpis/"


@pytest.fixture
def resolved(reported, grid_member, photo):
    """The Monday case, resolved on site by the grid member: closed at grid level."""
    return services.resolve_on_site(reported, by=grid_member, note="已清理", photos=[photo()], now=MONDAY_9)


def test_kpis_of_an_area_by_name(api, street_admin, resolved):
    response = api(street_admin).get(URL, {"under": "S1", "from": "2026-11-01", "to": "2026-11-30"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["area"], data["from"], data["to"], data["unit"], data["member"]) == (
        "S1",
        "2026-11-01",
        "2026-11-30",
        None,
        None,
    )
    assert list(data["kpis"]) == list(KPI_NAMES)
    grid = data["kpis"]["grid_resolution_rate"]
    assert (grid["value"], grid["numerator"], grid["denominator"]) == (1.0, 1, 1)
    assert grid["label"]
    assert grid["formula"]


def test_kpis_for_a_member_and_a_unit(api, community_worker, resolved, grid_member, unit):
    by_member = api(community_worker).get(
        URL, {"under": "C1", "from": "2026-11-01", "to": "2026-11-30", "member": "grid_member"}
    )
    by_unit = api(community_worker).get(
        URL, {"under": "C1", "from": "2026-11-01", "to": "2026-11-30", "unit": unit.pk}
    )

    assert by_member.json()["member"] == "grid_member"
    assert by_member.json()["kpis"]["grid_resolution_rate"]["denominator"] == 1
    assert by_unit.json()["unit"] == unit.pk
    # Nothing was dispatched to the unit: no closed case of theirs, so no rate.
    assert by_unit.json()["kpis"]["grid_resolution_rate"] == {
        **by_unit.json()["kpis"]["grid_resolution_rate"],
        "value": None,
        "denominator": 0,
    }


def test_kpis_outside_the_jurisdiction_are_404(api, street_admin, resolved):
    other_street = api(street_admin).get(URL, {"under": "S2", "from": "2026-11-01", "to": "2026-11-30"})
    above = api(street_admin).get(URL, {"under": "D", "from": "2026-11-01", "to": "2026-11-30"})
    unknown = api(street_admin).get(URL, {"under": "NOPE", "from": "2026-11-01", "to": "2026-11-30"})

    assert [r.status_code for r in (other_street, above, unknown)] == [404, 404, 404]


def test_kpis_need_the_kpi_role(api, grid_member, resolved):
    response = api(grid_member).get(URL, {"under": "G1", "from": "2026-11-01", "to": "2026-11-30"})

    assert response.status_code == 403


def test_kpis_validate_the_period(api, street_admin):
    missing = api(street_admin).get(URL, {"under": "S1"})
    backwards = api(street_admin).get(URL, {"under": "S1", "from": "2026-12-01", "to": "2026-11-01"})

    assert missing.status_code == 400
    assert sorted(missing.json()["error"]["fields"]) == ["from", "to"]
    assert backwards.status_code == 400
    assert backwards.json()["error"]["fields"] == {"from": ["开始日期不能晚于结束日期。"]}
