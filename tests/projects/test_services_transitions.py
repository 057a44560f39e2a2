"""Every project action from every status, as ALLOWED_TRANSITIONS says: allowed ones succeed
and append history, refused ones raise InvalidTransition saying the status and the action.
Cancellation returns the unpaid money to its sources by reversing entries; a targeted
donation funds only its category and its area."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from gongzhi.areas.choices import AreaLevel
from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.projects import services
from gongzhi.projects.choices import ALLOWED_TRANSITIONS, ClaimKind, ClaimStatus, ProjectAction, ProjectStatus
from gongzhi.projects.models import Allocation, Project, ProjectChange, ProjectClaim
from gongzhi.projects.queries import project_budget, project_ledger, source_balance
from gongzhi.projects.services import RestrictedFunds
from tests.factories import make_area

pytestmark = pytest.mark.django_db

PAID_ON = datetime.date(2026, 5, 1)


def perform(action: str, project: Project, *, org, by) -> None:
    """Call the service of ``action`` with arguments that pass every check but the status."""
    if action == ProjectAction.PUBLISH:
        services.publish_project(project, by=by)
    elif action == ProjectAction.CLAIM:
        services.claim_project(project, organization=org, by=by)
    elif action == ProjectAction.APPLY:
        services.apply_for_project(project, organization=org, by=by, proposal="组建专职团队上门服务")
    elif action == ProjectAction.SELECT:
        claim = ProjectClaim.objects.create(
            project=project,
            organization=org,
            kind=ClaimKind.APPLY,
            status=ClaimStatus.APPLIED,
            proposal="方案",
        )
        services.select_applicant(claim, by=by)
    elif action == ProjectAction.START:
        services.start_project(project, by=by)
    elif action == ProjectAction.COMPLETE:
        services.complete_project(project, by=by)
    elif action == ProjectAction.ACCEPT:
        services.accept_project(project, by=by, opinion="达到合同要求")
    elif action == ProjectAction.EVALUATE:
        services.evaluate_project(
            project, by=by, quantity="90", quality="90", satisfaction="90", funds_use="90"
        )
    elif action == ProjectAction.RETURN:
        services.return_project(project, by=by, reason="台账不全")
    elif action == ProjectAction.CANCEL:
        services.cancel_project(project, by=by, reason="场地改造")
    else:  # pragma: no cover - a new action needs a line here
        raise AssertionError(action)


CASES = list(itertools.product(ProjectAction.values, ProjectStatus.values))


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_action_from_every_status(action, status, tree, org, district_admin):
    project = services.create_project(
        title="银龄助餐",
        lifecycle_category="elderly",
        area=tree["C1"],
        by=district_admin,
        competitive=action in (ProjectAction.APPLY, ProjectAction.SELECT),
    )
    Project.objects.filter(pk=project.pk).update(status=status)
    project.refresh_from_db()
    allowed_from, target = ALLOWED_TRANSITIONS[action]

    if status in allowed_from:
        perform(action, project, org=org, by=district_admin)

        project.refresh_from_db()
        assert project.status == target
        change = ProjectChange.objects.get(project=project)
        assert (change.action, change.from_status, change.to_status) == (action, status, target)
    else:
        with pytest.raises(InvalidTransition) as exc:
            perform(action, project, org=org, by=district_admin)

        project.refresh_from_db()
        assert project.status == status
        assert not ProjectChange.objects.filter(project=project).exists()
        assert str(exc.value) == (
            f"项目当前状态为“{ProjectStatus(status).label}”，不能{ProjectAction(action).label}。"
        )


def test_table_covers_every_action_and_reaches_every_status():
    reached = {target for _from, target in ALLOWED_TRANSITIONS.values()}

    assert set(ALLOWED_TRANSITIONS) == set(ProjectAction.values)
    assert reached | {ProjectStatus.DRAFT} == set(ProjectStatus.values)
    assert ProjectStatus.CANCELLED not in {s for froms, _t in ALLOWED_TRANSITIONS.values() for s in froms}


def test_refusal_message_names_the_status_in_the_users_words(elderly_project, district_admin):
    with pytest.raises(InvalidTransition) as exc:
        services.start_project(elderly_project, by=district_admin)

    assert exc.value.status_code == 409
    assert str(exc.value) == "项目当前状态为“已发布”，不能开始实施。"


def test_returned_project_goes_back_to_implementation_and_is_accepted_again(
    elderly_project, org, org_leader, district_admin, evaluator
):
    services.claim_project(elderly_project, organization=org, by=org_leader)
    services.start_project(elderly_project, by=org_leader)
    services.complete_project(elderly_project, by=org_leader)

    services.return_project(elderly_project, by=evaluator, reason="服务台账不全")
    services.complete_project(elderly_project, by=org_leader, note="已补齐台账")
    acceptance = services.accept_project(elderly_project, by=evaluator, opinion="整改到位")

    assert elderly_project.acceptance == acceptance
    assert list(elderly_project.changes.values_list("action", flat=True)) == [
        "publish",
        "claim",
        "start",
        "complete",
        "return",
        "complete",
        "accept",
    ]


def test_transition_needs_the_role(elderly_project, community_worker):
    with pytest.raises(Forbidden):
        services.cancel_project(elderly_project, by=community_worker, reason="不需要了")

    elderly_project.refresh_from_db()
    assert elderly_project.status == "published"


# ---------------------------------------------------------------------------------------------
# Cancellation returns money


def test_cancellation_returns_unpaid_money_to_its_sources(
    gov_fund, donation, elderly_project, org, org_leader, district_admin
):
    first = services.allocate(elderly_project, source=gov_fund, amount="20000", by=district_admin)
    second = services.allocate(elderly_project, source=gov_fund, amount="10000", by=district_admin)
    gift = services.allocate(elderly_project, source=donation, amount="3000", by=district_admin)
    services.claim_project(elderly_project, organization=org, by=org_leader)
    services.start_project(elderly_project, by=org_leader)
    services.disburse(
        elderly_project, source=gov_fund, amount="12000", voucher="PZ-1", paid_on=PAID_ON, by=district_admin
    )
    services.disburse(
        elderly_project, source=donation, amount="1000", voucher="PZ-2", paid_on=PAID_ON, by=district_admin
    )

    services.cancel_project(elderly_project, by=district_admin, reason="承接组织骨干流失")

    # Newest entries are reversed first; the last one partly.
    reversals = Allocation.objects.filter(reversal_of__isnull=False).order_by("id")
    assert [(r.reversal_of_id, r.amount) for r in reversals] == [
        (second.pk, Decimal("-10000.00")),
        (first.pk, Decimal("-8000.00")),
        (gift.pk, Decimal("-2000.00")),
    ]
    assert {r.note for r in reversals} == {"项目取消：承接组织骨干流失"}
    gov, gift_balance = source_balance(gov_fund), source_balance(donation)
    assert (gov.allocated, gov.disbursed, gov.remaining) == (
        Decimal("12000.00"),
        Decimal("12000.00"),
        Decimal("88000.00"),
    )
    assert (gift_balance.allocated, gift_balance.remaining) == (Decimal("1000.00"), Decimal("4000.00"))
    assert project_budget(elderly_project) == Decimal("13000.00")
    assert {line.remaining for line in project_ledger(elderly_project)} == {Decimal("0.00")}
    change = elderly_project.changes.last()
    assert (change.action, change.note) == ("cancel", "承接组织骨干流失")


def test_cancelled_project_takes_no_more_money(gov_fund, elderly_project, district_admin):
    services.allocate(elderly_project, source=gov_fund, amount="5000", by=district_admin)
    services.cancel_project(elderly_project, by=district_admin, reason="与区级项目重复")

    with pytest.raises(InvalidTransition, match="已取消"):
        services.allocate(elderly_project, source=gov_fund, amount="1", by=district_admin)
    with pytest.raises(InvalidTransition, match="不能拨付"):
        services.disburse(
            elderly_project, source=gov_fund, amount="1", voucher="PZ-9", paid_on=PAID_ON, by=district_admin
        )
    assert source_balance(gov_fund).remaining == Decimal("100000.00")


def test_cancelling_a_draft_without_money_appends_nothing_to_the_ledger(childcare_project, district_admin):
    services.cancel_project(childcare_project, by=district_admin, reason="需求已由其他项目覆盖")

    assert not Allocation.objects.exists()
    assert Project.objects.get(pk=childcare_project.pk).status == "cancelled"


def test_cancellation_needs_a_reason(elderly_project, district_admin):
    with pytest.raises(DomainError) as exc:
        services.cancel_project(elderly_project, by=district_admin, reason="  ")

    assert (exc.value.field, str(exc.value)) == ("reason", "请填写取消原因。")


# ---------------------------------------------------------------------------------------------
# Targeted donations


def test_targeted_donation_funds_only_its_category(
    donation, elderly_project, childcare_project, district_admin
):
    with pytest.raises(RestrictedFunds) as exc:
        services.allocate(childcare_project, source=donation, amount="100", by=district_admin)

    services.allocate(elderly_project, source=donation, amount="5000", by=district_admin)
    assert str(exc.value) == "资金来源“爱心企业定向捐赠”限定用于“老有所养”，不能用于“幼有所育”类项目。"
    assert source_balance(donation).remaining == Decimal("0.00")


def test_funding_source_cannot_fund_a_project_outside_its_area(donation, superuser_in_two_districts):
    admin_user, other_street = superuser_in_two_districts
    outside = services.create_project(
        title="镇海助餐", lifecycle_category="elderly", area=other_street, by=admin_user
    )

    with pytest.raises(RestrictedFunds, match="不能用于其区域以外的项目"):
        services.allocate(outside, source=donation, amount="100", by=admin_user)


@pytest.fixture
def superuser_in_two_districts(tree):
    from tests.factories import UserFactory

    d2 = make_area("D2", AreaLevel.DISTRICT, name="镇海区")
    street = make_area("D2S", AreaLevel.STREET, d2, name="招宝山街道")
    return UserFactory(username="root", is_superuser=True), street


def test_only_a_corporate_donation_carries_donor_and_restriction(tree, district_admin):
    with pytest.raises(DomainError) as exc:
        services.create_funding_source(
            kind="government_purchase",
            name="政府购买服务资金",
            year=2026,
            amount="1000",
            area=tree["D"],
            by=district_admin,
            restriction="elderly",
        )

    assert (exc.value.field, str(exc.value)) == ("kind", "只有企业定向捐赠才有捐赠企业、限定用途和捐赠票据。")
