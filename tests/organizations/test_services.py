"""The organization services: the filing checklist, the review, names and leaders, members,
registration and the upgrade, the life cycle, incubation, annual reports, ratings, alliances.

Fixtures (tests/organizations/conftest.py): ``draft`` is 红领之家 in C1 (street S1) with a
leader, a charter, a venue and 9 members; ``ready`` is the same with 10.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.organizations import services
from gongzhi.organizations.choices import (
    ApplicationStatus,
    IncubationStage,
    MemberRole,
    OrgStatus,
    PlatformLevel,
    Track,
)
from gongzhi.organizations.models import (
    AllianceMembership,
    FilingApplication,
    FilingCounter,
    FilingRule,
    Membership,
    Organization,
    Rating,
    ServicePlatform,
)
from gongzhi.organizations.services import FilingRuleFailed
from gongzhi.organizations.validators import credit_check_char
from tests.factories import UserFactory, make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

RULES = ["min_members", "leader", "charter", "venue"]


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


def credit_code(serial: int, kind: str = "1") -> str:
    first17 = f"5{kind}330206MJ{serial:07d}"
    return first17 + credit_check_char(first17)


@pytest.fixture
def s2_admin(tree):
    user = UserFactory(username="s2_admin")
    assign_role(user, role=Role.STREET_ADMIN, area=tree["S2"])
    return user


def filed_org(name, area, by, reviewer, *, leader=None, members=10, now=None, grid=None, charter=None):
    """An organization taken through create → apply → approve by the services."""
    leader = leader or make_person(grid=grid, name=f"{name}负责人", political_status="party_member")
    org = services.create_organization(
        name=name, area=area, by=by, category="culture_sports", venue="活动室", leader=leader, charter=charter
    )
    add_members(org, grid, members - 1)
    application = services.apply_for_filing(org, by=by)
    services.approve_filing(application, by=reviewer, now=now or at(2026, 3, 5))
    org.refresh_from_db()
    return org


# --- the filing checklist -------------------------------------------------------------------


def test_checklist_passes_every_rule_of_a_ready_organization(ready):
    results = services.filing_checklist(ready)
    assert [(r.rule, r.passed) for r in results] == [(code, True) for code in RULES]
    assert results[0].detail == "现有 10 人"
    assert services.failed_rules(results) == []


def _no_leader(org):
    services.update_organization(org, by=None, leader=None)


def _no_charter(org):
    Organization.objects.filter(pk=org.pk).update(charter="")


def _no_venue(org):
    services.update_organization(org, by=None, venue="  ")


def _nine_members(org):
    services.remove_member(org.memberships.filter(role=MemberRole.MEMBER).first())


@pytest.mark.parametrize(
    ("breaks", "rule", "message"),
    [
        (_nine_members, "min_members", "活跃成员不少于 10 人（现有 9 人，还差 1 人）"),
        (_no_leader, "leader", "有负责人（请指定一名负责人）"),
        (_no_charter, "charter", "有章程（请上传章程）"),
        (_no_venue, "venue", "有相对固定的活动场所（请填写活动场所）"),
    ],
)
def test_each_rule_failing_alone_refuses_the_application_naming_only_that_rule(
    ready, community_worker, breaks, rule, message
):
    breaks(ready)
    ready.refresh_from_db()
    assert [r.rule for r in services.filing_checklist(ready) if not r.passed] == [rule]
    with pytest.raises(FilingRuleFailed) as caught:
        services.apply_for_filing(ready, by=community_worker)
    assert caught.value.problems == [{"rule": rule, "message": message}]
    assert caught.value.status_code == 422
    assert caught.value.as_dict()["problems"] == [{"rule": rule, "message": message}]
    ready.refresh_from_db()
    assert ready.status == OrgStatus.DRAFT
    assert not FilingApplication.objects.exists()


def test_checklist_takes_raw_facts_for_a_form_being_filled_in(db):
    results = services.filing_checklist(members=3, has_leader=True, has_charter=False, venue="")
    assert [r.rule for r in results if not r.passed] == ["min_members", "charter", "venue"]
    assert results[0].detail == "现有 3 人，还差 7 人"


def test_a_district_tightening_a_rule_changes_the_outcome(ready, community_worker, tree):
    FilingRule.objects.filter(code="min_members").update(parameter=15, message="活跃成员不少于 15 人")
    with pytest.raises(FilingRuleFailed) as caught:
        services.apply_for_filing(ready, by=community_worker)
    assert caught.value.problems == [
        {"rule": "min_members", "message": "活跃成员不少于 15 人（现有 10 人，还差 5 人）"}
    ]
    add_members(ready, tree["G2"], 5)
    assert services.apply_for_filing(ready, by=community_worker).status == ApplicationStatus.PENDING


def test_a_switched_off_rule_is_not_checked(draft, community_worker):
    FilingRule.objects.filter(code="min_members").update(is_active=False)
    assert [r.rule for r in services.filing_checklist(draft)] == ["leader", "charter", "venue"]
    services.apply_for_filing(draft, by=community_worker)


# --- the review ----------------------------------------------------------------------------


def test_approval_issues_the_streets_next_number_and_files_the_organization(
    ready, community_worker, street_admin, tree, media, charter
):
    application = services.apply_for_filing(ready, by=community_worker)
    ready.refresh_from_db()
    assert (ready.status, application.status, application.street) == (
        OrgStatus.APPLYING,
        ApplicationStatus.PENDING,
        tree["S1"],
    )
    assert [r["passed"] for r in application.checklist] == [True] * 4

    decided = services.approve_filing(application, by=street_admin, now=at(2026, 3, 5))
    ready.refresh_from_db()
    assert (decided.status, decided.filing_number, decided.decided_by) == (
        ApplicationStatus.APPROVED,
        "S1-2026-0001",
        street_admin,
    )
    assert (ready.status, ready.filing_number, ready.filed_on) == (
        OrgStatus.FILED,
        "S1-2026-0001",
        datetime.date(2026, 3, 5),
    )
    second = filed_org(
        "夕阳红舞蹈队", tree["C1"], community_worker, street_admin, grid=tree["G1"], charter=charter
    )
    assert second.filing_number == "S1-2026-0002"
    next_year = filed_org(
        "百合合唱团",
        tree["C1"],
        community_worker,
        street_admin,
        grid=tree["G1"],
        charter=charter,
        now=at(2027, 1, 4),
    )
    assert next_year.filing_number == "S1-2027-0001"
    assert sorted(FilingCounter.objects.values_list("year", "last")) == [(2026, 2), (2027, 1)]


def test_refusal_needs_a_reason_returns_to_draft_and_re_application_keeps_both(
    ready, community_worker, street_admin
):
    first = services.apply_for_filing(ready, by=community_worker)
    with pytest.raises(DomainError) as caught:
        services.refuse_filing(first, by=street_admin, reason=" ")
    assert caught.value.field == "reason"

    services.refuse_filing(first, by=street_admin, reason="章程未写明活动经费来源")
    ready.refresh_from_db()
    first.refresh_from_db()
    assert ready.status == OrgStatus.DRAFT
    assert (first.status, first.refusal_reason) == (ApplicationStatus.REFUSED, "章程未写明活动经费来源")

    second = services.apply_for_filing(ready, by=community_worker)
    services.approve_filing(second, by=street_admin, now=at(2026, 4, 1))
    assert [(a.status, a.filing_number) for a in ready.applications.order_by("id")] == [
        (ApplicationStatus.REFUSED, ""),
        (ApplicationStatus.APPROVED, "S1-2026-0001"),
    ]
    assert list(ready.changes.values_list("action", "to_status")) == [
        ("create", "draft"),
        ("apply", "applying"),
        ("refuse", "draft"),
        ("apply", "applying"),
        ("approve", "filed"),
    ]
    assert ready.changes.get(action="refuse").note == "章程未写明活动经费来源"


def test_approval_re_checks_the_rules(ready, community_worker, street_admin):
    application = services.apply_for_filing(ready, by=community_worker)
    _nine_members(ready)  # a member left while the application waited
    with pytest.raises(FilingRuleFailed) as caught:
        services.approve_filing(application, by=street_admin)
    assert [p["rule"] for p in caught.value.problems] == ["min_members"]
    application.refresh_from_db()
    ready.refresh_from_db()
    assert (application.status, ready.status, ready.filing_number) == (
        ApplicationStatus.PENDING,
        OrgStatus.APPLYING,
        None,
    )


def test_an_application_is_decided_once(ready, community_worker, street_admin):
    application = services.apply_for_filing(ready, by=community_worker)
    services.approve_filing(application, by=street_admin)
    with pytest.raises(InvalidTransition):
        services.refuse_filing(application, by=street_admin, reason="重复审核")
    with pytest.raises(InvalidTransition):
        services.apply_for_filing(Organization.objects.get(pk=ready.pk), by=community_worker)


def test_only_the_streets_reviewers_decide(ready, community_worker, s2_admin, street_admin):
    application = services.apply_for_filing(ready, by=community_worker)
    for outsider in (s2_admin, community_worker):
        with pytest.raises(Forbidden):
            services.approve_filing(application, by=outsider)
        with pytest.raises(Forbidden):
            services.refuse_filing(application, by=outsider, reason="不属本街道")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not FilingCounter.objects.exists()


# --- names, leaders, members ---------------------------------------------------------------


def test_a_name_is_taken_in_its_street_once_the_organization_applies(ready, community_worker, tree):
    services.apply_for_filing(ready, by=community_worker)
    with pytest.raises(Conflict) as caught:
        services.create_organization(name="红领之家", area=tree["G2"], by=community_worker)
    assert caught.value.field == "name"
    other_street = services.create_organization(name="红领之家", area=tree["C2"], by=None)
    assert other_street.street == tree["S2"]


def test_two_drafts_with_one_name_the_second_to_apply_is_refused(
    ready, community_worker, tree, media, charter
):
    twin = services.create_organization(
        name="红领之家", area=tree["G1"], by=community_worker, venue="活动室", charter=charter,
        leader=make_person(grid=tree["G1"], name="李红"),
    )  # fmt: skip
    add_members(twin, tree["G1"], 9)
    services.apply_for_filing(ready, by=community_worker)
    with pytest.raises(Conflict) as caught:
        services.apply_for_filing(twin, by=community_worker)
    assert caught.value.field == "name"
    twin.refresh_from_db()
    assert twin.status == OrgStatus.DRAFT


def test_registered_names_are_unique_across_the_district(district_admin, tree):
    services.register_organization(
        name="北仑区百灵鸟公益服务中心", area=tree["C1"], by=district_admin, legal_form="social_service",
        credit_code=credit_code(1, "2"), registering_authority="北仑区民政局", registered_on=datetime.date(2019, 5, 1),
    )  # fmt: skip
    with pytest.raises(Conflict) as caught:
        services.register_organization(
            name="北仑区百灵鸟公益服务中心", area=tree["C2"], by=district_admin, legal_form="social_group",
            credit_code=credit_code(2), registering_authority="北仑区民政局", registered_on=datetime.date(2020, 5, 1),
        )  # fmt: skip
    assert caught.value.field == "name"
    assert Organization.objects.filter(track=Track.REGISTERED).count() == 1


def test_a_person_leads_one_filed_organization_unless_the_district_allows_more(
    ready, community_worker, leader_person, tree, settings
):
    services.apply_for_filing(ready, by=community_worker)
    with pytest.raises(Conflict) as caught:
        services.create_organization(
            name="百合太极队", area=tree["C1"], by=community_worker, leader=leader_person
        )
    assert caught.value.field == "leader"
    assert "红领之家" in str(caught.value.message)

    settings.GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP = True
    second = services.create_organization(
        name="百合太极队", area=tree["C1"], by=community_worker, leader=leader_person
    )
    assert second.leader == leader_person


def test_a_leader_of_two_drafts_keeps_only_the_first_to_apply(
    ready, community_worker, leader_person, tree, charter
):
    other = services.create_organization(
        name="百合太极队",
        area=tree["C1"],
        by=community_worker,
        leader=leader_person,
        venue="广场",
        charter=charter,
    )
    add_members(other, tree["G2"], 9)
    services.apply_for_filing(ready, by=community_worker)
    with pytest.raises(Conflict) as caught:
        services.apply_for_filing(other, by=community_worker)
    assert caught.value.field == "leader"


def test_a_member_added_twice_is_one_membership(draft, tree):
    person = make_person(grid=tree["G1"], name="周敏")
    first = services.add_member(draft, person=person)
    again = services.add_member(draft, person=person, role=MemberRole.DEPUTY)
    assert again.pk == first.pk
    assert list(
        Membership.objects.filter(organization=draft, person=person).values_list("role", flat=True)
    ) == [MemberRole.DEPUTY]
    services.add_member(draft, person=person)  # listed again as a plain member: still the deputy
    assert Membership.objects.get(organization=draft, person=person).role == MemberRole.DEPUTY
    assert draft.memberships.filter(left_on__isnull=True).count() == 10


# --- registration and the upgrade ----------------------------------------------------------


def test_a_filed_organization_upgrades_to_registered_on_the_same_record(
    ready, community_worker, street_admin, district_admin
):
    services.approve_filing(
        services.apply_for_filing(ready, by=community_worker), by=street_admin, now=at(2024, 6, 1)
    )
    code = credit_code(42, "2")
    registered = services.register_organization(
        ready, by=district_admin, legal_form="social_service", credit_code=code.lower(),
        registering_authority="北仑区民政局", registered_on=datetime.date(2026, 9, 1),
    )  # fmt: skip
    assert registered.pk == ready.pk
    registered.refresh_from_db()
    assert (registered.track, registered.status, registered.filing_number, registered.credit_code) == (
        Track.REGISTERED,
        OrgStatus.REGISTERED,
        "S1-2024-0001",
        code,
    )
    assert list(registered.changes.values_list("action", flat=True)) == [
        "create",
        "apply",
        "approve",
        "register",
    ]
    assert registered.memberships.filter(left_on__isnull=True).count() == 10


def test_registration_is_for_district_admins_with_a_valid_credit_code(ready, street_admin, district_admin):
    arguments = {"legal_form": "social_group", "registering_authority": "北仑区民政局",
                 "registered_on": datetime.date(2026, 1, 1)}  # fmt: skip
    with pytest.raises(Forbidden):
        services.register_organization(ready, by=street_admin, credit_code=credit_code(7), **arguments)
    wrong = credit_code(7)[:-1] + ("0" if credit_code(7)[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        services.register_organization(ready, by=district_admin, credit_code=wrong, **arguments)
    assert (caught.value.field, "校验位错误" in str(caught.value.message)) == ("credit_code", True)
    with pytest.raises(DomainError) as caught:
        services.register_organization(
            ready, by=district_admin, credit_code=credit_code(7), **{**arguments, "legal_form": "company"}
        )
    assert caught.value.field == "legal_form"
    ready.refresh_from_db()
    assert (ready.track, ready.status) == (Track.FILED, OrgStatus.DRAFT)


def test_a_credit_code_belongs_to_one_organization(district_admin, tree):
    arguments = {"by": district_admin, "legal_form": "social_group", "registering_authority": "北仑区民政局",
                 "registered_on": datetime.date(2026, 1, 1), "credit_code": credit_code(9)}  # fmt: skip
    services.register_organization(name="北仑区摄影家协会", area=tree["S1"], **arguments)
    with pytest.raises(Conflict) as caught:
        services.register_organization(name="北仑区书法家协会", area=tree["S1"], **arguments)
    assert caught.value.field == "credit_code"


# --- suspension, resumption, deregistration ------------------------------------------------


def test_a_filed_organization_is_suspended_resumed_and_deregistered_by_its_street(
    ready, community_worker, street_admin, s2_admin
):
    services.approve_filing(services.apply_for_filing(ready, by=community_worker), by=street_admin)
    with pytest.raises(Forbidden):
        services.suspend_organization(ready, by=s2_admin, reason="整改")
    with pytest.raises(DomainError) as caught:
        services.suspend_organization(ready, by=street_admin, reason="")
    assert caught.value.field == "reason"

    assert (
        services.suspend_organization(ready, by=street_admin, reason="活动场所整改").status
        == OrgStatus.SUSPENDED
    )
    with pytest.raises(InvalidTransition):
        services.suspend_organization(ready, by=street_admin, reason="再次暂停")
    assert services.resume_organization(ready, by=street_admin).status == OrgStatus.FILED
    assert (
        services.deregister_organization(ready, by=street_admin, reason="自行解散").status
        == OrgStatus.DEREGISTERED
    )
    for action in (
        services.resume_organization,
        services.suspend_organization,
        services.deregister_organization,
    ):
        with pytest.raises(InvalidTransition) as caught:
            action(ready, by=street_admin, reason="再试")
        assert "已注销" in str(caught.value.message)
    assert list(ready.changes.values_list("action", "from_status", "to_status", "note"))[-3:] == [
        ("suspend", "filed", "suspended", "活动场所整改"),
        ("resume", "suspended", "filed", "恢复活动"),
        ("deregister", "filed", "deregistered", "自行解散"),
    ]


def test_a_draft_cannot_be_suspended_and_registered_ones_belong_to_the_district(
    draft, street_admin, district_admin, tree
):
    with pytest.raises(InvalidTransition):
        services.suspend_organization(draft, by=street_admin, reason="整改")
    registered = services.register_organization(
        name="北仑区义工协会", area=tree["C1"], by=district_admin, legal_form="social_group",
        credit_code=credit_code(11), registering_authority="北仑区民政局", registered_on=datetime.date(2018, 3, 1),
    )  # fmt: skip
    with pytest.raises(Forbidden):
        services.suspend_organization(registered, by=street_admin, reason="整改")
    assert (
        services.suspend_organization(registered, by=district_admin, reason="年检不合格").status
        == "suspended"
    )
    assert services.resume_organization(registered, by=district_admin).status == OrgStatus.REGISTERED


# --- incubation ----------------------------------------------------------------------------


@pytest.fixture
def platform(tree):
    return ServicePlatform.objects.create(
        name="新碶街道社会组织服务中心", level=PlatformLevel.STREET, area=tree["S1"]
    )


def test_incubation_goes_entered_cultivating_graduated(draft, platform, street_admin):
    incubation = services.enter_incubation(
        draft, platform=platform, by=street_admin, mentor="王老师", on=datetime.date(2026, 1, 5)
    )
    draft.refresh_from_db()
    assert (incubation.stage, draft.is_incubating) == (IncubationStage.ENTERED, True)
    with pytest.raises(Conflict):
        services.enter_incubation(draft, platform=platform, by=street_admin)
    with pytest.raises(InvalidTransition):
        services.advance_incubation(incubation, to=IncubationStage.GRADUATED, by=street_admin)

    services.advance_incubation(
        incubation, to=IncubationStage.CULTIVATING, by=street_admin, on=datetime.date(2026, 2, 1)
    )
    with pytest.raises(InvalidTransition):
        services.advance_incubation(incubation, to=IncubationStage.ENTERED, by=street_admin)
    done = services.advance_incubation(
        incubation,
        to=IncubationStage.GRADUATED,
        by=street_admin,
        outcome="完成备案",
        on=datetime.date(2026, 6, 1),
    )
    draft.refresh_from_db()
    assert (done.stage, done.cultivating_on, done.ended_on, done.outcome, draft.is_incubating) == (
        IncubationStage.GRADUATED,
        datetime.date(2026, 2, 1),
        datetime.date(2026, 6, 1),
        "完成备案",
        False,
    )
    with pytest.raises(InvalidTransition):
        services.advance_incubation(done, to=IncubationStage.WITHDRAWN, by=street_admin)
    # Graduated, it may enter another platform's programme later.
    assert (
        services.enter_incubation(draft, platform=platform, by=street_admin).stage == IncubationStage.ENTERED
    )


def test_incubation_is_managed_by_the_platforms_area(draft, platform, community_worker, s2_admin):
    for user in (community_worker, s2_admin):  # C1 lies below the platform; S2 beside it
        with pytest.raises(Forbidden):
            services.enter_incubation(draft, platform=platform, by=user)
    draft.refresh_from_db()
    assert draft.is_incubating is False


# --- annual reports and ratings ------------------------------------------------------------


@pytest.fixture
def filed_2024(ready, community_worker, street_admin):
    services.approve_filing(
        services.apply_for_filing(ready, by=community_worker), by=street_admin, now=at(2024, 5, 1)
    )
    ready.refresh_from_db()
    return ready


def test_one_annual_report_per_year(filed_2024, community_worker):
    report = services.submit_annual_report(
        filed_2024, year=2025, by=community_worker, activities=24, members=12, income=Decimal("3000.00")
    )
    assert (report.year, report.activities, report.income) == (2025, 24, Decimal("3000.00"))
    with pytest.raises(Conflict) as caught:
        services.submit_annual_report(filed_2024, year=2025, by=community_worker)
    assert caught.value.field == "year"
    with pytest.raises(DomainError):
        services.submit_annual_report(filed_2024, year=timezone.localdate().year + 1, by=community_worker)
    with pytest.raises(DomainError):
        services.submit_annual_report(filed_2024, year=2025, by=community_worker, expenses=Decimal("-1"))
    assert filed_2024.annual_reports.count() == 1


def test_drafts_file_no_annual_report(draft, community_worker):
    with pytest.raises(DomainError):
        services.submit_annual_report(draft, year=2025, by=community_worker)
    assert services.missing_annual_report(draft, 2025) is False


def test_missing_report_follows_the_filing_date(filed_2024, community_worker):
    assert (
        services.missing_annual_report(filed_2024, 2023),
        services.missing_annual_report(filed_2024, 2024),
    ) == (
        False,
        True,
    )
    services.submit_annual_report(filed_2024, year=2024, by=community_worker)
    assert services.missing_annual_report(filed_2024, 2024) is False


def test_rating_is_refused_while_last_years_report_is_missing(filed_2024, district_admin, community_worker):
    with pytest.raises(DomainError) as caught:
        services.rate_organization(
            filed_2024, level=3, score=Decimal("720"), rated_on=datetime.date(2026, 3, 1), by=district_admin
        )
    assert "2025" in str(caught.value.message)
    assert not Rating.objects.exists()
    services.submit_annual_report(filed_2024, year=2025, by=community_worker)
    rating = services.rate_organization(
        filed_2024, level=3, score=Decimal("720"), rated_on=datetime.date(2026, 3, 1), by=district_admin
    )
    assert (rating.get_level_display(), rating.valid_until) == ("3A", datetime.date(2031, 3, 1))


def test_ratings_keep_their_history_and_the_current_one_is_the_latest_valid(
    filed_2024, district_admin, street_admin, community_worker
):
    services.submit_annual_report(filed_2024, year=2024, by=community_worker)
    services.submit_annual_report(filed_2024, year=2025, by=community_worker)
    first = services.rate_organization(
        filed_2024, level=2, score=Decimal("610.5"), rated_on=datetime.date(2025, 6, 1), by=district_admin
    )
    second = services.rate_organization(
        filed_2024, level=4, score=Decimal("830"), rated_on=datetime.date(2026, 3, 1), by=district_admin
    )
    with pytest.raises(Forbidden):
        services.rate_organization(
            filed_2024, level=5, score=Decimal("900"), rated_on=datetime.date(2026, 3, 1), by=street_admin
        )
    with pytest.raises(DomainError):
        services.rate_organization(
            filed_2024, level=6, score=Decimal("900"), rated_on=datetime.date(2026, 3, 1), by=district_admin
        )
    assert list(filed_2024.ratings.all()) == [second, first]
    assert services.current_rating(filed_2024, on=datetime.date(2025, 12, 1)) == first
    assert services.current_rating(filed_2024, on=datetime.date(2026, 6, 1)) == second
    assert services.current_rating(filed_2024, on=datetime.date(2031, 3, 2)) is None
    assert services.current_rating(filed_2024, on=datetime.date(2025, 5, 31)) is None


# --- alliances -----------------------------------------------------------------------------


def test_alliance_members_join_once_and_only_members_post(
    filed_2024, district_admin, community_worker, street_admin, tree, charter
):
    lead = services.register_organization(
        name="北仑区百灵鸟公益服务中心", area=tree["S1"], by=district_admin, legal_form="social_service",
        credit_code=credit_code(5, "2"), registering_authority="北仑区民政局", registered_on=datetime.date(2016, 4, 1),
    )  # fmt: skip
    with pytest.raises(Forbidden):
        services.create_alliance(name="百灵鸟公益联盟", lead=lead, area=tree["D"], by=street_admin)
    alliance = services.create_alliance(name="百灵鸟公益联盟", lead=lead, area=tree["D"], by=district_admin)
    with pytest.raises(Conflict):
        services.create_alliance(name="百灵鸟公益联盟", lead=lead, area=tree["D"], by=district_admin)

    outsider = services.create_organization(name="蒲公英爱心团", area=tree["C1"], by=community_worker)
    with pytest.raises(DomainError):
        services.join_alliance(alliance, organization=outsider, by=district_admin)  # a draft
    with pytest.raises(Forbidden):
        services.post_alliance_news(
            alliance, organization=filed_2024, by=community_worker, title="招募", body="…"
        )

    services.join_alliance(alliance, organization=filed_2024, by=district_admin)
    services.join_alliance(alliance, organization=filed_2024, by=district_admin)
    assert sorted(
        AllianceMembership.objects.filter(alliance=alliance).values_list("organization__name", flat=True)
    ) == [
        "北仑区百灵鸟公益服务中心",
        "红领之家",
    ]
    post = services.post_alliance_news(
        alliance,
        organization=filed_2024,
        by=community_worker,
        title=" 周末环保登山 ",
        body="本周六九峰山捡拾垃圾。",
    )
    assert (post.title, post.author, list(alliance.posts.all())) == ("周末环保登山", community_worker, [post])
    with pytest.raises(DomainError):
        services.post_alliance_news(
            alliance, organization=filed_2024, by=community_worker, title="空", body=" "
        )
