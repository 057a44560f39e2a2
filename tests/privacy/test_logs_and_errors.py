"""Logs and error pages: the root log handler masks ID numbers and mobile numbers, and the
500 page shows nothing of the request that failed."""

from __future__ import annotations

import io
import logging

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from gongzhi.core.masking import MaskPersonalDataFilter
from tests.privacy.conftest import PERSON_ID, PERSON_PHONE


@pytest.fixture
def root_output():
    """What the configured root handler (settings.LOGGING "console") writes, captured."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskPersonalDataFilter) for f in h.filters)
    )
    stream = io.StringIO()
    # Swapped directly: setStream() would flush the old stream, which pytest may have closed.
    old, handler.stream = handler.stream, stream
    try:
        yield stream
    finally:
        handler.stream = old


def test_root_handler_masks_message_and_arguments(root_output):
    logging.getLogger("gongzhi.test").warning("核实 %s 的电话 %s", PERSON_ID, int(PERSON_PHONE))
    logging.getLogger("gongzhi.test").warning(f"直接拼接 {PERSON_ID} / {PERSON_PHONE}")

    written = root_output.getvalue()
    assert f"核实 330206********{PERSON_ID[-4:]} 的电话 138****5678" in written
    assert f"直接拼接 330206********{PERSON_ID[-4:]} / 138****5678" in written
    assert PERSON_ID not in written
    assert PERSON_PHONE not in written


def test_root_handler_masks_tracebacks(root_output):
    try:
        raise ValueError(f"no such person {PERSON_ID}")
    except ValueError:
        logging.getLogger("gongzhi.test").exception("lookup failed for %s", PERSON_PHONE)

    written = root_output.getvalue()
    assert "ValueError: no such person 330206********" in written
    assert PERSON_ID not in written
    assert PERSON_PHONE not in written


def crash(request):
    raise RuntimeError(f"身份证号码 {request.GET.get('id')} 手机 {request.GET.get('phone')} 出错")


def fine(request):
    return HttpResponse("ok")


urlpatterns = [path("crash/", crash), path("fine/", fine)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_500_page_and_request_log_show_no_personal_data(root_output, db):
    client = Client(raise_request_exception=False)

    response = client.get("/crash/", {"id": PERSON_ID, "phone": PERSON_PHONE})

    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器错误" in body
    assert PERSON_ID not in body
    assert PERSON_PHONE not in body
    assert "crash" not in body  # not even the path
    written = root_output.getvalue()
    assert "Internal Server Error: /crash/" in written
    assert PERSON_ID not in written
    assert PERSON_PHONE not in written
