"""People services: registration, encryption at rest, tags, guarded reveal."""

import pytest
from django.db import connection

from gongzhi.core import crypto
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden
from gongzhi.people.models import Person, PersonTag, SensitiveAccess
from gongzhi.people.services import (
    create_person,
    find_by_id_number,
    log_sensitive_views,
    reveal_id_number,
    set_tags,
    visible_tags,
)
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db


def test_id_number_is_stored_encrypted_and_masked(tree):
    number = make_id_number(birth="19750612", seq=123)

    person = create_person(name="李四", id_number=number, home_grid=tree["G1"])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash, id_number_masked FROM people_person WHERE id = %s",
            [person.pk],
        )
        encrypted, index, masked = cursor.fetchone()
    assert number not in encrypted
    assert number not in index
    assert masked == f"330206********{number[-4:]}"
    assert crypto.decrypt(encrypted) == number
    assert person.birth_date.isoformat() == "1975-06-12"
    assert person.sex == "M"  # the 17th digit, 3, is odd
    assert person.area == tree["G1"]


def test_same_id_number_cannot_register_twice(tree):
    number = make_id_number()
    create_person(name="李四", id_number=number, home_grid=tree["G1"])

    with pytest.raises(Conflict) as err:
        create_person(name="李四四", id_number=number.lower(), home_grid=tree["G3"])

    assert err.value.field == "id_number"
    assert Person.objects.count() == 1


def test_find_by_id_number_uses_blind_index(tree):
    person = make_person(grid=tree["G1"], id_number=make_id_number(seq=7))

    assert list(find_by_id_number(make_id_number(seq=7))) == [person]


def test_key_rotation_keeps_old_values_readable(tree, settings):
    from cryptography.fernet import Fernet

    person = make_person(grid=tree["G1"])
    old_token = person.id_number_encrypted
    settings.GONGZHI_DATA_KEYS = [Fernet.generate_key().decode(), *settings.GONGZHI_DATA_KEYS]
    crypto.reset_cache()
    try:
        rotated = crypto.rotate(old_token)
        assert crypto.decrypt(old_token) == crypto.decrypt(rotated)
        assert rotated != old_token
    finally:
        settings.GONGZHI_DATA_KEYS = settings.GONGZHI_DATA_KEYS[1:]
        crypto.reset_cache()


def test_home_grid_must_be_a_grid(tree):
    with pytest.raises(DomainError) as err:
        create_person(name="王五", id_number=make_id_number(), home_grid=tree["C1"])

    assert err.value.field == "home_grid"
    assert "网格一级" in str(err.value.message)


def test_invalid_phone_is_refused_and_nothing_written(tree):
    with pytest.raises(DomainError) as err:
        create_person(name="王五", id_number=make_id_number(), home_grid=tree["G1"], phone="12345")

    assert err.value.field == "phone"
    assert Person.objects.count() == 0


def test_sensitive_tag_needs_permission_to_set(tree, street_admin, justice_officer):
    with pytest.raises(DomainError):
        create_person(
            name="赵六",
            id_number=make_id_number(),
            home_grid=tree["G1"],
            tags=["community_correction"],
            by=street_admin,
        )

    person = create_person(
        name="赵六",
        id_number=make_id_number(),
        home_grid=tree["G1"],
        tags=["community_correction"],
        by=justice_officer,
    )
    assert list(PersonTag.objects.filter(person=person).values_list("tag", flat=True)) == [
        "community_correction"
    ]


def test_visible_tags_hide_sensitive_ones_by_role(tree, street_admin, justice_officer, community_worker):
    person = make_person(grid=tree["G1"], tags=["veteran", "community_correction", "mental_disorder_family"])

    assert sorted(visible_tags(person, street_admin)) == ["veteran"]
    assert sorted(visible_tags(person, justice_officer)) == ["community_correction", "veteran"]
    assert sorted(visible_tags(person, community_worker)) == ["mental_disorder_family", "veteran"]


def test_set_tags_leaves_hidden_tags_alone(tree, community_worker):
    person = make_person(grid=tree["G1"], tags=["veteran", "community_correction"])

    set_tags(person, ["elderly"], by=community_worker)

    assert sorted(person.tags.values_list("tag", flat=True)) == ["community_correction", "elderly"]


def test_sensitive_tag_views_are_logged(tree, justice_officer):
    person = make_person(grid=tree["G1"], tags=["community_correction", "veteran"])

    written = log_sensitive_views(justice_officer, [person], reason="矫正走访")

    assert written == 1
    row = SensitiveAccess.objects.get()
    assert (row.user, row.person, row.field, row.reason) == (
        justice_officer,
        person,
        "tag:community_correction",
        "矫正走访",
    )


def test_reveal_id_number_logs_who_and_why(tree, community_worker):
    number = make_id_number(seq=42)
    person = make_person(grid=tree["G1"], id_number=number)

    revealed = reveal_id_number(person, by=community_worker, reason="核实低保申请", ip="127.0.0.1")

    assert revealed == number
    row = SensitiveAccess.objects.get()
    assert (row.user, row.person, row.field, row.reason, row.ip_address) == (
        community_worker,
        person,
        "id_number",
        "核实低保申请",
        "127.0.0.1",
    )


def test_reveal_id_number_requires_reason(tree, community_worker):
    person = make_person(grid=tree["G1"])

    with pytest.raises(DomainError) as err:
        reveal_id_number(person, by=community_worker, reason=" ")

    assert err.value.field == "reason"
    assert SensitiveAccess.objects.count() == 0


def test_reveal_id_number_refused_for_grid_member_and_outside_jurisdiction(
    tree, grid_member, community_worker
):
    inside = make_person(grid=tree["G1"])
    outside = make_person(grid=tree["G3"])

    with pytest.raises(Forbidden):
        reveal_id_number(inside, by=grid_member, reason="好奇")
    with pytest.raises(Forbidden):
        reveal_id_number(outside, by=community_worker, reason="核实身份")
    assert SensitiveAccess.objects.count() == 0
