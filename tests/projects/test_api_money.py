"""Money through the API: funding sources and their balances, allocations and disbursements
with each limit's message, reversals, cancellation returning money, who may read the ledgers,
and the XLSX ledger export."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gongzhi.projects import services
from gongzhi.projects.models import Allocation, Disbursement
from gongzhi.projects.queries import source_balance
from tests.projects.conftest import credit_code

pytestmark = pytest.mark.django_db

SOURCES = "/api/v1/funding-sources/"
PROJECTS = "/api/v1/projects/"
PAID_ON = datetime.date(2026, 5, 1)


def url(project, what: str) -> str:
    return f"{PROJECTS}{project.pk}/{what}/"


def error(response) -> dict:
    return response.json()["error"]


def pay(project, source, amount, by, voucher="PZ-001"):
    return services.disburse(project, source=source, amount=amount, voucher=voucher, paid_on=PAID_ON, by=by)


# --- funding sources ------------------------------------------------------------------------


def test_funding_source_created_with_its_balances(api, district_admin, tree):
    response = api(district_admin).post(
        SOURCES,
        {
            "kind": "corporate_donation",
            "name": "港务集团定向捐赠",
            "year": 2026,
            "amount": "20000.50",
            "area": "D",
            "donor_name": "宁波某港务公司",
            "donor_credit_code": credit_code(),
            "restriction": "elderly",
            "receipt_issued": True,
        },
    )

    assert response.status_code == 201
    body = response.json()
    del body["id"], body["created_at"]
    assert body == {
        "kind": "corporate_donation",
        "kind_display": "企业定向捐赠",
        "name": "港务集团定向捐赠",
        "year": 2026,
        "amount": "20000.50",
        "area": "D",
        "donor_name": "宁波某港务公司",
        "donor_credit_code": credit_code(),
        "restriction": "elderly",
        "restriction_display": "老有所养",
        "receipt_issued": True,
        "allocated": "0.00",
        "disbursed": "0.00",
        "remaining": "20000.50",
    }


def test_funding_source_refuses_a_float_amount(api, district_admin, tree):
    response = api(district_admin).post(
        SOURCES,
        {"kind": "welfare_lottery", "name": "福彩公益金", "year": 2026, "amount": 1000.5, "area": "D"},
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"amount": ["金额须以字符串或 Decimal 提供，不能使用浮点数。"]}


def test_funding_source_refuses_more_than_two_decimals(api, district_admin, tree):
    response = api(district_admin).post(
        SOURCES,
        {"kind": "welfare_lottery", "name": "福彩公益金", "year": 2026, "amount": "10.001", "area": "D"},
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"amount": ["金额最多保留两位小数（分），现为 10.001。"]}


def test_funding_source_must_be_held_by_the_district(api, district_admin, tree):
    response = api(district_admin).post(
        SOURCES, {"kind": "other", "name": "街道自筹", "year": 2026, "amount": "500", "area": "S1"}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"area": ["资金来源应登记在区级。"]}


def test_funding_source_create_refused_to_a_street_admin(api, street_admin, tree):
    response = api(street_admin).post(
        SOURCES, {"kind": "other", "name": "街道自筹", "year": 2026, "amount": "500", "area": "D"}
    )

    assert response.status_code == 403


def test_funding_sources_list_balances_and_filters(
    api, finance, district_admin, gov_fund, donation, elderly_project, django_assert_max_num_queries
):
    services.allocate(elderly_project, source=gov_fund, amount="3000", by=district_admin)
    pay(elderly_project, gov_fund, "1200.25", district_admin)

    with django_assert_max_num_queries(5):
        response = api(finance).get(SOURCES)
    donations = api(finance).get(SOURCES, {"kind": "corporate_donation"})
    other_year = api(finance).get(SOURCES, {"year": 2025})

    rows = {r["name"]: (r["allocated"], r["disbursed"], r["remaining"]) for r in response.json()["results"]}
    assert rows == {
        "政府购买服务资金": ("3000.00", "1200.25", "97000.00"),
        "爱心企业定向捐赠": ("0.00", "0.00", "5000.00"),
    }
    assert [r["name"] for r in donations.json()["results"]] == ["爱心企业定向捐赠"]
    assert other_year.json()["count"] == 0


def test_funding_sources_hidden_from_roles_without_money_reading(api, community_worker, org_leader, gov_fund):
    assert api(community_worker).get(SOURCES).status_code == 403
    assert api(org_leader).get(SOURCES).status_code == 403


# --- allocations ----------------------------------------------------------------------------


def test_allocate_through_the_api(api, district_admin, gov_fund, elderly_project):
    response = api(district_admin).post(
        url(elderly_project, "allocations"), {"source": gov_fund.pk, "amount": "5000", "note": "首期"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["source"], body["source_name"], body["amount"], body["note"], body["reversed"]) == (
        gov_fund.pk,
        "政府购买服务资金",
        "5000.00",
        "首期",
        False,
    )
    project = api(district_admin).get(f"{PROJECTS}{elderly_project.pk}/").json()
    assert (project["budget"], project["disbursed"], project["unpaid"]) == ("5000.00", "0.00", "5000.00")
    assert project["ledger"] == [
        {
            "source": gov_fund.pk,
            "source_name": "政府购买服务资金",
            "kind": "government_purchase",
            "allocated": "5000.00",
            "disbursed": "0.00",
            "remaining": "5000.00",
        }
    ]


def test_over_allocation_refused_with_the_excess(
    api, district_admin, gov_fund, elderly_project, childcare_project
):
    services.allocate(elderly_project, source=gov_fund, amount="98765.50", by=district_admin)

    response = api(district_admin).post(
        url(childcare_project, "allocations"), {"source": gov_fund.pk, "amount": "5000"}
    )

    assert response.status_code == 409
    assert error(response)["code"] == "budget_exceeded"
    assert (
        error(response)["message"]
        == "超出资金来源“政府购买服务资金”的可分配余额 1,234.50 元（超出 3,765.50 元）。"
    )
    assert error(response)["fields"] == {"amount": [error(response)["message"]]}
    assert not Allocation.objects.filter(project=childcare_project).exists()


def test_targeted_donation_refused_for_another_category(api, district_admin, donation, childcare_project):
    response = api(district_admin).post(
        url(childcare_project, "allocations"), {"source": donation.pk, "amount": "100"}
    )

    assert response.status_code == 409
    assert error(response)["code"] == "restricted_funds"
    assert (
        error(response)["message"]
        == "资金来源“爱心企业定向捐赠”限定用于“老有所养”，不能用于“幼有所育”类项目。"
    )


def test_allocate_refused_to_finance(api, finance, gov_fund, elderly_project):
    response = api(finance).post(
        url(elderly_project, "allocations"), {"source": gov_fund.pk, "amount": "100"}
    )

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert not Allocation.objects.exists()


def test_allocate_from_an_unknown_source_names_the_field(api, district_admin, elderly_project):
    response = api(district_admin).post(url(elderly_project, "allocations"), {"source": 777, "amount": "100"})

    assert response.status_code == 400
    assert error(response)["fields"] == {"source": ["资金来源 777 不存在或不在您的管辖范围内。"]}


def test_reverse_an_allocation_returns_the_money(api, district_admin, gov_fund, elderly_project):
    entry = services.allocate(elderly_project, source=gov_fund, amount="4000", by=district_admin)

    response = api(district_admin).post(
        f"{url(elderly_project, 'allocations')}{entry.pk}/reverse/", {"reason": "分配错误"}
    )
    again = api(district_admin).post(
        f"{url(elderly_project, 'allocations')}{entry.pk}/reverse/", {"reason": "再冲一次"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["reversal_of"], body["note"]) == ("-4000.00", entry.pk, "分配错误")
    assert again.status_code == 409
    assert error(again)["message"] == "该笔记录已冲销过，不能重复冲销。"
    assert source_balance(gov_fund).remaining == Decimal("100000.00")
    rows = api(district_admin).get(url(elderly_project, "allocations")).json()["results"]
    assert [(r["amount"], r["reversed"]) for r in rows] == [("4000.00", True), ("-4000.00", False)]


def test_reverse_an_allocation_refused_below_what_was_paid(api, district_admin, gov_fund, elderly_project):
    entry = services.allocate(elderly_project, source=gov_fund, amount="4000", by=district_admin)
    pay(elderly_project, gov_fund, "1500", district_admin)

    response = api(district_admin).post(
        f"{url(elderly_project, 'allocations')}{entry.pk}/reverse/", {"reason": "分配错误"}
    )

    assert response.status_code == 409
    assert error(response)["code"] == "budget_exceeded"
    assert error(response)["message"] == (
        "冲销后资金来源“政府购买服务资金”在本项目的分配为 0.00 元，低于已拨付的 1,500.00 元（差 1,500.00 元）；请先冲销拨付。"
    )


def test_reverse_without_a_reason_refused(api, district_admin, gov_fund, elderly_project):
    entry = services.allocate(elderly_project, source=gov_fund, amount="4000", by=district_admin)

    response = api(district_admin).post(f"{url(elderly_project, 'allocations')}{entry.pk}/reverse/", {})

    assert response.status_code == 400
    assert error(response)["fields"] == {"reason": ["请填写冲销原因。"]}


def test_reverse_an_entry_of_another_project_answers_404(
    api, district_admin, gov_fund, elderly_project, childcare_project
):
    entry = services.allocate(childcare_project, source=gov_fund, amount="100", by=district_admin)

    response = api(district_admin).post(
        f"{url(elderly_project, 'allocations')}{entry.pk}/reverse/", {"reason": "错"}
    )

    assert response.status_code == 404
    assert not Allocation.objects.filter(reversal_of=entry).exists()


# --- disbursements --------------------------------------------------------------------------


@pytest.fixture
def funded(district_admin, gov_fund, donation, elderly_project):
    services.allocate(elderly_project, source=gov_fund, amount="1000", by=district_admin)
    services.allocate(elderly_project, source=donation, amount="3000", by=district_admin)
    return elderly_project


def test_finance_disburses_with_a_voucher(api, finance, gov_fund, funded):
    response = api(finance).post(
        url(funded, "disbursements"),
        {
            "source": gov_fund.pk,
            "amount": "600.50",
            "voucher": "PZ-2026-001",
            "paid_on": "2026-05-01",
            "note": "首付",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["voucher"], body["paid_on"], body["reversal_of"]) == (
        "600.50",
        "PZ-2026-001",
        "2026-05-01",
        None,
    )
    project = api(finance).get(f"{PROJECTS}{funded.pk}/").json()
    assert (project["budget"], project["disbursed"], project["unpaid"]) == ("4000.00", "600.50", "3399.50")


def test_over_disbursement_is_refused_per_source(api, finance, district_admin, gov_fund, funded):
    pay(funded, gov_fund, "600", district_admin)

    response = api(finance).post(
        url(funded, "disbursements"),
        {"source": gov_fund.pk, "amount": "500", "voucher": "PZ-002", "paid_on": "2026-05-02"},
    )

    assert response.status_code == 409
    assert error(response)["code"] == "budget_exceeded"
    assert (
        error(response)["message"]
        == "超出资金来源“政府购买服务资金”分配给本项目的未拨付余额 400.00 元（超出 100.00 元）。"
    )
    assert Disbursement.objects.count() == 1


def test_disbursement_without_a_voucher_refused(api, finance, gov_fund, funded):
    response = api(finance).post(
        url(funded, "disbursements"),
        {"source": gov_fund.pk, "amount": "100", "voucher": " ", "paid_on": "2026-05-02"},
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"voucher": ["请填写拨付凭证号。"]}


def test_disbursement_refused_for_a_draft(api, district_admin, gov_fund, childcare_project):
    services.allocate(childcare_project, source=gov_fund, amount="1000", by=district_admin)

    response = api(district_admin).post(
        url(childcare_project, "disbursements"),
        {"source": gov_fund.pk, "amount": "100", "voucher": "PZ-1", "paid_on": "2026-05-02"},
    )

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“草稿”，不能拨付。"


def test_disbursement_refused_to_a_street_admin(api, street_admin, gov_fund, funded):
    response = api(street_admin).post(
        url(funded, "disbursements"),
        {"source": gov_fund.pk, "amount": "100", "voucher": "PZ-1", "paid_on": "2026-05-02"},
    )

    assert response.status_code == 403


def test_reverse_a_disbursement_and_not_its_reversal(api, finance, district_admin, gov_fund, funded):
    entry = pay(funded, gov_fund, "600", district_admin, voucher="PZ-009")

    response = api(finance).post(f"{url(funded, 'disbursements')}{entry.pk}/reverse/", {"reason": "金额录错"})
    reversal_id = response.json()["id"]
    of_reversal = api(finance).post(
        f"{url(funded, 'disbursements')}{reversal_id}/reverse/", {"reason": "撤销冲销"}
    )

    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["voucher"], response.json()["reversal_of"]) == (
        "-600.00",
        "PZ-009",
        entry.pk,
    )
    assert of_reversal.status_code == 409
    assert error(of_reversal)["message"] == "冲销记录本身不能再冲销。"
    rows = api(finance).get(url(funded, "disbursements")).json()["results"]
    assert [(r["amount"], r["reversed"]) for r in rows] == [("600.00", True), ("-600.00", False)]
    assert api(finance).get(f"{PROJECTS}{funded.pk}/").json()["disbursed"] == "0.00"


def test_cancel_returns_unpaid_money_to_the_sources(api, district_admin, gov_fund, donation, funded):
    pay(funded, gov_fund, "250", district_admin)

    response = api(district_admin).post(url(funded, "cancel"), {"reason": "服务对象搬迁"})

    assert response.status_code == 200
    assert (response.json()["budget"], response.json()["disbursed"], response.json()["unpaid"]) == (
        "250.00",
        "250.00",
        "0.00",
    )
    assert source_balance(gov_fund).remaining == Decimal("99750.00")
    assert source_balance(donation).remaining == Decimal("5000.00")


# --- who reads the ledgers ------------------------------------------------------------------


def test_org_leader_sees_the_project_but_not_its_ledgers(api, org_leader, org, funded):
    detail = api(org_leader).get(f"{PROJECTS}{funded.pk}/")
    allocations = api(org_leader).get(url(funded, "allocations"))
    disbursements = api(org_leader).get(url(funded, "disbursements"))

    assert detail.status_code == 200
    assert detail.json()["ledger"] is None
    assert allocations.status_code == 403
    assert disbursements.status_code == 403


def test_ledgers_of_a_project_outside_the_jurisdiction_answer_404(api, tree, district_admin, gov_fund):
    s2_admin = _street_admin_of(tree["S2"])
    project = services.create_project(
        title="四点半课堂", lifecycle_category="childcare", area=tree["C1"], by=district_admin
    )
    services.allocate(project, source=gov_fund, amount="100", by=district_admin)

    response = api(s2_admin).get(url(project, "allocations"))

    assert response.status_code == 404


def test_ledger_lists_have_a_query_cap(
    api, finance, district_admin, gov_fund, funded, django_assert_max_num_queries
):
    for n in range(3):
        pay(funded, gov_fund, "10", district_admin, voucher=f"PZ-{n}")
    with django_assert_max_num_queries(8) as few:
        api(finance).get(url(funded, "disbursements"))
    for n in range(3, 30):
        pay(funded, gov_fund, "10", district_admin, voucher=f"PZ-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api(finance).get(url(funded, "disbursements"))
    assert response.json()["count"] == 30


def _street_admin_of(area):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    user = UserFactory(username=f"street_admin_{area.code}")
    assign_role(user, role="street_admin", area=area)
    return user


# --- XLSX export ----------------------------------------------------------------------------


def test_ledger_export_opens_with_the_right_rows(
    api, tree, finance, district_admin, gov_fund, org, org_leader, funded
):
    services.claim_project(funded, organization=org, by=org_leader)
    pay(funded, gov_fund, "600", district_admin, voucher="PZ-A")
    entry = pay(funded, gov_fund, "100", district_admin, voucher="PZ-B")
    services.reverse_disbursement(entry, by=district_admin, reason="重复拨付")

    response = api(finance).get(f"{PROJECTS}ledger-export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["项目台账", "资金来源", "拨付明细"]
    projects = list(book["项目台账"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[5], r[6], r[7], r[8]) for r in projects] == [
        ("银龄助餐", "夕阳红服务社", 4000, 600, 3400),
    ]
    payments = list(book["拨付明细"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[4]) for r in payments] == [("PZ-A", 600), ("PZ-B", 100), ("PZ-B", -100)]
    sources = {r[0]: r[4:] for r in book["资金来源"].iter_rows(min_row=2, values_only=True)}
    assert sources == {"政府购买服务资金": (1000, 600, 99000), "爱心企业定向捐赠": (3000, 0, 2000)}


def test_ledger_export_keeps_to_the_callers_streets(
    api, tree, district_admin, street_admin, gov_fund, elderly_project
):
    other = services.create_project(
        title="四点半课堂", lifecycle_category="childcare", area=tree["C2"], by=district_admin
    )
    services.allocate(other, source=gov_fund, amount="500", by=district_admin)

    response = api(street_admin).get(f"{PROJECTS}ledger-export/")

    book = load_workbook(io.BytesIO(response.content))
    assert [r[0] for r in book["项目台账"].iter_rows(min_row=2, values_only=True)] == ["银龄助餐"]


def test_ledger_export_takes_the_list_filters(
    api, tree, district_admin, gov_fund, elderly_project, childcare_project
):
    response = api(district_admin).get(f"{PROJECTS}ledger-export/", {"lifecycle_category": "childcare"})

    book = load_workbook(io.BytesIO(response.content))
    assert [r[0] for r in book["项目台账"].iter_rows(min_row=2, values_only=True)] == ["四点半课堂"]


def test_ledger_export_refused_without_money_reading(api, community_worker, org_leader, org, elderly_project):
    assert api(community_worker).get(f"{PROJECTS}ledger-export/").status_code == 403
    assert api(org_leader).get(f"{PROJECTS}ledger-export/").status_code == 403
