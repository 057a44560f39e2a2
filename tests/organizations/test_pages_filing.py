"""The filing form, its live checklist, applying, and the street's review queue."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.organizations import services
from gongzhi.organizations.choices import ApplicationStatus, OrgAction, OrgStatus
from gongzhi.organizations.models import FilingApplication, FilingRule, Organization
from tests.factories import UserFactory, make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

CHECKLIST = reverse("organizations:checklist")


def _html(response) -> str:
    return response.content.decode()


def _rules(response) -> dict[str, bool]:
    """Each rule's state in a rendered checklist, by rule code."""
    rows = response.context["checklist"]["rows"]
    return {row["result"].rule: row["result"].passed for row in rows}


@pytest.fixture
def other_street_admin(tree):
    user = UserFactory(username="street_admin_s2")
    assign_role(user, role=Role.STREET_ADMIN, area=tree["S2"])
    return user


# --- the form ---------------------------------------------------------------------------


def test_create_form_shows_every_rule_failing_for_an_empty_form(community_worker, page):
    response = page(community_worker).get(reverse("organizations:create"))

    assert response.status_code == 200
    assert _rules(response) == {
        "min_members": False,
        "leader": False,
        "charter": False,
        "venue": False,
    }
    html = _html(response)
    assert "（0/10）" in html
    assert "现有 0 人，还差 10 人" in html
    assert 'hx-post="/organizations/checklist/"' in html
    assert 'hx-trigger="change, keyup delay:400ms, input delay:400ms"' in html


def test_create_form_creates_a_draft_through_the_service(
    tree, community_worker, leader_person, charter, media, page
):
    response = page(community_worker).post(
        reverse("organizations:create"),
        {
            "name": "百合舞蹈队",
            "category": "culture_sports",
            "area": tree["C1"].pk,
            "venue": "百合社区文化家园",
            "leader": leader_person.pk,
            "charter": charter,
            "domains": ["culture", "elderly"],
            "description": "广场舞",
        },
    )

    org = Organization.objects.get(name="百合舞蹈队")
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:profile", args=[org.pk])
    assert (org.status, org.track, org.street_id, org.leader_id) == (
        OrgStatus.DRAFT,
        "filed",
        tree["S1"].pk,
        leader_person.pk,
    )
    assert org.charter.name.startswith("organizations/charters/")
    assert sorted(org.domains.values_list("domain", flat=True)) == ["culture", "elderly"]
    assert list(org.memberships.values_list("person__name", "role")) == [("陈军浩", "leader")]
    assert list(org.changes.values_list("action", "to_status")) == [(OrgAction.CREATE, OrgStatus.DRAFT)]


def test_create_form_shows_a_taken_name_inline(ready, tree, community_worker, page):
    services.apply_for_filing(ready, by=community_worker)

    response = page(community_worker).post(
        reverse("organizations:create"), {"name": "红领之家", "area": tree["G1"].pk}
    )

    assert response.status_code == 409
    assert response.context["form"].errors["name"] == ["本街道已有名为“红领之家”的社会组织，请换一个名称。"]
    assert Organization.objects.filter(name="红领之家").count() == 1


def test_create_form_offers_only_areas_in_the_jurisdiction(tree, community_worker, page):
    response = page(community_worker).get(reverse("organizations:create"))

    codes = [a.code for a in response.context["form"].fields["area"].queryset]
    assert codes == ["C1", "G1", "G2"]


def test_edit_form_updates_through_the_service(draft, community_worker, page):
    response = page(community_worker).post(
        reverse("organizations:edit", args=[draft.pk]),
        {
            "name": "红领之家志愿队",
            "category": "charity",
            "area": draft.area_id,
            "venue": "百合社区议事厅",
            "leader": draft.leader_id,
            "domains": ["elderly"],
        },
    )

    draft.refresh_from_db()
    assert response.status_code == 302
    assert (draft.name, draft.venue) == ("红领之家志愿队", "百合社区议事厅")
    assert list(draft.domains.values_list("domain", flat=True)) == ["elderly"]


# --- the live checklist (through the form's door) ----------------------------------------


def test_checklist_for_a_new_form_counts_the_leader_as_the_first_member(
    leader_person, community_worker, page
):
    response = page(community_worker).post(
        CHECKLIST, {"leader": leader_person.pk, "venue": "二楼活动室", "charter_chosen": "1"}
    )

    assert response.status_code == 200
    assert _rules(response) == {
        "min_members": False,
        "leader": True,
        "charter": True,
        "venue": True,
    }
    html = _html(response)
    assert "（1/10）" in html
    assert "现有 1 人，还差 9 人" in html
    assert 'id="filing-checklist"' in html
    assert "<html" not in html  # a partial for htmx to swap


@pytest.mark.parametrize(
    ("facts", "failing", "detail"),
    [
        ({"venue": ""}, "venue", "请填写活动场所"),
        ({"leader": ""}, "leader", "请指定一名负责人"),
    ],
)
def test_checklist_shows_each_rule_failing_alone(ready, community_worker, page, facts, failing, detail):
    data = {"organization": ready.pk, "leader": ready.leader_id, "venue": ready.venue, **facts}

    response = page(community_worker).post(CHECKLIST, data)

    states = _rules(response)
    assert [rule for rule, passed in states.items() if not passed] == [failing]
    assert detail in _html(response)


def test_checklist_shows_the_member_rule_failing_alone(draft, community_worker, page):
    response = page(community_worker).post(
        CHECKLIST, {"organization": draft.pk, "leader": draft.leader_id, "venue": draft.venue}
    )

    assert [rule for rule, passed in _rules(response).items() if not passed] == ["min_members"]
    assert "（9/10）" in _html(response)
    assert "现有 9 人，还差 1 人" in _html(response)


def test_checklist_shows_the_charter_rule_failing_alone(tree, community_worker, leader_person, page):
    org = services.create_organization(
        name="无章程队", area=tree["C1"], by=community_worker, venue="活动室", leader=leader_person
    )
    add_members(org, tree["G1"], 9)

    without = page(community_worker).post(
        CHECKLIST, {"organization": org.pk, "leader": leader_person.pk, "venue": "活动室"}
    )
    chosen = page(community_worker).post(
        CHECKLIST,
        {"organization": org.pk, "leader": leader_person.pk, "venue": "活动室", "charter_chosen": "1"},
    )

    assert [rule for rule, passed in _rules(without).items() if not passed] == ["charter"]
    assert "请上传章程" in _html(without)
    assert all(_rules(chosen).values())


def test_checklist_all_passing_says_so(ready, community_worker, page):
    response = page(community_worker).post(
        CHECKLIST, {"organization": ready.pk, "leader": ready.leader_id, "venue": ready.venue}
    )

    assert all(_rules(response).values())
    assert "全部满足，可以申请备案。" in _html(response)
    assert "（10/10）" in _html(response)


def test_checklist_follows_a_tightened_rule(ready, community_worker, page):
    FilingRule.objects.filter(kind="min_members").update(parameter=15)

    response = page(community_worker).post(
        CHECKLIST, {"organization": ready.pk, "leader": ready.leader_id, "venue": ready.venue}
    )

    assert _rules(response)["min_members"] is False
    assert "（10/15）" in _html(response)


def test_checklist_ignores_a_leader_outside_the_jurisdiction(tree, community_worker, page):
    stranger = make_person(grid=tree["G3"], name="外街道人员")

    response = page(community_worker).post(CHECKLIST, {"leader": stranger.pk, "venue": "x"})

    assert _rules(response)["leader"] is False


def test_checklist_of_an_organization_outside_the_jurisdiction_is_404(ready, other_street_admin, page):
    response = page(other_street_admin).post(CHECKLIST, {"organization": ready.pk})

    assert response.status_code == 404


# --- applying and the review --------------------------------------------------------------


def test_profile_offers_apply_only_when_every_rule_passes(draft, tree, community_worker, page):
    client = page(community_worker)

    before = client.get(reverse("organizations:profile", args=[draft.pk]))
    add_members(draft, tree["G2"], 1)
    after = client.get(reverse("organizations:profile", args=[draft.pk]))

    apply_url = reverse("organizations:action", args=[draft.pk, "apply"])
    assert apply_url not in _html(before)
    assert "现有 9 人，还差 1 人" in _html(before)
    assert apply_url in _html(after)


def test_apply_refused_by_the_rules_shows_each_problem(draft, community_worker, page):
    response = page(community_worker).post(reverse("organizations:action", args=[draft.pk, "apply"]))

    draft.refresh_from_db()
    assert response.status_code == 422
    assert draft.status == OrgStatus.DRAFT
    assert "尚不满足备案条件：活跃成员不少于 10 人（现有 9 人，还差 1 人）。" in _html(response)


def test_apply_then_review_queue_then_approve_shows_the_filing_number(
    ready, community_worker, street_admin, page
):
    worker, admin = page(community_worker), page(street_admin)

    applied = worker.post(reverse("organizations:action", args=[ready.pk, "apply"]))
    application = FilingApplication.objects.get(organization=ready)
    queue = admin.get(reverse("organizations:filings"))
    approved = admin.post(
        reverse("organizations:filing_action", args=[application.pk, "approve"]), HTTP_HX_REQUEST="true"
    )
    profile = worker.get(reverse("organizations:profile", args=[ready.pk]))

    ready.refresh_from_db()
    number = ready.filing_number
    assert applied.status_code == 302
    assert [row["application"].pk for row in queue.context["rows"]] == [application.pk]
    assert "红领之家" in _html(queue)
    assert '活跃成员不少于 10 人 <small class="muted">现有 10 人</small>' in _html(queue)  # the snapshot
    assert approved.status_code == 200
    assert number.startswith("S1-")
    assert number.endswith("-0001")
    assert f"已准予备案，备案编号 {number}。" in _html(approved)
    assert f'id="filing-{application.pk}"' in _html(approved)
    assert "<html" not in _html(approved)
    assert ready.status == OrgStatus.FILED
    assert number in _html(profile)


def test_refuse_needs_a_reason_then_the_organization_reapplies(ready, community_worker, street_admin, page):
    worker, admin = page(community_worker), page(street_admin)
    worker.post(reverse("organizations:action", args=[ready.pk, "apply"]))
    first = FilingApplication.objects.get(organization=ready)
    refuse_url = reverse("organizations:filing_action", args=[first.pk, "refuse"])

    no_reason = admin.post(refuse_url, {"reason": ""}, HTTP_HX_REQUEST="true")
    refused = admin.post(refuse_url, {"reason": "章程缺少议事规则"}, HTTP_HX_REQUEST="true")
    reapplied = worker.post(reverse("organizations:action", args=[ready.pk, "apply"]))
    history = admin.get(reverse("organizations:filings") + "?tab=history")
    pending = admin.get(reverse("organizations:filings"))

    assert no_reason.status_code == 400
    assert "请填写不予备案的理由，以便申请人修改。" in _html(no_reason)
    assert refused.status_code == 200
    assert "章程缺少议事规则" in _html(refused)
    assert reapplied.status_code == 302
    assert list(
        FilingApplication.objects.filter(organization=ready).order_by("id").values_list("status", flat=True)
    ) == [ApplicationStatus.REFUSED, ApplicationStatus.PENDING]
    assert [row["application"].pk for row in history.context["rows"]] == [first.pk]
    assert "章程缺少议事规则" in _html(history)
    assert [row["application"].status for row in pending.context["rows"]] == [ApplicationStatus.PENDING]
    assert pending.context["rows"][0]["application"].pk != first.pk


def test_a_street_admin_of_another_street_cannot_see_or_decide(
    ready, community_worker, other_street_admin, page
):
    page(community_worker).post(reverse("organizations:action", args=[ready.pk, "apply"]))
    application = FilingApplication.objects.get(organization=ready)
    client = page(other_street_admin)

    queue = client.get(reverse("organizations:filings"))
    detail = client.get(reverse("organizations:filing", args=[application.pk]))
    approve = client.post(reverse("organizations:filing_action", args=[application.pk, "approve"]))
    refuse = client.post(
        reverse("organizations:filing_action", args=[application.pk, "refuse"]), {"reason": "x"}
    )
    profile = client.get(reverse("organizations:profile", args=[ready.pk]))

    application.refresh_from_db()
    assert queue.context["rows"] == []
    assert "红领之家" not in _html(queue)
    assert (detail.status_code, approve.status_code, refuse.status_code, profile.status_code) == (
        404,
        404,
        404,
        404,
    )
    assert application.status == ApplicationStatus.PENDING


def test_the_review_queue_needs_the_review_permission(community_worker, page):
    response = page(community_worker).get(reverse("organizations:filings"))

    assert response.status_code == 403


def test_filing_detail_approve_without_htmx_redirects_with_the_number(
    ready, community_worker, street_admin, page
):
    page(community_worker).post(reverse("organizations:action", args=[ready.pk, "apply"]))
    application = FilingApplication.objects.get(organization=ready)
    client = page(street_admin)

    detail = client.get(reverse("organizations:filing", args=[application.pk]))
    approved = client.post(
        reverse("organizations:filing_action", args=[application.pk, "approve"]), follow=True
    )

    ready.refresh_from_db()
    assert "申请时的条件核验" in _html(detail)
    assert approved.redirect_chain[-1][0] == reverse("organizations:filing", args=[application.pk])
    assert f"已准予备案，备案编号 {ready.filing_number}。" in _html(approved)


def test_review_queue_query_count_is_capped(
    tree, street_admin, community_worker, leader_person, page, media, django_assert_max_num_queries
):
    for i in range(12):
        person = make_person(grid=tree["G1"], name=f"负责人{i}")
        org = services.create_organization(
            name=f"组织{i}",
            area=tree["C1"],
            by=community_worker,
            venue="活动室",
            leader=person,
            charter=SimpleUploadedFile("c.pdf", b"%PDF"),
        )
        add_members(org, tree["G2"], 9)
        services.apply_for_filing(org, by=community_worker)
    client = page(street_admin)

    with django_assert_max_num_queries(9):  # incl. the second-factor device (django-otp)
        response = client.get(reverse("organizations:filings"))

    assert len(response.context["rows"]) == 12
