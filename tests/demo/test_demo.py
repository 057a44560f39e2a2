"""The demo district: the shape the source describes, valid data, idempotency, determinism."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections import Counter

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import F
from shapely.geometry import shape

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import AreaLevel, GridDuty
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.areas.validators import validate_boundary
from gongzhi.demo import data
from gongzhi.demo.builder import build_demo, plan_district
from gongzhi.people.choices import PoliticalStatus, Tag
from gongzhi.people.models import Person, PersonTag
from gongzhi.people.services import id_number_hash, phone_hash
from gongzhi.people.validators import mask_id_number, mask_phone, parse_id_number, validate_phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    """The full district (about a second to build)."""
    return build_demo()


@pytest.fixture
def xinqi_demo():
    """新碶街道 alone, with all eight logins: enough for staffing, logins and idempotency."""
    return build_demo(streets=1)


def snapshot() -> dict[str, list]:
    """Everything that identifies the demo's rows, by natural key (no ids, no ciphertext:
    Fernet tokens differ on every encryption by design)."""
    return {
        "areas": list(
            Area.objects.order_by("code").values_list(
                "code", "name", "level", "parent__code", "path", "population", "households", "boundary"
            )
        ),
        "people": list(
            Person.objects.order_by("id_number_hash").values_list(
                "id_number_hash", "name", "phone_hash", "political_status", "birth_date", "sex", "area__code"
            )
        ),
        "tags": sorted(PersonTag.objects.values_list("person__id_number_hash", "tag")),
        "staff": sorted(
            GridAssignment.objects.values_list("grid__code", "person__id_number_hash", "duty", "start_date")
        ),
        "logins": sorted(RoleAssignment.objects.values_list("user__username", "role", "area__code")),
    }


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_demo_has_the_shape_the_source_describes(demo):
    streets = Area.objects.filter(level=AreaLevel.STREET).order_by("code")

    assert [(s.code, s.name) for s in streets] == [
        ("330206001", "新碶街道"),
        ("330206002", "大碶街道"),
        ("330206003", "小港街道"),
        ("330206004", "霞浦街道"),
        ("330206005", "柴桥街道"),
        ("330206006", "戚家山街道"),
        ("330206007", "春晓街道"),
        ("330206008", "梅山街道"),
        ("330206009", "白峰街道"),
        ("330206010", "郭巨街道"),
    ]
    assert {s.parent.code for s in streets} == {"330206"}
    assert Area.objects.get(level=AreaLevel.DISTRICT).name == "北仑区"
    assert Area.objects.get(name="红联社区").parent.name == "小港街道"
    assert Area.objects.get(name="海棠社区").parent.name == "梅山街道"
    # Outside 新碶 streets have 3–8 communities (no zones), each with 3–8 grids.
    for street in Area.objects.filter(level=AreaLevel.STREET).exclude(code="330206001"):
        communities = street.children.all()
        assert {c.level for c in communities} == {AreaLevel.COMMUNITY}
        assert 3 <= communities.count() <= 8, street.name
        for community in communities:
            assert 3 <= community.children.filter(level=AreaLevel.GRID).count() <= 8, community.name


def test_demo_xinqi_has_nine_zones_and_143_grids(xinqi_demo):
    xinqi = Area.objects.get(code="330206001")
    zones = Area.objects.under(xinqi).filter(level=AreaLevel.ZONE)

    assert zones.count() == 9
    assert zones.order_by("code").first().name == "百合片区"
    assert Area.objects.under(xinqi).filter(level=AreaLevel.GRID).count() == 143
    # Every community of 新碶 sits in a zone.
    assert set(
        Area.objects.under(xinqi).filter(level=AreaLevel.COMMUNITY).values_list("parent__level", flat=True)
    ) == {AreaLevel.ZONE}


def test_demo_population_is_about_800_000_counted_on_grids(demo):
    grids = Area.objects.filter(level=AreaLevel.GRID)
    population = sum(grids.values_list("population", flat=True))
    households = sum(grids.values_list("households", flat=True))

    assert 760_000 <= population <= 840_000
    assert 2.4 <= population / households <= 2.8
    assert min(grids.values_list("population", flat=True)) > 0
    # Figures are recorded where they are counted; areas above grids report the roll-up.
    assert set(Area.objects.exclude(level=AreaLevel.GRID).values_list("population", flat=True)) == {0}


def test_demo_boundaries_are_valid_and_nested_in_their_parents(demo):
    areas = {a.code: a for a in Area.objects.all()}

    for area in areas.values():
        validate_boundary(area.boundary)
        assert shape(area.boundary).contains(
            shape({"type": "Point", "coordinates": [area.center_lng, area.center_lat]})
        )
        if area.parent_id is None:
            assert (area.path, area.depth) == (f"/{area.code}/", 0)
            continue
        parent = areas[area.parent.code]
        assert shape(area.boundary).within(shape(parent.boundary)), area.name
        assert (area.path, area.depth) == (f"{parent.path}{area.code}/", parent.depth + 1)


def test_demo_people_have_valid_unique_id_numbers_and_phones(demo):
    people = list(Person.objects.all())
    numbers = [p.decrypt_id_number() for p in people]

    assert len(people) > 3000
    assert len(set(numbers)) == len(numbers)
    for person, number in zip(people, numbers, strict=True):
        birth, sex = parse_id_number(number)
        assert number.startswith("330206")
        assert (person.birth_date, person.sex) == (birth, sex)
        assert person.id_number_hash == id_number_hash(number)
        assert person.id_number_masked == mask_id_number(number)
        phone = person.reveal_sealed("phone")  # stored encrypted; the attribute reads masked
        validate_phone(phone)
        assert (person.phone, person.phone_hash) == (mask_phone(phone), phone_hash(phone))
        assert 2 <= len(person.name) <= 4  # 欧阳, 司马 … are two-character surnames


def test_demo_staffs_every_grid(xinqi_demo):
    duties = Counter(GridAssignment.objects.values_list("grid_id", "duty"))
    grids = Area.objects.filter(level=AreaLevel.GRID).values_list("id", flat=True)

    for grid in grids:
        assert duties[grid, GridDuty.LEADER] == 1
        assert duties[grid, GridDuty.FULL_TIME] == 1
        assert duties[grid, GridDuty.PART_TIME] in (0, 1)
        assert 2 <= duties[grid, GridDuty.PARTY_VOLUNTEER] <= 4
        assert 1 <= duties[grid, GridDuty.GROUP_LEADER] <= 3
    party_volunteers = Person.objects.filter(grid_assignments__duty=GridDuty.PARTY_VOLUNTEER)
    assert set(party_volunteers.values_list("political_status", flat=True)) == {
        PoliticalStatus.PARTY_MEMBER,
        PoliticalStatus.PROBATIONARY,
    }
    # Staff live in the grid they serve.
    assert not GridAssignment.objects.exclude(person__home_grid=F("grid")).exists()


def test_demo_tags_residents_with_a_handful_of_sensitive_cases(xinqi_demo):
    tags = Counter(PersonTag.objects.values_list("tag", flat=True))

    assert tags[Tag.VETERAN] > 50
    assert tags[Tag.ELDERLY] > 50
    assert tags[Tag.DISABLED] > 50
    assert 1 <= tags[Tag.COMMUNITY_CORRECTION] <= 15
    assert 1 <= tags[Tag.MENTAL_DISORDER_FAMILY] <= 15
    oldest_elderly_birth = data.REFERENCE_DATE - datetime.timedelta(days=65 * 365)
    elderly = Person.objects.filter(tags__tag=Tag.ELDERLY)
    assert not elderly.filter(birth_date__gt=oldest_elderly_birth).exists()
    # Sensitive cases are residents, never grid staff.
    sensitive = Person.objects.filter(tags__tag__in=[Tag.COMMUNITY_CORRECTION, Tag.MENTAL_DISORDER_FAMILY])
    assert not sensitive.filter(grid_assignments__isnull=False).exists()


def test_demo_has_one_login_per_role_linked_to_a_person(xinqi_demo):
    logins = {
        ra.user.username: (ra.role, ra.area.name)
        for ra in RoleAssignment.objects.select_related("user", "area")
    }

    assert logins == {
        "district": (Role.DISTRICT_ADMIN, "北仑区"),
        "xinqi": (Role.STREET_ADMIN, "新碶街道"),
        "community": (Role.COMMUNITY_WORKER, "百合社区"),
        "grid": (Role.GRID_MEMBER, "百合一网格"),
        "org_leader": (Role.ORG_LEADER, "新碶街道"),
        "volunteer": (Role.VOLUNTEER, "百合社区"),
        "justice": (Role.JUSTICE_OFFICER, "新碶街道"),
        "resident": (Role.RESIDENT, "百合一网格"),
        "finance": (Role.FINANCE, "北仑区"),
        "evaluator": (Role.EVALUATOR, "北仑区"),
        "sysadmin": (Role.SYSADMIN, "北仑区"),
        "auditor": (Role.AUDITOR, "北仑区"),
    }
    for user in User.objects.all():
        assert user.check_password(data.DEMO_PASSWORD)
        assert user.person.name == user.display_name
    grid_member = Person.objects.get(user__username="grid")
    assert list(grid_member.grid_assignments.values_list("grid__name", "duty")) == [
        ("百合一网格", GridDuty.FULL_TIME)
    ]
    assert [login.username for login in xinqi_demo.logins] == [login.username for login in data.DEMO_LOGINS]


def test_demo_second_run_adds_and_changes_nothing(demo):
    """The full district, because this is what ``make demo`` does on its second run."""
    counts, rows = row_counts(), snapshot()
    updated = list(Area.objects.values_list("updated_at", flat=True)) + list(
        Person.objects.values_list("updated_at", flat=True)
    )

    again = build_demo()

    assert again.already_loaded
    assert set(again.created.values()) == {0}
    assert row_counts() == counts
    assert snapshot() == rows
    assert (
        list(Area.objects.values_list("updated_at", flat=True))
        + list(Person.objects.values_list("updated_at", flat=True))
        == updated
    )


def test_demo_fills_in_what_is_missing(xinqi_demo):
    rows = snapshot()
    veterans, _ = PersonTag.objects.filter(tag=Tag.VETERAN).delete()
    User.objects.filter(username="resident").delete()

    again = build_demo(streets=1)

    assert again.created == {
        "areas": 0,
        "people": 0,
        "tags": veterans,
        "grid_assignments": 0,
        "users": 1,
        "roles": 1,
        "person_links": 1,
    }
    assert snapshot() == rows


def test_demo_is_deterministic():
    with transaction.atomic():
        build_demo(streets=1)
        first = snapshot()
        transaction.set_rollback(True)
    assert Area.objects.count() == 0

    build_demo(streets=1)

    assert snapshot() == first


def test_demo_smaller_build_is_part_of_the_full_one():
    full = plan_district()
    small = plan_district(streets=2)

    assert small.areas == full.areas[: len(small.areas)]
    assert set(small.people) <= set(full.people)
    assert set(small.staff) <= set(full.staff)
    assert small.logins == full.logins


def test_demo_seed_changes_the_people_and_grids_not_the_map_above_them():
    one, other = plan_district(streets=1), plan_district(seed=1, streets=1)

    def above_grids(plan):
        return [(a.code, a.name, a.boundary) for a in plan.areas if a.level != AreaLevel.GRID]

    assert above_grids(one) == above_grids(other)
    assert [p.name for p in one.people] != [p.name for p in other.people]


def test_demo_plan_is_the_same_in_another_process(tmp_path):
    """Guards against anything that depends on the per-process hash seed (set order …)."""
    code = (
        "import django; django.setup();"
        "from gongzhi.demo.builder import plan_district; print(plan_district().digest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "GONGZHI_DATA_DIR": str(tmp_path)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

    output = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert output.stdout.strip() == plan_district().digest()
