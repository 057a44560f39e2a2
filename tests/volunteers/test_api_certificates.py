"""Certificates through the API: issuing one (for yourself by default), the public
verification with a masked name, and the PDF for the volunteer and staff only."""

from __future__ import annotations

import pytest

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Certificate
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

CERTIFICATES = "/api/v1/certificates/"


def error(response):
    return response.json()["error"]


@pytest.fixture
def served(ann, club, leader):
    """Ann with three approved hours."""
    record = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-3).date(), hours="3", content="清扫", reason="补录"
    )
    services.approve_record(record, by=leader)
    return ann


def test_a_volunteer_issues_their_own_certificate(api, served):
    response = api(served.person.user).post(CERTIFICATES)

    assert response.status_code == 201
    body = response.json()
    number = body["number"]
    assert {k: body[k] for k in ("volunteer", "name", "hours", "records", "star_level")} == {
        "volunteer": served.pk,
        "name": "安娜",
        "hours": "3.00",
        "records": 1,
        "star_level": 0,
    }
    assert (body["pdf"], body["verify"]) == (
        f"/api/v1/certificates/{number}/pdf/",
        f"/api/v1/certificates/{number}/verify/",
    )
    assert Certificate.objects.get(number=number).issued_by == served.person.user


def test_no_approved_hours_no_certificate(api, bob):
    response = api(bob.person.user).post(CERTIFICATES)

    assert response.status_code == 400
    assert error(response)["message"] == "还没有已认定的服务时长，暂不能开具证明。"


def test_someone_not_registered_is_told_so(api, outsider):
    response = api(outsider).post(CERTIFICATES)

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["volunteer"]


def test_staff_issue_for_a_volunteer_in_their_area(api, community_worker, served):
    response = api(community_worker).post(CERTIFICATES, {"volunteer": served.pk})

    assert response.status_code == 201
    assert response.json()["name"] == "安娜"


def test_public_verification(api, served):
    number = api(served.person.user).post(CERTIFICATES).json()["number"]

    response = api().get(f"{CERTIFICATES}{number.lower()}/verify/")

    assert response.status_code == 200
    body = response.json()
    issued_at = body.pop("issued_at")
    assert body == {
        "number": number,
        "valid": True,
        "name": "安*",
        "hours": "3.00",
        "records": 1,
        "star_level": 0,
    }
    assert issued_at
    assert "安娜" not in response.content.decode()


def test_unknown_number_is_404_with_a_clear_message(api):
    response = api().get(f"{CERTIFICATES}ZM2020-DEADBEEF00/verify/")

    assert response.status_code == 404
    assert error(response) == {
        "status": 404,
        "code": "not_found",
        "message": "没有编号为“ZM2020-DEADBEEF00”的志愿服务证明，请核对证明上的编号后重试。",
    }


def test_pdf_for_the_owner_and_staff_only(api, served, bob, community_worker):
    number = api(served.person.user).post(CERTIFICATES).json()["number"]
    path = f"{CERTIFICATES}{number}/pdf/"

    own = api(served.person.user).get(path)
    staff = api(community_worker).get(path)
    other = api(bob.person.user).get(path)
    anonymous = api().get(path)

    assert own.status_code == 200
    assert own["Content-Type"] == "application/pdf"
    assert own.content.startswith(b"%PDF")
    assert staff.status_code == 200
    assert other.status_code == 404
    assert anonymous.status_code in (401, 403)
    assert error(anonymous)["code"] == "not_authenticated"


def test_list_shows_own_certificates(api, served, bob):
    api(served.person.user).post(CERTIFICATES)

    mine = api(served.person.user).get(CERTIFICATES).json()
    others = api(bob.person.user).get(CERTIFICATES).json()

    assert [c["name"] for c in mine["results"]] == ["安娜"]
    assert others["count"] == 0
