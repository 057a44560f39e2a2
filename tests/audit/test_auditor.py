"""The auditor's doors: the search page, one event, XLSX/CSV export, the chain check page and
the read-only API — for the security auditor only (not the district admin, not the system
administrator), each auditor within their jurisdiction, and never a plain ID or phone number."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import Category, Outcome, record
from tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MARCH_1 = datetime.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


@pytest.fixture
def s2_worker(tree):
    from gongzhi.accounts.services import assign_role

    user = UserFactory(username="s2_worker")
    assign_role(user, role="community_worker", area=tree["C2"])
    return user


@pytest.fixture
def log(community_worker, s2_worker):
    """Four events: a C1 worker's transition and denial, an S2 worker's money, an anonymous
    denial; on 1, 2, 3 and 4 March 2026."""
    rows = [
        {
            "actor": community_worker,
            "category": Category.TRANSITION,
            "action": "case.register",
            "ip": "10.0.0.1",
        },
        {
            "actor": community_worker,
            "category": Category.DENIAL,
            "action": "access.denied",
            "outcome": Outcome.DENIED,
        },
        {"actor": s2_worker, "category": Category.MONEY, "action": "disbursement.create", "ip": "10.0.0.2"},
        {"actor": None, "category": Category.DENIAL, "action": "access.denied", "outcome": Outcome.DENIED},
    ]
    events = []
    for day, row in enumerate(rows):
        actor = row.pop("actor")
        events.append(
            AuditEvent.objects.create(
                at=MARCH_1 + datetime.timedelta(days=day),
                actor_id=actor.pk if actor else None,
                actor_name=actor.username if actor else "",
                object_type="cases.case" if day == 0 else "",
                object_id="17" if day == 0 else "",
                **row,
            )
        )
    return events


def ids(data) -> list[int]:
    return [row["id"] for row in data["results"]]


# Who may look ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_admin", "street_admin", "community_worker", "sysadmin"])
@pytest.mark.parametrize("path", ["/audit/", "/audit/export/", "/audit/verify/", "/audit/1/"])
def test_only_auditors_open_the_pages(request, page, persona, path, log):
    user = request.getfixturevalue(persona)

    assert page(user).get(path).status_code == 403


@pytest.mark.parametrize("persona", ["district_admin", "sysadmin", "outsider"])
def test_only_auditors_use_the_api(request, api, persona, log):
    user = request.getfixturevalue(persona)

    assert api(user).get("/api/v1/audit-events/").status_code == 403
    assert api(user).get(f"/api/v1/audit-events/{log[0].pk}/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(page, api, log):
    assert page().get("/audit/").status_code == 302
    assert api().get("/api/v1/audit-events/").status_code == 401


def test_the_api_is_read_only(api, auditor, log):
    client = api(auditor)

    # No write route exists (the role permission check answers first: 403, else 405).
    assert client.post("/api/v1/audit-events/", {"action": "x"}).status_code in (403, 405)
    assert client.patch(f"/api/v1/audit-events/{log[0].pk}/", {"action": "x"}).status_code in (403, 405)
    assert client.delete(f"/api/v1/audit-events/{log[0].pk}/").status_code in (403, 405)
    assert AuditEvent.objects.get(pk=log[0].pk).action == "case.register"


def test_the_nav_link_shows_for_auditors_only(page, auditor, district_admin):
    assert 'href="/audit/"' in page(auditor).get("/").content.decode()
    assert 'href="/audit/"' not in page(district_admin).get("/").content.decode()


# Jurisdiction ------------------------------------------------------------------------------


def test_a_root_auditor_sees_every_event(api, auditor, log):
    data = api(auditor).get("/api/v1/audit-events/").json()

    assert ids(data) == [e.pk for e in reversed(log)]


def test_a_street_auditor_sees_the_events_of_people_working_in_the_street(api, page, street_auditor, log):
    data = api(street_auditor).get("/api/v1/audit-events/").json()

    assert ids(data) == [log[1].pk, log[0].pk]
    assert api(street_auditor).get(f"/api/v1/audit-events/{log[2].pk}/").status_code == 404
    assert api(street_auditor).get(f"/api/v1/audit-events/{log[3].pk}/").status_code == 404
    assert page(street_auditor).get(f"/audit/{log[2].pk}/").status_code == 404


# Search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=denial", [3, 1]),
        ("action=case.", [0]),
        ("outcome=denied", [3, 1]),
        ("actor=community_worker", [1, 0]),
        ("actor=s2_", [2]),
        ("object_type=cases.case&object_id=17", [0]),
        ("ip=10.0.0.2", [2]),
        ("ip=not-an-address", []),
        ("since=2026-03-02T08:00%2B08:00&until=2026-03-03T08:00%2B08:00", [2, 1]),
        ("since=2026-03-03T00:00:00Z", [3, 2]),
    ],
)
def test_the_api_filters(api, auditor, log, query, expected):
    response = api(auditor).get(f"/api/v1/audit-events/?{query}")

    assert response.status_code == 200, response.content
    assert ids(response.json()) == [log[i].pk for i in expected]


def test_a_bad_filter_is_a_400_saying_which(api, auditor, log):
    response = api(auditor).get("/api/v1/audit-events/?since=yesterday&category=nope")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"since", "category"}


def test_the_api_gives_times_with_the_beijing_offset(api, auditor, log):
    data = api(auditor).get(f"/api/v1/audit-events/{log[0].pk}/").json()

    assert data["at"] == "2026-03-01T08:00:00+08:00"
    assert (data["category"], data["category_label"], data["actor_name"]) == (
        "transition",
        "状态流转",
        "community_worker",
    )


def test_the_page_filters_and_shows_beijing_time(page, auditor, log):
    response = page(auditor).get("/audit/", {"category": "transition"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "2026-03-01 08:00:00 +0800" in body
    assert "case.register" in body
    assert "disbursement.create" not in body


def test_the_page_shows_50_events_a_page(page, auditor):
    for n in range(55):
        record(f"test.e{n:02d}", category=Category.ADMIN)

    first = page(auditor).get("/audit/").content.decode()
    second = page(auditor).get("/audit/", {"page": 2}).content.decode()

    assert first.count("test.e") == 50
    assert second.count("test.e") == 5
    assert "第 1 / 2 页，共 55 条" in first


def test_the_page_refuses_a_bad_filter_with_its_message(page, auditor, log):
    response = page(auditor).get("/audit/", {"since": "yesterday"})

    assert response.status_code == 200
    assert "没有符合条件的审计记录" in response.content.decode()


def test_the_detail_page_shows_the_chain_fields(page, auditor, log):
    from gongzhi.audit.services import seal

    seal()
    event = AuditEvent.objects.get(pk=log[0].pk)

    body = page(auditor).get(f"/audit/{event.pk}/").content.decode()

    assert event.hash in body
    assert "2026-03-01 08:00:00.000000 +0800" in body


def test_no_plain_id_or_phone_number_reaches_the_auditor(tree, api, page, auditor):
    id_number = make_id_number()
    record(
        "test.leak",
        category=Category.ADMIN,
        detail={"note": f"身份证 {id_number} 电话 13812345678", "phone": 13987654321},
        actor_name="13700001111",
    )

    event = AuditEvent.objects.get(action="test.leak")
    pages = (
        page(auditor).get("/audit/").content.decode()
        + page(auditor).get(f"/audit/{event.pk}/").content.decode()
    )
    data = api(auditor).get("/api/v1/audit-events/").content.decode()
    for text in (pages, data, str(event.detail), event.actor_name):
        assert id_number not in text
        assert "13812345678" not in text
        assert "13987654321" not in text
        assert "13700001111" not in text
    assert event.detail["phone"] == "139****4321"


# Export ------------------------------------------------------------------------------------


def test_the_xlsx_export_holds_the_filtered_rows_and_is_audited(page, auditor, log):
    response = page(auditor).get("/audit/export/", {"category": "denial", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "链序号", "时间（北京时间）")
    assert [r[0] for r in rows[1:]] == [log[3].pk, log[1].pk]
    assert rows[1][2] == "2026-03-04T08:00:00+08:00"
    export = AuditEvent.objects.get(action="audit.export")
    assert (export.category, export.actor_id) == (Category.ADMIN, auditor.pk)
    assert export.detail == {"format": "xlsx", "count": 2, "filters": {"category": "denial"}}


def test_the_csv_export_is_excel_friendly_and_formula_safe(page, auditor):
    record("test.csv", category=Category.ADMIN, actor_name="=cmd|' /C calc'!A0")

    response = page(auditor).get("/audit/export/", {"format": "csv", "action": "test.csv"})

    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffID,")
    assert "'=cmd" in text
    assert AuditEvent.objects.get(action="audit.export").detail["format"] == "csv"


def test_a_street_auditor_exports_only_their_jurisdiction(page, street_auditor, log):
    response = page(street_auditor).get("/audit/export/", {"format": "csv"})

    lines = response.content.decode("utf-8").strip().splitlines()
    assert len(lines) == 3  # header and the two C1 events


def test_an_unknown_export_format_is_refused(page, auditor):
    response = page(auditor).get("/audit/export/", {"format": "pdf"})

    assert response.status_code == 400
    assert "xlsx 或 csv" in response.content.decode()


# Chain check page --------------------------------------------------------------------------


def test_the_verification_page_runs_the_check_and_shows_the_last_result(page, auditor, log):
    client = page(auditor)
    assert "还没有校验记录" in client.get("/audit/verify/").content.decode()

    response = client.post("/audit/verify/", follow=True)

    body = response.content.decode()
    assert "校验通过：4 条审计记录完整。" in body
    assert "上次校验：通过" in body
    verification = AuditEvent.objects.get(action="audit.verify")
    assert (verification.actor_id, verification.detail["count"]) == (auditor.pk, 4)
