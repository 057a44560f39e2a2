"""Who sees which cases, units and campaigns (the one door: visible_to)."""

import datetime

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import Campaign, Case, HandlingUnit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_case_listed_once_whatever_the_unit_size(reported, community_worker, unit, handler):
    unit.members.add(UserFactory(), UserFactory())
    services.register_case(reported, by=community_worker)
    services.dispatch_case(reported, to=unit, by=community_worker)

    assert list(Case.objects.visible_to(handler)) == [reported]
    assert list(HandlingUnit.objects.visible_to(handler)) == [unit]
    assert Case.objects.visible_to(community_worker).count() == 1


def test_street_admin_of_other_street_sees_nothing(reported, tree):
    from gongzhi.accounts.services import assign_role

    other = UserFactory()
    assign_role(other, role="street_admin", area=tree["S2"])

    assert list(Case.objects.visible_to(other)) == []


def test_campaign_of_the_street_is_visible_to_its_grid_member(grids, street_admin, grid_member):
    campaign = services.create_campaign(
        name="新碶街道环境卫生整治", area=grids["S1"], start_date=datetime.date(2026, 11, 1), by=street_admin
    )
    elsewhere = Campaign.objects.create(
        name="大碶整治", area=grids["S2"], start_date=datetime.date(2026, 11, 1)
    )

    assert list(Campaign.objects.visible_to(grid_member)) == [campaign]
    assert elsewhere not in Campaign.objects.visible_to(street_admin)


def test_resident_cannot_escalate(reported, tree):
    from gongzhi.accounts.services import assign_role
    from gongzhi.core.exceptions import Forbidden

    resident = UserFactory()
    assign_role(resident, role="resident", area=tree["G1"])

    with pytest.raises(Forbidden):
        services.escalate_case(reported, by=resident, note="我要上报")


def test_grid_member_posts_to_the_street_campaign(grids, street_admin, grid_member, outsider):
    from gongzhi.core.exceptions import Forbidden

    campaign = services.create_campaign(
        name="新碶街道环境卫生整治", area=grids["S1"], start_date=datetime.date(2026, 11, 1), by=street_admin
    )

    post = services.post_campaign_update(campaign, by=grid_member, text="富春江路已清理干净")

    assert post.text == "富春江路已清理干净"
    with pytest.raises(Forbidden):
        services.post_campaign_update(campaign, by=outsider, text="x")
