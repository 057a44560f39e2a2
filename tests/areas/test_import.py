"""Importing the area tree from CSV/XLSX: all or nothing, with a row-level report."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from gongzhi.areas.importer import import_areas, read_rows
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError, ImportRejected
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "level", "parent_code", "population", "households"]

# A whole district, children listed before their parents on purpose.
DISTRICT = [
    ["G1", "百合一网格", "grid", "C1", "1200", "400"],
    ["C1", "百合社区", "community", "Z1", "", ""],
    ["Z1", "百合片区", "zone", "S1", "", ""],
    ["S1", "新碶街道", "street", "D", "", ""],
    ["D", "北仑区", "district", "", "", ""],
    ["C2", "灵峰社区", "community", "S1", "", ""],
    ["G2", "灵峰一网格", "grid", "C2", "500", "200"],
]


def write_csv(tmp_path: Path, rows: list[list[str]], *, header=HEADER, encoding="utf-8", name="areas.csv"):
    path = tmp_path / name
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows([header, *rows])
    return path


def write_xlsx(tmp_path: Path, rows: list[list], *, header=HEADER, name="areas.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def tree_of(codes: list[str]) -> dict[str, tuple[str | None, str, int]]:
    """code → (parent code, path, depth) for the given areas."""
    return {
        a.code: (a.parent.code if a.parent else None, a.path, a.depth)
        for a in Area.objects.filter(code__in=codes).select_related("parent")
    }


def rejection(path: Path) -> list[dict]:
    """Import ``path`` expecting it to be refused; return the problems."""
    before = Area.objects.count()
    with pytest.raises(ImportRejected) as excinfo:
        import_areas(read_rows(path))
    assert Area.objects.count() == before
    return excinfo.value.problems


# --- Files that import ------------------------------------------------------------------


def test_import_csv_creates_parents_before_children(tmp_path):
    path = write_csv(tmp_path, DISTRICT)

    result = import_areas(read_rows(path))

    assert result.created == {"district": 1, "street": 1, "zone": 1, "community": 2, "grid": 2}
    assert result.unchanged == 0
    assert tree_of([row[0] for row in DISTRICT]) == {
        "D": (None, "/D/", 0),
        "S1": ("D", "/D/S1/", 1),
        "Z1": ("S1", "/D/S1/Z1/", 2),
        "C1": ("Z1", "/D/S1/Z1/C1/", 3),
        "G1": ("C1", "/D/S1/Z1/C1/G1/", 4),
        "C2": ("S1", "/D/S1/C2/", 2),
        "G2": ("C2", "/D/S1/C2/G2/", 3),
    }
    g1 = Area.objects.get(code="G1")
    assert (g1.name, g1.level, g1.population, g1.households) == ("百合一网格", "grid", 1200, 400)


def test_import_attaches_rows_to_existing_areas(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [["G9", "百合九网格", "grid", "C9", "30", "10"], ["C9", "新社区", "community", "S2", "", ""]],
    )

    result = import_areas(read_rows(path))

    assert result.created == {"community": 1, "grid": 1}
    assert tree_of(["C9", "G9"]) == {
        "C9": ("S2", "/D/S2/C9/", 2),
        "G9": ("C9", "/D/S2/C9/G9/", 3),
    }


def test_import_xlsx(tmp_path):
    # Excel stores numbers as numbers: a numeric code and counts must still read as text/integers.
    rows = [
        [330206, "北仑区", "district", None, None, None],
        ["S1", "新碶街道", "street", 330206, None, None],
        ["C1", "百合社区", "community", "S1", None, None],
        ["G1", "百合一网格", "grid", "C1", 1200, 400.0],
    ]
    path = write_xlsx(tmp_path, rows)

    result = import_areas(read_rows(path))

    assert result.created == {"district": 1, "street": 1, "community": 1, "grid": 1}
    assert tree_of(["S1", "G1"]) == {
        "S1": ("330206", "/330206/S1/", 1),
        "G1": ("C1", "/330206/S1/C1/G1/", 3),
    }
    g1 = Area.objects.get(code="G1")
    assert (g1.population, g1.households) == (1200, 400)


def test_import_chinese_headers_and_level_labels(tmp_path):
    header = ["编码", "名称", "层级", "上级编码", "常住人口", "户数", "备注"]
    rows = [
        ["D", "北仑区", "区", "", "", "", ""],
        ["T1", "大碶镇", "镇", "D", "", "", "乡镇按街道一级"],
        ["V1", "灵峰村", "村", "T1", "", "", ""],
        ["S1", "新碶街道", "街道", "D", "", "", ""],
        ["Z1", "百合片区", "片区", "S1", "", "", ""],
        ["C1", "百合社区", "社区", "Z1", "", "", ""],
        ["G1", "百合一网格", "网格", "C1", "1200", "400", ""],
    ]
    path = write_csv(tmp_path, rows, header=header)

    import_areas(read_rows(path))

    levels = dict(Area.objects.values_list("code", "level"))
    assert levels == {
        "D": "district",
        "T1": "street",
        "V1": "community",
        "S1": "street",
        "Z1": "zone",
        "C1": "community",
        "G1": "grid",
    }
    assert Area.objects.get(code="G1").population == 1200


def test_import_gbk_csv(tmp_path):
    header = ["编码", "名称", "层级", "上级编码", "人口", "户数"]
    path = write_csv(tmp_path, DISTRICT, header=header, encoding="gbk")

    result = import_areas(read_rows(path))

    assert result.created_total == len(DISTRICT)
    assert Area.objects.get(code="S1").name == "新碶街道"


def test_import_utf8_csv_with_bom(tmp_path):
    header = ["编码", "名称", "层级", "上级编码", "人口", "户数"]
    path = write_csv(tmp_path, DISTRICT, header=header, encoding="utf-8-sig")

    result = import_areas(read_rows(path))

    assert result.created_total == len(DISTRICT)


def test_reimport_of_the_same_file_changes_nothing(tmp_path):
    path = write_csv(tmp_path, DISTRICT)
    import_areas(read_rows(path))
    areas = list(Area.objects.values_list("code", "path", "updated_at"))
    log_entries = LogEntry.objects.count()

    result = import_areas(read_rows(path))

    assert result.created == {}
    assert result.unchanged == len(DISTRICT)
    assert list(Area.objects.values_list("code", "path", "updated_at")) == areas
    assert LogEntry.objects.count() == log_entries


def test_import_records_the_actor_in_the_audit_log(tmp_path):
    user = UserFactory()
    path = write_csv(tmp_path, DISTRICT[3:5])

    import_areas(read_rows(path), by=user)

    entries = (
        LogEntry.objects.get_for_model(Area).filter(action=LogEntry.Action.CREATE).order_by("object_repr")
    )
    assert [(e.object_repr, e.actor) for e in entries] == [("北仑区", user), ("新碶街道", user)]


def test_import_dry_run_writes_nothing(tmp_path):
    path = write_csv(tmp_path, DISTRICT)

    result = import_areas(read_rows(path), dry_run=True)

    assert result.created == {"district": 1, "street": 1, "zone": 1, "community": 2, "grid": 2}
    assert result.dry_run is True
    assert Area.objects.count() == 0


# --- Files that are refused -------------------------------------------------------------


def test_import_rejects_an_unknown_level(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [["C9", "新社区", "community", "S1", "", ""], ["G9", "九网格", "小区", "C9", "", ""]],
    )

    assert rejection(path) == [
        {
            "row": 3,
            "column": "level",
            "message": "层级“小区”无法识别，请填写 区、街道（镇）、片区、社区（村）、网格 之一，"
            "或 district、street、zone、community、grid。",
        }
    ]


def test_import_rejects_a_parent_code_that_exists_nowhere(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["C9", "新社区", "community", "S1", "", ""],
            ["G8", "八网格", "grid", "C9", "", ""],
            ["G9", "九网格", "grid", "X1", "", ""],
        ],
    )

    assert rejection(path) == [
        {
            "row": 4,
            "column": "parent_code",
            "message": "上级编码“X1”不存在：文件和系统中都没有这个编码。请改正上级编码，或在文件中加入该上级区域。",
        }
    ]


def test_import_rejects_a_grid_under_a_street(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [["C9", "新社区", "community", "S1", "", ""], ["G9", "九网格", "grid", "S1", "", ""]],
    )

    assert rejection(path) == [
        {"row": 3, "column": "parent_code", "message": "网格的上级必须是社区，不能是街道。"}
    ]


def test_import_rejects_a_missing_parent_for_a_street(tmp_path):
    path = write_csv(tmp_path, [["S1", "新碶街道", "street", "", "", ""]])

    assert rejection(path) == [{"row": 2, "column": "parent_code", "message": "街道必须有上级区域（区）。"}]


def test_import_rejects_a_code_twice_in_the_file(tmp_path):
    path = write_csv(tmp_path, [*DISTRICT, ["G1", "另一个网格", "grid", "C2", "", ""]])

    assert rejection(path) == [
        {
            "row": 9,
            "column": "code",
            "message": "编码“G1”与第 2 行重复：同一文件中每个编码只能出现一次，请删除或改正其中一行。",
        }
    ]


@pytest.mark.parametrize(
    ("population", "message"),
    [
        ("12.5", "人口“12.5”不是整数，请填写 0 或正整数（不写则按 0 计）。"),
        ("约三百", "人口“约三百”不是整数，请填写 0 或正整数（不写则按 0 计）。"),
        ("-5", "人口不能为负数（“-5”），请填写 0 或正整数。"),
    ],
)
def test_import_rejects_a_bad_population(tmp_path, population, message):
    rows = [list(row) for row in DISTRICT]
    rows[6][4] = population  # G2, file row 8

    assert rejection(write_csv(tmp_path, rows)) == [{"row": 8, "column": "population", "message": message}]


def test_import_rejects_bad_households(tmp_path):
    rows = [list(row) for row in DISTRICT]
    rows[0][5] = "四百"  # G1, file row 2

    assert rejection(write_csv(tmp_path, rows)) == [
        {
            "row": 2,
            "column": "households",
            "message": "户数“四百”不是整数，请填写 0 或正整数（不写则按 0 计）。",
        }
    ]


def test_import_rejects_an_existing_code_with_different_data(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["G1", "百合一网格", "grid", "C1", "1200", "400"],  # identical: fine
            ["G2", "百合二网格（新）", "grid", "C1", "900", "300"],
            ["G9", "九网格", "grid", "C1", "", ""],
        ],
    )

    assert rejection(path) == [
        {
            "row": 3,
            "column": "code",
            "message": "编码“G2”的区域已存在，但与文件不同（名称：系统中为“百合二网格”，文件中为“百合二网格（新）”；"
            "人口：系统中为“800”，文件中为“900”）。导入不会修改已有区域：请从文件中删除此行或改用新编码；"
            "如需修改已有区域，请在区域管理中编辑。",
        }
    ]
    assert Area.objects.get(code="G2").name == "百合二网格"


def test_import_skips_rows_identical_to_existing_areas(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [["G1", "百合一网格", "grid", "C1", "1200", "400"], ["G9", "九网格", "grid", "C1", "", ""]],
    )

    result = import_areas(read_rows(path))

    assert (result.created, result.unchanged) == ({"grid": 1}, 1)


def test_import_rejects_missing_values_and_bad_codes(tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["D", "北仑区", "district", "", "", ""],
            ["", "无编码街道", "street", "D", "", ""],
            ["S/2", "", "", "D", "", ""],
        ],
    )

    assert rejection(path) == [
        {"row": 3, "column": "code", "message": "缺少编码，请填写区域编码。"},
        {"row": 4, "column": "code", "message": "区域编码“S/2”无效：只能包含字母、数字和连字符，长度 1–32。"},
        {"row": 4, "column": "name", "message": "缺少名称，请填写区域名称。"},
        {
            "row": 4,
            "column": "level",
            "message": "缺少层级，请填写 区、街道（镇）、片区、社区（村）、网格 之一，或 district、street、zone、community、grid。",
        },
    ]


def test_import_rejects_a_cycle(tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["D", "北仑区", "district", "", "", ""],
            ["C1", "甲社区", "community", "C2", "", ""],
            ["C2", "乙社区", "community", "C1", "", ""],
        ],
    )

    assert rejection(path) == [
        {"row": 3, "column": "parent_code", "message": "社区的上级必须是街道或片区，不能是社区。"},
        {
            "row": 3,
            "column": "parent_code",
            "message": "上级关系形成循环（C1 → C2 → C1），请改正其中一行的上级编码。",
        },
        {"row": 4, "column": "parent_code", "message": "社区的上级必须是街道或片区，不能是社区。"},
        {
            "row": 4,
            "column": "parent_code",
            "message": "上级关系形成循环（C1 → C2 → C1），请改正其中一行的上级编码。",
        },
    ]


def test_import_reports_file_line_numbers_across_blank_lines(tmp_path):
    path = write_csv(
        tmp_path, [["D", "北仑区", "district", "", "", ""], [], ["S1", "新碶街道", "street", "X", "", ""]]
    )

    assert [(p["row"], p["column"]) for p in rejection(path)] == [(4, "parent_code")]


def test_import_reports_every_problem_at_once(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["G7", "七网格", "grid", "C1", "", ""],
            ["G8", "八网格", "grid", "S1", "", ""],
            ["G9", "九网格", "grid", "C1", "-1", ""],
        ],
    )

    assert [(p["row"], p["column"]) for p in rejection(path)] == [(3, "parent_code"), (4, "population")]


def test_read_rows_requires_the_header_columns(tmp_path):
    path = write_csv(tmp_path, [["D", "北仑区"]], header=["编码", "名称"])

    with pytest.raises(ImportRejected) as excinfo:
        read_rows(path)

    assert excinfo.value.problems == [
        {"row": 1, "column": "level", "message": "表头缺少 level 列（也可写作“层级”），请在第一行加上。"}
    ]


def test_read_rows_rejects_a_repeated_column(tmp_path):
    path = write_csv(tmp_path, [], header=[*HEADER, "常住人口"])

    with pytest.raises(ImportRejected) as excinfo:
        read_rows(path)

    assert excinfo.value.problems == [
        {"row": 1, "column": "population", "message": "表头第 5 列和第 7 列都是 population，请删除其中一列。"}
    ]


def test_read_rows_explains_a_file_that_is_not_really_xlsx(tmp_path):
    path = tmp_path / "areas.xlsx"
    path.write_text("code,name,level\n", encoding="utf-8")

    with pytest.raises(DomainError) as excinfo:
        read_rows(path)

    assert (
        str(excinfo.value)
        == "无法读取 Excel 文件“areas.xlsx”：请确认它是 .xlsx 格式（不是改了扩展名的 .xls 或 .csv）。"
    )


def test_read_rows_refuses_other_file_types(tmp_path):
    path = tmp_path / "areas.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    with pytest.raises(DomainError) as excinfo:
        read_rows(path)

    assert str(excinfo.value) == "不支持的文件类型“.xls”：请使用 .csv（UTF-8 或 GBK 编码）或 .xlsx 文件。"


# --- The command ------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_areas", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_prints_created_per_level(tmp_path):
    path = write_csv(tmp_path, DISTRICT)

    out, _err = run(str(path))

    assert out.splitlines() == [
        "导入完成：新建 7 个区域，0 个已存在且相同（未变化）。",
        "  区：1",
        "  街道：1",
        "  片区：1",
        "  社区：2",
        "  网格：2",
    ]
    assert Area.objects.count() == 7


def test_command_reimport_reports_unchanged(tmp_path):
    path = write_csv(tmp_path, DISTRICT)
    run(str(path))

    out, _err = run(str(path))

    assert out.splitlines() == ["导入完成：新建 0 个区域，7 个已存在且相同（未变化）。"]


def test_command_dry_run_writes_nothing(tmp_path):
    path = write_csv(tmp_path, DISTRICT)

    out, _err = run(str(path), "--dry-run")

    assert out.splitlines()[0] == "检查通过（试运行，未写入）：将新建 7 个区域，0 个已存在且相同。"
    assert Area.objects.count() == 0


def test_command_reports_each_problem_and_fails(tree, tmp_path):
    path = write_csv(
        tmp_path,
        [
            ["C9", "新社区", "community", "S1", "", ""],
            ["G8", "八网格", "grid", "C9", "abc", ""],
            ["G9", "九网格", "grid", "X1", "", ""],
        ],
    )
    before = Area.objects.count()
    err = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_areas", str(path), stdout=StringIO(), stderr=err)

    assert str(excinfo.value) == "导入被拒绝：发现 2 个问题，没有写入任何数据。请按行改正后重新导入。"
    assert err.getvalue().splitlines() == [
        "第 3 行 [population]：人口“abc”不是整数，请填写 0 或正整数（不写则按 0 计）。",
        "第 4 行 [parent_code]：上级编码“X1”不存在：文件和系统中都没有这个编码。请改正上级编码，或在文件中加入该上级区域。",
    ]
    assert Area.objects.count() == before


def test_command_warns_about_ignored_columns(tmp_path):
    path = write_csv(tmp_path, [["1", *DISTRICT[4]]], header=["序号", *HEADER])

    _out, err = run(str(path))

    assert err.splitlines() == ["注意：以下列无法识别，已忽略：序号"]
    assert Area.objects.get(code="D").name == "北仑区"


def test_command_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run(str(tmp_path / "nope.csv"))

    assert str(excinfo.value) == f"找不到文件“{tmp_path / 'nope.csv'}”。"
