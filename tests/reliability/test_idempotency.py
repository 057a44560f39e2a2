"""Idempotency keys on the creates a phone may retry: case reports, sign-ups, check-in and
check-out, allocations and disbursements. A replay answers with the first answer; the same
key with another body is refused; keys belong to one caller and one endpoint and expire;
20 concurrent replays create exactly one row."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from gongzhi.cases.models import Case, CaseEvent
from gongzhi.core.models import IdempotencyRecord
from gongzhi.projects.models import Allocation, Disbursement
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import ServiceRecord, Signup
from tests.cases.conftest import G1_POINT
from tests.reliability.conftest import race

ACTIVITIES = "/api/v1/activities/"
PROJECTS = "/api/v1/projects/"
CASES = "/api/v1/cases/"


def signup_url(activity) -> str:
    return f"{ACTIVITIES}{activity.pk}/signup/"


def key(value: str) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": value}


def disbursement(source) -> dict:
    return {"source": source.pk, "amount": "300", "voucher": "PZ-2026-009", "paid_on": "2026-05-01"}


pytestmark = pytest.mark.django_db


# --- sign-ups ------------------------------------------------------------------------------------


def test_a_replayed_sign_up_returns_the_first_answer_and_creates_nothing(api, running, ann):
    client = api(ann.person.user)

    first = client.post(signup_url(running), {}, format="json", **key("s-1"))
    retry = client.post(signup_url(running), {}, format="json", **key("s-1"))

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert (first.headers.get("Idempotent-Replayed"), retry.headers.get("Idempotent-Replayed")) == (
        None,
        "true",
    )
    assert Signup.objects.filter(activity=running).count() == 1


def test_without_a_key_a_second_sign_up_is_refused_as_before(api, running, ann):
    client = api(ann.person.user)

    client.post(signup_url(running), {}, format="json")
    again = client.post(signup_url(running), {}, format="json")

    assert again.status_code == 409
    assert IdempotencyRecord.objects.count() == 0


def test_the_same_key_with_another_body_is_refused_with_422(api, running, ann):
    client = api(ann.person.user)
    client.post(signup_url(running), {}, format="json", **key("s-1"))

    other = client.post(signup_url(running), {"volunteer": ann.pk}, format="json", **key("s-1"))

    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "换一个新键" in other.json()["error"]["message"]
    assert Signup.objects.filter(activity=running).count() == 1


def test_keys_belong_to_one_caller_and_one_endpoint(api, running, activity, ann, bob):
    api(ann.person.user).post(signup_url(running), {}, format="json", **key("same"))

    bobs = api(bob.person.user).post(signup_url(running), {}, format="json", **key("same"))
    other_activity = api(ann.person.user).post(signup_url(activity), {}, format="json", **key("same"))

    assert (bobs.status_code, other_activity.status_code) == (201, 201)
    assert bobs.headers.get("Idempotent-Replayed") is None
    assert Signup.objects.count() == 3


def test_a_failed_first_request_stores_nothing_and_its_retry_runs_again(api, running, ann, settings):
    client = api(ann.person.user)
    running.signup_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    running.save(update_fields=["signup_closes_at"])

    refused = client.post(signup_url(running), {}, format="json", **key("s-1"))
    running.signup_closes_at = timezone.now() + datetime.timedelta(hours=1)
    running.save(update_fields=["signup_closes_at"])
    retried = client.post(signup_url(running), {}, format="json", **key("s-1"))

    assert (refused.status_code, retried.status_code) == (409, 201)
    assert retried.headers.get("Idempotent-Replayed") is None
    assert Signup.objects.filter(activity=running).count() == 1


def test_keys_expire_after_the_ttl(api, running, ann, leader, settings):
    settings.GONGZHI_IDEMPOTENCY_TTL_HOURS = 24
    client = api(ann.person.user)
    client.post(signup_url(running), {}, format="json", **key("s-1"))
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    volunteer_services.cancel_signup(Signup.objects.get(), by=leader)

    again = client.post(signup_url(running), {}, format="json", **key("s-1"))

    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") is None
    assert Signup.objects.filter(activity=running).count() == 2
    assert IdempotencyRecord.objects.count() == 1  # the expired one was purged


def test_an_overlong_key_is_refused(api, running, ann):
    response = api(ann.person.user).post(signup_url(running), {}, format="json", **key("k" * 129))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "Idempotency-Key": ["Idempotency-Key 不能超过 128 个字符。"]
    }
    assert Signup.objects.count() == 0


# --- check-in and check-out ---------------------------------------------------------------------


def test_a_replayed_check_in_and_check_out_answer_as_the_first_time(api, running, ann):
    volunteer_services.sign_up(running, ann, by=ann.person.user)
    client = api(ann.person.user)
    check_in = {"token": volunteer_services.make_qr_token(running, "in")}
    check_out = {"token": volunteer_services.make_qr_token(running, "out")}

    first_in = client.post(f"{ACTIVITIES}{running.pk}/check-in/", check_in, format="json", **key("in-1"))
    retry_in = client.post(f"{ACTIVITIES}{running.pk}/check-in/", check_in, format="json", **key("in-1"))
    first_out = client.post(f"{ACTIVITIES}{running.pk}/check-out/", check_out, format="json", **key("out-1"))
    retry_out = client.post(f"{ACTIVITIES}{running.pk}/check-out/", check_out, format="json", **key("out-1"))
    # Without the key, the used token is refused, as it always was.
    unkeyed = client.post(f"{ACTIVITIES}{running.pk}/check-out/", check_out, format="json")

    assert [first_in.status_code, retry_in.status_code, first_out.status_code, retry_out.status_code] == [
        200,
        200,
        201,
        201,
    ]
    assert (retry_in.json(), retry_out.json()) == (first_in.json(), first_out.json())
    assert unkeyed.status_code == 409
    assert ServiceRecord.objects.filter(activity=running).count() == 1


# --- money ---------------------------------------------------------------------------------------


def test_a_replayed_allocation_and_disbursement_move_money_once(
    api, finance, district_admin, gov_fund, funded
):
    admin, payer = api(district_admin), api(finance)
    allocation = {"source": gov_fund.pk, "amount": "500", "note": "追加"}

    allocated = [
        admin.post(f"{PROJECTS}{funded.pk}/allocations/", allocation, format="json", **key("a-1"))
        for _ in range(2)
    ]
    paid = [
        payer.post(
            f"{PROJECTS}{funded.pk}/disbursements/", disbursement(gov_fund), format="json", **key("d-1")
        )
        for _ in range(2)
    ]

    assert [r.status_code for r in allocated + paid] == [201, 201, 201, 201]
    assert allocated[1].json() == allocated[0].json()
    assert paid[1].json() == paid[0].json()
    assert Allocation.objects.filter(project=funded).count() == 2  # the fixture's and this one
    assert Disbursement.objects.filter(project=funded).count() == 1


def test_listing_the_ledger_with_a_key_is_not_affected(api, finance, funded):
    response = api(finance).get(f"{PROJECTS}{funded.pk}/disbursements/", **key("d-1"))

    assert response.status_code == 200
    assert IdempotencyRecord.objects.count() == 0


# --- case reports --------------------------------------------------------------------------------


def test_a_replayed_case_report_keeps_its_documented_200(api, grid_member, categories, grids, media):
    client = api(grid_member)
    body = {"category": "0101", "description": "堆物", "lat": G1_POINT[0], "lng": G1_POINT[1]}

    first = client.post(CASES, body, format="json", **key("c-1"))
    retry = client.post(CASES, body, format="json", **key("c-1"))

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert (Case.objects.count(), CaseEvent.objects.count()) == (1, 1)


# --- 20 concurrent replays -----------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pytest's SQLite test database lives in memory with a shared cache, where concurrent "
    "writers fail at once ('table is locked') instead of queueing as on a database file; "
    "PostgreSQL shows the real race",
)


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_twenty_concurrent_sign_ups_with_one_key_make_one_row(running, ann):
    count = 20
    answers = race(
        count, lambda c: c.post(signup_url(running), {}, format="json", **key("race")), ann.person.user
    )

    assert Signup.objects.filter(activity=running).count() == 1
    assert {(status, str(body)) for status, body, _ in answers} == {(201, str(answers[0][1]))}
    assert sorted(replayed or "" for _, _, replayed in answers) == [""] + ["true"] * (count - 1)


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_twenty_concurrent_disbursements_with_one_key_pay_once(finance, gov_fund, funded):
    url = f"{PROJECTS}{funded.pk}/disbursements/"

    answers = race(20, lambda c: c.post(url, disbursement(gov_fund), format="json", **key("race")), finance)

    assert Disbursement.objects.filter(project=funded).count() == 1
    assert {(status, str(body)) for status, body, _ in answers} == {(201, str(answers[0][1]))}


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_twenty_concurrent_case_reports_with_one_key_make_one_case(grid_member, categories, grids, media):
    body = {"category": "0101", "description": "堆物", "lat": G1_POINT[0], "lng": G1_POINT[1]}

    answers = race(20, lambda c: c.post(CASES, body, format="json", **key("race")), grid_member)

    assert (Case.objects.count(), CaseEvent.objects.count()) == (1, 1)
    assert len({str(body) for _, body, _ in answers}) == 1
    assert sorted(status for status, _, _ in answers) == [200] * 19 + [201]
