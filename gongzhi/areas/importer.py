"""Import the area tree from a CSV or XLSX file, all or nothing.

A file has a header row and one area per row: ``code, name, level, parent_code,
population, households`` (Chinese headers such as 编码/名称/层级/上级编码/人口/户数 work too).
Every row is checked before anything is written; if any row is wrong the whole file is
refused with a list naming each row, column and problem, so a district never ends up with
half a tree. Rows may come in any order: parents are created before their children.

Re-importing a file is harmless: rows identical to an existing area are counted as
unchanged. The import never changes an existing area — a row whose code exists with other
data is a problem, to be fixed in the area admin, not by a file.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.areas.choices import LEVEL_ORDER, AreaLevel
from gongzhi.areas.models import Area
from gongzhi.areas.services import create_area, placement_error
from gongzhi.areas.validators import validate_area_code
from gongzhi.core.exceptions import Conflict, DomainError, ImportRejected
from gongzhi.core.security import check_xlsx

COLUMNS = ("code", "name", "level", "parent_code", "population", "households")
REQUIRED_COLUMNS = ("code", "name", "level")

# Header spellings people use, normalised (stripped, lower-case, spaces → "_").
HEADER_ALIASES: dict[str, str] = {
    "code": "code",
    "编码": "code",
    "区域编码": "code",
    "name": "name",
    "名称": "name",
    "区域名称": "name",
    "level": "level",
    "层级": "level",
    "parent_code": "parent_code",
    "上级编码": "parent_code",
    "上级区域编码": "parent_code",
    "population": "population",
    "人口": "population",
    "常住人口": "population",
    "households": "households",
    "户数": "households",
}

_CHINESE_HEADER = {"code": "编码", "name": "名称", "level": "层级"}

# Level spellings: the stored values and the Chinese names. 镇/乡 are the rural peers of a
# 街道 and 村 the rural peer of a 社区, so they land on the same level of the tree.
LEVEL_ALIASES: dict[str, str] = {
    **{value: value for value in AreaLevel.values},
    "区": AreaLevel.DISTRICT,
    "街道": AreaLevel.STREET,
    "镇": AreaLevel.STREET,
    "乡": AreaLevel.STREET,
    "片区": AreaLevel.ZONE,
    "社区": AreaLevel.COMMUNITY,
    "村": AreaLevel.COMMUNITY,
    "网格": AreaLevel.GRID,
}

# PositiveIntegerField's range on PostgreSQL.
MAX_COUNT = 2_147_483_647
NAME_MAX_LENGTH = Area._meta.get_field("name").max_length or 100

_INTEGER_RE = re.compile(r"^\+?(\d+|\d{1,3}(,\d{3})+)$")
_NEGATIVE_RE = re.compile(r"^-\d+$")


@dataclass(frozen=True)
class AreaTable:
    """What ``read_table`` found in a file: the rows and the header cells it did not know."""

    rows: list[dict[str, Any]]
    ignored_columns: list[str]


@dataclass(frozen=True)
class ImportResult:
    """Counts of an import: areas created per level (in tree order) and rows left unchanged."""

    created: dict[str, int]
    unchanged: int
    dry_run: bool = False

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: str  # the stored value, or "" when missing or unknown
    parent_code: str
    population: int
    households: int


@dataclass
class _Plan:
    new_rows: list[_Row] = field(default_factory=list)  # parents before children
    unchanged: int = 0
    existing: dict[str, Area] = field(default_factory=dict)


# --- Reading files ----------------------------------------------------------------------


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """The data rows of a CSV or XLSX file as dicts keyed by column name (``code``, ``name``,
    ``level``, ``parent_code``, ``population``, ``households``; missing cells are ""), plus
    ``row``, the 1-based line in the file (the header is row 1).

    Raises DomainError for a missing, unsupported or unreadable file, and
    ImportRejected when the header row is missing or lacks a required column.
    """
    return read_table(path).rows


def read_table(path: str | Path) -> AreaTable:
    """Like ``read_rows``, also naming the header cells that were ignored."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(_("找不到文件“%(path)s”。") % {"path": path}, field="file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        lines = _csv_lines(path)
    elif suffix == ".xlsx":
        lines = _xlsx_lines(path)
    else:
        raise DomainError(
            _("不支持的文件类型“%(suffix)s”：请使用 .csv（UTF-8 或 GBK 编码）或 .xlsx 文件。")
            % {"suffix": path.suffix or path.name},
            field="file",
        )
    return _table(lines)


def _csv_lines(path: Path) -> Iterator[list[str]]:
    data = path.read_bytes()
    try:
        # utf-8-sig drops the BOM that Excel writes in front of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Chinese Windows saves plain "CSV" in the ANSI code page, GBK;
        # GB18030 is its superset.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DomainError(
                _("无法识别文件“%(name)s”的编码：请另存为“CSV UTF-8（逗号分隔）”后重新导入。")
                % {"name": path.name},
                field="file",
            ) from exc
    yield from csv.reader(io.StringIO(text, newline=""))


def _xlsx_lines(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # Size, really an XLSX, no zip bomb: refused before openpyxl opens it.
    check_xlsx(
        path,
        name=path.name,
        not_xlsx=_("无法读取 Excel 文件“%(name)s”：请确认它是 .xlsx 格式（不是改了扩展名的 .xls 或 .csv）。")
        % {"name": path.name},
    )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (data validation, styles); only
            # the cell values are read here, so those warnings are noise.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DomainError(
            _("无法读取 Excel 文件“%(name)s”：请确认它是 .xlsx 格式（不是改了扩展名的 .xls 或 .csv）。")
            % {"name": path.name},
            field="file",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps every number as a float; 1200 must not become "1200.0".
        return str(int(value))
    return str(value).strip()


def _table(lines: Iterable[list[str]]) -> AreaTable:
    iterator = iter(lines)
    header = next(iterator, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRejected(
            _("文件没有表头。"),
            problems=[_problem(1, None, _("第一行必须是表头：编码、名称、层级、上级编码、人口、户数。"))],
        )
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[dict[str, Any]] = []
    for index, cell in enumerate(header):
        cell = cell.strip().lstrip("\ufeff")
        name = HEADER_ALIASES.get(re.sub(r"\s+", "_", cell.lower()))
        if name is None:
            if cell:
                ignored.append(cell)
            columns.append(None)
        elif name in seen:
            problems.append(
                _problem(
                    1,
                    name,
                    _("表头第 %(a)s 列和第 %(b)s 列都是 %(name)s，请删除其中一列。")
                    % {"a": seen[name] + 1, "b": index + 1, "name": name},
                )
            )
            columns.append(None)
        else:
            seen[name] = index
            columns.append(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(
                _problem(
                    1,
                    name,
                    _("表头缺少 %(name)s 列（也可写作“%(alias)s”），请在第一行加上。")
                    % {"name": name, "alias": _CHINESE_HEADER[name]},
                )
            )
    if problems:
        raise ImportRejected(_rejected_message(problems), problems=problems)

    rows = []
    for line, cells in enumerate(iterator, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and the empty rows Excel leaves below a table
        row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
        for name, cell in zip(columns, cells, strict=False):
            if name is not None:
                row[name] = cell.strip()
        row["row"] = line
        rows.append(row)
    return AreaTable(rows=rows, ignored_columns=ignored)


# --- Validating and importing -----------------------------------------------------------


def import_areas(rows: Sequence[Mapping[str, Any]], *, by: Any = None, dry_run: bool = False) -> ImportResult:
    """Create the areas in ``rows`` (as returned by ``read_rows``), all or nothing.

    Every row is checked first. Rows identical to an existing area are skipped (counted
    as unchanged); the others are created through ``create_area``, parents first, in one
    transaction. With ``dry_run`` the rows are only checked.

    Side effects: one Area and one audit-log entry per created area, attributed to ``by``.
    Raises ImportRejected listing every problem (row, column, message) when any row is
    wrong — then nothing is written — and Conflict if another user created one of the
    codes while the import was running.
    """
    if dry_run:
        return _result(_plan(rows), dry_run=True)
    try:
        with transaction.atomic():
            plan = _plan(rows)
            _create(plan, by=by)
    except IntegrityError as exc:
        raise Conflict(_("导入期间有其他人修改了区域数据，本次导入已全部撤销，请重新导入。")) from exc
    return _result(plan, dry_run=False)


def _result(plan: _Plan, *, dry_run: bool) -> ImportResult:
    created = dict.fromkeys(LEVEL_ORDER, 0)
    for row in plan.new_rows:
        created[row.level] += 1
    return ImportResult(
        created={level: n for level, n in created.items() if n},
        unchanged=plan.unchanged,
        dry_run=dry_run,
    )


def _create(plan: _Plan, *, by: Any) -> None:
    areas = dict(plan.existing)
    with set_actor(by):
        for row in plan.new_rows:
            areas[row.code] = create_area(
                code=row.code,
                name=row.name,
                level=row.level,
                parent=areas[row.parent_code] if row.parent_code else None,
                population=row.population,
                households=row.households,
                by=by,
            )


def _plan(raw_rows: Sequence[Mapping[str, Any]]) -> _Plan:
    """Check every row; return what to create (parents first) or raise ImportRejected."""
    problems: list[dict[str, Any]] = []
    rows = [_parse_row(raw, index, problems) for index, raw in enumerate(raw_rows)]

    # Each code once in the file; later rows are the duplicates.
    by_code: dict[str, _Row] = {}
    for row in rows:
        if not row.code:
            continue
        first = by_code.get(row.code)
        if first is None:
            by_code[row.code] = row
        else:
            problems.append(
                _problem(
                    row.line,
                    "code",
                    _(
                        "编码“%(code)s”与第 %(first)s 行重复：同一文件中每个编码只能出现一次，请删除或改正其中一行。"
                    )
                    % {"code": row.code, "first": first.line},
                )
            )

    wanted = set(by_code) | {row.parent_code for row in rows if row.parent_code}
    existing = _existing_areas(wanted)

    unchanged: set[str] = set()
    for code, row in by_code.items():
        area = existing.get(code)
        if area is None:
            continue
        differences = _differences(row, area)
        if not differences:
            unchanged.add(code)
            continue
        problems.append(
            _problem(
                row.line,
                "code",
                _(
                    "编码“%(code)s”的区域已存在，但与文件不同（%(differences)s）。"
                    "导入不会修改已有区域：请从文件中删除此行或改用新编码；"
                    "如需修改已有区域，请在区域管理中编辑。"
                )
                % {"code": code, "differences": _("；").join(differences)},
            )
        )

    for row in rows:
        if not row.level:
            continue  # already reported: a parent check needs to know the level
        parent_level: str | None = None
        if row.parent_code:
            parent_row = by_code.get(row.parent_code)
            parent_area = existing.get(row.parent_code)
            if parent_row is not None:
                parent_level = parent_row.level
            elif parent_area is not None:
                parent_level = parent_area.level
            else:
                problems.append(
                    _problem(
                        row.line,
                        "parent_code",
                        _(
                            "上级编码“%(parent)s”不存在：文件和系统中都没有这个编码。"
                            "请改正上级编码，或在文件中加入该上级区域。"
                        )
                        % {"parent": row.parent_code},
                    )
                )
                continue
            if not parent_level:
                continue  # the parent row's level is wrong, and reported there
        error = placement_error(row.level, parent_level)
        if error:
            problems.append(_problem(row.line, "parent_code", error))

    depths = _depths(by_code, problems)

    if problems:
        problems.sort(key=lambda p: (p["row"], _column_order(p["column"])))
        raise ImportRejected(_rejected_message(problems), problems=problems)

    new_rows = [row for code, row in by_code.items() if code not in unchanged]
    new_rows.sort(key=lambda row: depths[row.code])
    return _Plan(new_rows=new_rows, unchanged=len(unchanged), existing=existing)


def _parse_row(raw: Mapping[str, Any], index: int, problems: list[dict[str, Any]]) -> _Row:
    line = int(raw.get("row") or index + 2)
    code = _text(raw.get("code"))
    name = _text(raw.get("name"))
    level_text = _text(raw.get("level"))
    parent_code = _text(raw.get("parent_code"))

    if not code:
        problems.append(_problem(line, "code", _("缺少编码，请填写区域编码。")))
    else:
        try:
            validate_area_code(code)
        except ValidationError as exc:
            problems.append(_problem(line, "code", " ".join(exc.messages)))

    if not name:
        problems.append(_problem(line, "name", _("缺少名称，请填写区域名称。")))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(
            _problem(
                line,
                "name",
                _("名称有 %(n)s 个字，超过了 %(max)s 个字的上限，请缩短。")
                % {"n": len(name), "max": NAME_MAX_LENGTH},
            )
        )

    level = ""
    if not level_text:
        problems.append(
            _problem(line, "level", _("缺少层级，请填写 %(levels)s。") % {"levels": _levels_hint()})
        )
    else:
        level = LEVEL_ALIASES.get(level_text.lower(), "")
        if not level:
            problems.append(
                _problem(
                    line,
                    "level",
                    _("层级“%(level)s”无法识别，请填写 %(levels)s。")
                    % {"level": level_text, "levels": _levels_hint()},
                )
            )

    return _Row(
        line=line,
        code=code,
        name=name,
        level=level,
        parent_code=parent_code,
        population=_count(raw.get("population"), line, "population", _("人口"), problems),
        households=_count(raw.get("households"), line, "households", _("户数"), problems),
    )


def _count(value: Any, line: int, column: str, label: str, problems: list[dict[str, Any]]) -> int:
    """A non-negative integer cell; blank means 0."""
    text = _text(value)
    if not text:
        return 0
    if _INTEGER_RE.match(text):
        number = int(text.replace(",", ""))
        if number <= MAX_COUNT:
            return number
        message = _("%(label)s“%(value)s”太大，请核对。") % {"label": label, "value": text}
    elif _NEGATIVE_RE.match(text):
        message = _("%(label)s不能为负数（“%(value)s”），请填写 0 或正整数。") % {
            "label": label,
            "value": text,
        }
    else:
        message = _("%(label)s“%(value)s”不是整数，请填写 0 或正整数（不写则按 0 计）。") % {
            "label": label,
            "value": text,
        }
    problems.append(_problem(line, column, message))
    return 0


def _existing_areas(codes: set[str]) -> dict[str, Area]:
    found: dict[str, Area] = {}
    ordered = sorted(codes)
    # Chunked so that a big file stays under the database's limit on query parameters.
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for area in Area.objects.filter(code__in=chunk).select_related("parent"):
            found[area.code] = area
    return found


def _differences(row: _Row, area: Area) -> list[str]:
    existing_parent = area.parent.code if area.parent else ""
    pairs = [
        (_("名称"), area.name, row.name),
        (_("层级"), area.get_level_display(), AreaLevel(row.level).label if row.level else ""),
        (_("上级编码"), existing_parent, row.parent_code),
        (_("人口"), area.population, row.population),
        (_("户数"), area.households, row.households),
    ]
    return [
        _("%(what)s：系统中为“%(old)s”，文件中为“%(new)s”") % {"what": what, "old": old, "new": new}
        for what, old, new in pairs
        if str(old) != str(new)
    ]


def _depths(by_code: dict[str, _Row], problems: list[dict[str, Any]]) -> dict[str, int]:
    """Depth of each file row counted from its nearest ancestor outside the file; reports
    rows whose parent chain loops back on itself."""
    depths: dict[str, int] = {}
    in_cycle: set[str] = set()
    for start in by_code:
        chain: list[str] = []
        code = start
        while code in by_code and code not in depths and code not in chain:
            chain.append(code)
            code = by_code[code].parent_code
        if code in chain:
            loop = chain[chain.index(code) :]
            for member in loop:
                if member not in in_cycle:
                    in_cycle.add(member)
                    problems.append(
                        _problem(
                            by_code[member].line,
                            "parent_code",
                            _("上级关系形成循环（%(loop)s），请改正其中一行的上级编码。")
                            % {"loop": " → ".join([*loop, loop[0]])},
                        )
                    )
            for member in chain:
                depths[member] = 0  # not used: the import is refused
            continue
        depth = depths.get(code, -1) + 1 if code in by_code else 0
        for member in reversed(chain):
            depths[member] = depth
            depth += 1
    return depths


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _levels_hint() -> str:
    return _("区、街道（镇）、片区、社区（村）、网格 之一，或 %(values)s") % {
        "values": _("、").join(AreaLevel.values)
    }


def _problem(row: int, column: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def _column_order(column: str | None) -> int:
    return COLUMNS.index(column) if column in COLUMNS else -1


def _rejected_message(problems: list[dict[str, Any]]) -> str:
    return _("导入被拒绝：发现 %(n)s 个问题，没有写入任何数据。请按行改正后重新导入。") % {"n": len(problems)}
