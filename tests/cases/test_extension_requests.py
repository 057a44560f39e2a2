"""Extension requests through the API and the case page: the unit asks, a dispatcher decides."""

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def handling(reported, community_worker, unit, handler):
    case = services.register_case(reported, by=community_worker)
    case = services.dispatch_case(case, to=unit, by=community_worker)
    return services.accept_case(case, by=handler)


def test_api_request_then_decline(api, handling, handler, community_worker, grid_member):
    url = f"/api/v1/cases/{handling.pk}/"

    asked = api(handler).post(f"{url}request-extension/", {"hours": 8, "reason": "需采购配件"}, format="json")
    wrong_role = api(grid_member).post(f"{url}decline-extension/", {"reason": "x"}, format="json")
    declined = api(community_worker).post(f"{url}decline-extension/", {"reason": "今日可完成"}, format="json")

    assert asked.status_code == 200, asked.content
    assert asked.json()["requested_extension_hours"] == "8.0"
    assert wrong_role.status_code == 403
    assert declined.status_code == 200
    assert declined.json()["requested_extension_hours"] is None
    assert [e["action"] for e in declined.json()["timeline"]][-2:] == [
        "request_extension",
        "decline_extension",
    ]


def test_case_page_shows_pending_request_to_dispatcher(page, handling, handler, community_worker):
    services.request_extension(handling, by=handler, hours=8, reason="需采购配件")

    html = page(community_worker).get(f"/cases/{handling.pk}/").content.decode()
    handler_html = page(handler).get(f"/cases/{handling.pk}/").content.decode()

    assert "申请延期 8.0 个工作小时：需采购配件" in html
    assert "驳回延期申请" in html
    assert "驳回延期申请" not in handler_html


def test_case_page_decline_form_calls_the_service(page, handling, handler, community_worker):
    services.request_extension(handling, by=handler, hours=8, reason="需采购配件")
    version = Case.objects.get(pk=handling.pk).version

    page(community_worker).post(
        f"/cases/{handling.pk}/act/decline_extension/",
        {"decline_extension-reason": "今日可完成", "decline_extension-version": version},
    )

    assert Case.objects.get(pk=handling.pk).requested_extension_hours is None
