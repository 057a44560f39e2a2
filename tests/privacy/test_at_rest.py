"""Personal phones are stored only encrypted (with a masked copy, and for people a blind
index); the raw tables show no plain number, and reading the attribute gives the mask."""

from __future__ import annotations

import pytest
from django.db import connection

from gongzhi.core import crypto
from gongzhi.people.models import Person
from gongzhi.people.services import find_by_phone, update_person
from tests.privacy.conftest import (
    CLAIMER_PHONE,
    ORG_PHONE,
    PERSON_ID,
    PERSON_PHONE,
    REPORTER_PHONE,
)

pytestmark = pytest.mark.django_db


def raw_rows(table: str) -> str:
    """Every column of every row of ``table``, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - fixed names
        return repr(cursor.fetchall())


@pytest.mark.parametrize(
    ("fixture", "table", "attribute", "plain"),
    [
        ("person", "people_person", "phone", PERSON_PHONE),
        ("case", "cases_case", "reporter_phone", REPORTER_PHONE),
        ("wish", "volunteers_wish", "claimer_phone", CLAIMER_PHONE),
        ("org", "organizations_organization", "phone", ORG_PHONE),
    ],
)
def test_phone_is_encrypted_at_rest_and_reads_masked(request, fixture, table, attribute, plain):
    obj = request.getfixturevalue(fixture)

    rows = raw_rows(table)
    stored = type(obj).objects.filter(pk=obj.pk).values_list(f"{attribute}_encrypted", flat=True).get()

    assert plain not in rows
    assert f"{plain[:3]}****{plain[-4:]}" in rows  # the masked copy, for listing
    assert crypto.decrypt(stored) == plain
    assert getattr(type(obj).objects.get(pk=obj.pk), attribute) == f"{plain[:3]}****{plain[-4:]}"
    assert type(obj).objects.get(pk=obj.pk).reveal_sealed(attribute) == plain


def test_id_number_is_encrypted_at_rest(person):
    assert PERSON_ID not in raw_rows("people_person")


def test_person_is_found_by_phone_through_the_blind_index(person, far_person):
    stored_hash = Person.objects.filter(pk=person.pk).values_list("phone_hash", flat=True).get()

    assert list(find_by_phone(PERSON_PHONE)) == [person]
    assert PERSON_PHONE not in stored_hash
    assert list(find_by_phone("")) == []


def test_changing_a_phone_rewrites_all_three_columns(person):
    update_person(person, phone="13900001111")
    update_person(person, phone="")

    person.refresh_from_db()
    assert (person.phone_encrypted, person.phone_masked, person.phone_hash) == ("", "", "")


def test_api_filter_by_phone_finds_the_person(api, community_worker, person, tree):
    from tests.factories import make_person

    make_person(grid=tree["G2"], name="李四", phone="13900002222")

    found = api(community_worker).get("/api/v1/people/", {"phone": PERSON_PHONE}).json()

    assert [p["name"] for p in found["results"]] == ["王小明"]
