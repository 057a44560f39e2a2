"""Request-size limits: a request above GONGZHI_MAX_REQUEST_BYTES is refused (413) from its
Content-Length before its body is read; a body without a Content-Length (chunked) is refused
(411); a body without files is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE, and forms by
DATA_UPLOAD_MAX_NUMBER_FIELDS. Nothing is stored by a refused request."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT, encode_multipart

from gongzhi.cases.models import Case, CasePhoto
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import G1_POINT

pytestmark = pytest.mark.django_db

categories, grids, media, photo = (
    cases_conftest.categories,
    cases_conftest.grids,
    cases_conftest.media,
    cases_conftest.photo,
)
BOUNDARY = "GongzhiBoundary"


def report_body(categories, photo, **extra) -> bytes:
    data = {
        "category": categories["clutter"].pk,
        "description": "小区门口堆放垃圾",
        "lat": G1_POINT[0],
        "lng": G1_POINT[1],
        "photos": [photo()],
        **extra,
    }
    return encode_multipart(BOUNDARY, data)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def test_settings_bound_bodies_fields_and_files(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 20
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.GONGZHI_MAX_REQUEST_BYTES == 40 * 1024 * 1024
    # Nine photos of a typical phone's size fit in one request.
    assert settings.GONGZHI_MAX_REQUEST_BYTES > 9 * 4 * 1024 * 1024


def test_an_oversized_report_is_refused_with_a_page(settings, categories, grids, media, photo):
    settings.GONGZHI_MAX_REQUEST_BYTES = 1024
    body = report_body(categories, photo)

    response = Client().generic("POST", "/report/", body, content_type=MULTIPART)

    html = response.content.decode()
    assert len(body) > 1024
    assert response.status_code == 413
    assert "请求过大" in html
    assert (Case.objects.count(), CasePhoto.objects.count()) == (0, 0)


def test_the_size_is_judged_before_the_body_is_read(settings, categories, grids, media):
    # The body is 10 bytes but claims 50 MB: reading it would fail the test client's payload.
    response = Client().generic(
        "POST", "/report/", b"x" * 10, content_type=MULTIPART, CONTENT_LENGTH=str(50 * 1024 * 1024)
    )

    assert response.status_code == 413
    assert "请求过大（50.0 MB），不能超过 40 MB" in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_an_oversized_api_request_is_refused_in_json(
    settings, api, grid_member, categories, grids, media, photo
):
    settings.GONGZHI_MAX_REQUEST_BYTES = 1024
    body = {"category": "0101", "description": "堆物", "lat": str(G1_POINT[0]), "lng": str(G1_POINT[1])}
    body["photos"] = [photo()]

    response = api(grid_member).post("/api/v1/cases/", body, format="multipart")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["error"]["message"].startswith("请求过大")
    assert Case.objects.count() == 0


def test_an_oversized_open311_request_is_refused_in_json(settings, categories):
    settings.GONGZHI_MAX_REQUEST_BYTES = 1024

    response = Client().post("/open311/v2/requests.json", {"api_key": "k", "description": "长" * 1000})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_a_json_body_above_the_non_file_limit_is_refused(
    settings, api, grid_member, categories, grids, media
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = {"category": "0101", "description": "堆" * 2000, "lat": G1_POINT[0], "lng": G1_POINT[1]}

    response = api(grid_member).post("/api/v1/cases/", json.dumps(body), content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["message"].startswith("请求体过大")
    assert Case.objects.count() == 0


def test_a_json_body_within_the_limits_is_served(api, grid_member, categories, grids, media):
    body = {"category": "0101", "description": "堆物", "lat": G1_POINT[0], "lng": G1_POINT[1]}

    response = api(grid_member).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 201


def test_a_chunked_body_without_content_length_is_refused(categories, grids, media, photo):
    body = report_body(categories, photo)

    response = Client().generic(
        "POST",
        "/report/",
        body,
        content_type=MULTIPART,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert "不接受分块传输" in response.content.decode()
    assert Case.objects.count() == 0


def test_a_chunked_api_body_is_refused_in_json(api, grid_member):
    response = api(grid_member).generic(
        "POST",
        "/api/v1/cases/",
        b'{"description": "x"}',
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert response.json()["error"]["code"] == "length_required"


def test_too_many_form_fields_are_refused_when_the_form_is_read(settings, categories, grids, media, photo):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    extra = {f"extra{n}": "x" for n in range(20)}

    response = Client().generic(
        "POST", "/report/", report_body(categories, photo, **extra), content_type=MULTIPART
    )

    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_too_many_files_are_refused_when_the_form_is_read(settings, categories, grids, media, photo):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    body = encode_multipart(
        BOUNDARY,
        {
            "category": categories["clutter"].pk,
            "description": "堆物",
            "lat": G1_POINT[0],
            "lng": G1_POINT[1],
            "photos": [photo(), photo(), photo()],
        },
    )

    response = Client().generic("POST", "/report/", body, content_type=MULTIPART)

    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_a_bad_content_length_is_refused(categories):
    response = Client().generic(
        "POST", "/report/", b"", content_type=MULTIPART_CONTENT, CONTENT_LENGTH="many"
    )

    assert response.status_code == 400
    assert "Content-Length 无效" in response.content.decode()
