"""Rate limits: login, API token and second factor, the public report (with its photos), the public rating,
Open311 reports (per address and per API key) and certificate verification. A limited page
answers 429 with a Chinese page, a limited API 429 JSON; both say when to try again.

The suite's default limits are generous (tests/conftest.py); each test here lowers one."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource, CaseStatus
from gongzhi.cases.keys import issue_api_key
from gongzhi.cases.models import Case, CasePhoto
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import G1_POINT
from tests.cases.test_open311 import valid_post
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# The case fixtures, for the public doors.
categories, grids, media, photo = (
    cases_conftest.categories,
    cases_conftest.grids,
    cases_conftest.media,
    cases_conftest.photo,
)


def client_at(address: str = "203.0.113.7", **headers) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def assert_limited_page(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "请求过于频繁" in response.content.decode()
    assert "后再试" in response.content.decode()


def assert_limited_json(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"].startswith("请求过于频繁，请 ")


# --- Login and API token ------------------------------------------------------------------


def test_login_posts_are_limited_per_address(settings, street_admin):
    settings.GONGZHI_RATE_LOGIN = "3/m"
    client = client_at()
    wrong = {"username": "street_admin", "password": "wrong-password"}

    answers = [client.post("/login/", wrong).status_code for _ in range(3)]
    limited = client.post("/login/", {"username": "street_admin", "password": PASSWORD})

    assert answers == [200, 200, 200]
    assert_limited_page(limited)
    assert client.get("/login/").status_code == 200  # reading the form is not counted


def test_another_address_is_not_limited(settings, street_admin):
    settings.GONGZHI_RATE_LOGIN = "1/m"
    client_at("203.0.113.7").post("/login/", {"username": "street_admin", "password": "x"})

    first = client_at("203.0.113.7").post("/login/", {"username": "street_admin", "password": "x"})
    other = client_at("198.51.100.9").post("/login/", {"username": "street_admin", "password": PASSWORD})

    assert first.status_code == 429
    assert other.status_code == 302


def test_addresses_behind_a_trusted_proxy_are_counted_apart(settings, street_admin):
    settings.GONGZHI_RATE_LOGIN = "1/m"
    settings.GONGZHI_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    wrong = {"username": "street_admin", "password": "x"}
    client_at(proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").post("/login/", wrong)

    again = client_at(proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").post("/login/", wrong)
    other = client_at(proxy, HTTP_X_FORWARDED_FOR="198.51.100.9").post("/login/", wrong)

    assert again.status_code == 429
    assert other.status_code == 200


def test_api_token_shares_the_login_counter_and_answers_json(settings, street_admin):
    settings.GONGZHI_RATE_LOGIN = "2/m"
    client = client_at()
    for _ in range(2):
        client.post("/login/", {"username": "street_admin", "password": "x"})

    response = client.post("/api/v1/auth/token/", {"username": "street_admin", "password": PASSWORD})

    assert_limited_json(response)


def test_second_factor_codes_share_the_login_counter(settings, street_admin):
    settings.GONGZHI_RATE_LOGIN = "2/m"
    client = client_at()
    client.post("/login/", {"username": "street_admin", "password": PASSWORD})  # on to the second factor
    client.post("/accounts/two-factor/verify/", {"token": "000000"})

    response = client.post("/accounts/two-factor/verify/", {"token": "111111"})

    assert_limited_page(response)


def test_the_first_refusal_of_a_window_is_audited_once(settings, street_admin):
    settings.GONGZHI_RATE_LOGIN = "1/m"
    client = client_at()
    for _ in range(4):
        client.post("/login/", {"username": "street_admin", "password": "x"})

    events = AuditEvent.objects.filter(action="security.rate_limited")

    assert [(e.category, e.outcome, e.ip, e.detail["door"]) for e in events] == [
        ("denial", "denied", "203.0.113.7", "login")
    ]


# --- Public report and rating -------------------------------------------------------------


def report_data(categories, photo) -> dict:
    return {
        "category": categories["clutter"].pk,
        "description": "小区门口堆放垃圾",
        "lat": G1_POINT[0],
        "lng": G1_POINT[1],
        "photos": [photo()],
    }


def test_public_reports_with_photos_are_limited_per_address(settings, categories, grids, media, photo):
    settings.GONGZHI_RATE_PUBLIC_REPORT = "2/h"
    client = client_at()

    answers = [client.post("/report/", report_data(categories, photo)).status_code for _ in range(2)]
    limited = client.post("/report/", report_data(categories, photo))

    assert answers == [302, 302]
    assert_limited_page(limited)
    assert Case.objects.count() == 2
    assert CasePhoto.objects.count() == 2  # the refused report's photo was not even read
    assert client.get("/report/").status_code == 200


def test_public_rating_is_limited(settings, categories, grids, media):
    settings.GONGZHI_RATE_PUBLIC_REPORT = "1/h"
    case = services.report_case(
        category=categories["clutter"],
        description="楼道堆物",
        source=CaseSource.RESIDENT,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
    )
    client = client_at()
    client.post(f"/track/{case.tracking_token}/rate/", {"satisfaction": "satisfied"})

    response = client.post(f"/track/{case.tracking_token}/rate/", {"satisfaction": "satisfied"})

    assert_limited_page(response)
    assert Case.objects.get().status == CaseStatus.REPORTED


# --- Open311 ------------------------------------------------------------------------------


@pytest.fixture
def app_key(grids, district_admin):
    return issue_api_key(name="随手拍", area=grids["D"], by=district_admin)[1]


def open311_post(client, key):
    return client.post("/open311/v2/requests.json", valid_post(key))


def test_open311_posts_are_limited_per_address(settings, categories, app_key, district_admin, grids):
    settings.GONGZHI_RATE_OPEN311 = "2/h"
    other_key = issue_api_key(name="市民通", area=grids["D"], by=district_admin)[1]
    client = client_at()

    answers = [open311_post(client, app_key).status_code for _ in range(2)]
    limited = open311_post(client, other_key)  # another key from the same address

    assert answers == [201, 201]
    assert_limited_json(limited)
    assert Case.objects.count() == 2
    assert client.get("/open311/v2/requests.json").status_code == 200  # reads are not counted


def test_open311_posts_are_limited_per_api_key_from_any_address(settings, categories, app_key):
    settings.GONGZHI_RATE_OPEN311_KEY = "2/h"
    open311_post(client_at("203.0.113.1"), app_key)
    open311_post(client_at("203.0.113.2"), app_key)

    limited = open311_post(client_at("203.0.113.3"), app_key)

    assert_limited_json(limited)
    assert Case.objects.count() == 2


# --- Certificate verification -------------------------------------------------------------


def test_certificate_verification_is_limited_on_the_page_and_the_api(settings, tree):
    settings.GONGZHI_RATE_VERIFY = "2/m"
    client = client_at()

    page_answers = [client.get(f"/certificates/ZYFW-2026-{n:06d}/").status_code for n in range(2)]
    limited_page = client.get("/certificates/ZYFW-2026-000099/")
    limited_api = client.get("/api/v1/certificates/ZYFW-2026-000099/verify/")

    assert page_answers == [404, 404]
    assert_limited_page(limited_page)
    assert_limited_json(limited_api)
