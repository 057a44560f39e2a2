"""The certificate PDF (志愿服务证明) and its public verification page: the PDF carries the
certificate's figures and number, only the volunteer and those who may see them download it,
and anyone can check a number without learning the volunteer's full name."""

from __future__ import annotations

import base64
import re
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.certificates import certificate_pdf, masked_name
from gongzhi.volunteers.models import Certificate
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db


def approved(volunteer, club, leader, hours: str, days_ago: int):
    record = services.add_manual_record(
        volunteer,
        by=leader,
        organization=club,
        served_on=at(-days_ago).date(),
        hours=hours,
        content="社区助老",
        reason="纸质签到补录",
    )
    return services.approve_record(record, by=leader)


@pytest.fixture
def certificate(ann, club, leader):
    approved(ann, club, leader, "3", days_ago=10)
    approved(ann, club, leader, "2.5", days_ago=3)
    return services.issue_certificate(ann, by=ann.person.user)


def content_streams(pdf: bytes) -> bytes:
    """The page content of a reportlab PDF as plain bytes: each stream is undone through its
    filters (ASCII85, then Flate) with the standard library alone."""
    pieces = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        header, body = match.groups()
        if b"/ASCII85Decode" in header:
            body = base64.a85decode(body.strip(), adobe=True)
        if b"/FlateDecode" in header:
            body = zlib.decompress(body)
        pieces.append(body)
    return b"\n".join(pieces)


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    """A PDF string literal's bytes: backslash escapes and octal codes undone."""

    def one(match: re.Match) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def shown_text(pdf: bytes) -> list[str]:
    """Every string the page shows (``(...) Tj``), decoded by its font: UTF-16 for the CID
    font STSong-Light (encoding UniGB-UCS2-H), Latin-1 for Helvetica."""
    cjk = re.search(rb"/BaseFont /STSong-Light.*?/Name /(F\d+)", pdf, re.S).group(1)
    font, shown = b"", []
    for match in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", content_streams(pdf), re.S):
        if match.group(1):
            font = match.group(1)
        else:
            raw = _unescape(match.group(2))
            shown.append(raw.decode("utf-16-be") if font == cjk else raw.decode("latin-1"))
    return shown


def test_pdf_starts_as_a_pdf_and_carries_the_figures(certificate, ann):
    pdf = certificate_pdf(certificate)

    shown = shown_text(pdf)
    assert pdf.startswith(b"%PDF-")
    assert shown[0] == "志愿服务证明"
    for text in (
        certificate.number,
        f"/certificates/{certificate.number}/",
        ann.number,
        ann.person.id_number_masked,
        "安娜",
        "5.50 小时",
        "2 条",
        "未达星级",
    ):
        assert text in shown, text
    # The full ID number never goes into the file.
    assert ann.person.decrypt_id_number() not in "".join(shown)


def test_pdf_without_compression_shows_the_number_as_is(certificate):
    pdf = certificate_pdf(certificate, compress=False, base_url="https://gongzhi.example/")

    assert pdf.startswith(b"%PDF-")
    assert f"({certificate.number}) Tj".encode() in pdf
    assert f"(https://gongzhi.example/certificates/{certificate.number}/) Tj".encode() in pdf


def test_pdf_shows_first_and_last_service_dates_and_issue_date(certificate):
    shown = shown_text(certificate_pdf(certificate))

    assert f"{at(-10).date():%Y-%m-%d}" in shown
    assert f"{at(-3).date():%Y-%m-%d}" in shown
    assert f"{timezone.localtime(certificate.issued_at).date():%Y-%m-%d}" in shown
    assert (certificate.first_served_on, certificate.last_served_on) == (at(-10).date(), at(-3).date())
    assert certificate.hours == Decimal("5.50")


def test_the_volunteer_downloads_their_certificate(certificate, ann, page):
    response = page(ann.person.user).get(reverse("volunteers:certificate_pdf", args=[certificate.number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert certificate.number in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"%PDF-")
    assert f"http://testserver/certificates/{certificate.number}/" in shown_text(body)


def test_the_club_leader_may_download_but_another_volunteer_may_not(certificate, leader, bob, outsider, page):
    url = reverse("volunteers:certificate_pdf", args=[certificate.number])

    assert page(leader).get(url).status_code == 200
    assert page(bob.person.user).get(url).status_code == 404
    assert page(outsider).get(url).status_code == 404


def test_issuing_from_my_page_creates_a_certificate(ann, club, leader, page):
    approved(ann, club, leader, "4", days_ago=2)
    client = page(ann.person.user)

    response = client.post(
        reverse("volunteers:issue_certificate", args=[ann.pk]), {"next": reverse("volunteers:me")}
    )

    certificate = Certificate.objects.get(volunteer=ann)
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:me")
    assert (certificate.hours, certificate.records, certificate.star_level) == (Decimal("4.00"), 1, 0)
    html = client.get(reverse("volunteers:me")).content.decode()
    assert f"已开具志愿服务证明，编号 {certificate.number}。" in html
    assert f'href="/volunteers/certificates/{certificate.number}/pdf/"' in html


def test_issuing_without_approved_hours_says_why(ann, page):
    client = page(ann.person.user)

    client.post(reverse("volunteers:issue_certificate", args=[ann.pk]))

    assert not Certificate.objects.exists()
    html = client.get(reverse("volunteers:me")).content.decode()
    assert "还没有已认定的服务时长，暂不能开具证明。" in html


def test_another_volunteer_cannot_issue_for_ann(ann, bob, page):
    response = page(bob.person.user).post(reverse("volunteers:issue_certificate", args=[ann.pk]))

    assert response.status_code == 404
    assert not Certificate.objects.exists()


# --- public verification ------------------------------------------------------------------------


def test_verification_shows_a_masked_name_hours_stars_and_date(certificate, page):
    response = page().get(f"/certificates/{certificate.number}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "证明有效" in html
    assert "<td data-masked-name>安*</td>" in html
    assert "安娜" not in html
    assert "5.50 小时" in html
    assert "未达星级" in html
    assert f"{timezone.localtime(certificate.issued_at).date():%Y-%m-%d}" in html
    assert certificate.volunteer.person.id_number_masked not in html


def test_verification_of_an_unknown_number_is_not_found(certificate, page):
    response = page().get("/certificates/ZM2026-0000000000/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "未找到该证明" in html
    assert "安*" not in html


def test_a_number_typed_in_lower_case_is_found(certificate, page):
    response = page().get(f"/certificates/{certificate.number.lower()}/")

    assert response.status_code == 200
    assert "证明有效" in response.content.decode()


def test_the_lookup_form_goes_to_the_number_page(certificate, page):
    client = page()

    form = client.get("/certificates/")
    response = client.get("/certificates/", {"number": f"  {certificate.number.lower()} "})

    assert form.status_code == 200
    assert 'name="number"' in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.number}/"


@pytest.mark.parametrize(("name", "masked"), [("安娜", "安*"), ("欧阳小明", "欧*"), ("王", "王*"), ("", "*")])
def test_masked_name(name, masked):
    assert masked_name(name) == masked
