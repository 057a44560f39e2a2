"""``gongzhi bench-data``: the tiny scale on whichever database DATABASE_URL selects — counts,
status proportions, the overdue override, determinism, refusal, and the product on the data."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.areas.models import Area
from gongzhi.cases.choices import OPEN_STATUSES, CaseStatus
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.cases.sweep import overdue_cases, sweep_cases
from gongzhi.demo import bench_rows
from gongzhi.demo.bench_data import SCALES, BenchDataError, build
from gongzhi.organizations.models import Organization
from gongzhi.people.models import Person
from gongzhi.people.services import find_by_id_number
from gongzhi.projects.models import FundingSource, Project
from gongzhi.volunteers.models import ServiceRecord, Volunteer

pytestmark = pytest.mark.django_db

ANCHOR = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
TINY = SCALES["tiny"]


@pytest.fixture
def tiny():
    # Anchored at the start of today (the default), so open deadlines lie ahead of the sweep.
    return build("tiny", seed=7)


def _digest() -> str:
    """Every generated column except Fernet ciphertexts (fresh IV per value) and the password
    hash (fresh salt)."""
    h = hashlib.sha256()
    for model in (Area, User, Person, Volunteer, Organization, ServiceRecord, Project, Case, CaseEvent):
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not f.attname.endswith("_encrypted") and f.attname != "password"
        ]
        for row in model.objects.order_by("pk").values_list(*fields):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_tiny_scale_fills_every_table_with_the_scales_counts(tiny):
    grids = TINY.districts * TINY.streets * TINY.communities * TINY.grids

    assert Area.objects.filter(level="grid").count() == grids
    assert Area.objects.filter(level="street").count() == TINY.streets
    assert Person.objects.count() == TINY.residents
    assert Volunteer.objects.count() == TINY.volunteers
    assert ServiceRecord.objects.count() == TINY.service_records
    assert Organization.objects.count() == TINY.organizations
    assert FundingSource.objects.count() == TINY.funding_sources
    assert Project.objects.count() == TINY.projects
    assert Case.objects.count() == TINY.cases
    assert tiny["counts"]["people_person"] == TINY.residents
    assert tiny["counts"]["cases_caseevent"] == CaseEvent.objects.count()
    assert tiny["total_rows"] == sum(tiny["counts"].values())
    # Grid populations are the residents filed under each grid.
    for grid in Area.objects.filter(level="grid"):
        assert grid.population == Person.objects.filter(home_grid=grid).count()


def test_areas_carry_the_paths_create_area_would_give_them(tiny):
    by_id = {a.pk: a for a in Area.objects.all()}

    for area in by_id.values():
        parent = by_id.get(area.parent_id)
        assert area.path == f"{parent.path if parent else '/'}{area.code}/"
        assert area.depth == (parent.depth + 1 if parent else 0)


def test_cases_are_80_closed_15_open_5_overdue_with_consistent_ledgers(tiny):
    now = timezone.now()
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    still_open = Case.objects.filter(status__in=OPEN_STATUSES)

    assert (closed.count(), still_open.count()) == (400, 100)
    assert overdue_cases(now).count() == 25
    assert still_open.filter(stage_deadline__gt=now, yellow_at__gt=now).count() == 75
    assert not closed.filter(resolved_level="").exists()
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].action == "report"
        assert events[-1].to_status == case.status
        assert case.version == len(events)
        assert all(e.created_at <= now for e in events)


def test_people_are_sealed_and_found_by_their_id_number(tiny):
    person = Person.objects.order_by("pk")[17]
    number = person.decrypt_id_number()

    assert list(find_by_id_number(number)) == [person]
    assert person.id_number_masked == f"{number[:6]}********{number[-4:]}"


def test_overdue_override_is_exactly_what_the_sweep_finds():
    build("tiny", seed=3, cases=300, overdue=7)
    overdue = set(overdue_cases(timezone.now()).values_list("pk", flat=True))

    result = sweep_cases()

    assert (Case.objects.count(), len(overdue), result.red, result.yellow) == (300, 7, 7, 0)
    warned = CaseEvent.objects.filter(action="warn_red").values_list("case_id", flat=True)
    assert set(warned) == overdue


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    build("tiny", seed=11, now=ANCHOR)
    first = _digest()
    build("tiny", seed=11, now=ANCHOR, replace=True)
    again = _digest()
    build("tiny", seed=12, now=ANCHOR, replace=True)

    assert again == first
    assert _digest() != first


def test_the_rows_do_not_depend_on_how_many_processes_generate_them(monkeypatch):
    # Parts of 97 rows: residents, service records and cases each come in several parts.
    monkeypatch.setattr(bench_rows, "PART_ROWS", 97)
    build("tiny", seed=5, now=ANCHOR, workers=1)
    inline = _digest()
    build("tiny", seed=5, now=ANCHOR, workers=2, replace=True)

    assert _digest() == inline
    assert Person.objects.count() == TINY.residents
    assert ServiceRecord.objects.count() == TINY.service_records
    assert Case.objects.count() == TINY.cases
    events = list(CaseEvent.objects.order_by("pk").values_list("case_id", flat=True))
    assert events == sorted(events)  # numbered in case order


def test_it_refuses_a_database_with_other_data(tree):
    with pytest.raises(CommandError, match="非基准测试数据"):
        call_command("bench_data", "--scale", "tiny", "--replace")

    assert Person.objects.count() == 0


def test_it_refuses_to_load_twice_without_replace(tiny):
    with pytest.raises(BenchDataError, match="--replace"):
        build("tiny", seed=7)

    assert Case.objects.count() == TINY.cases


def test_a_street_admin_lists_exactly_their_streets_cases(tiny, api):
    admin = User.objects.get(username=tiny["personas"]["street_admin"])
    street = RoleAssignment.objects.get(user=admin).area
    client = api(admin)

    seen: list[int] = []
    url = "/api/v1/cases/?page_size=200"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    expected = set(Case.objects.filter(grid__path__startswith=street.path).values_list("pk", flat=True))
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert 0 < len(expected) < TINY.cases


def test_a_grid_member_reports_a_new_case_located_in_their_grid(tiny, api):
    member = User.objects.get(username=tiny["personas"]["grid_member"])
    grid = RoleAssignment.objects.get(user=member).area
    body = {
        "category": "BENCH-0101",
        "description": "楼道口堆放杂物",
        "lat": grid.center_lat,
        "lng": grid.center_lng,
    }

    response = api(member).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["id"] == TINY.cases + 1  # the id sequence continues after the load
    assert response.json()["grid"]["code"] == grid.code
