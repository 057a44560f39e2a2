"""Money fixtures on the area tree of tests/conftest.py: a 100,000-yuan government purchase
fund and a 5,000-yuan corporate donation restricted to 老有所养, both held by district D; an
elderly-care project in C1 (published) and a childcare project in C2 (draft)."""

from __future__ import annotations

import pytest

from gongzhi.organizations.validators import credit_check_char
from gongzhi.projects import services


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
