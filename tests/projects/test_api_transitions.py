"""Every project transition through the API: allowed (200 with the project) and refused (its
JSON error and status), claim eligibility, competitive applications, and changes before a claim."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.projects import services
from gongzhi.projects.models import Project, ProjectClaim
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
TODAY = timezone.localdate()


def url(project, verb: str) -> str:
    return f"{PROJECTS}{project.pk}/{verb}/"


def error(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def claimed(elderly_project, org, org_leader):
    services.claim_project(elderly_project, organization=org, by=org_leader)
    return Project.objects.get(pk=elderly_project.pk)


@pytest.fixture
def in_progress(claimed, org_leader):
    return services.start_project(claimed, by=org_leader)


@pytest.fixture
def completed(in_progress, org_leader):
    return services.complete_project(in_progress, by=org_leader)


@pytest.fixture
def accepted(completed, evaluator):
    services.accept_project(completed, by=evaluator, opinion="达到预期")
    return Project.objects.get(pk=completed.pk)


@pytest.fixture
def competitive(tree, district_admin):
    project = services.create_project(
        title="青少年心理护航",
        lifecycle_category="education",
        area=tree["C1"],
        by=district_admin,
        competitive=True,
    )
    return services.publish_project(project, by=district_admin)


# --- publish --------------------------------------------------------------------------------


def test_publish_turns_a_draft_into_a_published_project(api, district_admin, childcare_project):
    response = api(district_admin).post(url(childcare_project, "publish"))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["status_display"]) == (
        childcare_project.pk,
        "published",
        "已发布",
    )
    assert [(h["action"], h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("publish", "draft", "published")
    ]


def test_publish_refused_when_already_published(api, district_admin, elderly_project):
    response = api(district_admin).post(url(elderly_project, "publish"))

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert error(response)["message"] == "项目当前状态为“已发布”，不能发布。"


def test_publish_refused_to_a_role_without_the_permission(api, org_leader, org, elderly_project):
    response = api(org_leader).post(url(elderly_project, "publish"))

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"


def test_publish_outside_the_jurisdiction_answers_404(api, street_admin, childcare_project):
    response = api(street_admin).post(url(childcare_project, "publish"))

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert Project.objects.get(pk=childcare_project.pk).status == "draft"


# --- claim ----------------------------------------------------------------------------------


def test_org_leader_claims_a_published_project(api, org_leader, org, elderly_project):
    response = api(org_leader).post(url(elderly_project, "claim"), {"organization": org.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["claimed_by"], body["claimants"]) == (
        "claimed",
        org.pk,
        [{"id": org.pk, "name": "夕阳红服务社"}],
    )
    claim = ProjectClaim.objects.get(project=elderly_project)
    assert (claim.organization, claim.kind, claim.status) == (org, "claim", "undertaking")


def test_claim_refused_for_an_organization_outside_the_target_area(
    api, tree, org_leader, org, elderly_project
):
    outside = make_org(tree["C2"], "灵峰服务社", leader_user=org_leader)

    response = api(org_leader).post(url(elderly_project, "claim"), {"organization": outside.pk})

    assert response.status_code == 422
    assert error(response)["code"] == "not_eligible"
    assert (
        error(response)["message"] == "“灵峰服务社”位于“灵峰社区”，不在项目服务区域“百合社区”内，不能认领。"
    )
    assert error(response)["fields"] == {"organization": [error(response)["message"]]}
    assert not ProjectClaim.objects.exists()


def test_claim_refused_for_an_inactive_organization(api, tree, org_leader, org, elderly_project):
    draft = make_org(tree["C1"], "筹备中的服务队", status="draft", leader_user=org_leader)

    response = api(org_leader).post(url(elderly_project, "claim"), {"organization": draft.pk})

    assert response.status_code == 422
    assert error(response)["code"] == "not_eligible"
    assert (
        error(response)["message"]
        == "“筹备中的服务队”当前状态为“草稿”，只有已备案或已登记的组织可以认领项目。"
    )


def test_claim_refused_when_already_claimed_by_another(
    api, org_leader, org, other_org, other_org_leader, elderly_project
):
    services.claim_project(elderly_project, organization=other_org, by=other_org_leader)

    response = api(org_leader).post(url(elderly_project, "claim"), {"organization": org.pk})

    assert response.status_code == 409
    assert error(response)["code"] == "conflict"
    assert error(response)["message"] == "该项目最多由 1 个组织承接，已由 百合志愿队 认领。"
    assert Project.objects.get(pk=elderly_project.pk).claimed_by == other_org


def test_claim_refused_twice_by_the_same_organization(api, district_admin, org_leader, org, elderly_project):
    services.update_project(elderly_project, by=district_admin, max_claimants=2)
    services.claim_project(elderly_project, organization=org, by=org_leader)

    response = api(org_leader).post(url(elderly_project, "claim"), {"organization": org.pk})

    assert response.status_code == 409
    assert error(response)["message"] == "“夕阳红服务社”已认领此项目。"


def test_claim_of_a_competitive_project_refused(api, org_leader, org, competitive):
    response = api(org_leader).post(url(competitive, "claim"), {"organization": org.pk})

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert error(response)["message"] == "本项目为竞争性申报，请提交申报方案，由发布单位选定承接方。"


def test_claim_for_someone_elses_organization_refused(api, org, other_org_leader, other_org, elderly_project):
    response = api(other_org_leader).post(url(elderly_project, "claim"), {"organization": org.pk})

    assert response.status_code == 403
    assert error(response)["message"] == "只有“夕阳红服务社”的负责人可以代表该组织认领或申报项目。"


def test_claim_with_an_unknown_organization_names_the_field(api, org_leader, org, elderly_project):
    response = api(org_leader).post(url(elderly_project, "claim"), {"organization": 99999})

    assert response.status_code == 400
    assert error(response)["fields"] == {"organization": ["组织 99999 不存在或不在您的管辖范围内。"]}


def test_claim_of_a_draft_refused(api, district_admin, tree, childcare_project):
    org_c2 = make_org(tree["C2"], "灵峰服务社")

    response = api(district_admin).post(url(childcare_project, "claim"), {"organization": org_c2.pk})

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“草稿”，不能认领。"


# --- apply, select, withdraw ----------------------------------------------------------------


def test_apply_for_a_competitive_project(api, org_leader, org, competitive):
    response = api(org_leader).post(
        url(competitive, "apply"), {"organization": org.pk, "proposal": "每周两次团辅"}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["claimed_by"]) == ("published", None)
    claim = ProjectClaim.objects.get(project=competitive)
    assert (claim.kind, claim.status, claim.proposal) == ("apply", "applied", "每周两次团辅")


def test_apply_without_a_proposal_refused(api, org_leader, org, competitive):
    response = api(org_leader).post(url(competitive, "apply"), {"organization": org.pk, "proposal": " "})

    assert response.status_code == 400
    assert error(response)["fields"] == {"proposal": ["请填写申报方案。"]}


def test_apply_for_a_project_open_to_direct_claims_refused(api, org_leader, org, elderly_project):
    response = api(org_leader).post(
        url(elderly_project, "apply"), {"organization": org.pk, "proposal": "方案"}
    )

    assert response.status_code == 409
    assert error(response)["message"] == "本项目可直接认领，无需申报。"


def test_select_an_applicant_closes_the_others(
    api, street_admin, org_leader, org, other_org_leader, other_org, competitive
):
    mine = services.apply_for_project(competitive, organization=org, by=org_leader, proposal="方案甲")
    theirs = services.apply_for_project(
        competitive, organization=other_org, by=other_org_leader, proposal="方案乙"
    )

    response = api(street_admin).post(url(competitive, "select"), {"claim": mine.pk, "note": "方案更完整"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["claimed_by"]) == ("claimed", org.pk)
    theirs.refresh_from_db()
    assert theirs.status == "not_selected"
    again = api(street_admin).post(url(competitive, "select"), {"claim": theirs.pk})
    assert again.status_code == 409
    assert error(again)["message"] == "该申报已处理（未入选），不能再选定。"


def test_select_refused_to_an_org_leader(api, org_leader, org, competitive):
    claim = services.apply_for_project(competitive, organization=org, by=org_leader, proposal="方案")

    response = api(org_leader).post(url(competitive, "select"), {"claim": claim.pk})

    assert response.status_code == 403
    assert ProjectClaim.objects.get(pk=claim.pk).status == "applied"


def test_select_an_unknown_claim_names_the_field(api, street_admin, competitive):
    response = api(street_admin).post(url(competitive, "select"), {"claim": 4242})

    assert response.status_code == 400
    assert error(response)["fields"] == {"claim": ["该项目没有编号为 4242 的认领或申报。"]}


def test_withdraw_an_application_then_refused_twice(api, org_leader, org, competitive):
    claim = services.apply_for_project(competitive, organization=org, by=org_leader, proposal="方案")

    response = api(org_leader).post(url(competitive, "withdraw"), {"claim": claim.pk})
    again = api(org_leader).post(url(competitive, "withdraw"), {"claim": claim.pk})

    assert response.status_code == 200
    assert ProjectClaim.objects.get(pk=claim.pk).status == "withdrawn"
    assert again.status_code == 409
    assert error(again)["message"] == "该申报已处理（已撤回），不能撤回。"


def test_claims_list_shows_an_org_leader_only_their_own(
    api, street_admin, org_leader, org, other_org_leader, other_org, competitive
):
    services.apply_for_project(competitive, organization=org, by=org_leader, proposal="方案甲")
    services.apply_for_project(competitive, organization=other_org, by=other_org_leader, proposal="方案乙")

    staff = api(street_admin).get(url(competitive, "claims"))
    leader = api(org_leader).get(url(competitive, "claims"))

    assert [c["organization_name"] for c in staff.json()["results"]] == ["夕阳红服务社", "百合志愿队"]
    assert [(c["organization_name"], c["proposal"]) for c in leader.json()["results"]] == [
        ("夕阳红服务社", "方案甲")
    ]


# --- start, complete, accept, return, evaluate ----------------------------------------------


def test_undertaker_starts_a_claimed_project(api, org_leader, claimed):
    response = api(org_leader).post(url(claimed, "start"))

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"


def test_start_refused_before_a_claim(api, district_admin, elderly_project):
    response = api(district_admin).post(url(elderly_project, "start"))

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已发布”，不能开始实施。"


def test_start_refused_to_an_organization_that_does_not_undertake_it(
    api, other_org_leader, other_org, claimed
):
    response = api(other_org_leader).post(url(claimed, "start"))

    assert response.status_code == 403
    assert error(response)["message"] == "只有项目的承接组织或发布单位可以进行此项操作。"


def test_complete_refused_while_a_milestone_is_open(api, district_admin, org_leader, in_progress):
    services.add_milestone(in_progress, title="开办助餐点", due_on=TODAY, by=district_admin)

    response = api(org_leader).post(url(in_progress, "complete"), {"note": "已完成"})

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "milestones": ["还有里程碑未完成：开办助餐点。请先完成里程碑再申请结项。"]
    }
    assert Project.objects.get(pk=in_progress.pk).status == "in_progress"


def test_complete_after_the_milestones(api, district_admin, org_leader, in_progress):
    milestone = services.add_milestone(in_progress, title="开办助餐点", due_on=TODAY, by=district_admin)
    done = api(org_leader).post(
        f"{url(in_progress, 'milestones')}{milestone.pk}/complete/", {"evidence": "已开办"}
    )

    response = api(org_leader).post(url(in_progress, "complete"), {"note": "全部完成"})

    assert done.status_code == 200
    assert (done.json()["completed_on"], done.json()["evidence"]) == (TODAY.isoformat(), "已开办")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["history"][-1]["note"] == "全部完成"


def test_complete_refused_when_not_in_progress(api, org_leader, claimed):
    response = api(org_leader).post(url(claimed, "complete"))

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已认领”，不能完成。"


def test_evaluator_accepts_a_completed_project(api, evaluator, completed):
    response = api(evaluator).post(
        url(completed, "accept"), {"opinion": "达到预期", "accepted_on": "2026-05-02"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert body["acceptance"] == {
        "accepted_on": "2026-05-02",
        "accepted_by": str(evaluator),
        "opinion": "达到预期",
    }


def test_accept_refused_to_the_undertaker(api, org_leader, completed):
    response = api(org_leader).post(url(completed, "accept"), {"opinion": "自己验收"})

    assert response.status_code == 403
    assert Project.objects.get(pk=completed.pk).status == "completed"


def test_accept_without_an_opinion_refused(api, evaluator, completed):
    response = api(evaluator).post(url(completed, "accept"), {"opinion": ""})

    assert response.status_code == 400
    assert error(response)["fields"] == {"opinion": ["请填写验收意见。"]}


def test_accept_refused_before_completion(api, evaluator, in_progress):
    response = api(evaluator).post(url(in_progress, "accept"), {"opinion": "好"})

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“实施中”，不能验收。"


def test_return_sends_a_completed_project_back(api, evaluator, completed):
    response = api(evaluator).post(url(completed, "return"), {"reason": "台账不全"})

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert response.json()["history"][-1]["action"] == "return"


def test_return_without_a_reason_refused(api, evaluator, completed):
    response = api(evaluator).post(url(completed, "return"), {})

    assert response.status_code == 400
    assert error(response)["fields"] == {"reason": ["请填写退回整改的原因。"]}


def test_return_refused_after_acceptance(api, evaluator, accepted):
    response = api(evaluator).post(url(accepted, "return"), {"reason": "再看看"})

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已验收”，不能退回整改。"


def test_evaluate_scores_and_grades(api, evaluator, accepted):
    response = api(evaluator).post(
        url(accepted, "evaluate"),
        {
            "quantity": "95",
            "quality": "90",
            "satisfaction": "88",
            "funds_use": "80",
            "evaluator_org": "第三方评估所",
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "evaluated"
    evaluation = body["evaluation"]
    assert (
        evaluation["total"],
        evaluation["grade"],
        evaluation["grade_display"],
        evaluation["evaluator_org"],
    ) == (
        "89.10",
        "good",
        "良好",
        "第三方评估所",
    )


def test_evaluate_refuses_a_score_out_of_range(api, evaluator, accepted):
    response = api(evaluator).post(
        url(accepted, "evaluate"),
        {"quantity": "120", "quality": "90", "satisfaction": "88", "funds_use": "80"},
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"quantity": ["数量得分须在 0 到 100 之间（现为 120）。"]}
    assert Project.objects.get(pk=accepted.pk).status == "accepted"


def test_evaluate_refused_to_a_street_admin(api, street_admin, accepted):
    response = api(street_admin).post(
        url(accepted, "evaluate"),
        {"quantity": "90", "quality": "90", "satisfaction": "90", "funds_use": "90"},
    )

    assert response.status_code == 403


def test_evaluate_refused_before_acceptance(api, evaluator, completed):
    response = api(evaluator).post(
        url(completed, "evaluate"),
        {"quantity": "90", "quality": "90", "satisfaction": "90", "funds_use": "90"},
    )

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已完成”，不能绩效评估。"


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_a_published_project(api, street_admin, elderly_project):
    response = api(street_admin).post(url(elderly_project, "cancel"), {"reason": "需求已由其他项目覆盖"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["history"][-1]["note"] == "需求已由其他项目覆盖"


def test_cancel_without_a_reason_refused(api, street_admin, elderly_project):
    response = api(street_admin).post(url(elderly_project, "cancel"), {"reason": ""})

    assert response.status_code == 400
    assert error(response)["fields"] == {"reason": ["请填写取消原因。"]}


def test_cancel_refused_after_completion(api, district_admin, completed):
    response = api(district_admin).post(url(completed, "cancel"), {"reason": "不需要了"})

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已完成”，不能取消。"


def test_cancel_refused_to_an_org_leader(api, org_leader, claimed):
    response = api(org_leader).post(url(claimed, "cancel"), {"reason": "不想做了"})

    assert response.status_code == 403
    assert Project.objects.get(pk=claimed.pk).status == "claimed"


# --- changes before a claim -----------------------------------------------------------------


def test_patch_changes_a_project_before_any_claim(api, street_admin, elderly_project):
    response = api(street_admin).patch(
        f"{PROJECTS}{elderly_project.pk}/",
        {"title": "银龄助餐（二期）", "service_domains": ["elderly", "health"], "ends_on": "2026-12-31"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["service_domains"], body["ends_on"]) == (
        "银龄助餐（二期）",
        ["elderly", "health"],
        "2026-12-31",
    )


def test_patch_refused_after_a_claim(api, street_admin, claimed):
    response = api(street_admin).patch(f"{PROJECTS}{claimed.pk}/", {"title": "改名"})

    assert response.status_code == 409
    assert error(response)["message"] == "项目已有组织认领或申报，不能再修改其基本信息。"
    assert Project.objects.get(pk=claimed.pk).title == "银龄助餐"


def test_patch_refuses_dates_out_of_order(api, street_admin, elderly_project):
    response = api(street_admin).patch(
        f"{PROJECTS}{elderly_project.pk}/", {"starts_on": "2026-06-01", "ends_on": "2026-05-01"}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"ends_on": ["结束日期不能早于开始日期。"]}


def test_full_life_cycle_through_the_api(api, district_admin, org_leader, org, evaluator, tree):
    created = api(district_admin).post(
        PROJECTS,
        {
            "title": "银龄助餐",
            "lifecycle_category": "elderly",
            "area": "C1",
            "milestones": [{"title": "开办助餐点", "due_on": "2026-06-30"}],
            "indicators": [{"kind": "person_times", "name": "服务人次", "target": "100", "unit": "人次"}],
        },
    )
    project = Project.objects.get(pk=created.json()["id"])
    steps = [
        (district_admin, "publish", {}),
        (org_leader, "claim", {"organization": org.pk}),
        (org_leader, "start", {}),
    ]
    for user, verb, body in steps:
        assert api(user).post(url(project, verb), body).status_code == 200, verb
    milestone = project.milestones.get()
    api(org_leader).post(
        f"{url(project, 'milestones')}{milestone.pk}/complete/", {"completed_on": "2026-05-01"}
    )
    for user, verb, body in [
        (org_leader, "complete", {}),
        (evaluator, "accept", {"opinion": "达到预期"}),
        (evaluator, "evaluate", {"quantity": "60", "quality": "60", "satisfaction": "60", "funds_use": "60"}),
    ]:
        assert api(user).post(url(project, verb), body).status_code == 200, verb

    final = api(district_admin).get(f"{PROJECTS}{project.pk}/").json()

    assert final["status"] == "evaluated"
    assert [h["action"] for h in final["history"]] == [
        "publish",
        "claim",
        "start",
        "complete",
        "accept",
        "evaluate",
    ]
    assert final["evaluation"]["grade"] == "pass"
    assert final["milestones"][0]["completed_on"] == datetime.date(2026, 5, 1).isoformat()
