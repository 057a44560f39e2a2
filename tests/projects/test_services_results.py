"""Acceptance, performance evaluation (weighted total, grade boundaries) and awards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.projects import services
from gongzhi.projects.choices import GRADE_THRESHOLDS, SCORE_WEIGHTS, Grade
from gongzhi.projects.models import Award, Evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(elderly_project, org, org_leader, evaluator):
    services.claim_project(elderly_project, organization=org, by=org_leader)
    services.start_project(elderly_project, by=org_leader)
    services.complete_project(elderly_project, by=org_leader)
    services.accept_project(elderly_project, by=evaluator, opinion="资料齐全，同意验收")
    elderly_project.refresh_from_db()
    return elderly_project


def test_weights_add_up_to_100_and_thresholds_descend():
    assert sum(SCORE_WEIGHTS.values()) == 100
    assert [low for low, _grade in GRADE_THRESHOLDS] == sorted(
        (low for low, _ in GRADE_THRESHOLDS), reverse=True
    )
    assert GRADE_THRESHOLDS[-1][0] == 0


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", Grade.EXCELLENT),
        ("90", Grade.EXCELLENT),
        ("89.99", Grade.GOOD),
        ("80", Grade.GOOD),
        ("79.99", Grade.PASS),
        ("60", Grade.PASS),
        ("59.99", Grade.FAIL),
        ("0", Grade.FAIL),
    ],
)
def test_grade_boundaries(total, grade):
    assert services.grade_for(Decimal(total)) == grade


@pytest.mark.parametrize(
    ("score", "total", "grade"),
    [("90", "90.00", "excellent"), ("89.99", "89.99", "good"), ("59.99", "59.99", "fail")],
)
def test_evaluation_with_equal_scores_lands_on_the_boundary(accepted, evaluator, score, total, grade):
    evaluation = services.evaluate_project(
        accepted, by=evaluator, quantity=score, quality=score, satisfaction=score, funds_use=score
    )

    assert (evaluation.total, evaluation.grade) == (Decimal(total), grade)


def test_evaluation_total_is_weighted(accepted, evaluator):
    # 100×30 + 80×30 + 70×20 + 60×20 = 8000 → 80.00 (良好)
    evaluation = services.evaluate_project(
        accepted,
        by=evaluator,
        quantity="100",
        quality="80",
        satisfaction="70",
        funds_use="60",
        comment="台账规范",
        evaluator_org="北仑区社会组织发展评估中心",
    )

    assert (evaluation.total, evaluation.grade, evaluation.evaluator) == (Decimal("80.00"), "good", evaluator)
    accepted.refresh_from_db()
    assert accepted.status == "evaluated"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quality", "100.5", "质量得分须在 0 到 100 之间（现为 100.5）。"),
        ("funds_use", "-1", "资金使用得分不能为负数或非数字（现为 -1）。"),
        ("quantity", "九十", "数量得分“九十”不是有效的数字。"),
    ],
)
def test_evaluation_scores_are_validated(accepted, evaluator, field, value, message):
    scores = {"quantity": "90", "quality": "90", "satisfaction": "90", "funds_use": "90", field: value}

    with pytest.raises(DomainError) as exc:
        services.evaluate_project(accepted, by=evaluator, **scores)

    assert (exc.value.field, str(exc.value)) == (field, message)
    assert not Evaluation.objects.exists()


def test_evaluation_needs_the_role_and_an_accepted_project(
    elderly_project, accepted, street_admin, evaluator
):
    with pytest.raises(Forbidden):
        services.evaluate_project(
            accepted, by=street_admin, quantity=1, quality=1, satisfaction=1, funds_use=1
        )
    services.evaluate_project(accepted, by=evaluator, quantity=90, quality=90, satisfaction=90, funds_use=90)

    with pytest.raises(InvalidTransition, match="“已评估”，不能绩效评估"):
        services.evaluate_project(
            accepted, by=evaluator, quantity=90, quality=90, satisfaction=90, funds_use=90
        )


def test_acceptance_needs_an_opinion(elderly_project, org, org_leader, evaluator):
    services.claim_project(elderly_project, organization=org, by=org_leader)
    services.start_project(elderly_project, by=org_leader)
    services.complete_project(elderly_project, by=org_leader)

    with pytest.raises(DomainError) as exc:
        services.accept_project(elderly_project, by=evaluator, opinion="")

    assert (exc.value.field, str(exc.value)) == ("opinion", "请填写验收意见。")


# ---------------------------------------------------------------------------------------------
# Awards


def test_award_for_a_project_and_its_undertaker(accepted, org, street_admin):
    award = services.record_award(
        by=street_admin,
        name="全国志愿服务项目大赛金奖",
        level="national",
        awarded_on="2026-09-18",
        issuer="全国志愿服务项目大赛组委会",
        project=accepted,
        organization=org,
    )

    assert (award.area, award.project, award.organization, award.created_by) == (
        accepted.area,
        accepted,
        org,
        street_admin,
    )


def test_award_for_an_organization_alone_takes_its_area(org, district_admin):
    award = services.record_award(
        by=district_admin,
        name="浙江省优秀社会组织",
        level="provincial",
        awarded_on="2026-06-20",
        organization=org,
    )

    assert (award.project, award.area) == (None, org.area)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "project", "请选择获奖的项目或社会组织。"),
        ({"with_project": True, "name": " "}, "name", "请填写奖项名称。"),
        ({"with_project": True, "level": "galactic"}, "level", "未知的奖项级别“galactic”。"),
        ({"with_project": True, "with_other_org": True}, "organization", "“百合志愿队”没有承接过该项目。"),
    ],
)
def test_award_refusals(accepted, other_org, district_admin, fields, field, message):
    kwargs = {"name": "区十佳公益项目", "level": "district", "awarded_on": "2026-10-28"}
    if fields.pop("with_project", False):
        kwargs["project"] = accepted
    if fields.pop("with_other_org", False):
        kwargs["organization"] = other_org
    kwargs.update(fields)

    with pytest.raises(DomainError) as exc:
        services.record_award(by=district_admin, **kwargs)

    assert (exc.value.field, str(exc.value)) == (field, message)
    assert not Award.objects.exists()


def test_award_needs_the_role(accepted, community_worker):
    with pytest.raises(Forbidden):
        services.record_award(
            by=community_worker, name="区十佳", level="district", awarded_on="2026-10-28", project=accepted
        )
