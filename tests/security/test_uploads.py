"""Every upload door gets the case-photo treatment: a size limit, the real type judged by
content (not by name), images re-encoded (EXIF and anything appended dropped), XLSX imports
checked before openpyxl opens them (size, really a workbook, no zip bomb). A refused file gets
a clear 4xx and nothing is stored.

Doors: photos on the public report page, the case API, project deliveries and wish fulfilment
(all through gongzhi.cases.photos); an organization's charter (form and API); the
organizations XLSX import (API and command) and the areas import command."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gongzhi.cases.models import Case, CasePhoto
from gongzhi.organizations.models import Organization
from gongzhi.projects import services as project_services
from gongzhi.projects.models import Delivery, DeliveryPhoto
from gongzhi.volunteers import services as volunteer_services
from gongzhi.volunteers.models import WishPhoto
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import G1_POINT, jpeg_bytes
from tests.factories import make_person
from tests.projects import conftest as projects_conftest

pytestmark = pytest.mark.django_db

categories, grids = cases_conftest.categories, cases_conftest.grids
elderly_project, org, org_leader = (
    projects_conftest.elderly_project,
    projects_conftest.org,
    projects_conftest.org_leader,
)
TODAY = timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- The bad files ----------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (29.0, 53.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "photo.jpg", b"MZ\x90\x00 this is a program, not a photo", content_type="image/jpeg"
    )


def gif_script_polyglot() -> SimpleUploadedFile:
    """A file that is both a GIF header and a script: refused (GIF is not accepted)."""
    return SimpleUploadedFile(
        "photo.jpg",
        b"GIF89a/*\x01\x00\x01\x00\x80\x00\x00*/=1;alert(document.cookie)//",
        content_type="image/jpeg",
    )


def jpeg_html_polyglot() -> SimpleUploadedFile:
    """A real JPEG with a page appended: accepted, but the re-encoded photo drops the page."""
    return SimpleUploadedFile(
        "photo.jpg",
        jpeg_bytes() + b"<html><script>alert(document.cookie)</script></html>",
        content_type="image/jpeg",
    )


def big_photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", jpeg_bytes(size=(400, 300)), content_type="image/jpeg")


BAD_PHOTOS = {
    "oversized": (big_photo, "太大"),
    "not_an_image": (not_an_image, "不是可识别的图片"),
    "polyglot": (gif_script_polyglot, "只接受 JPEG、PNG 或 WebP"),
}


# --- Photo doors: each posts one file and says how many rows and files it stored --------------


@pytest.fixture
def public_report_door(categories, grids, media):
    def post(file):
        data = {
            "category": categories["clutter"].pk,
            "description": "小区门口堆放垃圾",
            "lat": G1_POINT[0],
            "lng": G1_POINT[1],
            "photos": [file],
        }
        response = Client().post("/report/", data)
        return response, response.content.decode(), Case.objects.count()

    return post


@pytest.fixture
def case_api_door(api, grid_member, categories, grids, media):
    def post(file):
        data = {"category": "0101", "description": "堆物", "lat": str(G1_POINT[0]), "lng": str(G1_POINT[1])}
        response = api(grid_member).post("/api/v1/cases/", {**data, "photos": [file]}, format="multipart")
        return response, response.content.decode(), Case.objects.count()

    return post


@pytest.fixture
def delivery_door(api, elderly_project, org, org_leader, district_admin, media):
    project_services.add_indicator(elderly_project, kind="person_times", target="100", by=district_admin)
    project_services.claim_project(elderly_project, organization=org, by=org_leader)
    running = project_services.start_project(elderly_project, by=org_leader)

    def post(file):
        data = {"title": "助餐", "held_on": TODAY.isoformat(), "beneficiaries": "1", "person_times": "1"}
        response = api(org_leader).post(
            f"/api/v1/projects/{running.pk}/deliveries/", {**data, "photos": [file]}, format="multipart"
        )
        return response, response.content.decode(), Delivery.objects.count() + DeliveryPhoto.objects.count()

    return post


@pytest.fixture
def wish_door(api, tree, community_worker, outsider, media):
    veteran = make_person(grid=tree["G1"], name="老兵王建国", tags=["veteran"])
    wish = volunteer_services.post_wish(
        by=community_worker,
        beneficiary=veteran,
        title="一副老花镜",
        category="festival",
        estimated_value="120",
        expires_on=TODAY + datetime.timedelta(days=30),
        description="新年心愿",
    )
    client = api(outsider)
    assert (
        client.post(
            f"/api/v1/wishes/{wish.pk}/claim/", {"claimer_kind": "donor", "claimer_name": "爱心企业张总"}
        ).status_code
        == 200
    )

    def post(file):
        response = client.post(
            f"/api/v1/wishes/{wish.pk}/fulfil/", {"proof": "已送到", "photos": [file]}, format="multipart"
        )
        return response, response.content.decode(), WishPhoto.objects.count()

    return post


PHOTO_DOORS = ["public_report_door", "case_api_door", "delivery_door", "wish_door"]


@pytest.mark.parametrize("bad", list(BAD_PHOTOS))
@pytest.mark.parametrize("door_name", PHOTO_DOORS)
def test_photo_doors_refuse_bad_files_and_store_nothing(request, settings, door_name, bad):
    settings.GONGZHI_PHOTO_MAX_BYTES = 2000
    door = request.getfixturevalue(door_name)
    make, message = BAD_PHOTOS[bad]
    file = make()

    response, body, stored = door(file)

    assert response.status_code == 400, body[:300]
    assert message in body
    assert stored == 0
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("door_name", PHOTO_DOORS)
def test_photo_doors_re_encode_what_they_keep(request, settings, door_name):
    door = request.getfixturevalue(door_name)

    response, body, _stored = door(jpeg_html_polyglot())

    assert response.status_code in (200, 201, 302), body[:300]
    [image, thumbnail] = sorted(
        stored_files(settings.MEDIA_ROOT), key=lambda p: p.stat().st_size, reverse=True
    )
    assert b"<script>" not in image.read_bytes()
    assert b"<script>" not in thumbnail.read_bytes()
    with Image.open(image) as kept:
        assert kept.format == "JPEG"


def test_photo_exif_and_gps_never_reach_storage(case_api_door, settings):
    response, _body, _stored = case_api_door(
        SimpleUploadedFile("gps.jpg", jpeg_with_gps(), content_type="image/jpeg")
    )

    assert response.status_code == 201
    photo = CasePhoto.objects.get()
    with photo.image.open("rb") as handle:
        kept = Image.open(io.BytesIO(handle.read()))
        assert dict(kept.getexif()) == {}


# --- Charter: form and API --------------------------------------------------------------------


@pytest.fixture
def charter_api(api, community_worker, tree, media):
    def post(file):
        return api(community_worker).post(
            "/api/v1/organizations/",
            {"name": "红领之家", "category": "culture_sports", "area": "C1", "charter": file},
            format="multipart",
        )

    return post


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00binary program", "章程只接受 PDF、Word"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "章程只接受 PDF、Word"),
        (b"GIF89a/*\x01\x00*/=1;alert(1)//", "章程只接受 PDF、Word"),
    ],
    ids=["program_renamed_pdf", "html_renamed_pdf", "gif_script_polyglot"],
)
def test_charter_api_refuses_files_that_are_not_documents(charter_api, settings, content, message):
    response = charter_api(SimpleUploadedFile("章程.pdf", content, content_type="application/pdf"))

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["fields"] == {"charter": [response.json()["error"]["message"]]}
    assert not Organization.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_charter_api_refuses_an_oversized_file(charter_api, settings):
    settings.GONGZHI_DOCUMENT_MAX_BYTES = 100

    response = charter_api(
        SimpleUploadedFile("章程.pdf", b"%PDF-1.4 " + b"x" * 200, content_type="application/pdf")
    )

    assert response.status_code == 400
    assert "章程文件不能超过" in response.json()["error"]["message"]
    assert not Organization.objects.exists()


def test_charter_is_stored_under_our_name_and_a_photo_is_re_encoded(charter_api, settings):
    response = charter_api(
        SimpleUploadedFile("../../章程.html.jpg", jpeg_with_gps(), content_type="image/jpeg")
    )

    assert response.status_code == 201, response.content
    org = Organization.objects.get()
    assert Path(org.charter.name).name.startswith("charter")
    assert org.charter.name.endswith(".jpg")
    with org.charter.open("rb") as handle:
        assert dict(Image.open(io.BytesIO(handle.read())).getexif()) == {}


def test_charter_form_refuses_a_renamed_program(page, community_worker, tree, media, settings):
    response = page(community_worker).post(
        reverse("organizations:create"),
        {
            "name": "红领之家",
            "category": "culture_sports",
            "area": tree["C1"].pk,
            "charter": SimpleUploadedFile("章程.pdf", b"MZ\x90\x00binary", content_type="application/pdf"),
        },
    )

    assert response.status_code == 400
    assert "章程只接受 PDF、Word" in response.content.decode()
    assert not Organization.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


# --- XLSX imports -----------------------------------------------------------------------------


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


def zip_bomb(expanded_mb: int) -> bytes:
    """An .xlsx-shaped zip whose one sheet expands from ~100 KB to ``expanded_mb`` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(expanded_mb):
                member.write(chunk)
    return out.getvalue()


def docx_renamed() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.replace(b"spreadsheetml.sheet", b"wordprocessingml.document"),
        )
        archive.writestr("word/document.xml", b"<w:document/>")
    return out.getvalue()


def import_upload(api, user, content: bytes):
    file = SimpleUploadedFile("orgs.xlsx", content, content_type="application/octet-stream")
    return api(user).post("/api/v1/organizations/import/", {"file": file}, format="multipart")


def test_import_refuses_a_zip_bomb(api, community_worker, tree, media):
    bomb = zip_bomb(120)

    response = import_upload(api, community_worker, bomb)

    assert len(bomb) < 1024 * 1024
    assert response.status_code == 400
    assert "解压后超过 100 MB" in response.json()["error"]["message"]
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"code,name\n1,x\n", "请上传 .xlsx 格式的 Excel 文件"),
        (docx_renamed(), "请上传 .xlsx 格式的 Excel 文件"),
        (jpeg_bytes(), "请上传 .xlsx 格式的 Excel 文件"),
    ],
    ids=["csv_renamed", "docx_renamed", "jpeg_renamed"],
)
def test_import_refuses_files_that_are_not_workbooks(api, community_worker, tree, content, message):
    response = import_upload(api, community_worker, content)

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_import_refuses_an_oversized_file(api, community_worker, tree, settings):
    settings.GONGZHI_XLSX_MAX_BYTES = 1024

    response = import_upload(api, community_worker, zip_bomb(1))

    assert response.status_code == 400
    assert "导入的 Excel 文件不能超过" in response.json()["error"]["message"]


def test_import_commands_refuse_a_zip_bomb(tmp_path, settings, tree):
    settings.GONGZHI_XLSX_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zip_bomb(8))

    with pytest.raises(CommandError, match="解压后超过 5 MB"):
        call_command("import_organizations", str(bomb))
    with pytest.raises(CommandError, match="解压后超过 5 MB"):
        call_command("import_areas", str(bomb))
