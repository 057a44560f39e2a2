"""Money on the pages: allocation and disbursement forms with their limits, reversals with a
reason, funding sources, programmes, the ledger and its XLSX export — each for the roles that
hold the money permissions only."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.projects import services
from gongzhi.projects.models import Allocation, Disbursement, FundingSource, Programme, Project
from tests.factories import UserFactory
from tests.projects.conftest import credit_code

pytestmark = pytest.mark.django_db

PAID_ON = datetime.date(2026, 5, 1)


def _html(response) -> str:
    return response.content.decode()


def _url(project) -> str:
    return reverse("projects:detail", args=[project.pk])


def _allocate(project) -> str:
    return reverse("projects:allocate", args=[project.pk])


def _disburse(project) -> str:
    return reverse("projects:disburse", args=[project.pk])


# --- allocation -----------------------------------------------------------------------------------


def test_district_admin_allocates_from_a_source(elderly_project, gov_fund, district_admin, page):
    response = page(district_admin).post(
        _allocate(elderly_project), {"source": gov_fund.pk, "amount": "30000.50", "note": "首期"}, follow=True
    )

    html = _html(response)
    assert "已从“政府购买服务资金”分配 30,000.50 元。" in html
    assert response.context["budget"] == Decimal("30000.50")
    assert "30,000.50" in html
    assert Allocation.objects.get().amount == Decimal("30000.50")


def test_allocation_beyond_the_source_shows_the_limit_and_the_excess(
    elderly_project, childcare_project, gov_fund, district_admin, page
):
    services.allocate(childcare_project, source=gov_fund, amount="98765.50", by=district_admin)

    response = page(district_admin).post(
        _allocate(elderly_project), {"source": gov_fund.pk, "amount": "5000"}
    )

    assert response.status_code == 409
    assert "超出资金来源“政府购买服务资金”的可分配余额 1,234.50 元（超出 3,765.50 元）。" in _html(response)
    assert response.context["allocation_form"].errors == {
        "amount": ["超出资金来源“政府购买服务资金”的可分配余额 1,234.50 元（超出 3,765.50 元）。"]
    }
    assert Allocation.objects.filter(project=elderly_project).count() == 0


def test_restricted_donation_is_refused_for_another_category(
    childcare_project, donation, district_admin, page
):
    response = page(district_admin).post(
        _allocate(childcare_project), {"source": donation.pk, "amount": "100"}
    )

    assert response.status_code == 409
    assert "资金来源“爱心企业定向捐赠”限定用于“老有所养”，不能用于“幼有所育”类项目。" in _html(response)


def test_a_float_like_amount_is_explained(elderly_project, gov_fund, district_admin, page):
    response = page(district_admin).post(
        _allocate(elderly_project), {"source": gov_fund.pk, "amount": "12.345"}
    )

    assert response.status_code == 400
    assert "金额最多保留两位小数（分），现为 12.345。" in _html(response)


def test_allocation_is_refused_to_a_street_admin(elderly_project, gov_fund, street_admin, page):
    response = page(street_admin).post(_allocate(elderly_project), {"source": gov_fund.pk, "amount": "100"})

    assert response.status_code == 403
    assert not Allocation.objects.exists()


# --- disbursement and reversals ---------------------------------------------------------------------


@pytest.fixture
def funded(elderly_project, gov_fund, district_admin):
    services.allocate(elderly_project, source=gov_fund, amount="1000", by=district_admin)
    return elderly_project


def test_finance_disburses_with_voucher_and_date(funded, gov_fund, finance, page):
    client = page(finance)
    shown = client.get(_url(funded))
    assert "disbursement_form" in shown.context
    assert "allocation_form" not in shown.context

    response = client.post(
        _disburse(funded),
        {"source": gov_fund.pk, "amount": "600", "voucher": "PZ-2026-001", "paid_on": PAID_ON.isoformat()},
        follow=True,
    )

    html = _html(response)
    assert "已拨付 600.00 元（凭证号 PZ-2026-001）。" in html
    assert (response.context["budget"], response.context["disbursed"], response.context["unpaid"]) == (
        Decimal("1000.00"),
        Decimal("600.00"),
        Decimal("400.00"),
    )
    assert "PZ-2026-001" in html


def test_disbursement_beyond_the_allocation_is_refused_with_the_excess(funded, gov_fund, finance, page):
    response = page(finance).post(
        _disburse(funded),
        {"source": gov_fund.pk, "amount": "1000.01", "voucher": "PZ-1", "paid_on": PAID_ON.isoformat()},
    )

    assert response.status_code == 409
    assert "超出资金来源“政府购买服务资金”分配给本项目的未拨付余额 1,000.00 元（超出 0.01 元）。" in _html(
        response
    )
    assert not Disbursement.objects.exists()


def test_disbursement_without_a_voucher_is_refused(funded, gov_fund, finance, page):
    response = page(finance).post(
        _disburse(funded),
        {"source": gov_fund.pk, "amount": "10", "voucher": "", "paid_on": PAID_ON.isoformat()},
    )

    assert response.status_code == 400
    assert "请填写拨付凭证号。" in _html(response)


def test_reversing_a_disbursement_appends_a_negative_entry(funded, gov_fund, finance, page):
    entry = services.disburse(
        funded, source=gov_fund, amount="300", voucher="PZ-9", paid_on=PAID_ON, by=finance
    )
    url = reverse("projects:reverse_entry", args=[funded.pk, "disbursement", entry.pk])

    no_reason = page(finance).post(url, {"reason": ""})
    reversed_ = page(finance).post(url, {"reason": "凭证号录错"}, follow=True)
    twice = page(finance).post(url, {"reason": "再来一次"})

    assert no_reason.status_code == 400
    assert "请填写冲销原因。" in _html(no_reason)
    assert "已冲销 300.00 元。" in _html(reversed_)
    assert list(Disbursement.objects.order_by("pk").values_list("amount", "reversal_of")) == [
        (Decimal("300.00"), None),
        (Decimal("-300.00"), entry.pk),
    ]
    assert reversed_.context["disbursed"] == Decimal("0.00")
    assert twice.status_code == 409
    assert "该笔记录已冲销过，不能重复冲销。" in _html(twice)


def test_reversing_an_allocation_below_what_was_paid_is_refused(funded, gov_fund, district_admin, page):
    services.disburse(
        funded, source=gov_fund, amount="600", voucher="PZ-1", paid_on=PAID_ON, by=district_admin
    )
    entry = Allocation.objects.get()

    response = page(district_admin).post(
        reverse("projects:reverse_entry", args=[funded.pk, "allocation", entry.pk]), {"reason": "调整预算"}
    )

    assert response.status_code == 409
    assert "低于已拨付的 600.00 元（差 600.00 元）；请先冲销拨付。" in _html(response)
    assert response.context["reversal_kind"] == "allocation"


def test_reversal_is_refused_without_the_permission(funded, finance, page):
    entry = Allocation.objects.get()

    response = page(finance).post(
        reverse("projects:reverse_entry", args=[funded.pk, "allocation", entry.pk]), {"reason": "x"}
    )

    assert response.status_code == 403
    assert Allocation.objects.count() == 1


def test_money_is_hidden_from_those_who_do_not_read_it(funded, community_worker, org, org_leader, page):
    for user in (community_worker, org_leader):
        response = page(user).get(_url(funded))
        assert response.status_code == 200
        assert "ledger" not in response.context
        assert "1,000.00" not in _html(response)


# --- funding sources -------------------------------------------------------------------------------


def test_sources_show_allocated_disbursed_and_remaining(funded, gov_fund, donation, finance, page):
    services.disburse(funded, source=gov_fund, amount="250", voucher="PZ-1", paid_on=PAID_ON, by=finance)

    response = page(finance).get(reverse("projects:sources"))

    rows = {s.name: (s.allocated, s.disbursed, s.remaining) for s in response.context["sources"]}
    assert rows == {
        "政府购买服务资金": (Decimal("1000.00"), Decimal("250.00"), Decimal("99000.00")),
        "爱心企业定向捐赠": (Decimal("0.00"), Decimal("0.00"), Decimal("5000.00")),
    }
    assert response.context["totals"]["remaining"] == Decimal("104000.00")
    assert "99,000.00" in _html(response)
    assert "宁波某港务公司" in _html(response)


def test_sources_are_refused_to_a_community_worker(gov_fund, community_worker, page):
    assert page(community_worker).get(reverse("projects:sources")).status_code == 403


def test_record_a_corporate_donation(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("projects:source_create"),
        {
            "kind": "corporate_donation",
            "name": "港口集团助老捐赠",
            "year": "2026",
            "amount": "200000",
            "area": tree["D"].pk,
            "donor_name": "宁波港口集团",
            "donor_credit_code": credit_code("91330200MA2CD5678"),
            "restriction": "elderly",
            "receipt_issued": "on",
        },
        follow=True,
    )

    source = FundingSource.objects.get()
    assert (source.kind, source.amount, source.restriction, source.receipt_issued) == (
        "corporate_donation",
        Decimal("200000.00"),
        "elderly",
        True,
    )
    assert "已登记资金来源“港口集团助老捐赠”，金额 200,000.00 元。" in _html(response)


def test_a_donation_with_a_bad_credit_code_says_so(tree, district_admin, page):
    response = page(district_admin).post(
        reverse("projects:source_create"),
        {
            "kind": "corporate_donation",
            "name": "港口集团助老捐赠",
            "year": "2026",
            "amount": "200000",
            "area": tree["D"].pk,
            "donor_name": "宁波港口集团",
            "donor_credit_code": "123",
        },
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["donor_credit_code"]
    assert not FundingSource.objects.exists()


def test_source_form_is_refused_to_finance(finance, page):
    assert page(finance).get(reverse("projects:source_create")).status_code == 403


# --- programmes ------------------------------------------------------------------------------------


def test_create_a_programme_and_see_its_projects(tree, district_admin, gov_fund, page):
    client = page(district_admin)
    created = client.post(
        reverse("projects:programme_create"),
        {"name": "微民生·益起来", "year": "2026", "publisher": "区委社会工作部", "area": tree["D"].pk},
    )
    programme = Programme.objects.get()
    assert created.url == reverse("projects:programme", args=[programme.pk])
    project = services.create_project(
        title="银龄助餐",
        lifecycle_category="elderly",
        area=tree["C1"],
        by=district_admin,
        programme=programme,
    )
    services.allocate(project, source=gov_fund, amount="8000", by=district_admin)

    detail = client.get(reverse("projects:programme", args=[programme.pk]))
    listing = client.get(reverse("projects:programmes"))

    assert [p.title for p in detail.context["projects"]] == ["银龄助餐"]
    assert detail.context["totals"]["budget"] == Decimal("8000.00")
    assert "8,000.00" in _html(detail)
    assert [(p.name, p.project_count, p.budget) for p in listing.context["programmes"]] == [
        ("微民生·益起来", 1, Decimal("8000.00"))
    ]


def test_programme_outside_the_jurisdiction_is_404(tree, district_admin, page):
    programme = services.create_programme(
        name="大碶助老", year=2026, publisher="大碶街道", area=tree["S2"], by=district_admin
    )
    s1_admin = UserFactory(username="s1_reader")
    assign_role(s1_admin, role=Role.STREET_ADMIN, area=tree["S1"])

    assert page(s1_admin).get(reverse("projects:programme", args=[programme.pk])).status_code == 404


def test_create_project_form_with_milestones_and_indicators(tree, street_admin, page):
    client = page(street_admin)
    assert client.get(reverse("projects:create")).status_code == 200

    response = client.post(
        reverse("projects:create"),
        {
            "title": "四点半课堂",
            "lifecycle_category": "childcare",
            "area": tree["C1"].pk,
            "max_claimants": "1",
            "service_domains": ["children", "education"],
            "milestone_title_0": "招募学生",
            "milestone_due_0": "2026-09-01",
            "milestone_title_1": "期中汇报",
            "milestone_due_1": "2026-12-01",
            "indicator_kind_0": "beneficiaries",
            "indicator_target_0": "40",
            "indicator_kind_1": "satisfaction",
            "indicator_target_1": "90",
        },
    )

    project = Project.objects.get()
    assert response.url == reverse("projects:detail", args=[project.pk])
    assert (project.title, project.status, project.area, project.created_by) == (
        "四点半课堂",
        "draft",
        tree["C1"],
        street_admin,
    )
    assert sorted(project.domains.values_list("domain", flat=True)) == ["children", "education"]
    assert list(project.milestones.values_list("title", flat=True)) == ["招募学生", "期中汇报"]
    assert list(project.indicators.values_list("kind", "target")) == [
        ("beneficiaries", Decimal("40.00")),
        ("satisfaction", Decimal("90.00")),
    ]


def test_create_project_form_explains_what_is_missing(tree, street_admin, page):
    response = page(street_admin).post(
        reverse("projects:create"),
        {
            "title": "",
            "lifecycle_category": "childcare",
            "area": tree["C1"].pk,
            "max_claimants": "1",
            "milestone_title_0": "招募学生",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"milestone_due_0": ["请填写计划完成日期。"]}

    no_title = page(street_admin).post(
        reverse("projects:create"),
        {"title": " ", "lifecycle_category": "childcare", "area": tree["C1"].pk, "max_claimants": "1"},
    )
    assert no_title.status_code == 400
    assert "请填写项目名称。" in _html(no_title)
    assert not Project.objects.exists()


def test_create_project_is_refused_to_a_community_worker(community_worker, page):
    assert page(community_worker).get(reverse("projects:create")).status_code == 403


# --- the ledger ----------------------------------------------------------------------------------


def test_ledger_shows_projects_and_sources(funded, gov_fund, donation, childcare_project, finance, page):
    services.disburse(funded, source=gov_fund, amount="250", voucher="PZ-1", paid_on=PAID_ON, by=finance)

    response = page(finance).get(reverse("projects:ledger"))

    rows = {p.title: (p.budget, p.disbursed, p.unpaid) for p in response.context["projects"]}
    assert rows == {
        "银龄助餐": (Decimal("1000.00"), Decimal("250.00"), Decimal("750.00")),
        "四点半课堂": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
    }
    assert response.context["totals"]["unpaid"] == Decimal("750.00")
    assert [s.name for s in response.context["sources"]] == ["政府购买服务资金", "爱心企业定向捐赠"]
    assert f'href="{reverse("projects:ledger_export")}"' in _html(response)


def test_ledger_keeps_money_of_evaluated_projects_elsewhere_private(
    tree, gov_fund, district_admin, street_admin, page
):
    """An evaluated project in S2 is public to S1's street admin (results), its money is not."""
    project = services.create_project(
        title="灵峰助学", lifecycle_category="education", area=tree["C2"], by=district_admin
    )
    services.allocate(project, source=gov_fund, amount="777", by=district_admin)
    Project.objects.filter(pk=project.pk).update(status="evaluated")

    ledger = page(street_admin).get(reverse("projects:ledger"))
    shown = page(street_admin).get(_url(project))

    assert ledger.context["projects"] == []
    assert shown.status_code == 200
    assert "ledger" not in shown.context
    assert "777" not in _html(shown)


def test_ledger_is_refused_to_a_community_worker(community_worker, page):
    assert page(community_worker).get(reverse("projects:ledger")).status_code == 403
    assert page(community_worker).get(reverse("projects:ledger_export")).status_code == 403


def test_ledger_export_downloads_a_workbook(funded, gov_fund, finance, page):
    openpyxl = pytest.importorskip("openpyxl")
    services.disburse(funded, source=gov_fund, amount="250", voucher="PZ-1", paid_on=PAID_ON, by=finance)

    response = page(finance).get(reverse("projects:ledger_export"), {"year": "2026"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="gongzhi-ledger-')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["项目台账", "资金来源", "拨付明细"]
    assert [c.value for c in workbook["拨付明细"][2]][1:3] == ["PZ-1", "银龄助餐"]


def _queries(client, url) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_money_pages_query_count_does_not_grow(tree, gov_fund, district_admin, page):
    programme = services.create_programme(
        name="微民生·益起来", year=2026, publisher="区委社会工作部", area=tree["D"], by=district_admin
    )
    client = page(district_admin)
    urls = [
        reverse("projects:ledger"),
        reverse("projects:sources"),
        reverse("projects:programmes"),
        reverse("projects:programme", args=[programme.pk]),
    ]

    def add(n: int) -> None:
        for i in range(n):
            project = services.create_project(
                title=f"项目{Project.objects.count():02d}",
                lifecycle_category="elderly",
                area=tree["C1"],
                by=district_admin,
                programme=programme,
            )
            services.allocate(project, source=gov_fund, amount="10", by=district_admin)
            services.create_funding_source(
                kind="other", name=f"资金{i}", year=2026, amount="100", area=tree["D"], by=district_admin
            )

    add(3)
    few = [_queries(client, url) for url in urls]
    add(27)
    many = [_queries(client, url) for url in urls]

    assert few == many
    assert max(many) <= 12
