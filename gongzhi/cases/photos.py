"""Photo uploads: accept JPEG, PNG or WebP only (by content), bounded in bytes and pixels,
re-encoded so EXIF (GPS included) never reaches storage, with a thumbnail for lists."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.core.exceptions import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS_PER_STAGE = 9
THUMB_SIZE = (320, 320)


@dataclass
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _max_bytes() -> int:
    return settings.GONGZHI_PHOTO_MAX_BYTES


def _max_pixels() -> int:
    return settings.GONGZHI_PHOTO_MAX_PIXELS


def process_photo(upload, *, index: int = 1) -> ProcessedPhoto:
    """Validate and re-encode one uploaded file. Raises DomainError (field ``photos``) naming
    the file and what is wrong; nothing is stored by this function."""
    name = getattr(upload, "name", "") or _("第 %(n)s 张") % {"n": index}
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > _max_bytes():
        raise DomainError(
            _("照片“%(name)s”太大（%(mb).1f MB），每张不能超过 %(max)s MB，请压缩后重试。")
            % {"name": name, "mb": size / 1048576, "max": _max_bytes() // 1048576},
            field="photos",
        )
    upload.seek(0)
    data = upload.read()
    too_many_pixels = DomainError(
        _("照片“%(name)s”的像素过多，每张不能超过 %(mp)s 百万像素。")
        % {"name": name, "mp": _max_pixels() // 1_000_000},
        field="photos",
    )
    try:
        # Image.open reads only the header: the pixel count is checked before decoding, so a
        # decompression bomb (a tiny file claiming huge dimensions) is refused unexpanded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        fmt = image.format
        width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError):
        raise DomainError(
            _("文件“%(name)s”不是可识别的图片。只接受 JPEG、PNG 或 WebP 格式的照片。") % {"name": name},
            field="photos",
        ) from None
    if fmt not in ALLOWED_FORMATS:
        raise DomainError(
            _("文件“%(name)s”的实际格式是 %(fmt)s，只接受 JPEG、PNG 或 WebP 格式的照片。")
            % {"name": name, "fmt": fmt},
            field="photos",
        )
    if width * height > _max_pixels():
        raise too_many_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
        image = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(
            _("照片“%(name)s”已损坏，无法读取，请重新拍摄或选择其他照片。") % {"name": name}, field="photos"
        ) from None
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata dropped
    thumb = image.copy()
    thumb.thumbnail(THUMB_SIZE)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    return ProcessedPhoto(out.getvalue(), thumb_out.getvalue(), image.width, image.height)


def process_photos(uploads, *, required: bool = False) -> list[ProcessedPhoto]:
    """All photos of one stage, or a DomainError; at most nine."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_PHOTOS_PER_STAGE:
        raise DomainError(
            _("每个环节最多上传 %(max)s 张照片，本次有 %(n)s 张。")
            % {"max": MAX_PHOTOS_PER_STAGE, "n": len(uploads)},
            field="photos",
        )
    if required and not uploads:
        raise DomainError(_("请至少上传一张照片。"), field="photos")
    return [process_photo(upload, index=i) for i, upload in enumerate(uploads, start=1)]


def store_photo(processed: ProcessedPhoto, *, model=None, **fields):
    """Save the files under random names and the photo row: a CasePhoto, or any ``model`` with
    the same image, thumbnail, width, height and size fields (delivery and wish photos)."""
    if model is None:
        from gongzhi.cases.models import CasePhoto

        model = CasePhoto
    photo = model(width=processed.width, height=processed.height, size=len(processed.image), **fields)
    photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
    photo.save()
    return photo
