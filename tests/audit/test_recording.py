"""What gets recorded: transitions (cases, projects, organizations, volunteers), money
movements, permission denials (API and pages) and sensitive reads — through the doors users
use, with who, what and the outcome."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import Category, Outcome
from gongzhi.organizations.services import suspend_organization
from gongzhi.projects import services as projects
from gongzhi.volunteers import services as volunteers
from tests.factories import make_person
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


# Transitions -------------------------------------------------------------------------------


def test_a_case_transition_is_recorded_with_actor_states_and_masked_note(api, community_worker, reported):
    response = api(community_worker).post(
        f"/api/v1/cases/{reported.pk}/register/", {"note": "属实，联系人13812345678"}, format="json"
    )
    assert response.status_code == 200, response.content

    [report, register] = events(category=Category.TRANSITION, object_type="cases.case")
    assert (report.action, report.detail["from"], report.detail["to"]) == ("case.report", "", "reported")
    assert register.action == "case.register"
    assert (register.actor_id, register.actor_name) == (community_worker.pk, "community_worker")
    assert register.object_id == str(reported.pk)
    assert register.object_repr == reported.number
    assert register.outcome == Outcome.SUCCESS
    assert register.detail == {
        "from": "reported",
        "to": "registered",
        "level": "grid",
        "note": "属实，联系人138****5678",
    }
    assert register.ip == "127.0.0.1"


def test_a_refused_transition_leaves_no_transition_row(api, grid_member, reported):
    response = api(grid_member).post(f"/api/v1/cases/{reported.pk}/register/", {}, format="json")

    assert response.status_code in (403, 404)
    assert [e.action for e in events(category=Category.TRANSITION)] == ["case.report"]


def test_project_transitions_are_recorded(elderly_project, district_admin):
    projects.cancel_project(elderly_project, by=district_admin, reason="资金调整")

    assert [(e.action, e.detail["from"], e.detail["to"]) for e in events(object_type="projects.project")] == [
        ("project.publish", "draft", "published"),
        ("project.cancel", "published", "cancelled"),
    ]


def test_organization_transitions_are_recorded(org, street_admin):
    suspend_organization(org, by=street_admin, reason="年检未通过")

    [event] = events(object_type="organizations.organization")
    assert (event.action, event.actor_id) == ("organization.suspend", street_admin.pk)
    assert event.detail == {"from": "filed", "to": "suspended", "note": "年检未通过"}


def test_service_record_approval_and_activity_cancellation_are_recorded(
    ann, club, activity, leader, community_worker
):
    record = volunteers.add_manual_record(
        ann,
        by=community_worker,
        organization=club,
        served_on=timezone.localdate() - datetime.timedelta(days=1),
        hours="2",
        content="陪老人聊天",
        reason="纸质签到补录",
    )
    volunteers.approve_record(record, by=community_worker)
    volunteers.cancel_activity(activity, by=leader, reason="台风")

    assert [(e.action, e.detail["from"], e.detail["to"]) for e in events(category=Category.TRANSITION)] == [
        ("activity.publish", "", "open"),
        ("servicerecord.approve", "pending", "approved"),
        ("activity.cancel", "open", "cancelled"),
    ]
    approval = events(action="servicerecord.approve")[0]
    assert (approval.actor_id, approval.object_id, approval.detail["hours"]) == (
        community_worker.pk,
        str(record.pk),
        "2.00",
    )


# Money -------------------------------------------------------------------------------------


def test_a_disbursement_and_its_reversal_are_recorded(api, gov_fund, elderly_project, district_admin):
    client = api(district_admin)
    url = f"/api/v1/projects/{elderly_project.pk}"
    assert client.post(f"{url}/allocations/", {"source": gov_fund.pk, "amount": "5000.00"}).status_code == 201
    response = client.post(
        f"{url}/disbursements/",
        {"source": gov_fund.pk, "amount": "1200.50", "voucher": "PZ-2026-001", "paid_on": "2026-05-01"},
    )
    assert response.status_code == 201, response.content
    entry_id = response.json()["id"]
    response = client.post(f"{url}/disbursements/{entry_id}/reverse/", {"reason": "凭证错误"})
    assert response.status_code == 201, response.content

    [allocation, paid, reversed_] = events(category=Category.MONEY)
    assert allocation.action == "allocation.create"
    assert allocation.detail["amount"] == "5000.00"
    assert paid.action == "disbursement.create"
    assert (paid.object_type, paid.object_id) == ("projects.disbursement", str(entry_id))
    assert paid.actor_id == district_admin.pk
    assert paid.detail == {
        "amount": "1200.50",
        "project_id": elderly_project.pk,
        "source_id": gov_fund.pk,
        "voucher": "PZ-2026-001",
        "paid_on": "2026-05-01",
    }
    assert reversed_.action == "disbursement.reverse"
    assert reversed_.detail["amount"] == "-1200.50"
    assert reversed_.detail["reversal_of"] == entry_id


# Denials -----------------------------------------------------------------------------------


def test_an_api_403_is_recorded_once_and_its_body_is_unchanged(api, community_worker):
    response = api(community_worker).get("/api/v1/audit-events/?actor=13812345678")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    [denial] = events(category=Category.DENIAL)
    assert (denial.action, denial.outcome, denial.actor_id) == (
        "access.denied",
        Outcome.DENIED,
        community_worker.pk,
    )
    # The path, never the query string (it may hold a searched phone number).
    assert denial.detail == {"method": "GET", "path": "/api/v1/audit-events/", "reason": "permission_denied"}


def test_a_domain_forbidden_answer_is_recorded(tree, api, street_admin):
    # A street admin may suspend filed organizations, not registered ones (the district does):
    # the service refuses with Forbidden, a DomainError answered 403.
    registered = make_org(tree["C1"], "百合基金会", status="registered")

    response = api(street_admin).post(
        f"/api/v1/organizations/{registered.pk}/suspend/", {"reason": "测试"}, format="json"
    )

    assert response.status_code == 403, response.content
    [denial] = events(category=Category.DENIAL)
    assert denial.detail["path"] == f"/api/v1/organizations/{registered.pk}/suspend/"


def test_an_unauthenticated_api_request_is_not_a_denial(api):
    response = api().get("/api/v1/audit-events/")

    assert response.status_code == 401
    assert events(category=Category.DENIAL) == []


def test_a_page_403_is_recorded_and_shows_the_usual_page(page, district_admin):
    response = page(district_admin).get("/audit/")

    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    [denial] = events(category=Category.DENIAL)
    assert (denial.actor_name, denial.detail["method"], denial.detail["path"]) == (
        "district_admin",
        "GET",
        "/audit/",
    )


# Sensitive reads ---------------------------------------------------------------------------


def test_sensitive_tags_seen_on_a_list_are_recorded(tree, page, community_worker):
    person = make_person(grid=tree["G1"], name="赵六", tags=["mental_disorder_family"])

    response = page(community_worker).get("/people/")

    assert response.status_code == 200
    [read] = events(category=Category.SENSITIVE_READ)
    assert (read.action, read.actor_id) == ("sensitive.view", community_worker.pk)
    assert (read.object_type, read.object_id, read.object_repr) == ("people.person", str(person.pk), "赵六")
    assert read.detail["field"] == "tag:mental_disorder_family"


def test_case_record_looks_are_recorded(tree, district_admin, org, org_leader):
    project = projects.create_project(
        title="愈合花园",
        lifecycle_category="vulnerable",
        area=tree["C1"],
        by=district_admin,
        case_services=True,
    )
    projects.publish_project(project, by=district_admin)
    projects.claim_project(project, organization=org, by=org_leader)
    projects.add_caseworker(project, user=org_leader, by=org_leader)
    record = projects.open_case_record(project, by=org_leader, household="王某某家庭", needs="照护")

    projects.log_case_access([record], user=org_leader, action="view", ip_address="10.0.0.8")

    [read] = events(category=Category.SENSITIVE_READ)
    assert (read.action, read.actor_id, read.ip) == ("caserecord.view", org_leader.pk, "10.0.0.8")
    assert (read.object_type, read.object_id) == ("projects.caserecord", str(record.pk))


def test_a_revealed_id_number_is_recorded_once(tree, community_worker):
    from gongzhi.people.services import reveal_id_number

    person = make_person(grid=tree["G1"])

    reveal_id_number(person, by=community_worker, reason="核实低保申请")

    assert [e.action for e in events(category=Category.SENSITIVE_READ)] == ["sensitive.reveal_id_number"]
