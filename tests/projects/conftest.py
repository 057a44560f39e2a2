"""Money fixtures on the area tree of tests/conftest.py: a 100,000-yuan government purchase
fund and a 5,000-yuan corporate donation restricted to 老有所养, both held by district D; an
elderly-care project in C1 (published) and a childcare project in C2 (draft)."""

from __future__ import annotations

import pytest

from gongzhi.accounts.services import assign_role
from gongzhi.areas.models import Area
from gongzhi.organizations.validators import credit_check_char
from gongzhi.projects import services
from tests.factories import UserFactory


def credit_code(first17: str = "91330206MA2AB1234") -> str:
    return first17 + credit_check_char(first17)


@pytest.fixture
def gov_fund(tree, district_admin):
    return services.create_funding_source(
        kind="government_purchase",
        name="政府购买服务资金",
        year=2026,
        amount="100000.00",
        area=tree["D"],
        by=district_admin,
    )


@pytest.fixture
def donation(tree, district_admin):
    return services.create_funding_source(
        kind="corporate_donation",
        name="爱心企业定向捐赠",
        year=2026,
        amount="5000",
        area=tree["D"],
        by=district_admin,
        donor_name="宁波某港务公司",
        donor_credit_code=credit_code(),
        restriction="elderly",
        receipt_issued=True,
    )


@pytest.fixture
def elderly_project(tree, district_admin):
    project = services.create_project(
        title="银龄助餐", lifecycle_category="elderly", area=tree["C1"], by=district_admin
    )
    return services.publish_project(project, by=district_admin)


@pytest.fixture
def childcare_project(tree, district_admin):
    return services.create_project(
        title="四点半课堂", lifecycle_category="childcare", area=tree["C2"], by=district_admin
    )


def make_org(area, name: str, *, status: str = "filed", leader_user=None, track: str | None = None):
    """A live organization in ``area`` (filed by default), optionally led by ``leader_user``."""
    from gongzhi.organizations.models import Organization
    from gongzhi.people.models import Person
    from tests.factories import make_person

    leader = Person.objects.filter(user=leader_user).first() if leader_user is not None else None
    if leader_user is not None and leader is None:
        grid = (
            area
            if area.level == "grid"
            else Area.objects.filter(path__startswith=area.path, level="grid").first()
        )
        leader = make_person(grid=grid, name=f"{name}负责人")
        leader.user = leader_user
        leader.save(update_fields=["user"])
    return Organization.objects.create(
        name=name,
        area=area,
        status=status,
        track=track or ("registered" if status == "registered" else "filed"),
        leader=leader,
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def org_leader(tree):
    """A login with the org_leader role over S1 who leads 夕阳红服务社 (filed, in C1)."""
    user = UserFactory(username="org_leader")
    assign_role(user, role="org_leader", area=tree["S1"])
    return user


@pytest.fixture
def org(tree, org_leader):
    return make_org(tree["C1"], "夕阳红服务社", leader_user=org_leader)


@pytest.fixture
def other_org_leader(tree):
    user = UserFactory(username="other_leader")
    assign_role(user, role="org_leader", area=tree["S1"])
    return user


@pytest.fixture
def other_org(tree, other_org_leader):
    return make_org(tree["C1"], "百合志愿队", leader_user=other_org_leader)


@pytest.fixture
def evaluator(tree):
    user = UserFactory(username="evaluator")
    assign_role(user, role="evaluator", area=tree["D"])
    return user


@pytest.fixture
def finance(tree):
    user = UserFactory(username="finance")
    assign_role(user, role="finance", area=tree["D"])
    return user
