"""Open311 GeoReport v2 conformance: every endpoint in JSON and XML, the errors, the filters,
reporting with an API key, and no personal data in any public answer."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.areas.choices import AreaLevel
from gongzhi.cases import open311, services
from gongzhi.cases.choices import CaseAction, CaseLevel, CaseSource, CaseStatus
from gongzhi.cases.keys import issue_api_key, revoke_api_key
from gongzhi.cases.models import Case, CaseCategory, CaseEvent, CategoryTimeLimit
from tests.cases.conftest import G1_POINT, G2_POINT, G3_POINT
from tests.factories import make_area

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
# Personal data a reporter gives; none of it may appear in a public answer.
REPORTER = {
    "first_name": "小红",
    "last_name": "李",
    "phone": "13912345678",
    "email": "lixiaohong@example.com",
    "device_id": "device-7f3a9c",
    "account_id": "acct-556677",
}


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own response, not untrusted input


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def children(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def w3(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


@pytest.fixture
def anon():
    return Client()


@pytest.fixture
def app_key(grids, district_admin):
    """An application allowed to report anywhere in the district, and its plain key."""
    return issue_api_key(name="随手拍", area=grids["D"], by=district_admin)


@pytest.fixture
def report(categories, grids, media):
    """``report(days_ago=…, category=…, point=…)``: a case reported by a resident."""

    def make(*, days_ago: float = 1, category: str = "clutter", point=G1_POINT, **kwargs):
        kwargs.setdefault("description", "人行道上堆满了装修垃圾")
        return services.report_case(
            category=categories[category],
            source=CaseSource.RESIDENT,
            lat=point[0],
            lng=point[1],
            now=timezone.now() - datetime.timedelta(days=days_ago),
            **kwargs,
        )

    return make


def post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def valid_post(key, **overrides):
    data = {
        "api_key": key,
        "service_code": "0102",
        "lat": str(G1_POINT[0]),
        "long": str(G1_POINT[1]),
        "address_string": "富春江路 88 号东侧",
        "description": "一辆白色轿车停了两个月，落满灰尘",
        "media_url": "https://img.example.com/zombie-car.jpg",
        "attribute[PLATE]": "浙B12345",
        "attribute[PARKED]": "longer",
        **REPORTER,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Discovery


def test_discovery_lists_the_georeport_endpoint_in_json(anon, tree):
    data = json_of(anon.get(f"{BASE}/discovery.json"))

    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    assert data["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://testserver/open311/v2",
            "changeset": data["changeset"],
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]
    assert "区级管理员" in data["key_service"]


def test_discovery_in_xml_has_the_spec_shape(anon, tree):
    root = xml(anon.get(f"{BASE}/discovery.xml"))

    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert tags(endpoints) == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert tags(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert tags(endpoint.find("formats")) == ["format", "format"]


def test_discovery_changeset_is_the_last_change_to_the_categories(anon, tree):
    before = json_of(anon.get(f"{BASE}/discovery.json"))["changeset"]
    category = CaseCategory.objects.create(code="03", name="公共安全")
    category.name = "公共安全隐患"
    category.save()
    last = LogEntry.objects.get_for_model(CaseCategory).latest("timestamp").timestamp

    after = json_of(anon.get(f"{BASE}/discovery.json"))["changeset"]

    assert before == "2026-01-01 00:00"  # no category yet: this API version's date
    assert after == timezone.localtime(last).strftime("%Y-%m-%d %H:%M")


def test_root_redirects_to_discovery(anon, tree):
    response = anon.get(f"{BASE}/")

    assert (response.status_code, response["Location"]) == (302, f"{BASE}/discovery.xml")


# ---------------------------------------------------------------------------------------------
# Services and service definitions


def test_services_lists_reportable_categories_in_json(anon, grids, categories, django_assert_max_num_queries):
    CategoryTimeLimit.objects.create(
        category=categories["clutter"], stage="handle", level=CaseLevel.GRID, hours=4
    )

    with django_assert_max_num_queries(3):
        data = json_of(anon.get(f"{BASE}/services.json"))

    # 市容环境 (01) has sub-categories: it is their group, not a service of its own.
    assert [s["service_code"] for s in data] == ["0101", "0102", "02"]
    assert all(list(s) == SERVICE_FIELDS for s in data)
    clutter, zombie, dispute = data
    assert clutter == {
        "service_code": "0101",
        "service_name": "占道堆物",
        "description": "市容环境 · 占道堆物（一般）。此类事件在上报后 2 个工作小时内立案，"
        "立案后 12 个工作小时内办结。",
        "metadata": False,
        "type": "realtime",
        "keywords": "占道堆物, 市容环境",
        "group": "市容环境",
    }
    assert (zombie["metadata"], zombie["group"], zombie["keywords"]) == (True, "市容环境", "僵尸车, 市容环境")
    assert (dispute["metadata"], dispute["group"], dispute["keywords"]) == (False, "矛盾纠纷", "矛盾纠纷")


def test_services_in_xml(anon, grids, categories):
    root = xml(anon.get(f"{BASE}/services.xml"))

    assert root.tag == "services"
    assert tags(root) == ["service", "service", "service"]
    zombie = root[1]
    assert tags(zombie) == SERVICE_FIELDS
    assert children(zombie) | {"description": None} == {
        "service_code": "0102",
        "service_name": "僵尸车",
        "description": None,
        "metadata": "true",
        "type": "realtime",
        "keywords": "僵尸车, 市容环境",
        "group": "市容环境",
    }
    assert root[0].findtext("metadata") == "false"


def test_services_leave_out_inactive_categories(anon, grids, categories):
    categories["dispute"].is_active = False
    categories["dispute"].save()

    data = json_of(anon.get(f"{BASE}/services.json"))

    assert [s["service_code"] for s in data] == ["0101", "0102"]


def test_service_definition_gives_the_attributes_in_json(anon, grids, categories):
    data = json_of(anon.get(f"{BASE}/services/0102.json"))

    assert data == {
        "service_code": "0102",
        "attributes": [
            {
                "variable": True,
                "code": "PLATE",
                "datatype": "string",
                "required": False,
                "datatype_description": "例如 浙B12345；只供处置单位使用，不会公开",
                "order": 1,
                "description": "车牌号（如能看清）",
            },
            {
                "variable": True,
                "code": "PARKED",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": "车辆已在此停放多久？",
                "values": [
                    {"key": "week", "name": "一周以内"},
                    {"key": "month", "name": "一周到一个月"},
                    {"key": "longer", "name": "一个月以上"},
                ],
            },
        ],
    }


def test_service_definition_in_xml(anon, grids, categories):
    root = xml(anon.get(f"{BASE}/services/0102.xml"))

    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "0102"
    attributes = root.find("attributes")
    assert tags(attributes) == ["attribute", "attribute"]
    parked = attributes[1]
    assert tags(parked) == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert (parked.findtext("code"), parked.findtext("required"), parked.findtext("order")) == (
        "PARKED",
        "false",
        "2",
    )
    assert parked.find("datatype_description").text is None
    values = parked.find("values")
    assert tags(values) == ["value", "value", "value"]
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("week", "一周以内"),
        ("month", "一周到一个月"),
        ("longer", "一个月以上"),
    ]


def test_service_definition_of_a_category_without_attributes(anon, grids, categories):
    assert json_of(anon.get(f"{BASE}/services/02.json")) == {"service_code": "02", "attributes": []}
    root = xml(anon.get(f"{BASE}/services/02.xml"))
    assert (tags(root), len(root.find("attributes"))) == (["service_code", "attributes"], 0)


@pytest.mark.parametrize("code", ["9999", "01"])  # unknown; a group, not a service
def test_service_definition_of_an_unknown_service_is_404(anon, grids, categories, code):
    response = anon.get(f"{BASE}/services/{code}.json")
    xml_response = anon.get(f"{BASE}/services/{code}.xml")

    assert response.status_code == 404
    [error] = json_of(response)
    assert error == {"code": 404, "description": f"找不到 service_code“{code}”：请从 services 列表中选择。"}
    assert xml_response.status_code == 404
    root = xml(xml_response)
    assert (root.tag, tags(root), tags(root[0])) == ("errors", ["error"], ["code", "description"])
    assert root[0].findtext("code") == "404"


# ---------------------------------------------------------------------------------------------
# GET requests: one case's public view


@pytest.fixture
def dispatched(report, community_worker, unit):
    case = report(address="富春江路 88 号")
    case = services.register_case(case, by=community_worker, note="请尽快处理")
    return services.dispatch_case(case, to=unit, by=community_worker, note="交物业张师傅")


def test_request_detail_in_json_maps_the_case(anon, dispatched):
    [data] = json_of(anon.get(f"{BASE}/requests/{dispatched.number}.json"))

    dispatched.refresh_from_db()
    assert list(data) == REQUEST_FIELDS
    assert data == {
        "service_request_id": dispatched.number,
        "status": "open",
        "status_notes": "待接收",
        "service_name": "占道堆物",
        "service_code": "0101",
        "description": "人行道上堆满了装修垃圾",
        "agency_responsible": "百合社区环卫队",
        "service_notice": "此类事件在上报后 2 个工作小时内立案，立案后 16 个工作小时内办结。",
        "requested_datetime": w3(dispatched.reported_at),
        "updated_datetime": w3(dispatched.updated_at),
        "expected_datetime": w3(dispatched.due_at),
        "address": "富春江路 88 号",
        "address_id": None,
        "zipcode": None,
        "lat": G1_POINT[0],
        "long": G1_POINT[1],
        "media_url": None,
    }
    assert data["requested_datetime"].endswith("+08:00")


def test_request_detail_in_xml(anon, dispatched):
    root = xml(anon.get(f"{BASE}/requests/{dispatched.number}.xml"))

    assert root.tag == "service_requests"
    assert tags(root) == ["request"]
    request = root[0]
    assert tags(request) == REQUEST_FIELDS
    values = children(request)
    assert values["service_request_id"] == dispatched.number
    assert (values["status"], values["status_notes"], values["agency_responsible"]) == (
        "open",
        "待接收",
        "百合社区环卫队",
    )
    assert (float(values["lat"]), float(values["long"])) == G1_POINT
    assert values["address_id"] is None
    assert values["media_url"] is None


def test_request_detail_of_an_unknown_id_is_404(anon, report):
    report()

    response = anon.get(f"{BASE}/requests/20991231999999.json")
    xml_response = anon.get(f"{BASE}/requests/20991231999999.xml")

    assert response.status_code == 404
    assert json_of(response) == [
        {"code": 404, "description": "找不到 service_request_id“20991231999999”的事件。"}
    ]
    assert xml_response.status_code == 404
    assert children(xml(xml_response)[0]) == {
        "code": "404",
        "description": "找不到 service_request_id“20991231999999”的事件。",
    }


def test_request_status_notes_for_escalated_and_final_cases(
    anon, report, grid_member, community_worker, photo
):
    escalated = services.escalate_case(report(), by=community_worker, note="社区无力解决")
    rejected = services.reject_case(report(), by=community_worker, reason="不属于公共区域，建议联系物业")
    target = report()
    merged = services.merge_case(report(), into=target, by=community_worker)
    by_member = services.report_case(
        category=target.category,
        description="绿化带里有人养鸡",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
    )
    closed = services.resolve_on_site(by_member, by=grid_member, note="已劝离", photos=[photo()])

    def get(case):
        [data] = json_of(anon.get(f"{BASE}/requests/{case.number}.json"))
        return data["status"], data["status_notes"]

    assert get(escalated) == ("open", "待派遣（已上报至社区层级处理）")
    assert get(rejected) == ("closed", "不予立案：不属于公共区域，建议联系物业")
    assert get(merged) == ("closed", f"与事件 {target.number} 重复，已合并处理。")
    assert get(closed) == ("closed", "已结案，在网格层级解决。")
    closed.refresh_from_db()
    [data] = json_of(anon.get(f"{BASE}/requests/{closed.number}.json"))
    # For a closed request, updated_datetime is when it closed.
    assert data["updated_datetime"] == w3(closed.closed_at)


# ---------------------------------------------------------------------------------------------
# GET requests: filters, the default window, the cap and paging


def numbers(response) -> list[str]:
    return [row["service_request_id"] for row in json_of(response)]


def test_requests_default_to_the_last_90_days_newest_first(anon, report, django_assert_max_num_queries):
    recent = report(days_ago=1)
    older = report(days_ago=80)
    report(days_ago=100)

    with django_assert_max_num_queries(4):
        response = anon.get(f"{BASE}/requests.json")

    assert numbers(response) == [recent.number, older.number]


def test_requests_in_xml(anon, report):
    first, second = report(days_ago=2), report(days_ago=1)

    root = xml(anon.get(f"{BASE}/requests.xml"))

    assert (root.tag, tags(root)) == ("service_requests", ["request", "request"])
    assert [r.findtext("service_request_id") for r in root] == [second.number, first.number]
    assert all(tags(r) == REQUEST_FIELDS for r in root)


def test_requests_filter_by_service_request_ids_overrides_other_arguments(anon, report):
    old = report(days_ago=200)
    recent = report(days_ago=1)
    report(days_ago=2)

    response = anon.get(
        f"{BASE}/requests.json",
        {
            "service_request_id": f"{old.number}, {recent.number},nope",
            "status": "closed",
            "service_code": "02",
        },
    )

    assert numbers(response) == [recent.number, old.number]


def test_requests_filter_by_service_codes(anon, report):
    clutter = report(category="clutter")
    zombie = report(category="zombie", days_ago=2)
    report(category="dispute")

    assert numbers(anon.get(f"{BASE}/requests.json", {"service_code": "0102"})) == [zombie.number]
    assert numbers(anon.get(f"{BASE}/requests.json", {"service_code": "0101,0102"})) == [
        clutter.number,
        zombie.number,
    ]
    assert numbers(anon.get(f"{BASE}/requests.json", {"service_code": "nope"})) == []


def test_requests_filter_by_status(anon, report, community_worker):
    open_case = report(days_ago=1)
    rejected = services.reject_case(report(days_ago=2), by=community_worker, reason="重复上报")
    deferred = services.defer_case(
        services.register_case(report(days_ago=3), by=community_worker),
        by=community_worker,
        reason="待雨季后",
    )

    assert numbers(anon.get(f"{BASE}/requests.json", {"status": "open"})) == [
        open_case.number,
        deferred.number,
    ]
    assert numbers(anon.get(f"{BASE}/requests.json", {"status": "closed"})) == [rejected.number]
    assert numbers(anon.get(f"{BASE}/requests.json", {"status": "open,closed"})) == [
        open_case.number,
        rejected.number,
        deferred.number,
    ]


def test_requests_filter_by_date_range(anon, report):
    report(days_ago=40)
    inside = report(days_ago=30)
    report(days_ago=1)
    start = (timezone.now() - datetime.timedelta(days=35)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = timezone.localtime(timezone.now() - datetime.timedelta(days=20)).isoformat()

    response = anon.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})

    assert numbers(response) == [inside.number]


def test_requests_with_only_a_start_date_cover_90_days_from_it(anon, report):
    report(days_ago=200)
    old = report(days_ago=150)
    start = (timezone.now() - datetime.timedelta(days=160)).date().isoformat()

    assert numbers(anon.get(f"{BASE}/requests.json", {"start_date": start})) == [old.number]


@pytest.mark.parametrize(
    ("params", "description"),
    [
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date 到 end_date 的跨度不能超过 90 天。",
        ),
        (
            {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
            "start_date 不能晚于 end_date。",
        ),
        (
            {"start_date": "yesterday"},
            "start_date“yesterday”不是有效的时间，请用 w3 格式，例如 2026-01-01T00:00:00+08:00。",
        ),
        ({"status": "pending"}, "status 只能是 open 或 closed（可用逗号分隔同时查询）。"),
        ({"page_size": "1001"}, "page_size 应为 1 到 1000 之间的整数。"),
        ({"page": "0"}, "page 应为 1 到 1000000 之间的整数。"),
        ({"page": "x"}, "page 应为 1 到 1000000 之间的整数。"),
    ],
)
def test_requests_with_bad_arguments_are_400(anon, tree, params, description):
    response = anon.get(f"{BASE}/requests.json", params)
    xml_response = anon.get(f"{BASE}/requests.xml", params)

    assert response.status_code == 400
    assert json_of(response) == [{"code": 400, "description": description}]
    assert xml_response.status_code == 400
    assert children(xml(xml_response)[0]) == {"code": "400", "description": description}


def test_requests_are_paged(anon, report):
    cases = [report(days_ago=day) for day in (1, 2, 3, 4, 5)]
    expected = [case.number for case in cases]

    def page(number):
        return numbers(anon.get(f"{BASE}/requests.json", {"page": number, "page_size": 2}))

    assert [page(1), page(2), page(3), page(4)] == [expected[0:2], expected[2:4], expected[4:], []]


def test_requests_answer_at_most_1000_rows(anon, report, django_assert_max_num_queries):
    template = report(days_ago=1)
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            number=f"X{i:07d}",
            category=template.category,
            description=f"批量 {i}",
            grid=template.grid,
            responsible_area=template.grid,
            source=CaseSource.RESIDENT,
            reported_at=now - datetime.timedelta(minutes=i + 1),
            lat=template.lat,
            lng=template.lng,
        )
        for i in range(1004)
    )

    with django_assert_max_num_queries(4):
        first = anon.get(f"{BASE}/requests.json")
    second = anon.get(f"{BASE}/requests.json", {"page": 2})

    # Newest first: the bulk rows (minutes old), then the case reported a day ago.
    assert numbers(first) == [f"X{i:07d}" for i in range(1000)]
    assert numbers(second) == ["X0001000", "X0001001", "X0001002", "X0001003", template.number]


# ---------------------------------------------------------------------------------------------
# Tokens


def test_token_gives_the_service_request_id(anon, report):
    case = report()

    data = json_of(anon.get(f"{BASE}/tokens/{case.tracking_token}.json"))
    root = xml(anon.get(f"{BASE}/tokens/{case.tracking_token}.xml"))

    assert data == [{"service_request_id": case.number, "token": case.tracking_token}]
    assert (root.tag, tags(root), tags(root[0])) == (
        "service_requests",
        ["request"],
        ["service_request_id", "token"],
    )
    assert children(root[0]) == {"service_request_id": case.number, "token": case.tracking_token}


def test_unknown_token_is_404(anon, report):
    report()

    response = anon.get(f"{BASE}/tokens/not-a-token.json")

    assert response.status_code == 404
    assert json_of(response) == [{"code": 404, "description": "找不到查询码（token）“not-a-token”。"}]


# ---------------------------------------------------------------------------------------------
# jurisdiction_id


ENDPOINTS = ["discovery", "services", "services/0101", "requests", "requests/1", "tokens/x"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_jurisdiction_is_404_on_every_endpoint(anon, grids, categories, endpoint):
    response = anon.get(f"{BASE}/{endpoint}.json", {"jurisdiction_id": "sfgov.org"})
    xml_response = anon.get(f"{BASE}/{endpoint}.xml", {"jurisdiction_id": "S1"})

    assert response.status_code == 404
    assert json_of(response) == [
        {"code": 404, "description": "找不到 jurisdiction_id“sfgov.org”：它应是本系统所辖区的编码。"}
    ]
    # A street is not a jurisdiction: the district is.
    assert xml_response.status_code == 404
    assert xml(xml_response)[0].findtext("code") == "404"


def test_the_district_code_is_accepted_as_jurisdiction(anon, report):
    case = report()

    response = anon.get(f"{BASE}/requests.json", {"jurisdiction_id": "D"})

    assert numbers(response) == [case.number]


def test_with_two_districts_jurisdiction_is_required_and_scopes_requests(anon, report):
    here = report()
    other = make_area("E", AreaLevel.DISTRICT, name="镇海区")

    missing = anon.get(f"{BASE}/requests.json")
    in_other = anon.get(f"{BASE}/requests.json", {"jurisdiction_id": other.code})
    detail_in_other = anon.get(f"{BASE}/requests/{here.number}.json", {"jurisdiction_id": "E"})

    assert missing.status_code == 400
    assert json_of(missing) == [
        {"code": 400, "description": "本系统服务多个区，请用 jurisdiction_id 指明区的编码：D, E。"}
    ]
    assert numbers(in_other) == []
    assert detail_in_other.status_code == 404
    assert numbers(anon.get(f"{BASE}/requests.json", {"jurisdiction_id": "D"})) == [here.number]


# ---------------------------------------------------------------------------------------------
# POST requests


def test_post_with_a_key_creates_the_case_in_the_grid(anon, categories, app_key):
    application, key = app_key

    response = post(anon, **valid_post(key))

    assert response.status_code == 201
    [data] = json_of(response)
    case = Case.objects.get()
    # The tracking code (a capability to rate the result) is told only to the reporting client.
    track_url = f"http://testserver{reverse('track', args=[case.tracking_token])}"
    assert data == {
        "service_request_id": case.number,
        "service_notice": "此类事件在上报后 2 个工作小时内立案，立案后 36 个工作小时内办结。"
        f"查询码：{case.tracking_token}，凭此码可在 {track_url} 查询进度，结案后可评价，请妥善保存。",
        "account_id": None,
    }
    assert (case.grid.code, case.status, case.source, case.application) == (
        "G1",
        CaseStatus.REPORTED,
        CaseSource.OPEN311,
        application,
    )
    assert (case.category.code, case.description, case.address) == (
        "0102",
        "一辆白色轿车停了两个月，落满灰尘",
        "富春江路 88 号东侧",
    )
    assert (case.lat, case.lng) == G1_POINT
    assert (case.reporter, case.reporter_name, case.reveal_sealed("reporter_phone"), case.reporter_email) == (
        None,
        "李小红",
        "13912345678",
        "lixiaohong@example.com",
    )
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor_label) == (CaseAction.REPORT, "随手拍")
    assert event.data == {
        "media_url": "https://img.example.com/zombie-car.jpg",
        "attributes": {"PLATE": "浙B12345", "PARKED": "longer"},
        "device_id": "device-7f3a9c",
        "account_id": "acct-556677",
    }


def test_post_answers_in_xml(anon, categories, app_key):
    _app, key = app_key

    response = post(anon, "xml", **valid_post(key, jurisdiction_id="D"))

    assert response.status_code == 201
    root = xml(response)
    case = Case.objects.get()
    assert (root.tag, tags(root)) == ("service_requests", ["request"])
    assert tags(root[0]) == ["service_request_id", "service_notice", "account_id"]
    assert root[0].findtext("service_request_id") == case.number
    assert root[0].find("account_id").text is None


def test_posted_case_is_public_with_its_media_url(anon, categories, app_key):
    _app, key = app_key
    post(anon, **valid_post(key, service_code="0101"))
    case = Case.objects.get()

    [data] = json_of(anon.get(f"{BASE}/requests/{case.number}.json"))

    assert (data["service_code"], data["status"], data["media_url"]) == (
        "0101",
        "open",
        "https://img.example.com/zombie-car.jpg",
    )
    assert data["expected_datetime"] is None  # not registered yet: no close deadline


def test_post_needs_no_csrf_token(categories, app_key):
    _app, key = app_key
    strict = Client(enforce_csrf_checks=True)

    response = post(strict, **valid_post(key))

    assert response.status_code == 201
    assert json_of(response)[0]["service_request_id"] == Case.objects.get().number


@pytest.mark.parametrize(
    ("key", "description"),
    [
        (None, "缺少 api_key：报事需要区级管理员签发的 API 密钥。"),
        ("", "缺少 api_key：报事需要区级管理员签发的 API 密钥。"),
        ("not-a-key", "api_key 无效或已吊销，无法报事。"),
    ],
)
def test_post_without_a_valid_key_is_403(anon, categories, app_key, key, description):
    response = post(anon, **valid_post(key))
    xml_response = post(anon, "xml", **valid_post(key))

    assert response.status_code == 403
    assert json_of(response) == [{"code": 403, "description": description}]
    assert xml_response.status_code == 403
    root = xml(xml_response)
    assert (root.tag, tags(root), children(root[0])) == (
        "errors",
        ["error"],
        {"code": "403", "description": description},
    )
    assert Case.objects.count() == 0


def test_post_with_a_revoked_key_is_403(anon, categories, app_key, district_admin):
    application, key = app_key
    revoke_api_key(application, by=district_admin)

    response = post(anon, **valid_post(key))

    assert response.status_code == 403
    assert json_of(response) == [{"code": 403, "description": "api_key 无效或已吊销，无法报事。"}]
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "status", "description"),
    [
        ({"service_code": None}, 400, "缺少 service_code：请从 services 列表中选择事件类别。"),
        ({"service_code": "9999"}, 404, "找不到 service_code“9999”：请从 services 列表中选择。"),
        (
            {"lat": None, "long": None, "address_string": None},
            400,
            "请提供事件位置：lat 与 long（WGS84 经纬度）。",
        ),
        ({"long": None}, 400, "lat 与 long 须同时提供。"),
        ({"lat": "north"}, 400, "lat“north”不是有效的 WGS84 坐标。"),
        ({"lat": "95"}, 400, "lat“95”不是有效的 WGS84 坐标。"),
        ({"lat": "10", "long": "10"}, 400, "该位置不在任何网格内，请在地图上重新选点，或直接选择所在网格。"),
        ({"description": "  "}, 400, "请用几句话描述问题。"),
        ({"description": "长" * 4001}, 400, "description 不能超过 4000 个字符。"),
        ({"email": "not-an-email"}, 400, "email“not-an-email”不是有效的邮箱地址。"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url 应为不超过 500 个字符的 http(s) 地址。"),
        ({"attribute[PARKED]": "forever"}, 400, "attribute[PARKED] 只能取以下值：week, month, longer。"),
        ({"jurisdiction_id": "nope"}, 404, "找不到 jurisdiction_id“nope”：它应是本系统所辖区的编码。"),
    ],
)
def test_post_with_bad_input_is_refused_with_the_spec_error(
    anon, categories, app_key, overrides, status, description
):
    _app, key = app_key

    response = post(anon, **valid_post(key, **overrides))

    assert response.status_code == status
    assert json_of(response) == [{"code": status, "description": description}]
    assert Case.objects.count() == 0


@pytest.fixture
def dispute_questions(monkeypatch):
    """矛盾纠纷 asks a required number and a multi-value list (no real category does yet)."""
    monkeypatch.setitem(
        open311.CATEGORY_ATTRIBUTES,
        "矛盾纠纷",
        (
            open311.Attribute(code="PEOPLE", description="涉及人数", datatype="number", required=True),
            open311.Attribute(
                code="KIND",
                description="纠纷类型",
                datatype="multivaluelist",
                values=(("noise", "噪音"), ("parking", "停车"), ("pets", "宠物")),
            ),
        ),
    )


def test_post_stores_required_and_multi_value_attributes(anon, categories, app_key, dispute_questions):
    _app, key = app_key
    data = valid_post(key, service_code="02", **{"attribute[PLATE]": None, "attribute[PARKED]": None})
    data.update({"attribute[PEOPLE]": "3", "attribute[KIND][]": ["noise", "pets"]})

    response = post(anon, **data)

    assert response.status_code == 201
    event = CaseEvent.objects.get(case__number=json_of(response)[0]["service_request_id"])
    assert event.data["attributes"] == {"PEOPLE": "3", "KIND": ["noise", "pets"]}


@pytest.mark.parametrize(
    ("attributes", "description"),
    [
        ({}, "请填写 attribute[PEOPLE]（涉及人数）。"),
        ({"attribute[PEOPLE]": "three"}, "attribute[PEOPLE] 应为数字。"),
        (
            {"attribute[PEOPLE]": "3", "attribute[KIND][]": ["noise", "fire"]},
            "attribute[KIND] 只能取以下值：noise, parking, pets。",
        ),
    ],
)
def test_post_with_bad_attribute_answers_is_400(
    anon, categories, app_key, dispute_questions, attributes, description
):
    _app, key = app_key
    data = valid_post(key, service_code="02", **{"attribute[PLATE]": None, "attribute[PARKED]": None})
    data.update(attributes)

    response = post(anon, **data)

    assert response.status_code == 400
    assert json_of(response) == [{"code": 400, "description": description}]
    assert Case.objects.count() == 0


def test_post_with_an_address_but_no_coordinates_explains_they_are_required(anon, categories, app_key):
    _app, key = app_key

    response = post(anon, "xml", **valid_post(key, lat=None, long=None))

    assert response.status_code == 400
    description = xml(response)[0].findtext("description")
    assert description.startswith("本系统需要经纬度（lat 与 long）才能确定事件所在网格，暂不能仅凭地址报事")
    assert Case.objects.count() == 0


def test_post_outside_the_applications_area_is_refused(anon, categories, grids, district_admin):
    _app, key = issue_api_key(name="新碶随手拍", area=grids["S1"], by=district_admin)

    inside = post(anon, **valid_post(key, lat=str(G2_POINT[0]), long=str(G2_POINT[1])))
    outside = post(anon, **valid_post(key, lat=str(G3_POINT[0]), long=str(G3_POINT[1])))

    assert inside.status_code == 201
    assert outside.status_code == 400
    assert json_of(outside) == [{"code": 400, "description": "该位置不在本应用可报事的区域内。"}]
    assert list(Case.objects.values_list("grid__code", flat=True)) == ["G2"]


def test_post_in_another_district_than_the_jurisdiction_is_rolled_back(anon, categories, app_key):
    _app, key = app_key
    make_area("E", AreaLevel.DISTRICT, name="镇海区")

    response = post(anon, **valid_post(key, jurisdiction_id="E"))

    assert response.status_code == 400
    assert json_of(response) == [{"code": 400, "description": "该位置不在 jurisdiction_id 所指的区内。"}]
    assert (Case.objects.count(), CaseEvent.objects.count()) == (0, 0)


def test_post_other_methods_are_405(anon, tree):
    response = anon.delete(f"{BASE}/requests.json")

    assert response.status_code == 405
    assert json_of(response) == [{"code": 405, "description": "不支持 DELETE 请求，请使用 GET/HEAD/POST。"}]


# ---------------------------------------------------------------------------------------------
# Privacy: public answers carry no personal data


def test_public_answers_carry_no_personal_data(
    anon, categories, app_key, grid_member, community_worker, handler, unit
):
    _app, key = app_key
    post(anon, **valid_post(key))
    posted = Case.objects.get()
    # A staff report, dispatched with notes that name people.
    staff = services.report_case(
        category=categories["clutter"],
        description="楼道堆放杂物",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        reporter_name="王建国",
        reporter_phone="13600001111",
    )
    services.register_case(staff, by=community_worker, note="王建国反映多次")
    services.dispatch_case(staff, to=unit, by=community_worker, note="请物业张师傅 13700002222 处理")
    leaks = [
        *REPORTER.values(),
        "小红",
        "浙B12345",
        "王建国",
        "13600001111",
        "13700002222",
        "张师傅",
        grid_member.username,
        grid_member.display_name,
        community_worker.display_name,
        handler.display_name,
        posted.tracking_token,
        staff.tracking_token,
    ]
    paths = [
        "requests.json",
        "requests.xml",
        f"requests/{posted.number}.json",
        f"requests/{posted.number}.xml",
        f"requests/{staff.number}.json",
        f"requests/{staff.number}.xml",
        f"requests.json?service_request_id={posted.number},{staff.number}",
    ]

    bodies = {path: anon.get(f"{BASE}/{path}").content.decode() for path in paths}

    assert all(staff.number in body or posted.number in body for body in bodies.values())
    found = {path: [leak for leak in leaks if leak in body] for path, body in bodies.items()}
    assert found == {path: [] for path in paths}


# ---------------------------------------------------------------------------------------------
# Formats and unknown resources


def test_unknown_resource_is_404_in_the_spec_format(anon, tree):
    response = anon.get(f"{BASE}/complaints.json")
    xml_response = anon.get(f"{BASE}/complaints")

    assert response.status_code == 404
    [error] = json_of(response)
    assert error["code"] == 404
    assert error["description"].startswith("没有这个 Open311 资源")
    assert (xml_response.status_code, xml(xml_response)[0].findtext("code")) == (404, "404")


def test_unsupported_format_is_404(anon, tree):
    response = anon.get(f"{BASE}/services.html")

    assert response.status_code == 404
    assert children(xml(response)[0]) == {
        "code": "404",
        "description": "不支持的格式“html”：请使用 .xml 或 .json。",
    }


def test_xml_stays_well_formed_with_control_characters(anon, report):
    case = report(description="路灯不亮\x01\x0b 已经三天")

    root = xml(anon.get(f"{BASE}/requests/{case.number}.xml"))

    assert root[0].findtext("description") == "路灯不亮 已经三天"


def test_cases_of_non_public_categories_stay_off_the_public_feed(anon, report, categories):
    categories["dispute"].is_public = False
    categories["dispute"].save()
    kept = report(category="clutter")
    hidden = report(category="dispute", description="302 室与 402 室因漏水争吵")

    listing = json_of(anon.get(f"{BASE}/requests.json?jurisdiction_id=D"))
    detail = anon.get(f"{BASE}/requests/{hidden.number}.json?jurisdiction_id=D")

    assert [r["service_request_id"] for r in listing] == [kept.number]
    assert detail.status_code == 404
    assert "漏水" not in detail.content.decode()
