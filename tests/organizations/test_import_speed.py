"""The organization import writes in batches: its number of queries does not grow with the
number of rows, and what it writes is what one ``create_organization`` / ``create_person`` /
``add_member`` call per row writes (rows, auditlog entries, change and audit rows)."""

from __future__ import annotations

import datetime
import io
import json
import os

import pytest
from auditlog.context import set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.signals import post_log
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.core.history import creation_diff
from gongzhi.organizations import services
from gongzhi.organizations.importer import MEMBER_COLUMNS, ORG_COLUMNS, import_organizations, read_workbook
from gongzhi.organizations.models import (
    FilingApplication,
    FilingRule,
    Membership,
    Organization,
    OrganizationChange,
)
from gongzhi.people.models import Person
from gongzhi.people.services import create_person
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.django_db


def bench_workbook(
    n: int,
    *,
    members: int = 0,
    birth: str = "19900101",
    prefix: str = "压测社区组织",
    filing: int = 0,
    domains: str = "",
) -> io.BytesIO:
    """``n`` organizations over C1, G1 and G2 (the bench probe's shape) with ``members`` new
    people each, the first of them its leader; the first ``filing`` rows apply for filing (with
    a charter)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "组织"
    sheet.append(list(ORG_COLUMNS.values()))
    member_sheet = book.create_sheet("成员")
    member_sheet.append(list(MEMBER_COLUMNS.values()))
    areas = ["C1", "G1", "G2"]
    seq = 0
    for i in range(n):
        name = f"{prefix}{i:06d}"
        people = []
        for _j in range(members):
            people.append(make_id_number(birth=birth, seq=seq))
            seq += 1
        leader = people[0] if people else ""
        apply = "是" if i < filing else "否"
        charter = "章程全文" if i < filing else ""
        sheet.append([name, "", areas[i % 3], f"活动室{i}", leader, "2024-03-01", domains, apply, charter])
        for k, id_number in enumerate(people):
            role = "负责人" if id_number == leader else "成员"
            member_sheet.append([name, id_number, f"成员{i}-{k}", role, "2024-03-02"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def queries_of_import(source: io.BytesIO, by) -> tuple[tuple[int, int], object]:
    """(statements other than INSERT, INSERT statements) of the import, and its result."""
    tables = read_workbook(source)
    with CaptureQueriesContext(connection) as queries:
        result = import_organizations(tables, by=by)
    inserts = sum(1 for q in queries.captured_queries if q["sql"].startswith("INSERT"))
    return (len(queries) - inserts, inserts), result


def test_query_count_does_not_grow_with_rows(street_admin, tree, media):
    import_organizations(
        read_workbook(bench_workbook(1, members=1, prefix="热", birth="19890101")), by=street_admin
    )
    # (warm: content types and the like are cached from here on)
    small, small_result = queries_of_import(
        bench_workbook(5, members=3, prefix="小", domains="养老"), street_admin
    )
    large, large_result = queries_of_import(
        bench_workbook(50, members=3, prefix="大", birth="19910101", domains="养老,助残"), street_admin
    )

    assert (small_result.organizations, small_result.members, small_result.people) == (5, 15, 15)
    assert (large_result.organizations, large_result.members, large_result.people) == (50, 150, 150)
    # Ten times the rows, the same statements — SQLite only splits a long bulk insert into
    # several of at most 999 parameters (PostgreSQL does not at this size).
    assert large[0] == small[0], (small, large)
    if connection.vendor == "sqlite":
        assert small[1] <= large[1] <= 3 * small[1], (small, large)
    else:
        assert large[1] == small[1], (small, large)
    assert Membership.objects.filter(organization__name__startswith="大").count() == 150
    assert Person.objects.filter(name__startswith="成员").count() == 166


def test_filing_applications_cost_a_bounded_number_of_queries_each(street_admin, tree, media, settings):
    settings.GONGZHI_ALLOW_MULTIPLE_FILED_LEADERSHIP = False
    FilingRule.objects.filter(kind="min_members").update(parameter=3)
    (none, none_inserts), _ = queries_of_import(bench_workbook(20, members=3, prefix="甲"), street_admin)
    (two, two_inserts), result = queries_of_import(
        bench_workbook(20, members=3, prefix="乙", birth="19910101", filing=2), street_admin
    )

    assert result.applications == 2
    assert FilingApplication.objects.filter(organization__name__startswith="乙").count() == 2
    assert (two + two_inserts) - (none + none_inserts) <= 2 * 40, (none, two)


def test_import_writes_what_one_call_per_row_writes(community_worker, tree, media):
    """The batch path leaves the same rows and history as the one-row services."""
    leader_number, member_number = (
        make_id_number(birth="19920101", seq=1),
        make_id_number(birth="19920101", seq=2),
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "组织"
    sheet.append(list(ORG_COLUMNS.values()))
    sheet.append(
        ["导入组织", "公益慈善类", "C1", "活动室", leader_number, "2024-03-01", "养老", "否", "章程"]
    )
    members = book.create_sheet("成员")
    members.append(list(MEMBER_COLUMNS.values()))
    members.append(["导入组织", leader_number, "导入负责人", "负责人", "2024-03-02"])
    members.append(["导入组织", member_number, "导入成员", "成员", "2024-03-02"])
    members.append(["导入组织", member_number, "导入成员", "副负责人", "2024-03-02"])  # twice: one deputy
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)

    with set_actor(community_worker):
        leader = create_person(
            name="逐行负责人", id_number=make_id_number(birth="19930101", seq=1), area=tree["C1"]
        )
        member = create_person(
            name="逐行成员", id_number=make_id_number(birth="19930101", seq=2), area=tree["C1"]
        )
        one = services.create_organization(
            name="逐行组织",
            area=tree["C1"],
            by=community_worker,
            category="charity",
            venue="活动室",
            leader=leader,
            founded_on=datetime.date(2024, 3, 1),
            domains=["elderly"],
        )
        services.add_member(one, person=leader, role="leader", joined_on=datetime.date(2024, 3, 2))
        services.add_member(one, person=member, role="deputy", joined_on=datetime.date(2024, 3, 2))
        result = import_organizations(read_workbook(buffer), by=community_worker)

    assert (result.organizations, result.members, result.people) == (1, 2, 2)
    imported = Organization.objects.get(name="导入组织")
    leader_person = Person.objects.get(name="导入负责人")

    def shape(org):
        return {
            "org": (
                org.track,
                org.status,
                org.category,
                org.area_id,
                org.street_id,
                org.venue,
                org.founded_on,
            ),
            "leader_area": org.leader.area_id,
            "created_by": org.created_by_id,
            "domains": sorted(org.domains.values_list("domain", flat=True)),
            "members": sorted(
                (m.person.name.removeprefix("逐行").removeprefix("导入"), m.role, m.joined_on)
                for m in org.memberships.all()
            ),
            "changes": list(
                OrganizationChange.objects.filter(organization=org).values_list("action", "actor_id")
            ),
            "audit": list(
                AuditEvent.objects.filter(
                    object_type="organizations.organization", object_id=str(org.pk)
                ).values_list("action", "actor_id", "detail")
            ),
        }

    def logged(instance):
        entry = LogEntry.objects.get_for_object(instance).get()
        return entry.action, entry.actor_id, sorted(entry.changes_dict)

    today = timezone.localdate()
    expected_members = sorted([("负责人", "leader", today), ("成员", "deputy", datetime.date(2024, 3, 2))])
    assert shape(one)["members"] == expected_members
    assert shape(imported) == shape(one)
    assert imported.leader == leader_person
    assert logged(imported) == logged(one)
    assert logged(leader_person) == logged(leader)
    assert [logged(m) for m in imported.memberships.order_by("role")] == [
        logged(m) for m in one.memberships.order_by("role")
    ]
    assert logged(imported)[1] == community_worker.pk


def test_existing_people_are_found_not_registered_again(street_admin, tree, media):
    known = make_person(grid=tree["G1"], name="已登记", id_number=make_id_number(birth="19900101", seq=0))
    result = import_organizations(read_workbook(bench_workbook(2, members=2)), by=street_admin)

    assert result.people == 3
    assert Organization.objects.get(name="压测社区组织000000").leader == known
    assert Person.objects.filter(name="已登记").count() == 1


@pytest.mark.parametrize("json_changes", [False, True])
def test_batch_history_is_what_auditlog_writes_per_row(street_admin, tree, media, settings, json_changes):
    """Each imported organization, person and membership gets the one "create" entry that
    saving it would have written: the same diff, key for key, stored the same way, with the
    entry's primary key set as ``bulk_create`` sets it."""
    settings.AUDITLOG_STORE_JSON_CHANGES = json_changes
    logged = []

    def remember(sender, log_entry, **kwargs):
        logged.append(log_entry)

    post_log.connect(remember, dispatch_uid="test_batch_history")
    try:
        with set_actor(street_admin):
            import_organizations(
                read_workbook(bench_workbook(3, members=2, prefix="史", domains="养老")), by=street_admin
            )
    finally:
        post_log.disconnect(dispatch_uid="test_batch_history")

    orgs = list(Organization.objects.filter(name__startswith="史").order_by("name"))
    people = list(Person.objects.filter(memberships__organization__in=orgs).distinct())
    memberships = list(Membership.objects.filter(organization__in=orgs))
    assert (len(orgs), len(people), len(memberships)) == (3, 6, 6)
    assert len(logged) == 15
    assert sorted(
        LogEntry.objects.filter(pk__in=[e.pk for e in logged]).values_list("pk", flat=True)
    ) == sorted(e.pk for e in logged)
    for instance in [*orgs, *people, *memberships]:
        entry = LogEntry.objects.get_for_object(instance).get()
        # what auditlog's own receiver would have stored for the row (tuples become lists)
        expected = model_instance_diff(None, instance, use_json_for_changes=json_changes)
        assert entry.changes == json.loads(json.dumps(expected))
        assert (entry.action, entry.actor_id, entry.object_repr) == (
            LogEntry.Action.CREATE,
            street_admin.pk,
            str(instance),
        )


def test_the_history_diff_keeps_auditlogs_order_and_values(street_admin, tree):
    """``creation_diff`` is ``model_instance_diff(None, row)`` worked out once per model: the
    same keys in the same order and the same values, for every row."""
    orgs = services.create_organizations_bulk(
        [{"name": f"序{i}", "area": tree["C1"], "venue": "活动室", "domains": ["elderly"]} for i in range(3)],
        by=street_admin,
    )
    for json_changes in (False, True):
        diff = creation_diff(orgs[0], use_json_for_changes=json_changes)
        for org in orgs:
            expected = model_instance_diff(None, org, use_json_for_changes=json_changes)
            assert list(diff(org).items()) == list(expected.items())


@pytest.mark.skipif(not os.environ.get("GZ_PROFILE"), reason="profiling only: GZ_PROFILE=<rows>")
def test_profile(street_admin):
    import cProfile
    import pstats
    import time

    from openpyxl import load_workbook

    n = int(os.environ["GZ_PROFILE"])
    source = bench_workbook(n)
    data = source.getvalue()

    def bare() -> float:
        started = time.perf_counter()
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for ws in book.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
        book.close()
        return time.perf_counter() - started

    def full(profile=None) -> float:
        from django.db import transaction

        started = time.perf_counter()
        with transaction.atomic():
            if profile:
                profile.enable()
            import_organizations(read_workbook(io.BytesIO(data)), by=street_admin)
            if profile:
                profile.disable()
            transaction.set_rollback(True)
        return time.perf_counter() - started

    bare_s = sorted(bare() for _ in range(5))[2]
    full_s = sorted(full() for _ in range(5))[2]
    print(
        f"\n{n} rows: import {n / full_s:.1f} rows/s, bare read {n / bare_s:.1f} rows/s, ratio {bare_s / full_s:.4f}"
    )
    profile = cProfile.Profile()
    full(profile)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
