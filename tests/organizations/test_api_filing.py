"""Filing through the API: the checklist, each rule failing alone (422 with exactly that rule),
the street's review queue, approval with a unique number, refusal and re-application, street
isolation, and numbers under concurrent approvals on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.accounts.services import assign_role
from gongzhi.organizations import services
from gongzhi.organizations.models import FilingApplication, FilingRule, Membership, Organization
from tests.factories import UserFactory, make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/organizations/"
APPS = "/api/v1/filing-applications/"


def url(org, action):
    return f"{ORGS}{org.pk}/{action}/"


def error(response):
    return response.json()["error"]


def test_checklist_names_what_is_missing(api, community_worker, draft):
    response = api(community_worker).get(url(draft, "checklist"))

    assert response.status_code == 200
    assert response.json() == [
        {
            "rule": "min_members",
            "message": "活跃成员不少于 10 人",
            "passed": False,
            "detail": "现有 9 人，还差 1 人",
        },
        {"rule": "leader", "message": "有负责人", "passed": True, "detail": ""},
        {"rule": "charter", "message": "有章程", "passed": True, "detail": ""},
        {"rule": "venue", "message": "有相对固定的活动场所", "passed": True, "detail": ""},
    ]


def _break_leader(org):
    Organization.objects.filter(pk=org.pk).update(leader=None)


def _break_charter(org):
    Organization.objects.filter(pk=org.pk).update(charter="")


def _break_venue(org):
    Organization.objects.filter(pk=org.pk).update(venue="  ")


def _break_members(org):
    Membership.objects.filter(organization=org).exclude(role="leader").first().delete()


@pytest.mark.parametrize(
    ("breaks", "rule", "message"),
    [
        (_break_members, "min_members", "活跃成员不少于 10 人（现有 9 人，还差 1 人）"),
        (_break_leader, "leader", "有负责人（请指定一名负责人）"),
        (_break_charter, "charter", "有章程（请上传章程）"),
        (_break_venue, "venue", "有相对固定的活动场所（请填写活动场所）"),
    ],
)
def test_each_rule_failing_alone_answers_422_with_that_rule(
    api, community_worker, ready, breaks, rule, message
):
    breaks(ready)

    response = api(community_worker).post(url(ready, "apply-filing"))

    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "filing_rules_failed"
    assert body["problems"] == [{"rule": rule, "message": message}]
    ready.refresh_from_db()
    assert ready.status == "draft"
    assert FilingApplication.objects.count() == 0


def test_a_tightened_rule_is_applied(api, community_worker, ready):
    FilingRule.objects.filter(code="min_members").update(parameter=12, message="活跃成员不少于 12 人")

    response = api(community_worker).post(url(ready, "apply-filing"))

    assert response.status_code == 422
    assert error(response)["problems"] == [
        {"rule": "min_members", "message": "活跃成员不少于 12 人（现有 10 人，还差 2 人）"}
    ]


def test_apply_approve_issues_a_number(api, community_worker, street_admin, ready):
    applied = api(community_worker).post(url(ready, "apply-filing"))

    assert applied.status_code == 201, applied.json()
    application = applied.json()
    assert application["status"] == "pending"
    assert application["street"] == "S1"
    assert [r["passed"] for r in application["checklist"]] == [True, True, True, True]

    queue = api(street_admin).get(f"{APPS}?status=pending").json()
    assert [a["organization_name"] for a in queue["results"]] == ["红领之家"]

    approved = api(street_admin).post(f"{APPS}{application['id']}/approve/")

    year = timezone.localdate().year
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert approved.json()["filing_number"] == f"S1-{year}-0001"
    detail = api(community_worker).get(f"{ORGS}{ready.pk}/").json()
    assert (detail["status"], detail["filing_number"]) == ("filed", f"S1-{year}-0001")


def test_refuse_reapply_approve_keeps_both_applications(api, community_worker, street_admin, ready):
    worker, admin = api(community_worker), api(street_admin)
    first = worker.post(url(ready, "apply-filing")).json()

    no_reason = admin.post(f"{APPS}{first['id']}/refuse/", {"reason": " "})
    refused = admin.post(f"{APPS}{first['id']}/refuse/", {"reason": "活动场所证明材料不全，请补充"})
    second = worker.post(url(ready, "apply-filing"))
    approved = admin.post(f"{APPS}{second.json()['id']}/approve/")
    history = worker.get(url(ready, "applications")).json()

    assert no_reason.status_code == 400
    assert refused.json()["status"] == "refused"
    assert refused.json()["refusal_reason"] == "活动场所证明材料不全，请补充"
    assert second.status_code == 201
    assert approved.json()["status"] == "approved"
    assert [(a["status"], a["refusal_reason"]) for a in history] == [
        ("approved", ""),
        ("refused", "活动场所证明材料不全，请补充"),
    ]
    actions = list(ready.changes.values_list("action", flat=True))
    assert actions == ["create", "apply", "refuse", "apply", "approve"]


def test_approving_twice_is_a_conflict(api, street_admin, ready):
    application = services.apply_for_filing(ready, by=street_admin)
    client = api(street_admin)
    client.post(f"{APPS}{application.pk}/approve/")

    again = client.post(f"{APPS}{application.pk}/approve/")

    assert again.status_code == 409
    assert error(again)["code"] == "invalid_transition"


def test_another_streets_admin_gets_404(api, tree, ready, community_worker):
    application = services.apply_for_filing(ready, by=community_worker)
    s2_admin = UserFactory(username="s2_admin")
    assign_role(s2_admin, role="street_admin", area=tree["S2"])
    client = api(s2_admin)

    listed = client.get(APPS).json()
    approve = client.post(f"{APPS}{application.pk}/approve/")
    refuse = client.post(f"{APPS}{application.pk}/refuse/", {"reason": "x"})

    assert listed["count"] == 0
    assert approve.status_code == 404
    assert refuse.status_code == 404
    application.refresh_from_db()
    assert application.status == "pending"


def test_community_worker_cannot_review(api, community_worker, ready):
    application = services.apply_for_filing(ready, by=community_worker)

    response = api(community_worker).post(f"{APPS}{application.pk}/approve/")

    assert response.status_code == 403


def test_approval_rechecks_the_rules(api, community_worker, street_admin, ready):
    application = services.apply_for_filing(ready, by=community_worker)
    _break_venue(ready)

    response = api(street_admin).post(f"{APPS}{application.pk}/approve/")

    assert response.status_code == 422
    assert error(response)["problems"] == [
        {"rule": "venue", "message": "有相对固定的活动场所（请填写活动场所）"}
    ]


def test_queue_queries_are_capped(api, street_admin, tree, django_assert_max_num_queries):
    for i in range(8):
        leader = make_person(grid=tree["G1"], name=f"负责人{i}")
        org = services.create_organization(
            name=f"队伍{i}", area=tree["C1"], by=street_admin, leader=leader, venue="活动室"
        )
        Organization.objects.filter(pk=org.pk).update(charter="organizations/charters/x.pdf")
        add_members(org, tree["G2"], 9)
        services.apply_for_filing(Organization.objects.get(pk=org.pk), by=street_admin)
    client = api(street_admin)

    with django_assert_max_num_queries(5):
        response = client.get(APPS)

    assert response.json()["count"] == 8


# ---------------------------------------------------------------------------------------------
# Concurrency


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes whole-database writes; row locks (select_for_update) race only on PostgreSQL",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_get_distinct_sequential_numbers(api, street_admin, tree):
    applications = []
    for i in range(6):
        leader = make_person(grid=tree["G1"], name=f"负责人{i}")
        org = services.create_organization(
            name=f"并发队伍{i}", area=tree["C1"], by=street_admin, leader=leader, venue="活动室"
        )
        Organization.objects.filter(pk=org.pk).update(charter="organizations/charters/x.pdf")
        add_members(org, tree["G2"], 9)
        applications.append(services.apply_for_filing(Organization.objects.get(pk=org.pk), by=street_admin))
    barrier = threading.Barrier(len(applications))
    results = [None] * len(applications)

    def run(i, application):
        try:
            client = api(street_admin)
            barrier.wait()
            results[i] = client.post(f"{APPS}{application.pk}/approve/")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(applications)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in results] == [200] * 6
    year = timezone.localdate().year
    numbers = sorted(Organization.objects.values_list("filing_number", flat=True))
    assert numbers == [f"S1-{year}-{n:04d}" for n in range(1, 7)]
    assert sorted(r.json()["filing_number"] for r in results) == numbers
