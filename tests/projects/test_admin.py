"""The projects admin: scoped like every other door, writes through the services, the
ledgers append-only, case records only for the authorized role and every look logged."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.areas.choices import AreaLevel
from gongzhi.projects import services
from gongzhi.projects.models import CaseRecordAccess, FundingSource, Project
from tests.factories import UserFactory, make_area
from tests.projects.conftest import credit_code

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 1)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def other_district_project(tree, superuser):
    """A project in a second district: could leak to district_admin (D)."""
    d2 = make_area("D2", AreaLevel.DISTRICT, name="镇海区")
    street = make_area("D2S", AreaLevel.STREET, d2, name="招宝山街道")
    return services.create_project(title="镇海助餐", lifecycle_category="elderly", area=street, by=superuser)


@pytest.fixture
def staff_street_admin(street_admin):
    """A street admin let into the admin site: sees projects, not case records."""
    street_admin.is_staff = True
    street_admin.save(update_fields=["is_staff"])
    return street_admin


def inline_management(*prefixes: str) -> dict[str, str]:
    data = {}
    for prefix in prefixes:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


PROJECT_INLINES = ("milestones", "indicators", "claims", "changes")


def test_funding_source_admin_lists_balances_from_the_ledger(gov_fund, elderly_project, district_admin, page):
    services.allocate(elderly_project, source=gov_fund, amount="1234.50", by=district_admin)

    response = page(district_admin).get(reverse("admin:projects_fundingsource_changelist"))

    assert response.status_code == 200
    [row] = response.context["cl"].result_list
    assert (row.allocated, row.remaining) == (Decimal("1234.50"), Decimal("98765.50"))
    assert "98,765.50" in response.content.decode()


def test_funding_source_admin_creates_through_the_service(tree, district_admin, page):
    url = reverse("admin:projects_fundingsource_add")
    form = {
        "kind": "corporate_donation",
        "name": "港口集团定向捐赠",
        "year": "2026",
        "amount": "50000.00",
        "area": tree["D"].pk,
        "donor_name": "宁波某港口集团",
        "donor_credit_code": "91330206MA2AB12340",
        "restriction": "elderly",
        "receipt_issued": "on",
    }

    refused = page(district_admin).post(url, form)
    form["donor_credit_code"] = credit_code()
    created = page(district_admin).post(url, form)

    assert refused.status_code == 200
    assert "校验位错误" in str(refused.context["adminform"].form.errors["donor_credit_code"])
    assert created.status_code == 302
    source = FundingSource.objects.get()
    assert (source.amount, source.restriction, source.created_by) == (
        Decimal("50000.00"),
        "elderly",
        district_admin,
    )


def test_funding_source_admin_refuses_a_street_level_source(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("admin:projects_fundingsource_add"),
        {"kind": "other", "name": "街道自筹", "year": "2026", "amount": "100", "area": tree["S1"].pk},
    )

    assert response.status_code == 200
    assert not FundingSource.objects.exists()


def test_project_admin_is_scoped(elderly_project, other_district_project, district_admin, page):
    client = page(district_admin)

    listing = client.get(reverse("admin:projects_project_changelist"))
    outside = client.get(reverse("admin:projects_project_change", args=[other_district_project.pk]))

    assert [p.title for p in listing.context["cl"].result_list] == ["银龄助餐"]
    assert outside.status_code == 302  # the admin's "does not exist" redirect


def test_project_admin_list_has_a_query_cap(
    gov_fund, tree, district_admin, page, django_assert_max_num_queries
):
    for i in range(12):
        project = services.create_project(
            title=f"项目{i}", lifecycle_category="health", area=tree["C1"], by=district_admin
        )
        services.allocate(project, source=gov_fund, amount="100", by=district_admin)
    client = page(district_admin)
    client.get(reverse("admin:projects_project_changelist"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:projects_project_changelist"))

    assert len(response.context["cl"].result_list) == 12
    assert {p.budget for p in response.context["cl"].result_list} == {Decimal("100.00")}


def test_project_admin_creates_a_draft_through_the_service(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("admin:projects_project_add"),
        {
            "title": "  社区康复驿站 ",
            "lifecycle_category": "health",
            "area": tree["C1"].pk,
            "year": "2026",
            "max_claimants": "1",
            "starts_on": "2026-06-01",
            "ends_on": "2026-05-01",
        },
    )

    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in str(response.context["adminform"].form.errors)
    assert not Project.objects.exists()


def test_project_admin_corrects_fields_until_someone_claims(elderly_project, org, district_admin, page):
    url = reverse("admin:projects_project_change", args=[elderly_project.pk])
    form = {
        "title": "银龄助餐（扩面）",
        "lifecycle_category": "elderly",
        "description": "",
        "publisher": "",
        "max_claimants": "1",
        "starts_on": "",
        "ends_on": "",
        **inline_management(*PROJECT_INLINES),
    }

    changed = page(district_admin).post(url, form)
    services.claim_project(elderly_project, organization=org, by=district_admin)
    form["title"] = "再改名"
    refused = page(district_admin).post(url, form)

    elderly_project.refresh_from_db()
    assert changed.status_code == 302
    assert refused.status_code == 200
    assert "项目已有组织认领或申报" in str(refused.context["adminform"].form.errors)
    assert elderly_project.title == "银龄助餐（扩面）"
    assert "status" in refused.context["adminform"].readonly_fields


def test_project_admin_page_shows_read_only_parts_and_no_delete(elderly_project, org, district_admin, page):
    services.add_milestone(elderly_project, title="开办助餐点", due_on=TODAY, by=district_admin)
    services.add_indicator(elderly_project, kind="person_times", target="500", by=district_admin)
    services.claim_project(elderly_project, organization=org, by=district_admin)

    response = page(district_admin).get(reverse("admin:projects_project_change", args=[elderly_project.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "开办助餐点" in body
    assert "夕阳红服务社" in body
    assert response.context["has_delete_permission"] is False
    formsets = {f.formset.prefix: f for f in response.context["inline_admin_formsets"]}
    assert set(formsets) == set(PROJECT_INLINES)
    assert not any(f.has_add_permission or f.has_change_permission for f in formsets.values())


def test_project_admin_publish_action_goes_through_the_service(
    childcare_project, elderly_project, district_admin, page
):
    response = page(district_admin).post(
        reverse("admin:projects_project_changelist"),
        {"action": "publish_selected", "_selected_action": [childcare_project.pk, elderly_project.pk]},
        follow=True,
    )

    childcare_project.refresh_from_db()
    assert childcare_project.status == "published"
    assert childcare_project.changes.get().action == "publish"
    messages = [str(m) for m in response.context["messages"]]
    assert "已发布 1 个项目。" in messages
    assert any(m.startswith("银龄助餐：") for m in messages)


def test_ledgers_are_append_only_in_the_admin(gov_fund, elderly_project, district_admin, page):
    allocation = services.allocate(elderly_project, source=gov_fund, amount="1000", by=district_admin)
    payment = services.disburse(
        elderly_project, source=gov_fund, amount="400", voucher="PZ-1", paid_on=TODAY, by=district_admin
    )
    client = page(district_admin)

    for name, entry in (("allocation", allocation), ("disbursement", payment)):
        listing = client.get(reverse(f"admin:projects_{name}_changelist"))
        detail = client.get(reverse(f"admin:projects_{name}_change", args=[entry.pk]))
        add = client.get(reverse(f"admin:projects_{name}_add"))
        delete = client.post(reverse(f"admin:projects_{name}_delete", args=[entry.pk]), {"post": "yes"})

        assert list(listing.context["cl"].result_list) == [entry]
        assert detail.context["has_change_permission"] is False
        assert (add.status_code, delete.status_code) == (403, 403)
    assert elderly_project.allocations.count() == 1


def test_award_admin_records_through_the_service(elderly_project, org, other_org, district_admin, page):
    services.claim_project(elderly_project, organization=org, by=district_admin)
    url = reverse("admin:projects_award_add")
    form = {
        "name": "全国志愿服务项目大赛金奖",
        "level": "national",
        "issuer": "",
        "awarded_on": "2026-09-18",
        "project": elderly_project.pk,
        "organization": other_org.pk,
    }

    refused = page(district_admin).post(url, form)
    form["organization"] = org.pk
    created = page(district_admin).post(url, form)

    assert "没有承接过该项目" in str(refused.context["adminform"].form.errors)
    assert created.status_code == 302
    assert elderly_project.awards.get().organization == org


@pytest.fixture
def case_record(tree, district_admin, org, org_leader):
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
    return services.open_case_record(project, by=org_leader, household="王某某家庭", needs="家属照护压力大")


def test_case_record_admin_logs_every_list_and_view(case_record, district_admin, page):
    client = page(district_admin)

    listing = client.get(reverse("admin:projects_caserecord_changelist"), REMOTE_ADDR="10.0.0.8")
    detail = client.get(reverse("admin:projects_caserecord_change", args=[case_record.pk]))

    assert list(listing.context["cl"].result_list) == [case_record]
    assert "家属照护压力大" in detail.content.decode()
    assert list(
        CaseRecordAccess.objects.order_by("id").values_list("record", "user", "action", "ip_address")
    ) == [
        (case_record.pk, district_admin.pk, "list", "10.0.0.8"),
        (case_record.pk, district_admin.pk, "view", "127.0.0.1"),
    ]


def test_case_records_are_not_shown_to_staff_without_the_permission(
    case_record, elderly_project, staff_street_admin, page
):
    client = page(staff_street_admin)

    projects = client.get(reverse("admin:projects_project_changelist"))
    records = client.get(reverse("admin:projects_caserecord_changelist"))
    record = client.get(reverse("admin:projects_caserecord_change", args=[case_record.pk]))
    log = client.get(reverse("admin:projects_caserecordaccess_changelist"))

    assert projects.status_code == 200
    assert (records.status_code, record.status_code, log.status_code) == (403, 403, 403)
    assert not CaseRecordAccess.objects.exists()


def test_case_access_log_is_read_only_for_auditors(case_record, district_admin, page):
    services.log_case_access([case_record], user=district_admin, action="export")

    response = page(district_admin).get(reverse("admin:projects_caserecordaccess_changelist"))

    assert [a.action for a in response.context["cl"].result_list] == ["export"]
    assert response.context["has_add_permission"] is False
