"""Import community organizations and their members from an XLSX workbook, all or nothing.

The workbook (``template_xlsx()`` writes an empty one) has two sheets:

- **组织**: 名称 name, 类别 category, 区域编码 area_code, 活动场所 venue, 负责人身份证号
  leader_id_number, 成立日期 founded_on, 服务领域 domains (comma-separated), 申请备案
  apply_filing (是/否), 章程 charter (the charter's text; saved as the organization's charter
  document, since a spreadsheet cannot carry a file).
- **成员**: 组织名称 organization, 身份证号 id_number, 姓名 name, 职务 role, 加入日期 joined_on.

People are found by ID number or registered (name + ID number, filed under the
organization's area). Every row of both sheets is checked first; if anything is wrong nothing
is written and ``ImportRejected`` lists each problem with its sheet, row, column and message.
An organization marked for filing is checked with ``filing_checklist`` on the facts in the
file (members listed, leader, charter, venue) — the same rules as the form, the API and the
review — and each failing rule is a problem of its row. ``report_xlsx`` turns the problems (or
the created organizations) into a workbook to hand back.
"""

from __future__ import annotations

import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core.exceptions import Conflict, DomainError, ImportRejected
from gongzhi.core.masking import mask_id_number
from gongzhi.core.scoping import can
from gongzhi.core.security import check_xlsx
from gongzhi.organizations import services
from gongzhi.organizations.choices import (
    FilingCategory,
    FilingRuleKind,
    MemberRole,
    ServiceDomain,
)
from gongzhi.organizations.models import FilingRule
from gongzhi.people.services import create_people_bulk, find_by_id_numbers, person_fields_from_id_number

ORG_SHEET = "组织"
MEMBER_SHEET = "成员"

# column key → header written in the template
ORG_COLUMNS = {
    "name": "名称",
    "category": "类别",
    "area_code": "区域编码",
    "venue": "活动场所",
    "leader_id_number": "负责人身份证号",
    "founded_on": "成立日期",
    "domains": "服务领域",
    "apply_filing": "申请备案",
    "charter": "章程",
}
MEMBER_COLUMNS = {
    "organization": "组织名称",
    "id_number": "身份证号",
    "name": "姓名",
    "role": "职务",
    "joined_on": "加入日期",
}
SHEETS = {ORG_SHEET: ORG_COLUMNS, MEMBER_SHEET: MEMBER_COLUMNS}
REQUIRED = {ORG_SHEET: ("name", "area_code"), MEMBER_SHEET: ("organization", "id_number")}
SHEET_ALIASES = {
    "组织": ORG_SHEET,
    "organizations": ORG_SHEET,
    "成员": MEMBER_SHEET,
    "members": MEMBER_SHEET,
}

_YES = {"是", "yes", "y", "true", "1", "申请"}
_NO = {"", "否", "no", "n", "false", "0", "不申请"}
_SPLIT = re.compile(r"[,，、;；\s]+")
NAME_MAX_LENGTH = 100
_RULE_COLUMNS = {
    FilingRuleKind.HAS_LEADER: "leader_id_number",
    FilingRuleKind.HAS_CHARTER: "charter",
    FilingRuleKind.HAS_VENUE: "venue",
    FilingRuleKind.MIN_MEMBERS: "apply_filing",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _aliases(columns: dict[str, str]) -> dict[str, str]:
    return {**{k: k for k in columns}, **{v: k for k, v in columns.items()}}


def _choice_aliases(choices: Any) -> dict[str, str]:
    return {**{v: v for v in choices.values}, **{str(label): v for v, label in choices.choices}}


CATEGORY_ALIASES = _choice_aliases(FilingCategory)
DOMAIN_ALIASES = _choice_aliases(ServiceDomain)
ROLE_ALIASES = _choice_aliases(MemberRole)


@dataclass(frozen=True)
class ImportResult:
    organizations: int
    members: int
    people: int
    applications: int
    dry_run: bool = False
    created: list[tuple[int, str, str]] = field(default_factory=list)  # (row, name, outcome)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "organizations": self.organizations,
            "members": self.members,
            "people": self.people,
            "applications": self.applications,
        }


class OrganizationImportRejected(ImportRejected):
    """The workbook was refused; the error body also carries the XLSX report (base64)."""

    def as_dict(self) -> dict[str, Any]:
        import base64

        data = super().as_dict()
        data["report"] = {
            "filename": "import-report.xlsx",
            "content_type": XLSX_TYPE,
            "base64": base64.b64encode(report_xlsx(self.problems)).decode("ascii"),
        }
        return data


@dataclass
class _OrgRow:
    line: int
    name: str
    category: str
    area: Area | None
    venue: str
    leader_id: str
    founded_on: datetime.date | None
    domains: list[str]
    apply_filing: bool
    charter: str
    members: dict[str, _MemberRow] = field(default_factory=dict)  # id number → row

    @property
    def member_count(self) -> int:
        """Distinct people: the members listed and the leader (a member once)."""
        return len(set(self.members) | ({self.leader_id} if self.leader_id else set()))


@dataclass
class _MemberRow:
    line: int
    org_name: str
    id_number: str
    name: str
    role: str
    joined_on: datetime.date | None


# --- Reading ----------------------------------------------------------------------------


def read_workbook(source: str | IO[bytes] | Any) -> dict[str, list[dict[str, Any]]]:
    """The rows of both sheets as dicts keyed by column key, plus ``row`` (the line; the header
    is row 1). Raises DomainError for a file that is not XLSX, OrganizationImportRejected for a
    missing sheet or header column."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # Size, really an XLSX, no zip bomb: refused before openpyxl opens it.
    check_xlsx(source, not_xlsx=_("无法读取该文件：请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # dropped Excel features: values only
            workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DomainError(
            _("无法读取该文件：请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。"), field="file"
        ) from exc
    try:
        found = {
            SHEET_ALIASES.get(ws.title.strip().lower(), ws.title.strip()): ws for ws in workbook.worksheets
        }
        problems: list[dict[str, Any]] = []
        tables: dict[str, list[dict[str, Any]]] = {}
        for sheet, columns in SHEETS.items():
            ws = found.get(sheet)
            if ws is None:
                if sheet == MEMBER_SHEET:
                    tables[sheet] = []
                    continue
                problems.append(
                    _problem(sheet, 1, None, _("缺少工作表“%(s)s”，请使用导入模板。") % {"s": sheet})
                )
                continue
            tables[sheet] = _sheet_rows(sheet, ws.iter_rows(values_only=True), columns, problems)
    finally:
        workbook.close()
    if problems:
        raise OrganizationImportRejected(_rejected_message(problems), problems=problems)
    return tables


def _sheet_rows(
    sheet: str, lines: Iterator[tuple[Any, ...]], columns: dict[str, str], problems: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    aliases = _aliases(columns)
    header = next(lines, None) or ()
    keys = [aliases.get(_text(cell).lower()) or aliases.get(_text(cell)) for cell in header]
    for key in REQUIRED[sheet]:
        if key not in keys:
            problems.append(
                _problem(
                    sheet,
                    1,
                    key,
                    _("表头缺少“%(label)s”（%(key)s）列，请使用导入模板。")
                    % {"label": columns[key], "key": key},
                )
            )
    rows = []
    for line, cells in enumerate(lines, start=2):
        if not any(_text(c) for c in cells):
            continue
        row: dict[str, Any] = dict.fromkeys(columns, "")
        for key, cell in zip(keys, cells, strict=False):
            if key is not None:
                row[key] = cell
        row["row"] = line
        rows.append(row)
    return rows


# --- Checking and importing -------------------------------------------------------------


def import_organizations(
    tables: dict[str, list[dict[str, Any]]], *, by: Any = None, dry_run: bool = False
) -> ImportResult:
    """Create the organizations and members of ``tables`` (from ``read_workbook``), all or
    nothing, and apply for filing where the row asks for it.

    Side effects: organizations (drafts, with their change rows), people not yet registered,
    memberships, filing applications (notifying the street's reviewers). Raises
    OrganizationImportRejected listing every problem — then nothing is written — and Conflict
    when someone else changed the same data while the import ran.
    """
    orgs, new_people = _plan(tables, by=by)
    planned_members = sum(o.member_count for o in orgs)
    if dry_run:
        return ImportResult(
            organizations=len(orgs),
            members=planned_members,
            people=len(new_people),
            applications=sum(1 for o in orgs if o.apply_filing),
            dry_run=True,
        )
    try:
        with transaction.atomic():
            return _write(orgs, new_people, by=by)
    except IntegrityError as exc:
        raise Conflict(_("导入期间有其他人修改了相关数据，本次导入已全部撤销，请重新导入。")) from exc


def _write(orgs: list[_OrgRow], new_people: dict[str, _MemberRow], *, by: Any) -> ImportResult:
    """The same rows, history and notifications as one ``create_person`` /
    ``create_organization`` / ``add_member`` call per row, written in batches (a bounded
    number of queries); only the filing applications go one by one."""
    # People: found by ID number in one query; the others registered under the area of the
    # first organization (in file order, its leader first) that lists them.
    wanted = [
        id_number
        for row in orgs
        for id_number in ([row.leader_id] if row.leader_id else []) + list(row.members)
    ]
    people: dict[str, Any] = find_by_id_numbers(set(wanted))
    to_register: dict[str, dict[str, Any]] = {}
    for row in orgs:
        for id_number in ([row.leader_id] if row.leader_id else []) + list(row.members):
            if id_number not in people and id_number not in to_register:
                to_register[id_number] = {
                    "name": new_people[id_number].name,
                    "id_number": id_number,
                    "area": row.area,
                }
    registered = create_people_bulk(list(to_register.values()), by=by)
    people.update(zip(to_register, registered, strict=True))

    created_orgs = services.create_organizations_bulk(
        [
            {
                "name": row.name,
                "area": row.area,
                "category": row.category,
                "venue": row.venue,
                "leader": people[row.leader_id] if row.leader_id else None,
                "founded_on": row.founded_on,
                "domains": row.domains,
                "charter": (
                    ContentFile(row.charter.encode("utf-8"), name=f"{row.name}章程.txt")
                    if row.charter
                    else None
                ),
            }
            for row in orgs
        ],
        by=by,
    )
    services.add_members_bulk(
        [
            (org, people[member.id_number], member.role, member.joined_on)
            for row, org in zip(orgs, created_orgs, strict=True)
            for member in row.members.values()
        ],
        by=by,
    )

    applications = 0
    created: list[tuple[int, str, str]] = []
    for row, org in zip(orgs, created_orgs, strict=True):
        outcome = _("已新建")
        if row.apply_filing:
            try:
                services.apply_for_filing(org, by=by)
            except services.FilingRuleFailed as exc:  # the same check passed in _plan
                problems = [_problem(ORG_SHEET, row.line, "apply_filing", p["message"]) for p in exc.problems]
                raise OrganizationImportRejected(_rejected_message(problems), problems=problems) from exc
            applications += 1
            outcome = _("已新建并提交备案申请")
        created.append((row.line, row.name, outcome))
    return ImportResult(
        organizations=len(orgs),
        members=sum(row.member_count for row in orgs),  # each new organization's current members
        people=len(new_people),
        applications=applications,
        created=created,
    )


def _plan(tables: dict[str, list[dict[str, Any]]], *, by: Any) -> tuple[list[_OrgRow], dict[str, _MemberRow]]:
    problems: list[dict[str, Any]] = []
    org_raws = tables.get(ORG_SHEET, [])
    areas = _Areas({_text(raw.get("area_code")) for raw in org_raws}, by=by)
    orgs = [_parse_org(raw, problems, areas=areas) for raw in org_raws]
    if not orgs and not problems:
        problems.append(_problem(ORG_SHEET, 2, None, _("“组织”工作表中没有数据。")))

    # Names: once per street in the file, and not taken by an active organization there.
    by_name: dict[str, _OrgRow] = {}
    seen: dict[tuple[int, str], _OrgRow] = {}
    taken = services.taken_names(
        (areas.street(row.area), row.name)
        for row in orgs
        if row.name and row.area is not None and areas.street(row.area) is not None
    )
    for row in orgs:
        if not row.name or row.area is None:
            continue
        street = areas.street(row.area)
        if street is None:
            continue
        first = seen.get((street.pk, row.name)) or by_name.get(row.name)
        if first is not None:
            problems.append(
                _problem(
                    ORG_SHEET,
                    row.line,
                    "name",
                    _(
                        "组织“%(name)s”与第 %(first)s 行重名：成员表按名称对应组织，文件中每个名称只能出现一次。"
                    )
                    % {"name": row.name, "first": first.line},
                )
            )
            continue
        seen[(street.pk, row.name)] = row
        by_name[row.name] = row
        if (street.pk, row.name) in taken:
            problems.append(
                _problem(
                    ORG_SHEET,
                    row.line,
                    "name",
                    _("本街道已有名为“%(name)s”的社会组织，请换一个名称。") % {"name": row.name},
                )
            )

    # Members, grouped under their organization (a person listed twice is one member).
    names: dict[str, tuple[str, int]] = {}  # id number → (name, line) for people to register
    member_rows = [_parse_member(raw, problems) for raw in tables.get(MEMBER_SHEET, [])]
    for member in member_rows:
        if not member.org_name:
            continue
        org = by_name.get(member.org_name)
        if org is None:
            problems.append(
                _problem(
                    MEMBER_SHEET,
                    member.line,
                    "organization",
                    _("组织“%(name)s”不在“组织”工作表中，请核对名称。") % {"name": member.org_name},
                )
            )
            continue
        if not member.id_number:
            continue
        listed = org.members.get(member.id_number)
        if listed is None or (member.role != MemberRole.MEMBER and listed.role == MemberRole.MEMBER):
            org.members[member.id_number] = member
        if member.name and member.id_number not in names:
            names[member.id_number] = (member.name, member.line)

    # People: found by ID number, or registered from a member row that gives the name.
    wanted = {m for o in orgs for m in o.members} | {o.leader_id for o in orgs if o.leader_id}
    known = _registered(wanted)
    new_people: dict[str, _MemberRow] = {}
    for org in orgs:
        for member in org.members.values():
            if member.id_number in known or member.id_number in new_people:
                continue
            if member.id_number in names:
                new_people[member.id_number] = _MemberRow(
                    line=member.line,
                    org_name=org.name,
                    id_number=member.id_number,
                    name=names[member.id_number][0],
                    role=member.role,
                    joined_on=member.joined_on,
                )
            else:
                problems.append(
                    _problem(
                        MEMBER_SHEET,
                        member.line,
                        "name",
                        _("身份证号 %(id)s 尚未登记，请填写姓名以便登记此人。")
                        % {"id": _masked(member.id_number)},
                    )
                )
        if org.leader_id and org.leader_id not in known and org.leader_id not in names:
            problems.append(
                _problem(
                    ORG_SHEET,
                    org.line,
                    "leader_id_number",
                    _("负责人（身份证号 %(id)s）尚未登记：请在“成员”工作表中列出此人并填写姓名。")
                    % {"id": _masked(org.leader_id)},
                )
            )
        elif org.leader_id and org.leader_id not in known and org.leader_id not in new_people:
            name, line = names[org.leader_id]
            new_people[org.leader_id] = _MemberRow(
                line=line, org_name=org.name, id_number=org.leader_id, name=name, role="", joined_on=None
            )

    # Leaders: one active filed organization each (unless the district allows more).
    leading: dict[str, _OrgRow] = {}
    leading_elsewhere = services.leading_filed(known.values())
    for org in orgs:
        if not org.leader_id:
            continue
        if org.leader_id in leading and not _multiple_leadership_allowed():
            problems.append(
                _problem(
                    ORG_SHEET,
                    org.line,
                    "leader_id_number",
                    _("同一人不能同时担任两个备案组织的负责人（与第 %(first)s 行相同）。")
                    % {"first": leading[org.leader_id].line},
                )
            )
            continue
        leading[org.leader_id] = org
        person = known.get(org.leader_id)
        if person is not None and person.pk in leading_elsewhere:
            try:
                services.check_leader(person)
            except Conflict as exc:
                problems.append(_problem(ORG_SHEET, org.line, "leader_id_number", str(exc.message)))

    # Filing: the one checklist, on the facts in the file; each failing rule points at the
    # column to fix (the member count at apply_filing: members are listed on the other sheet).
    kinds = dict(FilingRule.objects.values_list("code", "kind")) if any(o.apply_filing for o in orgs) else {}
    checklists: dict[tuple[int, bool, bool, bool], list[Any]] = {}  # the same facts, the same results
    for org in orgs:
        if not org.apply_filing:
            continue
        facts = (org.member_count, bool(org.leader_id), bool(org.charter), bool(org.venue.strip()))
        if facts not in checklists:
            checklists[facts] = services.filing_checklist(
                members=org.member_count,
                has_leader=bool(org.leader_id),
                has_charter=bool(org.charter),
                venue=org.venue,
            )
        results = checklists[facts]
        for failed in services.failed_rules(results):
            problems.append(
                _problem(
                    ORG_SHEET,
                    org.line,
                    _RULE_COLUMNS.get(kinds.get(failed["rule"], ""), "apply_filing"),
                    _("不满足备案条件 %(rule)s：%(message)s") % failed,
                    rule=failed["rule"],
                )
            )

    if problems:
        order = {ORG_SHEET: 0, MEMBER_SHEET: 1}
        problems.sort(key=lambda p: (order.get(p["sheet"], 2), p["row"], _column_order(p)))
        raise OrganizationImportRejected(_rejected_message(problems), problems=problems)
    return orgs, new_people


def _multiple_leadership_allowed() -> bool:
    from django.conf import settings

    return bool(settings.GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP)


def _registered(id_numbers: set[str]) -> dict[str, Any]:
    """The people already registered with these ID numbers, in one query."""
    return find_by_id_numbers(id_numbers)


class _Areas:
    """The areas named in the file, loaded in one query; the caller's permission and the
    street are worked out once per area, not once per row."""

    def __init__(self, codes: set[str], *, by: Any):
        codes = {c for c in codes if c}
        self.by = by
        self.by_code = {a.code: a for a in Area.objects.filter(code__in=codes)} if codes else {}
        self.streets = services.streets_of(self.by_code.values())
        self._allowed: dict[int, bool] = {}

    def get(self, code: str) -> Area | None:
        return self.by_code.get(code)

    def allowed(self, area: Area) -> bool:
        if self.by is None:
            return True
        if area.pk not in self._allowed:
            self._allowed[area.pk] = can(self.by, "organizations.add_organization", area)
        return self._allowed[area.pk]

    def street(self, area: Area) -> Area | None:
        return self.streets[area.pk]


def _parse_org(raw: dict[str, Any], problems: list[dict[str, Any]], *, areas: _Areas) -> _OrgRow:
    line = int(raw["row"])

    def problem(column: str, message: str) -> None:
        problems.append(_problem(ORG_SHEET, line, column, message))

    name = _text(raw.get("name"))
    if not name:
        problem("name", _("缺少名称，请填写组织名称。"))
    elif len(name) > NAME_MAX_LENGTH:
        problem("name", _("名称超过 %(max)s 个字，请缩短。") % {"max": NAME_MAX_LENGTH})

    category = ""
    category_text = _text(raw.get("category"))
    if category_text:
        category = CATEGORY_ALIASES.get(category_text, "")
        if not category:
            problem(
                "category",
                _("类别“%(v)s”无法识别，请填写 %(choices)s 之一。")
                % {"v": category_text, "choices": _("、").join(str(c) for c in FilingCategory.labels)},
            )

    area = None
    code = _text(raw.get("area_code"))
    if not code:
        problem("area_code", _("缺少区域编码，请填写组织所在的街道、社区或网格编码。"))
    else:
        area = areas.get(code)
        if area is None or not areas.allowed(area):
            problem("area_code", _("区域“%(code)s”不存在或不在您的管辖范围内，请检查编码。") % {"code": code})
            area = None
        elif areas.street(area) is None:
            problem("area_code", _("备案组织的所在区域须为街道或街道以下（社区、网格）。"))
            area = None

    leader_id = _id_number(raw.get("leader_id_number"), lambda m: problem("leader_id_number", m))

    domains = []
    for part in _SPLIT.split(_text(raw.get("domains"))):
        if not part:
            continue
        value = DOMAIN_ALIASES.get(part)
        if value is None:
            problem(
                "domains",
                _("服务领域“%(v)s”无法识别，可填：%(choices)s。")
                % {"v": part, "choices": _("、").join(str(c) for c in ServiceDomain.labels)},
            )
        elif value not in domains:
            domains.append(value)

    apply_text = _text(raw.get("apply_filing")).lower()
    if apply_text not in _YES | _NO:
        problem("apply_filing", _("申请备案请填写“是”或“否”（现为“%(v)s”）。") % {"v": apply_text})

    return _OrgRow(
        line=line,
        name=name,
        category=category,
        area=area,
        venue=_text(raw.get("venue")),
        leader_id=leader_id,
        founded_on=_date(raw.get("founded_on"), lambda m: problem("founded_on", m)),
        domains=domains,
        apply_filing=apply_text in _YES,
        charter=_text(raw.get("charter")),
    )


def _parse_member(raw: dict[str, Any], problems: list[dict[str, Any]]) -> _MemberRow:
    line = int(raw["row"])

    def problem(column: str, message: str) -> None:
        problems.append(_problem(MEMBER_SHEET, line, column, message))

    org_name = _text(raw.get("organization"))
    if not org_name:
        problem("organization", _("缺少组织名称。"))
    id_number = _id_number(raw.get("id_number"), lambda m: problem("id_number", m))
    if not _text(raw.get("id_number")):
        problem("id_number", _("缺少身份证号。"))
    role = MemberRole.MEMBER
    role_text = _text(raw.get("role"))
    if role_text:
        role = ROLE_ALIASES.get(role_text, "")
        if not role:
            problem(
                "role",
                _("职务“%(v)s”无法识别，请填写 %(choices)s 之一。")
                % {"v": role_text, "choices": _("、").join(str(c) for c in MemberRole.labels)},
            )
    return _MemberRow(
        line=line,
        org_name=org_name,
        id_number=id_number,
        name=_text(raw.get("name")),
        role=role or MemberRole.MEMBER,
        joined_on=_date(raw.get("joined_on"), lambda m: problem("joined_on", m)),
    )


def _id_number(value: Any, report: Any) -> str:
    text = _text(value).upper()
    if not text:
        return ""
    try:
        person_fields_from_id_number(text)
    except DomainError as exc:
        report(str(exc.message))
        return ""
    return text


def _date(value: Any, report: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        day = parse_date(text.replace("/", "-").replace(".", "-"))
    except ValueError:
        day = None
    if day is None:
        report(_("日期“%(v)s”无法识别，请写成 2024-03-01。") % {"v": text})
    return day


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _masked(id_number: str) -> str:
    return mask_id_number(id_number)


def _problem(sheet: str, row: int, column: str | None, message: str, **extra: Any) -> dict[str, Any]:
    return {"sheet": sheet, "row": row, "column": column, "message": message, **extra}


def _column_order(problem: dict[str, Any]) -> int:
    columns = list(SHEETS.get(problem["sheet"], {}))
    return columns.index(problem["column"]) if problem["column"] in columns else -1


def _rejected_message(problems: list[dict[str, Any]]) -> str:
    return _("导入被拒绝：发现 %(n)s 个问题，没有写入任何数据。请按行改正后重新导入。") % {"n": len(problems)}


# --- Workbooks out ----------------------------------------------------------------------


def _save(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """An empty import workbook: both sheets with their headers and one example row each."""
    from openpyxl import Workbook

    workbook = Workbook()
    orgs = workbook.active
    orgs.title = ORG_SHEET
    orgs.append(list(ORG_COLUMNS.values()))
    orgs.append(
        [
            "示例：夕阳红互助队",
            str(FilingCategory.LIFE_SERVICE.label),
            "社区或网格编码",
            "某社区活动室",
            "负责人身份证号（须同时列在成员表中）",
            "2024-03-01",
            f"{ServiceDomain.ELDERLY.label},{ServiceDomain.COMMUNITY.label}",
            "否",
            "章程全文（申请备案时必填）",
        ]
    )
    members = workbook.create_sheet(MEMBER_SHEET)
    members.append(list(MEMBER_COLUMNS.values()))
    members.append(["示例：夕阳红互助队", "身份证号", "姓名", str(MemberRole.LEADER.label), "2024-03-01"])
    for ws in (orgs, members):
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 22
    return _save(workbook)


def report_xlsx(problems: list[dict[str, Any]], result: ImportResult | None = None) -> bytes:
    """The import report: each problem (sheet, row, column, message), or the organizations
    created when there was none."""
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    if problems:
        ws.title = _("问题")
        ws.append([_("工作表"), _("行"), _("列"), _("问题")])
        for p in problems:
            column = p.get("column") or ""
            label = SHEETS.get(p["sheet"], {}).get(column, "")
            ws.append([p["sheet"], p["row"], f"{label}（{column}）" if label else column, str(p["message"])])
    else:
        ws.title = _("结果")
        ws.append([_("行"), _("名称"), _("结果")])
        for line, name, outcome in result.created if result else []:
            ws.append([line, name, outcome])
    ws.column_dimensions["D" if problems else "C"].width = 80
    return _save(workbook)
