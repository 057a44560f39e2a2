"""Importing organizations and members from XLSX (all or nothing, with a sheet/row/column
report), the template, the command, and exporting a filtered list."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from gongzhi.organizations import services
from gongzhi.organizations.importer import MEMBER_COLUMNS, ORG_COLUMNS
from gongzhi.organizations.models import FilingApplication, Membership, Organization
from gongzhi.people.models import Person
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/organizations/import/"
CHARTER = "第一条 本会名称为……"


def ids(n, start=100):
    return [make_id_number(seq=start + i) for i in range(n)]


def org_row(
    name="红领之家", *, area="C1", venue="百合社区党群服务中心", leader="", apply="否", charter=CHARTER
):
    return [name, "公益慈善类", area, venue, leader, "2024-03-01", "养老,退役军人服务", apply, charter]


def member_rows(org, people, *, leader_role_for=None):
    return [
        [org, id_number, f"成员{i}", "负责人" if id_number == leader_role_for else "成员", "2024-03-01"]
        for i, id_number in enumerate(people)
    ]


def workbook(orgs, members) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "组织"
    sheet.append(list(ORG_COLUMNS.values()))
    for row in orgs:
        sheet.append(row)
    sheet = book.create_sheet("成员")
    sheet.append(list(MEMBER_COLUMNS.values()))
    for row in members:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("orgs.xlsx", content, content_type="application/octet-stream")
    return client.post(IMPORT, {"file": file, **extra}, format="multipart")


def rows_of(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture
def good_file(tree):
    people = ids(10)
    existing = make_person(grid=tree["G1"], name="已登记居民", id_number=people[3])
    return {
        "content": workbook(
            [
                org_row(leader=people[0], apply="是"),
                org_row("蒲公英爱心团", area="G2", leader="", apply="否"),
            ],
            member_rows("红领之家", people, leader_role_for=people[0])
            + member_rows("蒲公英爱心团", people[:2])
            + [["红领之家", people[5], "成员5", "成员", "2024-03-01"]],  # listed twice: one member
        ),
        "people": people,
        "existing": existing,
    }


def test_import_good_file(api, community_worker, good_file, media):
    response = upload(api(community_worker), good_file["content"])

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "dry_run": False,
        "organizations": 2,
        "members": 12,
        "people": 9,
        "applications": 1,
    }
    red = Organization.objects.get(name="红领之家")
    assert (red.status, red.category, red.area.code, red.street.code) == ("applying", "charity", "C1", "S1")
    assert red.leader.name == "成员0"
    with red.charter.open("rb") as f:
        assert f.read().decode() == CHARTER
    assert sorted(red.domains.values_list("domain", flat=True)) == ["elderly", "veterans"]
    assert Membership.objects.filter(organization=red).count() == 10
    assert FilingApplication.objects.get().organization == red
    assert Organization.objects.get(name="蒲公英爱心团").status == "draft"
    # the registered person was found by ID number, not registered again
    assert Person.objects.filter(name="已登记居民").count() == 1
    assert Membership.objects.filter(person=good_file["existing"]).count() == 1
    assert Person.objects.get(name="成员9").area.code == "C1"


def test_dry_run_writes_nothing(api, community_worker, good_file):
    response = upload(api(community_worker), good_file["content"], dry_run="true")

    assert response.status_code == 200
    assert response.json()["organizations"] == 2
    assert response.json()["dry_run"] is True
    assert Organization.objects.count() == 0


def test_one_bad_row_writes_nothing_and_reports_sheet_row_column(api, community_worker, tree, media):
    people = ids(10)
    content = workbook(
        [org_row(leader=people[0]), org_row("蒲公英爱心团", area="C1")],
        [
            *member_rows("红领之家", people),
            ["蒲公英爱心团", people[1], "成员1", "队长", "2024-03-01"],  # unknown role on row 12
        ],
    )

    response = upload(api(community_worker), content)

    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "import_rejected"
    assert body["problems"] == [
        {
            "sheet": "成员",
            "row": 12,
            "column": "role",
            "message": "职务“队长”无法识别，请填写 负责人、副负责人、秘书、成员 之一。",
        }
    ]
    assert Organization.objects.count() == 0
    assert Person.objects.count() == 0
    report = rows_of(base64.b64decode(body["report"]["base64"]))
    assert report == [
        ("工作表", "行", "列", "问题"),
        ("成员", 12, "职务（role）", "职务“队长”无法识别，请填写 负责人、副负责人、秘书、成员 之一。"),
    ]
    assert body["report"]["filename"] == "import-report.xlsx"


def test_every_problem_is_listed(api, community_worker, tree):
    content = workbook(
        [["", "读书类", "C2", "", "123", "明天", "天文", "也许", ""]],
        [["不存在的组织", "330206", "", "", ""]],
    )

    response = upload(api(community_worker), content)

    problems = [(p["sheet"], p["row"], p["column"]) for p in response.json()["error"]["problems"]]
    assert problems == [
        ("组织", 2, "name"),
        ("组织", 2, "category"),
        ("组织", 2, "area_code"),
        ("组织", 2, "leader_id_number"),
        ("组织", 2, "founded_on"),
        ("组织", 2, "domains"),
        ("组织", 2, "apply_filing"),
        ("成员", 2, "organization"),
        ("成员", 2, "id_number"),
    ]


@pytest.mark.parametrize(
    ("change", "rule", "column"),
    [
        ({"members": 9}, "min_members", "apply_filing"),
        ({"leader": False}, "leader", "leader_id_number"),
        ({"charter": ""}, "charter", "charter"),
        ({"venue": ""}, "venue", "venue"),
    ],
)
def test_each_filing_rule_failing_alone_in_the_import(api, community_worker, tree, change, rule, column):
    people = ids(change.get("members", 10))
    leader = people[0] if change.get("leader", True) else ""
    content = workbook(
        [
            org_row(
                leader=leader,
                apply="是",
                venue=change.get("venue", "活动室"),
                charter=change.get("charter", CHARTER),
            )
        ],
        member_rows("红领之家", people),
    )

    response = upload(api(community_worker), content)

    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert [(p["sheet"], p["row"], p["column"], p["rule"]) for p in problems] == [("组织", 2, column, rule)]
    assert problems[0]["message"].startswith(f"不满足备案条件 {rule}：")
    assert Organization.objects.count() == 0


def test_leader_must_be_registered_or_listed(api, community_worker, tree):
    content = workbook([org_row(leader=make_id_number(seq=900))], [])

    response = upload(api(community_worker), content)

    assert response.status_code == 422
    problem = response.json()["error"]["problems"][0]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("组织", 2, "leader_id_number")


def test_name_taken_in_the_street_is_a_problem(api, community_worker, ready):
    services.apply_for_filing(ready, by=community_worker)

    response = upload(api(community_worker), workbook([org_row("红领之家", area="G1")], []))

    assert response.json()["error"]["problems"] == [
        {
            "sheet": "组织",
            "row": 2,
            "column": "name",
            "message": "本街道已有名为“红领之家”的社会组织，请换一个名称。",
        }
    ]


def test_not_an_xlsx(api, community_worker):
    response = upload(api(community_worker), b"code,name\n")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "file": ["无法读取该文件：请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。"]
    }


def test_grid_member_cannot_import(api, grid_member, good_file):
    response = upload(api(grid_member), good_file["content"])

    assert response.status_code == 403


def test_template_round_trips_headers(api, community_worker):
    response = api(community_worker).get("/api/v1/organizations/import-template/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    try:
        assert book.sheetnames == ["组织", "成员"]
        headers = [next(ws.iter_rows(values_only=True)) for ws in book.worksheets]
    finally:
        book.close()
    assert headers == [tuple(ORG_COLUMNS.values()), tuple(MEMBER_COLUMNS.values())]


# ---------------------------------------------------------------------------------------------
# The command


def test_command_imports_and_writes_a_report(tmp_path: Path, good_file, media, capsys):
    source = tmp_path / "orgs.xlsx"
    source.write_bytes(good_file["content"])
    report = tmp_path / "report.xlsx"

    call_command("import_organizations", str(source), "--report", str(report))

    assert "导入完成：新建 2 个组织" in capsys.readouterr().out
    assert Organization.objects.count() == 2
    assert rows_of(report.read_bytes())[1:] == [
        (2, "红领之家", "已新建并提交备案申请"),
        (3, "蒲公英爱心团", "已新建"),
    ]


def test_command_refuses_a_bad_file_with_a_report(tmp_path: Path, tree, capsys):
    source = tmp_path / "orgs.xlsx"
    source.write_bytes(workbook([org_row(area="NOPE")], []))
    report = tmp_path / "report.xlsx"

    with pytest.raises(CommandError, match="导入被拒绝：发现 1 个问题"):
        call_command("import_organizations", str(source), "--dry-run", "--report", str(report))

    assert "组织 第 2 行 [area_code]：区域“NOPE”不存在" in capsys.readouterr().err
    assert rows_of(report.read_bytes())[1][:3] == ("组织", 2, "区域编码（area_code）")
    assert Organization.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Export


def test_export_is_the_filtered_scoped_list(api, street_admin, district_admin, ready, tree):
    services.create_organization(
        name="蒲公英爱心团", area=tree["G2"], by=district_admin, category="life_service"
    )
    services.create_organization(name="灵峰夕阳红", area=tree["C2"], by=district_admin, category="charity")

    response = api(street_admin).get("/api/v1/organizations/export/?category=charity")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="organizations-')
    rows = rows_of(response.content)
    assert rows[0][:4] == ("ID", "名称", "管理类型", "状态")
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["名称"] == "红领之家"
    assert row["类别"] == "公益慈善类"
    assert row["区域编码"] == "C1"
    assert row["负责人"] == "陈军浩"
    assert row["服务领域"] in ("养老、退役军人服务", "退役军人服务、养老")
    assert row["成员数"] == 10


def test_export_writes_formula_like_names_as_text(api, district_admin, tree):
    services.create_organization(name="=HYPERLINK(1)", area=tree["G2"], by=district_admin, category="charity")

    rows = rows_of(api(district_admin).get("/api/v1/organizations/export/").content)

    names = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in names  # shown as text, never run as a formula


def test_export_queries_are_capped(api, district_admin, tree, django_assert_max_num_queries):
    for i in range(20):
        services.create_organization(name=f"组织{i}", area=tree["C1"], by=district_admin, domains=["health"])
    client = api(district_admin)

    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/organizations/export/")

    assert len(rows_of(response.content)) == 21
