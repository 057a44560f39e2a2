"""The project life cycle through its services: publish → claim/apply → select → start →
deliver → complete → accept → evaluate, with the refusals each step owes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.projects import services
from gongzhi.projects.models import CaseRecordAccess, Project, ProjectClaim
from tests.projects.conftest import make_org

TODAY = timezone.localdate()


@pytest.fixture
def project(tree, district_admin):
    project = services.create_project(
        title="银龄助餐",
        lifecycle_category="elderly",
        area=tree["C1"],
        by=district_admin,
        service_domains=["elderly"],
        milestones=[{"title": "开办助餐点", "due_on": TODAY}],
        indicators=[{"kind": "person_times", "target": "100"}],
    )
    return services.publish_project(project, by=district_admin)


def test_full_life_cycle(project, org, org_leader, district_admin, evaluator, media):
    claim = services.claim_project(project, organization=org, by=org_leader)
    assert claim.status == "undertaking"
    project.refresh_from_db()
    assert (project.status, project.claimed_by) == ("claimed", org)
    services.start_project(project, by=org_leader)
    services.report_delivery(
        project, by=org_leader, title="首次助餐", held_on=TODAY, beneficiaries=20, person_times=40
    )
    with pytest.raises(DomainError, match="开办助餐点"):
        services.complete_project(project, by=org_leader)
    services.complete_milestone(project.milestones.get(), by=org_leader, evidence="已开办")
    services.complete_project(project, by=org_leader)
    with pytest.raises(Forbidden):
        services.accept_project(project, by=org_leader, opinion="自己验收")
    services.accept_project(project, by=evaluator, opinion="达到预期")
    evaluation = services.evaluate_project(
        project, by=evaluator, quantity="95", quality="90", satisfaction="88", funds_use="80"
    )
    # 95×0.3 + 90×0.3 + 88×0.2 + 80×0.2 = 89.10 → 良好
    assert (evaluation.total, evaluation.grade) == (Decimal("89.10"), "good")
    assert Project.objects.get(pk=project.pk).status == "evaluated"
    assert list(project.changes.values_list("action", flat=True)) == [
        "publish",
        "claim",
        "start",
        "complete",
        "accept",
        "evaluate",
    ]


def test_claim_eligibility(tree, project, org, org_leader, district_admin):
    outside = make_org(tree["C2"], "灵峰服务社", leader_user=org_leader)
    with pytest.raises(services.NotEligible, match="不在项目服务区域"):
        services.claim_project(project, organization=outside, by=org_leader)
    inactive = make_org(tree["C1"], "草稿组织", status="draft", leader_user=org_leader)
    with pytest.raises(services.NotEligible, match="只有已备案或已登记"):
        services.claim_project(project, organization=inactive, by=org_leader)
    district_wide = make_org(tree["D"], "区社工服务中心", status="registered", leader_user=org_leader)
    services.claim_project(project, organization=district_wide, by=org_leader)
    with pytest.raises(Conflict, match="区社工服务中心"):
        services.claim_project(project, organization=org, by=org_leader)


def test_someone_else_cannot_claim_for_an_organization(project, org, other_org_leader):
    with pytest.raises(Forbidden):
        services.claim_project(project, organization=org, by=other_org_leader)


def test_competitive_apply_and_select(project, org, other_org, org_leader, other_org_leader, district_admin):
    services.update_project(project, by=district_admin, competitive=True)
    with pytest.raises(InvalidTransition):
        services.claim_project(project, organization=org, by=org_leader)
    a = services.apply_for_project(project, organization=org, by=org_leader, proposal="方案甲")
    b = services.apply_for_project(project, organization=other_org, by=other_org_leader, proposal="方案乙")
    project.refresh_from_db()
    assert project.status == "published"
    services.select_applicant(b, by=district_admin)
    assert dict(ProjectClaim.objects.values_list("pk", "status")) == {
        a.pk: "not_selected",
        b.pk: "undertaking",
    }
    project.refresh_from_db()
    assert (project.status, project.claimed_by) == ("claimed", other_org)


def test_several_undertakers_when_allowed(
    project, org, other_org, org_leader, other_org_leader, district_admin
):
    services.update_project(project, by=district_admin, max_claimants=2)
    services.claim_project(project, organization=org, by=org_leader)
    services.claim_project(project, organization=other_org, by=other_org_leader)
    assert project.claims.filter(status="undertaking").count() == 2
    assert Project.objects.get(pk=project.pk).claimed_by == org


def test_case_records_visible_to_caseworkers_and_logged(
    tree, district_admin, org, org_leader, community_worker
):
    project = services.create_project(
        title="愈合花园",
        lifecycle_category="vulnerable",
        area=tree["C1"],
        by=district_admin,
        case_services=True,
    )
    services.publish_project(project, by=district_admin)
    services.claim_project(project, organization=org, by=org_leader)
    services.add_caseworker(project, user=org_leader, by=org_leader)
    record = services.open_case_record(project, by=org_leader, household="王家", needs="家属照护压力大")
    from gongzhi.projects.models import CaseRecord

    assert list(CaseRecord.objects.visible_to(org_leader)) == [record]
    assert list(CaseRecord.objects.visible_to(district_admin)) == [record]
    assert not CaseRecord.objects.visible_to(community_worker).exists()
    services.log_case_access([record], user=district_admin, action="view")
    assert CaseRecordAccess.objects.get().user == district_admin


def test_streets_see_the_district_programmes_and_sources_above_them(
    tree, district_admin, street_admin, community_worker, gov_fund
):
    from gongzhi.projects.models import FundingSource, Programme

    programme = services.create_programme(
        name="微民生·益起来", year=2026, publisher="区委组织部", area=tree["D"], by=district_admin
    )
    assert list(Programme.objects.visible_to(street_admin)) == [programme]
    assert list(FundingSource.objects.visible_to(street_admin)) == [gov_fund]
    # Community workers hold no programme or money permission at all.
    assert not FundingSource.objects.visible_to(community_worker).exists()


def test_leaders_of_draft_organizations_see_no_open_projects(tree, project, org_leader):
    make_org(tree["C1"], "筹备中的组织", status="draft", leader_user=org_leader)
    assert not Project.objects.visible_to(org_leader).exists()


def test_results_are_public_within_the_district_only(tree, project, district_admin, evaluator):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory, make_area

    project.status = "evaluated"
    project.save(update_fields=["status"])
    neighbour = make_area("N", "district", name="镇海区")
    elsewhere = UserFactory(username="elsewhere")
    assign_role(
        elsewhere,
        role="resident",
        area=make_area("NG", "grid", make_area("NC", "community", make_area("NS", "street", neighbour))),
    )
    here = UserFactory(username="here")
    assign_role(here, role="resident", area=tree["G3"])
    assert list(Project.objects.visible_to(here)) == [project]
    assert not Project.objects.visible_to(elsewhere).exists()
