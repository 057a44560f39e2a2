"""Exports carry no plain phone or ID number: each file's bytes are searched, after undoing
the ZIP (XLSX) and the stream compression (PDF)."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import pytest

from gongzhi.accounts.services import assign_role
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.certificates import certificate_pdf
from tests.factories import UserFactory
from tests.privacy.conftest import assert_no_plain
from tests.projects.conftest import make_org
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db


def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def pdf_text(content: bytes) -> str:
    pieces = [content.decode("latin-1")]
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", content, re.S):
        header, body = match.groups()
        if b"/ASCII85Decode" in header:
            import base64

            body = base64.a85decode(body.strip(), adobe=True)
        if b"/FlateDecode" in header:
            body = zlib.decompress(body)
        pieces.append(body.decode("latin-1"))
    return "\n".join(pieces)


def test_organization_export_has_no_plain_phone_or_id(api, district_admin, org, person):
    response = api(district_admin).get("/api/v1/organizations/export/")

    assert response.status_code == 200
    text = xlsx_text(response.content)
    assert "百合志愿队" in text  # the data is there …
    assert_no_plain(text)  # … but neither the contact phone nor the leader's ID or phone


def test_monthly_report_exports_have_no_plain_phone_or_id(page, district_admin, person, case, org, wish):
    client = page(district_admin)
    xlsx = client.get("/stats/reports/monthly.xlsx", {"area": "D"})
    pdf = client.get("/stats/reports/monthly.pdf", {"area": "D"})

    assert (xlsx.status_code, pdf.status_code) == (200, 200)
    assert_no_plain(xlsx_text(xlsx.content))
    assert_no_plain(pdf_text(pdf.content))


def test_volunteer_certificate_pdf_has_the_masked_id_only(tree, person):
    leader = UserFactory(username="club_leader")
    assign_role(leader, role="org_leader", area=tree["S1"])
    club = make_org(tree["C1"], "红领之家", leader_user=leader)
    user = UserFactory(username="wang")
    person.user = user
    person.save(update_fields=["user"])
    volunteer = volunteer_services.register_volunteer(person, by=user, skills=[], organizations=[club])
    record = volunteer_services.add_manual_record(
        volunteer,
        by=leader,
        organization=club,
        served_on=at(-3).date(),
        hours="2",
        content="助老",
        reason="补录",
    )
    volunteer_services.approve_record(record, by=leader)
    certificate = volunteer_services.issue_certificate(volunteer, by=user)

    for compress in (True, False):
        text = pdf_text(certificate_pdf(certificate, compress=compress))
        assert_no_plain(text)
    assert certificate_pdf(certificate, compress=False).count(person.id_number_masked.encode()) == 1
