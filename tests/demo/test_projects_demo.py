"""The demo's funding and public-welfare projects: the source's figures (about 30 million yuan,
20 million of it government purchase; 微民生·益起来 with 20 projects; about 300 projects;
about 160,000 person-times; 愈合花园 and its national gold prize), ledgers that keep the
money rules at every moment, histories that follow the transition table, claimants the
eligibility rule accepts, the coverage gaps left on purpose, idempotency."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.test import override_settings

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.demo import data
from gongzhi.demo import project_data as pd
from gongzhi.demo.builder import build_demo, plan_district
from gongzhi.demo.projects import plan_projects
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.organizations.validators import validate_credit_code
from gongzhi.projects import services
from gongzhi.projects.choices import (
    ALLOWED_TRANSITIONS,
    SCORE_WEIGHTS,
    ClaimStatus,
    FundingKind,
    ProjectStatus,
)
from gongzhi.projects.models import (
    Allocation,
    Award,
    CaseRecord,
    Delivery,
    Disbursement,
    Evaluation,
    FundingSource,
    Programme,
    Project,
    ProjectClaim,
)
from gongzhi.projects.queries import coverage, with_balances, with_totals
from tests.conftest import check_deferred_constraints

# The module's tests share the demo, built once for the module: one xdist worker runs them
# all (``--dist loadgroup`` in pyproject.toml), so that it is built once, not on each worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-projects")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The district, its organizations and its projects (no cases), built once for this
    module and rolled back after it."""
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        result = build_demo(organizations=True, projects=True)
        check_deferred_constraints()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def district(demo):
    return Area.objects.get(code=data.DISTRICT_CODE)


def test_demo_funding_is_about_30_million_with_20_million_government_purchase(demo):
    sources = list(FundingSource.objects.filter(year=pd.YEAR))
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    for source in sources:
        by_kind[source.kind] += source.amount

    assert sum(by_kind.values()) == Decimal("30000000.00")
    assert by_kind[FundingKind.GOVERNMENT_PURCHASE] == Decimal("20000000.00")
    assert by_kind[FundingKind.WELFARE_LOTTERY] > 0
    donations = [s for s in sources if s.kind == FundingKind.CORPORATE_DONATION]
    assert 2 <= len(donations) <= 4
    assert [s.restriction for s in donations if s.restriction] == ["elderly"]
    for donation in donations:
        validate_credit_code(donation.donor_credit_code)
        assert donation.donor_name
    assert demo.projects["funding_sources"] == len(sources) == 5


def test_demo_never_allocates_more_than_a_source_holds(demo):
    for source in with_balances(FundingSource.objects.all()):
        assert source.allocated <= source.amount, source.name
        assert source.disbursed <= source.allocated, source.name
    allocated = sum(s.allocated for s in with_balances(FundingSource.objects.all()))
    assert Decimal("20000000") <= allocated <= Decimal("30000000")


def test_demo_never_pays_out_more_than_a_source_allocated_to_a_project_at_any_moment(demo):
    """Replays each (project, source) ledger in time order, allocations before payments on
    the same moment being what the services would have required."""
    events: dict[tuple[int, int], list] = defaultdict(list)
    for row in Allocation.objects.values("project_id", "source_id", "amount", "created_at", "id"):
        events[row["project_id"], row["source_id"]].append((row["created_at"], 0, row["id"], row["amount"]))
    for row in Disbursement.objects.values("project_id", "source_id", "amount", "created_at", "id"):
        events[row["project_id"], row["source_id"]].append((row["created_at"], 1, row["id"], row["amount"]))

    assert events
    for key, rows in events.items():
        allocated = disbursed = Decimal(0)
        for _moment, kind, _id, amount in sorted(rows):
            if kind == 0:
                allocated += amount
            else:
                disbursed += amount
            assert Decimal(0) <= disbursed <= allocated, key


def test_demo_restricted_donation_funds_only_its_category(demo):
    restricted = FundingSource.objects.get(restriction="elderly")

    categories = set(
        Allocation.objects.filter(source=restricted).values_list("project__lifecycle_category", flat=True)
    )

    assert categories == {"elderly"}


def test_demo_reversals_mirror_the_entries_they_reverse(demo):
    reversed_payments = Disbursement.objects.filter(reversal_of__isnull=False).select_related("reversal_of")
    reversed_allocations = Allocation.objects.filter(reversal_of__isnull=False).select_related("reversal_of")

    assert reversed_payments.exists()
    for entry in reversed_payments:
        assert (entry.amount, entry.voucher) == (-entry.reversal_of.amount, entry.reversal_of.voucher)
    for entry in reversed_allocations:
        assert Decimal(0) < -entry.amount <= entry.reversal_of.amount
        assert entry.project.status == ProjectStatus.CANCELLED
    assert not Disbursement.objects.filter(voucher="").exists()


def test_demo_cancelled_projects_returned_their_unpaid_money(demo):
    cancelled = with_totals(Project.objects.filter(status=ProjectStatus.CANCELLED))

    assert cancelled.exists()
    assert {p.unpaid for p in cancelled} == {Decimal(0)}


def test_demo_has_about_300_projects_in_realistic_states(demo):
    statuses = dict(Project.objects.values_list("status").annotate(n=Count("pk")))
    total = sum(statuses.values())

    assert 280 <= total <= 320
    delivered = sum(statuses.get(s, 0) for s in ("in_progress", "completed", "accepted", "evaluated"))
    assert delivered >= 0.75 * total
    assert 0 < statuses["published"] + statuses["claimed"] <= 0.2 * total
    assert 0 < statuses["cancelled"] <= 0.05 * total
    assert set(Project.objects.values_list("lifecycle_category", flat=True)) == set(pd.CATEGORY_WEIGHTS)
    assert demo.projects["projects"] == total


def test_demo_programme_has_20_claimed_projects(demo):
    programme = Programme.objects.get(name="微民生·益起来")
    projects = programme.projects.all()

    assert programme.publisher == pd.PROGRAMME_PUBLISHER
    assert projects.count() == 20
    assert not projects.filter(claimed_by__isnull=True).exists()
    assert not projects.filter(status__in=["draft", "published", "cancelled"]).exists()


def test_demo_person_times_are_about_160_000(demo):
    totals = Delivery.objects.aggregate(times=Sum("person_times"), people=Sum("beneficiaries"))

    assert 150_000 <= totals["times"] <= 170_000
    assert totals["people"] < totals["times"]


def test_demo_histories_follow_the_transition_table(demo):
    projects = Project.objects.prefetch_related("changes")

    for project in projects:
        status = ProjectStatus.DRAFT
        for change in project.changes.all():
            allowed_from, target = ALLOWED_TRANSITIONS[change.action]
            assert change.from_status == status, project.title
            assert status in allowed_from, (project.title, change.action)
            assert change.to_status == target, (project.title, change.action)
            status = target
        assert status == project.status, project.title


def test_demo_claimants_are_live_organizations_the_eligibility_rule_accepts(demo):
    claims = ProjectClaim.objects.select_related("project__area", "organization__area")

    assert claims.count() >= 250
    for claim in claims:
        assert claim.organization.status in LIVE_STATUSES
        services.check_eligibility(claim.project, claim.organization)
    for project in Project.objects.exclude(claimed_by=None):
        lead = project.claims.filter(status=ClaimStatus.UNDERTAKING).order_by("created_at", "id").first()
        assert lead.organization_id == project.claimed_by_id, project.title
        assert project.claims.filter(status=ClaimStatus.UNDERTAKING).count() <= project.max_claimants


def test_demo_deliveries_fall_within_the_projects_run(demo):
    deliveries = Delivery.objects.select_related("project")

    for delivery in deliveries:
        project = delivery.project
        assert project.starts_on <= delivery.held_on < data.REFERENCE_DATE, project.title
        assert project.status in ("in_progress", "completed", "accepted", "evaluated", "cancelled")
        assert project.claims.filter(organization=delivery.organization, status="undertaking").exists()


def test_demo_done_projects_have_their_milestones_acceptance_and_evaluation(demo):
    done = Project.objects.filter(status__in=["completed", "accepted", "evaluated"])

    assert done.exists()
    for project in done:
        assert not project.milestones.filter(completed_on__isnull=True).exists(), project.title
    assert not Project.objects.filter(status="accepted", acceptance__isnull=True).exists()
    assert not Project.objects.filter(status="evaluated", evaluation__isnull=True).exists()
    for evaluation in Evaluation.objects.all():
        total = sum(getattr(evaluation, k) * w for k, w in SCORE_WEIGHTS.items()) / 100
        assert evaluation.total == total.quantize(Decimal("0.01"))
        assert evaluation.grade == services.grade_for(evaluation.total)
    grades = set(Evaluation.objects.values_list("grade", flat=True))
    assert {"excellent", "good", "pass"} <= grades


def test_demo_coverage_shows_the_gaps_left_on_purpose(demo, district):
    matrix = coverage(district, projects=Project.objects.all(), year=pd.YEAR)
    names = dict(Area.objects.filter(level="street").values_list("code", "name"))

    assert {(names[code], category) for category, code in matrix.gaps()} == set(pd.GAPS)
    assert 140_000 <= matrix.total.person_times <= 170_000


def test_demo_healing_garden_has_six_case_records_for_its_caseworker(demo):
    project = Project.objects.get(title=pd.HEALING_GARDEN["title"])
    org_leader = User.objects.get(username="org_leader")
    district_admin = User.objects.get(username="district")
    community_worker = User.objects.get(username="community")

    assert (project.case_services, project.status, project.claimed_by.name) == (
        True,
        "in_progress",
        "红领之家",
    )
    assert CaseRecord.objects.filter(project=project).count() == 6
    assert CaseRecord.objects.visible_to(org_leader).count() == 6
    assert CaseRecord.objects.visible_to(district_admin).count() == 6
    assert not CaseRecord.objects.visible_to(community_worker).exists()
    households = project.indicators.get(name="服务家庭数")
    assert households.actual >= 200
    award = Award.objects.get(project=project)
    assert (award.level, award.name) == ("national", "全国志愿服务项目大赛金奖")


def test_demo_second_run_adds_nothing(demo):
    counts = {
        model: model.objects.count()
        for model in (Project, Allocation, Disbursement, Delivery, Award, CaseRecord)
    }

    again = build_demo(organizations=True, projects=True)

    assert set(again.projects.values()) == {0}
    assert {model: model.objects.count() for model in counts} == counts


def test_demo_project_plan_is_deterministic_and_a_smaller_build_is_part_of_it():
    full = plan_projects(plan_district())
    small = plan_projects(plan_district(streets=2))

    assert plan_projects(plan_district()).digest() == full.digest()
    by_title = {p.title: p for p in full.projects}
    assert small.projects
    for project in small.projects:
        assert by_title[project.title] == project
