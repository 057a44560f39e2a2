"""``gongzhi rotate-keys``: every encrypted column re-encrypted under the newest key, in
batches, idempotently, leaving blind indexes alone; then the old key can go."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.models import Case
from gongzhi.core import crypto
from gongzhi.organizations.models import Organization
from gongzhi.people.models import Person
from gongzhi.people.services import find_by_id_number, find_by_phone
from gongzhi.volunteers.models import Wish
from tests.factories import make_person
from tests.privacy.conftest import CLAIMER_PHONE, ORG_PHONE, PERSON_ID, PERSON_PHONE, REPORTER_PHONE

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    """Switch GONGZHI_DATA_KEY (the index key stays as configured) and forget cached keys."""

    def use(*data_keys: str) -> None:
        settings.GONGZHI_DATA_KEYS = list(data_keys)
        settings.GONGZHI_INDEX_KEY_PINNED = True
        crypto.reset_cache()

    yield use
    crypto.reset_cache()


@pytest.fixture
def sealed_under_a(keys, tree, person, case, wish, org):
    keys(KEY_A)
    # Re-seal the fixtures' values under key A alone, as data written before the rotation.
    for obj, attribute, plain in (
        (Person.objects.get(pk=person.pk), "phone", PERSON_PHONE),
        (Case.objects.get(pk=case.pk), "reporter_phone", REPORTER_PHONE),
        (Wish.objects.get(pk=wish.pk), "claimer_phone", CLAIMER_PHONE),
        (Organization.objects.get(pk=org.pk), "phone", ORG_PHONE),
    ):
        setattr(obj, attribute, plain)
        obj.save(update_fields=[attribute])
    Person.objects.filter(pk=person.pk).update(id_number_encrypted=crypto.encrypt(PERSON_ID))
    for i in range(7):  # more rows than one batch
        make_person(grid=tree["G2"], name=f"居民{i}", phone=f"1390000000{i}")


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def test_rotation_moves_every_value_to_the_new_key(keys, sealed_under_a, person, case, wish, org):
    keys(KEY_B, KEY_A)

    output = rotate("--batch-size", "3")

    assert "people.Person：重新加密 16 个值，0 个已是最新密钥" in output
    assert "cases.Case：重新加密 1 个值" in output
    assert "volunteers.Wish：重新加密 1 个值" in output
    assert "organizations.Organization：重新加密 1 个值" in output
    keys(KEY_B)  # the old key is gone: everything must still open
    assert Person.objects.get(pk=person.pk).decrypt_id_number() == PERSON_ID
    assert Person.objects.get(pk=person.pk).reveal_sealed("phone") == PERSON_PHONE
    assert Case.objects.get(pk=case.pk).reveal_sealed("reporter_phone") == REPORTER_PHONE
    assert Wish.objects.get(pk=wish.pk).reveal_sealed("claimer_phone") == CLAIMER_PHONE
    assert Organization.objects.get(pk=org.pk).reveal_sealed("phone") == ORG_PHONE
    for other in Person.objects.exclude(pk=person.pk):
        crypto.decrypt(other.id_number_encrypted)
        crypto.decrypt(other.phone_encrypted)
    # Blind indexes have their own key and still find people.
    assert list(find_by_phone(PERSON_PHONE)) == [person]
    assert list(find_by_id_number(PERSON_ID)) == [person]
    event = AuditEvent.objects.get(action="system.rotate_keys")
    assert (event.category, event.outcome, event.detail["models"]["people.Person"]) == (
        "admin",
        "success",
        {"rotated": 16, "current": 0},
    )


def test_rotation_is_idempotent(keys, sealed_under_a):
    keys(KEY_B, KEY_A)
    rotate()
    tokens = sorted(Person.objects.values_list("phone_encrypted", flat=True))

    second = rotate()

    assert "people.Person：重新加密 0 个值，16 个已是最新密钥" in second
    assert sorted(Person.objects.values_list("phone_encrypted", flat=True)) == tokens


def test_rotation_without_the_old_key_fails_loudly_and_changes_nothing(keys, sealed_under_a, person):
    keys(KEY_B)  # the old key was dropped too early
    before = Person.objects.get(pk=person.pk).phone_encrypted

    with pytest.raises(CommandError, match="无法用 GONGZHI_DATA_KEY 中的任何密钥解密"):
        rotate()

    assert Person.objects.get(pk=person.pk).phone_encrypted == before
    assert AuditEvent.objects.get(action="system.rotate_keys").outcome == "failure"


def test_rotation_is_a_gongzhi_command():
    from django.core.management import get_commands

    # `gongzhi rotate-keys` runs it: gongzhi.cli turns the hyphen into an underscore.
    # (Not run through the CLI here: run_from_argv closes the test's database connection.)
    assert get_commands()["rotate_keys"] == "gongzhi.core"


def test_rotation_refuses_in_production_while_the_index_key_derives_from_a_data_key(settings):
    settings.DEBUG = False
    settings.GONGZHI_INDEX_KEY_PINNED = False

    with pytest.raises(CommandError, match="GONGZHI_INDEX_KEY"):
        call_command("rotate_keys", stdout=io.StringIO())
