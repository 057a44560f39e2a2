"""Boring factories: each builds one valid row and nothing surprising."""

from __future__ import annotations

import itertools

import factory

from gongzhi.accounts.models import User
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.areas.services import create_area
from gongzhi.people.choices import PoliticalStatus
from gongzhi.people.models import Person
from gongzhi.people.services import create_person
from gongzhi.people.validators import id_check_char

_serial = itertools.count(1)


def make_id_number(*, region: str = "330206", birth: str | None = None, seq: int | None = None) -> str:
    """A valid 18-digit ID number; ``seq`` (0–999) makes it unique. Numbers drawn from the
    running serial have another birth date than those with an explicit ``seq``, so the two
    never collide however many people a test process has made."""
    if seq is None:
        seq = next(_serial) % 1000
        birth = birth or "19800102"
    birth = birth or "19800101"
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def make_area(code: str, level: str, parent: Area | None = None, **kwargs) -> Area:
    return create_area(
        code=code, name=kwargs.pop("name", f"{code}区域"), level=level, parent=parent, **kwargs
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Gz-test-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        if create:
            obj.save()


def make_person(
    *, grid: Area | None = None, area: Area | None = None, name: str = "王小明", **kwargs
) -> Person:
    kwargs.setdefault("political_status", PoliticalStatus.MASSES)
    return create_person(
        name=name,
        id_number=kwargs.pop("id_number", None) or make_id_number(),
        home_grid=grid,
        area=area,
        **kwargs,
    )


__all__ = ["AreaLevel", "UserFactory", "make_area", "make_id_number", "make_person"]
