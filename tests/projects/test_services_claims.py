"""Who may take a project on: live (filed or registered) organizations inside the target area
(or above it), one at a time unless the publisher allows several; applications for
competitive projects and the publisher's selection."""

from __future__ import annotations

import pytest

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.projects import services
from gongzhi.projects.models import Project, ProjectClaim
from gongzhi.projects.services import NotEligible
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db


def test_claim_by_an_organization_outside_the_area_is_refused(tree, elderly_project, org_leader):
    outside = make_org(tree["C2"], "灵峰服务社", leader_user=org_leader)

    with pytest.raises(NotEligible) as exc:
        services.claim_project(elderly_project, organization=outside, by=org_leader)

    assert exc.value.status_code == 422
    assert str(exc.value) == "“灵峰服务社”位于“灵峰社区”，不在项目服务区域“百合社区”内，不能认领。"
    assert not ProjectClaim.objects.exists()


@pytest.mark.parametrize(
    ("status", "label"),
    [("draft", "草稿"), ("applying", "备案申请中"), ("suspended", "暂停活动"), ("deregistered", "已注销")],
)
def test_claim_by_an_inactive_organization_is_refused(tree, elderly_project, org_leader, status, label):
    inactive = make_org(tree["C1"], "百合读书会", status=status, leader_user=org_leader)

    with pytest.raises(NotEligible) as exc:
        services.claim_project(elderly_project, organization=inactive, by=org_leader)

    assert str(exc.value) == f"“百合读书会”当前状态为“{label}”，只有已备案或已登记的组织可以认领项目。"


def test_organizations_in_a_grid_below_or_a_street_above_are_eligible(tree, elderly_project, org_leader):
    in_grid = make_org(tree["G1"], "百合一网格互助队", leader_user=org_leader)
    in_street = make_org(tree["S1"], "新碶社工服务中心", status="registered", leader_user=org_leader)

    services.check_eligibility(elderly_project, in_grid)
    services.check_eligibility(elderly_project, in_street)


def test_a_claimed_project_refuses_a_second_organization(
    elderly_project, org, other_org, org_leader, other_org_leader
):
    services.claim_project(elderly_project, organization=org, by=org_leader)

    with pytest.raises(Conflict) as exc:
        services.claim_project(elderly_project, organization=other_org, by=other_org_leader)

    assert str(exc.value) == "该项目最多由 1 个组织承接，已由 夕阳红服务社 认领。"
    assert Project.objects.get(pk=elderly_project.pk).claimed_by == org


def test_the_same_organization_cannot_claim_twice(elderly_project, org, org_leader, district_admin):
    services.update_project(elderly_project, by=district_admin, max_claimants=2)
    services.claim_project(elderly_project, organization=org, by=org_leader)

    with pytest.raises(Conflict, match="“夕阳红服务社”已认领此项目。"):
        services.claim_project(elderly_project, organization=org, by=org_leader)


def test_capacity_is_max_claimants(
    tree, elderly_project, org, other_org, org_leader, other_org_leader, district_admin
):
    services.update_project(elderly_project, by=district_admin, max_claimants=2)
    third = make_org(tree["C1"], "银铃互助队", leader_user=org_leader)
    services.claim_project(elderly_project, organization=org, by=org_leader)
    services.claim_project(elderly_project, organization=other_org, by=other_org_leader)

    with pytest.raises(Conflict) as exc:
        services.claim_project(elderly_project, organization=third, by=org_leader)

    assert str(exc.value) == "该项目最多由 2 个组织承接，已由 夕阳红服务社、百合志愿队 认领。"
    assert list(services.undertakers(elderly_project).order_by("name").values_list("name", flat=True)) == [
        "夕阳红服务社",
        "百合志愿队",
    ]
    changes = list(elderly_project.changes.values_list("action", "from_status", "to_status"))
    assert changes[-2:] == [("claim", "published", "claimed"), ("claim", "claimed", "claimed")]


def test_only_the_leader_or_the_publisher_claims_for_an_organization(elderly_project, org, other_org_leader):
    with pytest.raises(Forbidden) as exc:
        services.claim_project(elderly_project, organization=org, by=other_org_leader)

    assert str(exc.value) == "只有“夕阳红服务社”的负责人可以代表该组织认领或申报项目。"


def test_a_draft_cannot_be_claimed(childcare_project, tree, district_admin):
    nearby = make_org(tree["C2"], "灵峰亲子社")

    with pytest.raises(InvalidTransition, match="“草稿”，不能认领"):
        services.claim_project(childcare_project, organization=nearby, by=district_admin)


def test_competitive_projects_take_applications_and_the_publisher_selects(
    elderly_project, org, other_org, org_leader, other_org_leader, district_admin
):
    services.update_project(elderly_project, by=district_admin, competitive=True)
    with pytest.raises(InvalidTransition, match="竞争性申报"):
        services.claim_project(elderly_project, organization=org, by=org_leader)
    with pytest.raises(DomainError, match="请填写申报方案"):
        services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal=" ")
    mine = services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案甲")
    theirs = services.apply_for_project(
        elderly_project, organization=other_org, by=other_org_leader, proposal="方案乙"
    )
    with pytest.raises(Conflict, match="已申报此项目"):
        services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案丙")
    with pytest.raises(Forbidden):
        services.select_applicant(mine, by=org_leader)

    services.select_applicant(mine, by=district_admin)

    theirs.refresh_from_db()
    assert (theirs.status, theirs.decided_by) == ("not_selected", district_admin)
    with pytest.raises(Conflict, match="不能再选定"):
        services.select_applicant(theirs, by=district_admin)
    assert Project.objects.get(pk=elderly_project.pk).claimed_by == org


def test_non_competitive_projects_refuse_applications(elderly_project, org, org_leader):
    with pytest.raises(InvalidTransition, match="无需申报"):
        services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案")


def test_withdrawn_application_can_be_filed_again(elderly_project, org, org_leader, district_admin):
    services.update_project(elderly_project, by=district_admin, competitive=True)
    first = services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案甲")

    services.withdraw_application(first, by=org_leader)
    again = services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案乙")

    assert list(ProjectClaim.objects.order_by("id").values_list("status", flat=True)) == [
        "withdrawn",
        "applied",
    ]
    with pytest.raises(Conflict, match="不能撤回"):
        services.withdraw_application(first, by=org_leader)
    assert again.proposal == "方案乙"


def test_selection_checks_eligibility_again(elderly_project, org, org_leader, district_admin):
    services.update_project(elderly_project, by=district_admin, competitive=True)
    claim = services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案")
    org.status = "suspended"
    org.save(update_fields=["status"])

    with pytest.raises(NotEligible, match="暂停活动"):
        services.select_applicant(claim, by=district_admin)

    assert Project.objects.get(pk=elderly_project.pk).status == "published"


def test_update_is_refused_once_someone_applied(elderly_project, org, org_leader, district_admin):
    services.update_project(elderly_project, by=district_admin, competitive=True)
    services.apply_for_project(elderly_project, organization=org, by=org_leader, proposal="方案")

    with pytest.raises(InvalidTransition, match="不能再修改其基本信息"):
        services.update_project(elderly_project, by=district_admin, title="新名字")
