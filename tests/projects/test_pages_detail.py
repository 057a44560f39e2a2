"""A project's page and its transition forms: what each persona sees, every transition
performed through its form, and refusals shown on the form in Chinese with their status."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.projects import services
from gongzhi.projects.models import Acceptance, Evaluation, Project, ProjectChange, ProjectClaim
from tests.factories import UserFactory
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _html(response) -> str:
    return response.content.decode()


def _url(project) -> str:
    return reverse("projects:detail", args=[project.pk])


def _act(project, action: str) -> str:
    return reverse("projects:action", args=[project.pk, action])


def _actions(response) -> list[str]:
    return [spec.name for spec, _form in response.context["actions"]]


def _status(project) -> str:
    return Project.objects.get(pk=project.pk).status


@pytest.fixture
def planned(tree, district_admin):
    """A published project in C1 with a milestone and two indicators."""
    project = services.create_project(
        title="银龄助餐",
        lifecycle_category="elderly",
        area=tree["C1"],
        by=district_admin,
        description="为高龄独居老人送餐。",
        publisher="新碶街道党工委",
        service_domains=["elderly", "disability"],
        milestones=[{"title": "开办助餐点", "due_on": TODAY}],
        indicators=[
            {"kind": "person_times", "target": "100"},
            {"kind": "other", "name": "志愿者培训", "target": "10", "unit": "人"},
        ],
    )
    return services.publish_project(project, by=district_admin)


@pytest.fixture
def claimed(planned, org, org_leader):
    services.claim_project(planned, organization=org, by=org_leader)
    return Project.objects.get(pk=planned.pk)


@pytest.fixture
def in_progress(claimed, org_leader):
    return services.start_project(claimed, by=org_leader)


@pytest.fixture
def completed(in_progress, org_leader):
    services.complete_milestone(in_progress.milestones.get(), by=org_leader, evidence="已开办")
    return services.complete_project(in_progress, by=org_leader)


@pytest.fixture
def accepted(completed, evaluator):
    services.accept_project(completed, by=evaluator, opinion="达到预期")
    return Project.objects.get(pk=completed.pk)


# --- what each persona sees ---------------------------------------------------------------------


def test_detail_shows_the_overview(planned, community_worker, page):
    response = page(community_worker).get(_url(planned))

    html = _html(response)
    assert response.status_code == 200
    assert "<h1>银龄助餐</h1>" in html
    assert "老有所养" in html
    assert "百合社区" in html
    assert "新碶街道党工委" in html
    assert "为高龄独居老人送餐。" in html
    assert '<span class="tag">养老</span>' in html
    assert "开办助餐点" in html
    assert "志愿者培训" in html
    assert [c.action for c in response.context["changes"]] == ["publish"]
    # A community worker reads projects, not money, and has nothing to do here.
    assert "预算分配记录" not in html
    assert _actions(response) == []


def test_detail_outside_what_the_user_sees_is_404(planned, tree, page, outsider):
    s2_admin = UserFactory(username="s2_admin")
    assign_role(s2_admin, role=Role.STREET_ADMIN, area=tree["S2"])

    assert page(s2_admin).get(_url(planned)).status_code == 404
    assert page(outsider).get(_url(planned)).status_code == 404
    assert page(s2_admin).post(_act(planned, "cancel"), {"reason": "x"}).status_code == 404
    assert _status(planned) == "published"


def test_a_draft_is_not_shown_to_an_organization_leader(childcare_project, tree, page):
    leader = UserFactory(username="c2_leader")
    assign_role(leader, role=Role.ORG_LEADER, area=tree["S2"])
    make_org(tree["C2"], "灵峰服务社", leader_user=leader)

    assert page(leader).get(_url(childcare_project)).status_code == 404


def test_publisher_is_offered_publish_on_a_draft(tree, street_admin, page):
    draft = services.create_project(
        title="就业驿站", lifecycle_category="employment", area=tree["C1"], by=street_admin
    )

    response = page(street_admin).get(_url(draft))

    assert _actions(response) == ["publish", "cancel"]
    assert '<span class="badge project-draft">草稿</span>' in _html(response)


# --- publish, claim, apply, select ------------------------------------------------------------------


def test_publish_through_the_form(tree, street_admin, page):
    draft = services.create_project(
        title="就业驿站", lifecycle_category="employment", area=tree["C1"], by=street_admin
    )

    response = page(street_admin).post(_act(draft, "publish"), follow=True)

    assert response.redirect_chain == [(_url(draft), 302)]
    assert _status(draft) == "published"
    assert "项目已发布，辖区内的社会组织可以认领或申报。" in _html(response)


def test_publishing_twice_says_why_on_the_form(planned, street_admin, page):
    response = page(street_admin).post(_act(planned, "publish"))

    assert response.status_code == 409
    assert response.context["open_action"] == "publish"
    assert "项目当前状态为“已发布”，不能发布。" in _html(response)


def test_claim_flow_as_org_leader(planned, org, org_leader, page):
    client = page(org_leader)
    before = client.get(_url(planned))
    assert _actions(before) == ["claim"]
    claim_form = before.context["actions"][0][1]
    assert [o.name for o in claim_form.fields["organization"].queryset] == ["夕阳红服务社"]

    response = client.post(_act(planned, "claim"), {"organization": org.pk}, follow=True)

    planned.refresh_from_db()
    assert (planned.status, planned.claimed_by) == ("claimed", org)
    assert "“夕阳红服务社”已认领本项目。" in _html(response)
    assert _actions(response) == ["start"]
    assert [c.organization.name for c in response.context["claims"]] == ["夕阳红服务社"]


def test_claim_by_an_ineligible_organization_shows_why(planned, tree, org, org_leader, page):
    # The leader of a live organization also leads one still in draft: it is offered, and refused.
    inactive = make_org(tree["C1"], "草稿组织", status="draft", leader_user=org_leader)

    response = page(org_leader).post(_act(planned, "claim"), {"organization": inactive.pk})

    assert response.status_code == 422
    assert "“草稿组织”当前状态为“草稿”，只有已备案或已登记的组织可以认领项目。" in _html(response)
    assert not ProjectClaim.objects.exists()


def test_claim_for_someone_elses_organization_is_refused(planned, other_org, org, org_leader, page):
    response = page(org_leader).post(_act(planned, "claim"), {"organization": other_org.pk})

    assert response.status_code == 400
    assert "organization" in response.context["actions"][0][1].errors
    assert not ProjectClaim.objects.exists()


def test_competitive_apply_then_publisher_selects(
    tree, district_admin, street_admin, org, org_leader, other_org, other_org_leader, page
):
    project = services.create_project(
        title="青少年心理护航",
        lifecycle_category="education",
        area=tree["C1"],
        by=district_admin,
        competitive=True,
    )
    services.publish_project(project, by=district_admin)
    assert _actions(page(org_leader).get(_url(project))) == ["apply"]

    empty = page(org_leader).post(_act(project, "apply"), {"organization": org.pk, "proposal": ""})
    applied = page(org_leader).post(
        _act(project, "apply"), {"organization": org.pk, "proposal": "每周两次团体辅导"}
    )
    page(other_org_leader).post(
        _act(project, "apply"), {"organization": other_org.pk, "proposal": "个案咨询"}
    )

    assert empty.status_code == 400
    assert "请填写申报方案。" in _html(empty)
    assert applied.status_code == 302
    claim = ProjectClaim.objects.get(organization=org)
    publisher_view = page(street_admin).get(_url(project))
    assert publisher_view.context["may_select"] is True
    assert "每周两次团体辅导" in _html(publisher_view)

    selected = page(street_admin).post(
        reverse("projects:claim_decision", args=[project.pk, "select"]), {"claim": claim.pk}, follow=True
    )

    project.refresh_from_db()
    assert (project.status, project.claimed_by) == ("claimed", org)
    assert "已选定“夕阳红服务社”承接本项目。" in _html(selected)
    assert dict(ProjectClaim.objects.values_list("organization__name", "status")) == {
        "夕阳红服务社": "undertaking",
        "百合志愿队": "not_selected",
    }


def test_selecting_is_refused_to_an_organization_leader(tree, district_admin, org, org_leader, page):
    project = services.create_project(
        title="青少年心理护航",
        lifecycle_category="education",
        area=tree["C1"],
        by=district_admin,
        competitive=True,
    )
    services.publish_project(project, by=district_admin)
    claim = services.apply_for_project(project, organization=org, by=org_leader, proposal="方案")

    response = page(org_leader).post(
        reverse("projects:claim_decision", args=[project.pk, "select"]), {"claim": claim.pk}
    )

    assert response.status_code == 403
    assert "无权访问" in _html(response)
    assert ProjectClaim.objects.get(pk=claim.pk).status == "applied"


@pytest.fixture
def applied(tree, district_admin, org, org_leader):
    """A published competitive project with one pending application, by 夕阳红服务社."""
    project = services.create_project(
        title="青少年心理护航",
        lifecycle_category="education",
        area=tree["C1"],
        by=district_admin,
        competitive=True,
    )
    services.publish_project(project, by=district_admin)
    return services.apply_for_project(project, organization=org, by=org_leader, proposal="方案")


@pytest.mark.parametrize("body", [{}, {"claim": "not-a-claim"}], ids=["empty", "invalid"])
def test_claim_decision_checks_the_permission_before_the_form(applied, evaluator, page, body):
    """A role that may not select is refused (403) whatever it sends, not told its form is
    wrong (400): the form's errors would be about a decision it may not make."""
    response = page(evaluator).post(
        reverse("projects:claim_decision", args=[applied.project_id, "select"]), body
    )

    assert response.status_code == 403
    assert ProjectClaim.objects.get(pk=applied.pk).status == "applied"


def test_withdrawing_is_refused_to_a_leader_whose_organization_has_not_applied(
    applied, other_org, other_org_leader, page
):
    response = page(other_org_leader).post(
        reverse("projects:claim_decision", args=[applied.project_id, "withdraw"]), {"claim": applied.pk}
    )

    assert response.status_code == 403
    assert ProjectClaim.objects.get(pk=applied.pk).status == "applied"


def test_the_publisher_still_gets_400_for_an_empty_form(applied, district_admin, page):
    response = page(district_admin).post(
        reverse("projects:claim_decision", args=[applied.project_id, "select"]), {}
    )

    assert response.status_code == 400
    assert ProjectClaim.objects.get(pk=applied.pk).status == "applied"


def test_applicant_withdraws_their_application(tree, district_admin, org, org_leader, page):
    project = services.create_project(
        title="青少年心理护航",
        lifecycle_category="education",
        area=tree["C1"],
        by=district_admin,
        competitive=True,
    )
    services.publish_project(project, by=district_admin)
    claim = services.apply_for_project(project, organization=org, by=org_leader, proposal="方案")

    response = page(org_leader).post(
        reverse("projects:claim_decision", args=[project.pk, "withdraw"]), {"claim": claim.pk}, follow=True
    )

    assert ProjectClaim.objects.get(pk=claim.pk).status == "withdrawn"
    assert "“夕阳红服务社”已撤回申报。" in _html(response)


# --- implementation -------------------------------------------------------------------------------


def test_undertaker_starts_and_completes_milestones(claimed, org_leader, page):
    client = page(org_leader)

    started = client.post(_act(claimed, "start"), follow=True)
    milestone = claimed.milestones.get()
    done = client.post(
        reverse("projects:milestone_complete", args=[claimed.pk, milestone.pk]),
        {"evidence": "助餐点已开张", "completed_on": TODAY.isoformat()},
        follow=True,
    )

    assert "项目已开始实施，可以填报服务记录了。" in _html(started)
    assert _status(claimed) == "in_progress"
    milestone.refresh_from_db()
    assert (milestone.completed_on, milestone.evidence) == (TODAY, "助餐点已开张")
    assert "里程碑“开办助餐点”已完成。" in _html(done)
    assert "填报服务记录" in _html(done)


def test_completing_with_open_milestones_names_them(in_progress, org_leader, page):
    response = page(org_leader).post(_act(in_progress, "complete"), {"note": ""})

    assert response.status_code == 400
    assert response.context["open_action"] == "complete"
    assert "还有里程碑未完成：开办助餐点。请先完成里程碑再申请结项。" in _html(response)
    assert _status(in_progress) == "in_progress"


def test_another_leader_cannot_start_the_project(claimed, other_org, other_org_leader, page):
    response = page(other_org_leader).post(_act(claimed, "start"))

    assert response.status_code == 403
    assert "只有项目的承接组织或发布单位可以进行此项操作。" in _html(response)
    assert _status(claimed) == "claimed"


def test_indicator_of_kind_other_takes_an_actual_figure(in_progress, org_leader, page):
    indicator = in_progress.indicators.get(kind="other")

    response = page(org_leader).post(
        reverse("projects:indicator_actual", args=[in_progress.pk, indicator.pk]),
        {"actual": "6"},
        follow=True,
    )
    bad = page(org_leader).post(
        reverse("projects:indicator_actual", args=[in_progress.pk, indicator.pk]), {"actual": "六"}
    )

    indicator.refresh_from_db()
    assert str(indicator.actual) == "6.00"
    assert "指标“志愿者培训”的实际值已保存。" in _html(response)
    assert bad.status_code == 400
    assert "实际值“六”不是有效的数字。" in _html(bad)


# --- acceptance, evaluation, cancellation -----------------------------------------------------------


def test_undertaker_reports_completion(in_progress, org_leader, page):
    services.complete_milestone(in_progress.milestones.get(), by=org_leader)

    response = page(org_leader).post(_act(in_progress, "complete"), {"note": "全部完成"}, follow=True)

    assert _status(in_progress) == "completed"
    assert "已报告项目完成，等待验收。" in _html(response)


def test_evaluator_accepts_and_evaluates(completed, evaluator, page):
    client = page(evaluator)
    shown = client.get(_url(completed))
    assert _actions(shown) == ["accept", "return"]
    # A date input takes ISO dates only (the Chinese locale would write 2026/05/01).
    assert f'name="accepted_on" value="{TODAY.isoformat()}"' in _html(shown)

    no_opinion = client.post(_act(completed, "accept"), {"opinion": "", "accepted_on": TODAY.isoformat()})
    accepted = client.post(
        _act(completed, "accept"), {"opinion": "达到预期", "accepted_on": TODAY.isoformat()}
    )
    out_of_range = client.post(
        _act(completed, "evaluate"),
        {
            "quantity": "120",
            "quality": "90",
            "satisfaction": "88",
            "funds_use": "80",
            "evaluated_on": TODAY.isoformat(),
        },
    )
    evaluated = client.post(
        _act(completed, "evaluate"),
        {
            "quantity": "95",
            "quality": "90",
            "satisfaction": "88",
            "funds_use": "80",
            "evaluated_on": TODAY.isoformat(),
            "evaluator_org": "宁波社会组织评估中心",
            "comment": "服务扎实",
        },
        follow=True,
    )

    assert no_opinion.status_code == 400
    assert "请填写验收意见。" in _html(no_opinion)
    assert accepted.status_code == 302
    assert Acceptance.objects.get(project=completed).opinion == "达到预期"
    assert out_of_range.status_code == 400
    assert "quantity" in out_of_range.context["actions"][0][1].errors
    evaluation = Evaluation.objects.get(project=completed)
    assert (str(evaluation.total), evaluation.grade) == ("89.10", "good")
    html = _html(evaluated)
    assert "绩效评估完成：良好（89.10 分）。" in html
    assert '<span class="badge grade-good">良好</span>' in html
    assert "宁波社会组织评估中心" in html
    assert "达到预期" in html


def test_return_for_rectification_needs_a_reason(completed, street_admin, page):
    client = page(street_admin)

    refused = client.post(_act(completed, "return"), {"reason": ""})
    returned = client.post(_act(completed, "return"), {"reason": "台账不全"}, follow=True)

    assert refused.status_code == 400
    assert "请填写退回整改的原因。" in _html(refused)
    assert _status(completed) == "in_progress"
    assert "项目已退回整改。" in _html(returned)
    assert ProjectChange.objects.filter(project=completed, action="return").get().note == "台账不全"


def test_org_leader_cannot_accept(completed, org_leader, page):
    response = page(org_leader).post(
        _act(completed, "accept"), {"opinion": "自己验收", "accepted_on": TODAY.isoformat()}
    )

    assert response.status_code == 403
    assert "您在“百合社区”没有此项操作的权限。" in _html(response)
    assert _status(completed) == "completed"


def test_cancel_needs_a_reason(planned, street_admin, page):
    client = page(street_admin)

    refused = client.post(_act(planned, "cancel"), {"reason": "  "})
    cancelled = client.post(_act(planned, "cancel"), {"reason": "需求已由其他项目覆盖"}, follow=True)

    assert refused.status_code == 400
    assert "请填写取消原因。" in _html(refused)
    assert _status(planned) == "cancelled"
    assert "项目已取消，未拨付的资金已退回资金来源。" in _html(cancelled)
    assert _actions(cancelled) == []


def test_unknown_action_is_404(planned, street_admin, page):
    assert page(street_admin).post(_act(planned, "explode")).status_code == 404


def test_actions_need_post(planned, street_admin, page):
    assert page(street_admin).get(_act(planned, "publish")).status_code == 405


# --- awards -------------------------------------------------------------------------------------------


def test_publisher_records_an_award(accepted, org, street_admin, community_worker, page):
    response = page(street_admin).post(
        reverse("projects:award_create", args=[accepted.pk]),
        {
            "name": "全国志愿服务项目大赛金奖",
            "level": "national",
            "issuer": "中央文明办",
            "awarded_on": TODAY.isoformat(),
            "organization": org.pk,
        },
        follow=True,
    )

    html = _html(response)
    assert "已记录获奖荣誉“全国志愿服务项目大赛金奖”。" in html
    assert "国家级" in html
    shown = page(community_worker).get(_url(accepted))
    assert "全国志愿服务项目大赛金奖" in _html(shown)
    assert "award_form" not in shown.context


def test_award_without_a_name_says_so(accepted, street_admin, page):
    response = page(street_admin).post(
        reverse("projects:award_create", args=[accepted.pk]),
        {"name": "", "level": "district", "awarded_on": TODAY.isoformat()},
    )

    assert response.status_code == 400
    assert "请填写奖项名称。" in _html(response)


def test_award_form_is_refused_without_the_permission(accepted, community_worker, page):
    response = page(community_worker).post(
        reverse("projects:award_create", args=[accepted.pk]),
        {"name": "金奖", "level": "district", "awarded_on": TODAY.isoformat()},
    )

    assert response.status_code == 403
