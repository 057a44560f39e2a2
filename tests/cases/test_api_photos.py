"""Photos through the API: refusals store nothing, EXIF never reaches storage, and the photo
view serves a file only to someone who may see its case (or campaign)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Campaign, Case, CaseEvent, CasePhoto
from tests.cases.conftest import G1_POINT, G3_POINT, MONDAY_9, jpeg_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(out, format=fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A real small PNG whose IHDR is patched to claim huge dimensions (a decompression bomb)."""
    data = bytearray(image_bytes("PNG", size=(8, 8)))
    # IHDR follows the 8-byte signature: length (4), type (4), width (4), height (4) …
    header_start = 16
    data[header_start : header_start + 8] = struct.pack(">II", width, height)
    ihdr = bytes(data[12:29])  # type + 13 bytes of data
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def body(*photos) -> dict:
    return {
        "category": "0101",
        "description": "堆物",
        "lat": str(G1_POINT[0]),
        "lng": str(G1_POINT[1]),
        "photos": list(photos),
    }


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def assert_nothing_stored(media) -> None:
    assert (Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()) == (0, 0, 0)
    assert stored_files(media) == []


@pytest.fixture
def client(api, grid_member, categories, grids, media):
    return api(grid_member)


# ---------------------------------------------------------------------------------------------
# Refusals: a 400 naming the problem, and no case, photo row or file


def test_text_named_jpg_is_refused(client, media):
    response = client.post(URL, body(upload(b"not an image at all", "evil.jpg")), format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "photos": ["文件“evil.jpg”不是可识别的图片。只接受 JPEG、PNG 或 WebP 格式的照片。"]
    }
    assert_nothing_stored(media)


def test_gif_named_jpg_is_refused(client, media):
    response = client.post(URL, body(upload(image_bytes("GIF"), "cat.jpg")), format="multipart")

    assert response.status_code == 400
    assert (
        response.json()["error"]["message"]
        == "文件“cat.jpg”的实际格式是 GIF，只接受 JPEG、PNG 或 WebP 格式的照片。"
    )
    assert_nothing_stored(media)


def test_png_named_jpg_is_accepted_by_content_and_stored_as_jpeg(client, media):
    response = client.post(URL, body(upload(image_bytes("PNG"), "shot.jpg")), format="multipart")

    assert response.status_code == 201, response.content
    photo = CasePhoto.objects.get()
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
    assert (photo.width, photo.height) == (40, 30)


def test_oversize_photo_is_refused(client, media, settings):
    settings.GONGZHI_PHOTO_MAX_BYTES = 2 * 1048576
    big = upload(jpeg_bytes() + b"\0" * (2 * 1048576), "big.jpg")

    response = client.post(URL, body(upload(jpeg_bytes(), "ok.jpg"), big), format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "photos": ["照片“big.jpg”太大（2.0 MB），每张不能超过 2 MB，请压缩后重试。"]
    }
    assert_nothing_stored(media)


def test_ten_photos_are_refused(client, media):
    response = client.post(
        URL, body(*[upload(jpeg_bytes(), f"{i}.jpg") for i in range(10)]), format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"photos": ["每个环节最多上传 9 张照片，本次有 10 张。"]}
    assert_nothing_stored(media)


def test_nine_photos_are_accepted(client, media):
    response = client.post(
        URL, body(*[upload(jpeg_bytes(), f"{i}.jpg") for i in range(9)]), format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["photo_count"] == 9


def test_decompression_bomb_is_refused_unexpanded(client, media):
    response = client.post(URL, body(upload(png_claiming(20000, 20000), "bomb.png")), format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "photos": ["照片“bomb.png”的像素过多，每张不能超过 40 百万像素。"]
    }
    assert_nothing_stored(media)


def test_pixel_limit_is_the_setting(client, media, settings):
    settings.GONGZHI_PHOTO_MAX_PIXELS = 1000

    response = client.post(URL, body(upload(jpeg_bytes(size=(50, 50)), "wide.jpg")), format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["photos"][0].startswith("照片“wide.jpg”的像素过多")
    assert_nothing_stored(media)


def test_a_refused_transition_photo_stores_nothing(api, grid_member, reported, media):
    before = stored_files(media)

    response = api(grid_member).post(
        f"{URL}{reported.pk}/resolve-on-site/",
        {"note": "已清理", "photos": [upload(b"GIF89a not really", "after.jpg")]},
        format="multipart",
    )

    assert response.status_code == 400
    assert stored_files(media) == before
    assert (Case.objects.get().status, CasePhoto.objects.count()) == ("reported", 0)


def test_exif_gps_is_stripped_from_the_stored_photo(client, media):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (29.0, 48.0, 18.0), 3: "E", 4: (121.0, 48.0, 18.0)}
    raw = jpeg_bytes(size=(80, 60), exif=exif.tobytes())
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the upload really has GPS

    response = client.post(URL, body(upload(raw, "gps.jpg")), format="multipart")

    assert response.status_code == 201, response.content
    photo = CasePhoto.objects.get()
    for field in (photo.image, photo.thumbnail):
        with field.open("rb") as stored:
            data = stored.read()
        assert b"Exif" not in data
        assert b"PhoneMaker" not in data
        assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


# ---------------------------------------------------------------------------------------------
# The photo view


@pytest.fixture
def case_photo(reported, grid_member):
    case = services.resolve_on_site(
        reported, by=grid_member, note="已清理", photos=[upload(jpeg_bytes(size=(640, 480)), "after.jpg")]
    )
    return case.photos.get()


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def test_photo_view_serves_an_inside_user(api, community_worker, case_photo):
    response = api(community_worker).get(f"/api/v1/case-photos/{case_photo.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    with case_photo.image.open("rb") as stored:
        assert read(response) == stored.read()


def test_thumbnail_is_smaller(api, community_worker, case_photo):
    response = api(community_worker).get(f"/api/v1/case-photos/{case_photo.pk}/thumbnail/")

    assert response.status_code == 200
    assert Image.open(io.BytesIO(read(response))).size == (320, 240)


def test_photo_view_is_404_outside_the_jurisdiction(api, tree, case_photo, outsider):
    other_street = UserFactory(username="s2_admin")
    assign_role(other_street, role=Role.STREET_ADMIN, area=tree["S2"])

    for user in (other_street, outsider):
        for suffix in ("", "thumbnail/"):
            response = api(user).get(f"/api/v1/case-photos/{case_photo.pk}/{suffix}")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"


def test_photo_view_needs_a_login_and_an_existing_photo(api, community_worker, case_photo):
    assert api().get(f"/api/v1/case-photos/{case_photo.pk}/").status_code in (401, 403)
    assert api(community_worker).get(f"/api/v1/case-photos/{case_photo.pk + 100}/").status_code == 404


def test_photo_view_honours_an_image_accept_header(api, community_worker, case_photo):
    response = api(community_worker).get(
        f"/api/v1/case-photos/{case_photo.pk}/", HTTP_ACCEPT="image/avif,image/webp,image/*"
    )

    assert response.status_code == 200
    read(response)


def test_reporter_sees_the_photos_of_their_own_case(api, categories, grids, media, tree):
    resident = UserFactory(username="resident")
    assign_role(resident, role=Role.RESIDENT, area=tree["G1"])
    case = services.report_case(
        category=categories["clutter"],
        description="楼下堆物",
        source=CaseSource.RESIDENT,
        by=resident,
        lat=G3_POINT[0],
        lng=G3_POINT[1],
        photos=[upload(jpeg_bytes())],
        now=MONDAY_9,
    )
    photo = case.photos.get()

    response = api(resident).get(f"/api/v1/case-photos/{photo.pk}/")

    assert response.status_code == 200
    read(response)


def test_campaign_photo_follows_the_campaign(api, street_admin, district_admin, tree, media):
    campaign = Campaign.objects.create(name="新碶整治", area=tree["S1"], start_date=MONDAY_9.date())
    post = services.post_campaign_update(
        campaign, by=street_admin, text="第一批清理完成", photo=upload(jpeg_bytes(), "p.jpg")
    )
    other_street = UserFactory(username="s2_admin")
    assign_role(other_street, role=Role.STREET_ADMIN, area=tree["S2"])

    inside = api(district_admin).get(f"/api/v1/case-photos/{post.photo_id}/")
    outside = api(other_street).get(f"/api/v1/case-photos/{post.photo_id}/")

    assert inside.status_code == 200
    read(inside)
    assert outside.status_code == 404
