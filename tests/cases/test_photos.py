"""Photo uploads: content-detected type, bounds, EXIF stripped, nothing stored on refusal."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.cases.models import Case, CasePhoto
from gongzhi.cases.photos import process_photo, process_photos
from gongzhi.cases.services import report_case
from gongzhi.core.exceptions import DomainError
from tests.cases.conftest import G1_POINT, jpeg_bytes


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(out, format=fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_reencoded_as_jpeg(fmt):
    processed = process_photo(upload(image_bytes(fmt), name=f"x.{fmt.lower()}"))

    assert Image.open(io.BytesIO(processed.image)).format == "JPEG"
    assert (processed.width, processed.height) == (40, 30)
    assert Image.open(io.BytesIO(processed.thumbnail)).size == (40, 30)


def test_text_named_jpg_is_refused():
    with pytest.raises(DomainError) as err:
        process_photo(upload(b"this is not an image at all", name="evil.jpg"))

    assert str(err.value.message) == "文件“evil.jpg”不是可识别的图片。只接受 JPEG、PNG 或 WebP 格式的照片。"


def test_gif_is_refused_by_content_even_named_jpg():
    with pytest.raises(DomainError) as err:
        process_photo(upload(image_bytes("GIF"), name="cat.jpg"))

    assert "实际格式是 GIF" in str(err.value.message)


def test_oversize_is_refused(settings):
    settings.GONGZHI_PHOTO_MAX_BYTES = 1024

    with pytest.raises(DomainError) as err:
        process_photo(upload(image_bytes("PNG", size=(400, 400)) + b"\0" * 2048))

    assert "太大" in str(err.value.message)


def test_decompression_bomb_is_refused_without_decoding():
    with pytest.raises(DomainError) as err:
        process_photo(upload(png_claiming(20000, 20000), name="bomb.png"))

    assert "像素过多" in str(err.value.message)


def test_too_many_photos():
    with pytest.raises(DomainError) as err:
        process_photos([upload(jpeg_bytes()) for _ in range(10)])

    assert str(err.value.message) == "每个环节最多上传 9 张照片，本次有 10 张。"


def test_exif_with_gps_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (29.0, 48.0, 18.0), 3: "E", 4: (121.0, 48.0, 18.0)}
    original = jpeg_bytes(exif=exif.tobytes())
    assert Image.open(io.BytesIO(original)).getexif()  # the upload really carries EXIF

    processed = process_photo(upload(original))

    stored = Image.open(io.BytesIO(processed.image))
    assert dict(stored.getexif()) == {}
    assert b"Exif" not in processed.image[:200]


@pytest.mark.django_db
def test_refused_photo_stores_no_case_and_no_file(categories, grids, grid_member, media):
    with pytest.raises(DomainError):
        report_case(
            category=categories["clutter"],
            description="堆物",
            source="grid_member",
            by=grid_member,
            lat=G1_POINT[0],
            lng=G1_POINT[1],
            photos=[upload(jpeg_bytes()), upload(b"GIF89a not really")],
        )

    assert Case.objects.count() == 0
    assert CasePhoto.objects.count() == 0
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.django_db
def test_stored_photo_has_random_name_and_thumbnail(categories, grids, grid_member, media):
    case = report_case(
        category=categories["clutter"],
        description="堆物",
        source="grid_member",
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        photos=[upload(jpeg_bytes(size=(800, 600)), name="张三家门口.jpg")],
    )

    photo = case.photos.get()
    assert "张三" not in photo.image.name
    assert photo.image.name.endswith(".jpg")
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.size == (320, 240)
    assert (photo.phase, photo.event.action) == ("report", "report")
