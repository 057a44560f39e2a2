"""Privacy fixtures: one of every record that holds a phone or an ID number, with values that
would leak if any output printed them in full.

``person`` (G1) has a phone, an ID number and sensitive tags; ``far_person`` lives in G3
(street S2); ``case`` is a resident's report in G1 with a phone; ``org`` is a C1 organization
whose contact phone is its leader's mobile; ``wish`` (C1) was claimed by a donor with a phone.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import CaseCategory
from gongzhi.cases.services import report_case
from gongzhi.organizations.services import create_organization
from gongzhi.people.choices import Tag
from gongzhi.volunteers.choices import ClaimerKind, WishCategory, WishStatus
from gongzhi.volunteers.models import Wish
from tests.factories import UserFactory, make_id_number, make_person

PERSON_PHONE = "13812345678"
PERSON_ID = make_id_number(birth="19750612", seq=123)
FAR_PHONE = "13822223333"
REPORTER_PHONE = "13912345678"
CLAIMER_PHONE = "13700003333"
ORG_PHONE = "13600001111"
ALL_PHONES = (PERSON_PHONE, FAR_PHONE, REPORTER_PHONE, CLAIMER_PHONE, ORG_PHONE)


def assert_no_plain(content: bytes | str, *secrets: str) -> None:
    """None of ``secrets`` (default: every phone and the ID number) appears in ``content``."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    for secret in secrets or (*ALL_PHONES, PERSON_ID):
        assert secret not in text, f"{secret} leaked"


@pytest.fixture
def sysadmin(tree):
    user = UserFactory(username="sysadmin")
    assign_role(user, role=Role.SYSADMIN, area=tree["D"])
    return user


@pytest.fixture
def auditor(tree):
    user = UserFactory(username="auditor")
    assign_role(user, role=Role.AUDITOR, area=tree["D"])
    return user


@pytest.fixture
def person(tree):
    return make_person(
        grid=tree["G1"],
        name="王小明",
        id_number=PERSON_ID,
        phone=PERSON_PHONE,
        tags=[Tag.VETERAN, Tag.COMMUNITY_CORRECTION, Tag.MENTAL_DISORDER_FAMILY],
    )


@pytest.fixture
def far_person(tree):
    return make_person(grid=tree["G3"], name="赵灵峰", phone=FAR_PHONE)


@pytest.fixture
def case(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    category = CaseCategory.objects.create(code="01", name="市容环境")
    return report_case(
        category=category,
        description="楼道堆放杂物",
        source=CaseSource.RESIDENT,
        grid=tree["G1"],
        reporter_name="李先生",
        reporter_phone=REPORTER_PHONE,
    )


@pytest.fixture
def org(tree, district_admin, person):
    return create_organization(
        name="百合志愿队", area=tree["C1"], by=district_admin, leader=person, phone=ORG_PHONE
    )


@pytest.fixture
def wish(tree, person, community_worker, outsider):
    return Wish.objects.create(
        title="轮椅一辆",
        category=WishCategory.values[0],
        estimated_value="800.00",
        beneficiary=person,
        area=tree["C1"],
        status=WishStatus.CLAIMED,
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        fulfil_by=timezone.localdate() + datetime.timedelta(days=14),
        claimed_by=outsider,
        claimer_kind=ClaimerKind.DONOR,
        claimer_name="爱心市民陈先生",
        claimer_phone=CLAIMER_PHONE,
        posted_by=community_worker,
    )
