"""Hardening against abuse: request-size and rate limits, response headers, safe uploads.

- ``RequestSizeLimitMiddleware`` refuses, before any of the body is read, a request whose
  Content-Length is above ``GONGZHI_MAX_REQUEST_BYTES`` or, without files, above
  DATA_UPLOAD_MAX_MEMORY_SIZE (413), and a body sent without a Content-Length (chunked) on a
  write (411): Django would read such a body as empty.
- ``RateLimitMiddleware`` counts the doors listed in ``RATE_LIMITS`` (login, API token, second
  factor, public report, rating, Open311 reports, certificate verification) per client address
  — and per API key for Open311 — in the cache, and answers 429 with Retry-After once a limit
  is used up.
- ``ResponseHeadersMiddleware`` marks every response that may carry personal data
  ``Cache-Control: no-store`` and sets the Permissions-Policy.
- ``ApiDocsView`` is Swagger UI under the site's CSP: its script comes from a URL, its one
  inline style carries a nonce.
- ``check_document`` and ``check_xlsx`` are the upload checks for files that are not photos
  (photos go through ``gongzhi.cases.photos``).
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from csp.constants import NONCE
from csp.decorators import csp_update
from csp.utils import build_policy
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage
from drf_spectacular.views import SpectacularSwaggerSplitView

from gongzhi.audit.context import client_ip
from gongzhi.core.exceptions import DomainError

logger = logging.getLogger(__name__)

# Paths answered in JSON (machines); everything else is a page for people.
JSON_PREFIXES = ("/api/", "/open311/")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def wants_json(request: HttpRequest) -> bool:
    return request.path_info.startswith(JSON_PREFIXES)


def refusal(request: HttpRequest, *, status: int, code: str, message: str, title: str) -> HttpResponse:
    """A refusal in the door's own language: JSON ``{"error": {"code", "message"}}`` for the API
    and Open311, otherwise a short page with the same message."""
    if wants_json(request):
        response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    else:
        response = render(request, "core/refused.html", {"title": title, "message": message}, status=status)
    # A size refusal leaves before the CSP middleware runs: the page carries the policy anyway.
    response.setdefault("Content-Security-Policy", build_policy())
    response["Cache-Control"] = "no-store"
    return response


# --- Request size ------------------------------------------------------------------------


class RequestSizeLimitMiddleware:
    """Refuse oversized requests from their headers, before the body is read.

    Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS/FILES) apply
    while a body is parsed; this one bounds the whole request, files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.GONGZHI_MAX_REQUEST_BYTES
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        try:
            length = int(raw_length) if raw_length else None
        except ValueError:
            length = -1
        if length is not None and length < 0:
            return refusal(
                request,
                status=400,
                code="bad_request",
                message=_("请求头 Content-Length 无效。"),
                title=_("请求无效"),
            )
        if length is not None and length > limit:
            return refusal(
                request,
                status=413,
                code="request_too_large",
                message=_("请求过大（%(mb).1f MB），不能超过 %(max)s MB。请减少照片数量或压缩后重试。")
                % {"mb": length / 1048576, "max": limit // 1048576},
                title=_("请求过大"),
            )
        # Only multipart bodies carry files. Django bounds the rest (DATA_UPLOAD_MAX_MEMORY_SIZE)
        # when it reads request.body, but DRF's JSON parser reads the stream directly.
        body_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        if length is not None and body_limit is not None and not multipart and length > body_limit:
            return refusal(
                request,
                status=413,
                code="request_too_large",
                message=_("请求体过大（%(kb)s KB），不含文件的请求不能超过 %(max)s KB。")
                % {"kb": length // 1024, "max": body_limit // 1024},
                title=_("请求过大"),
            )
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length is None and chunked and request.method in BODY_METHODS:
            return refusal(
                request,
                status=411,
                code="length_required",
                message=_("请求必须带 Content-Length：不接受分块传输（chunked）的请求体。"),
                title=_("请求无效"),
            )
        return self.get_response(request)


# --- Rate limits -------------------------------------------------------------------------


def by_ip(group: str, request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as GONGZHI_TRUSTED_PROXY_COUNT."""
    return client_ip(request) or "unknown"


def by_api_key(group: str, request: HttpRequest) -> str:
    """The Open311 ``api_key`` (query or form); requests without one share one counter."""
    key = request.GET.get("api_key") or request.POST.get("api_key") or ""
    return key.strip()[:128] or "none"


@dataclass(frozen=True)
class Limit:
    """One rate-limited door: the methods counted, its counters — each a key function (whose
    requests count together) and the setting holding its rate (``"10/m"``); each counter may
    refuse — and the counter group: doors sharing a group share their counts (a password
    guessed on the login page or through the API token door is the same guessing)."""

    methods: tuple[str, ...]
    counters: tuple[tuple[Callable[[str, HttpRequest], str], str], ...]
    group: str


LOGIN = Limit(("POST",), ((by_ip, "GONGZHI_RATE_LOGIN"),), "login")
VERIFY = Limit(("GET",), ((by_ip, "GONGZHI_RATE_VERIFY"),), "verify")

# URL names (namespace:name) of the rate-limited doors.
RATE_LIMITS: dict[str, Limit] = {
    "login": LOGIN,
    "api-token": LOGIN,
    # The second factor's code is guessed like a password (django-otp also slows each device).
    "accounts:otp_verify": LOGIN,
    # The report form carries its photos, so this also bounds photo uploads.
    "public-report": Limit(("POST",), ((by_ip, "GONGZHI_RATE_PUBLIC_REPORT"),), "public-report"),
    "track-rate": Limit(("POST",), ((by_ip, "GONGZHI_RATE_PUBLIC_REPORT"),), "track-rate"),
    # An application's key reports for many residents, so it has its own, larger allowance.
    "open311:requests": Limit(
        ("POST",), ((by_ip, "GONGZHI_RATE_OPEN311"), (by_api_key, "GONGZHI_RATE_OPEN311_KEY")), "open311"
    ),
    # Verification is a lookup by number: limited so numbers cannot be enumerated.
    "certificate-verify": VERIFY,
    "certificate-verification": VERIFY,
}


def _usage(request: HttpRequest, limit: Limit, key: Callable, rate: str) -> dict[str, Any] | None:
    try:
        return get_usage(
            request,
            group=f"{limit.group}:{key.__name__}",
            key=key,
            rate=rate,
            method=list(limit.methods),
            increment=True,
        )
    except Exception:  # the cache is down: serve rather than refuse everyone
        logger.warning("Rate limit not checked: the cache is unavailable.", exc_info=True)
        return None


class RateLimitMiddleware:
    """Count the doors of ``RATE_LIMITS`` and answer 429 once a counter is used up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        limit = RATE_LIMITS.get(match.view_name) if match is not None else None
        if limit is None or request.method not in limit.methods:
            return None
        for key, setting in limit.counters:
            rate = getattr(settings, setting)
            usage = _usage(request, limit, key, rate)
            if usage is not None and usage["should_limit"]:
                return self._limited(request, limit, key, usage, rate)
        return None

    @staticmethod
    def _limited(request: HttpRequest, limit: Limit, key: Callable, usage: dict, rate: str) -> HttpResponse:
        wait = max(1, int(usage["time_left"]))
        if usage["count"] == usage["limit"] + 1:  # audit the first refusal of a window, not each one
            from gongzhi.audit.services import Category, Outcome, record

            record(
                "security.rate_limited",
                category=Category.DENIAL,
                outcome=Outcome.DENIED,
                detail={"door": request.resolver_match.view_name, "counter": key.__name__, "rate": rate},
            )
        minutes = math.ceil(wait / 60)
        message = (
            _("请求过于频繁，请 %(s)s 秒后再试。") % {"s": wait}
            if wait < 120
            else _("请求过于频繁，请 %(m)s 分钟后再试。") % {"m": minutes}
        )
        response = refusal(request, status=429, code="rate_limited", message=message, title=_("请求过于频繁"))
        response["Retry-After"] = str(wait)
        return response


# --- Response headers --------------------------------------------------------------------

# Public pages and APIs that may show personal data (a tracking page, a report form sent back
# with its errors, the APIs) are never stored by a browser or proxy cache.
PRIVATE_PREFIXES = ("/api/", "/open311/", "/track/", "/report/", "/certificates/", "/admin/")
# The schema and its docs page are the same for everyone.
CACHEABLE_PREFIXES = ("/api/schema/", "/api/docs/")


class ResponseHeadersMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user and on the public doors
    above; Permissions-Policy on every response. A view that chose private browser caching
    for an image (``private, max-age=…``: the photo routes) keeps its header: ``private`` keeps
    it out of shared caches, and the image is only reachable with the same access checks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.GONGZHI_PERMISSIONS_POLICY)
        path = request.path_info
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        private = signed_in or path.startswith(PRIVATE_PREFIXES)
        if private and not path.startswith(CACHEABLE_PREFIXES):
            current = response.get("Cache-Control", "")
            if "no-store" not in current and "private" not in current:
                response["Cache-Control"] = "no-store"
        return response


# --- API docs under CSP ------------------------------------------------------------------


@method_decorator(csp_update({"style-src": [NONCE]}), name="get")
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI: the start-up script is fetched from ``?script`` (no inline script), and the
    page's one inline <style> carries the request's CSP nonce."""

    template_name = "core/swagger_ui.html"


# --- Uploads that are not photos ---------------------------------------------------------


def _size_of(upload: Any) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    return size


def _open_zip(source: Any) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _zip_too_large(archive: zipfile.ZipFile, max_bytes: int) -> bool:
    """A zip bomb: more members or more expanded bytes than any real office file has. Python's
    zipfile never expands a member beyond its declared size, so the declared sizes bound what
    openpyxl can read."""
    members = archive.infolist()
    return len(members) > 10_000 or sum(m.file_size for m in members) > max_bytes


XLSX_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def check_xlsx(source: str | os.PathLike | IO[bytes], *, name: str = "", not_xlsx: str = "") -> None:
    """Refuse a file that is too large, is not an XLSX workbook, or would expand too far.
    ``source`` is a path or an open binary file (left at its start); ``not_xlsx`` is the
    importer's own message for a file that is not an XLSX. Raises DomainError on field ``file``
    with a message saying what to do."""
    name = name or os.path.basename(str(getattr(source, "name", source) or ""))
    max_bytes = settings.GONGZHI_XLSX_MAX_BYTES
    size = os.path.getsize(source) if isinstance(source, str | os.PathLike) else _size_of(source)
    if size > max_bytes:
        raise DomainError(
            _("文件“%(name)s”太大（%(mb).1f MB），导入的 Excel 文件不能超过 %(max)s MB，请分批导入。")
            % {"name": name, "mb": size / 1048576, "max": max_bytes // 1048576},
            field="file",
        )
    not_xlsx_error = DomainError(
        not_xlsx
        or _(
            "文件“%(name)s”不是 .xlsx 格式的 Excel 工作簿（不是改了扩展名的 .xls 或 .csv），请另存为 .xlsx 后重新上传。"
        )
        % {"name": name},
        field="file",
    )
    if not isinstance(source, str | os.PathLike):
        source.seek(0)
    archive = _open_zip(source)
    if archive is None:
        raise not_xlsx_error
    try:
        if _zip_too_large(archive, settings.GONGZHI_XLSX_MAX_UNCOMPRESSED_BYTES):
            raise DomainError(
                _(
                    "文件“%(name)s”解压后超过 %(max)s MB，不像正常的 Excel 文件，已拒绝。请检查文件后重新导入。"
                )
                % {"name": name, "max": settings.GONGZHI_XLSX_MAX_UNCOMPRESSED_BYTES // 1048576},
                field="file",
            )
        try:
            types = archive.read("[Content_Types].xml")
        except KeyError:
            raise not_xlsx_error from None
        if XLSX_MAIN_TYPE not in types:
            raise not_xlsx_error
    finally:
        archive.close()
        if not isinstance(source, str | os.PathLike):
            source.seek(0)


DOCX_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text that a browser would run as a page is not a charter (an HTML file renamed .pdf).
MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|!doctype)\b", re.I)


def _document_kind(data: bytes) -> str | None:
    """The file's real type by content: pdf, docx, doc, image or txt; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        return "doc"
    if data.startswith(b"PK\x03\x04"):
        archive = _open_zip(io.BytesIO(data))
        if archive is None:
            return None
        with archive:
            if _zip_too_large(archive, settings.GONGZHI_XLSX_MAX_UNCOMPRESSED_BYTES):
                return None
            try:
                types = archive.read("[Content_Types].xml")
            except KeyError:
                return None
        return "docx" if DOCX_MAIN_TYPE in types else None
    if data[:3] == b"\xff\xd8\xff" or data.startswith((b"\x89PNG\r\n\x1a\n", b"RIFF")):
        return "image"
    if b"\x00" not in data and not MARKUP.search(data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "txt"
    return None


def check_document(upload: Any) -> ContentFile:
    """An organization's charter: PDF, Word (.docx or .doc), a photo (re-encoded like case photos:
    EXIF stripped, pixels bounded) or plain UTF-8 text, at most GONGZHI_DOCUMENT_MAX_BYTES.
    Returns the content to store under a name of our choosing (never the uploaded name)."""
    from gongzhi.cases.photos import process_photo

    name = getattr(upload, "name", "") or _("章程")
    name = os.path.basename(name)
    max_bytes = settings.GONGZHI_DOCUMENT_MAX_BYTES
    size = _size_of(upload)
    if size > max_bytes:
        raise DomainError(
            _("文件“%(name)s”太大（%(mb).1f MB），章程文件不能超过 %(max)s MB。")
            % {"name": name, "mb": size / 1048576, "max": max_bytes // 1048576},
            field="charter",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = _document_kind(data)
    if kind is None:
        raise DomainError(
            _("无法识别文件“%(name)s”：章程只接受 PDF、Word（.docx/.doc）、JPEG/PNG/WebP 图片或纯文本文件。")
            % {"name": name},
            field="charter",
        )
    if kind == "image":
        try:
            processed = process_photo(ContentFile(data, name=name), index=1)
        except DomainError as exc:
            raise DomainError(exc.message, field="charter") from None
        return ContentFile(processed.image, name="charter.jpg")
    return ContentFile(data, name=f"charter.{kind}")
