"""Every change to a domain record is kept: who, when, what changed."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.services import assign_role
from gongzhi.areas.services import update_area
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_area_change_records_actor_and_diff(tree, district_admin):
    with set_actor(district_admin):
        update_area(tree["G1"], population=1250)

    entry = LogEntry.objects.get_for_object(tree["G1"]).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == district_admin
    assert entry.changes_dict == {"population": ["1200", "1250"]}


def test_role_assignment_is_recorded(tree):
    user = UserFactory()

    assignment = assign_role(user, role="grid_member", area=tree["G2"])

    entry = LogEntry.objects.get_for_object(assignment).get()
    assert entry.action == LogEntry.Action.CREATE
    assert RoleAssignment.objects.get(pk=assignment.pk).area == tree["G2"]


def test_password_changes_are_not_in_history(tree):
    user = UserFactory()
    user.set_password("Another-pass-2026")
    user.save()

    for entry in LogEntry.objects.get_for_object(user):
        assert "password" not in entry.changes_dict


def test_entries_hold_the_rows_own_fields_not_the_relations_pointing_at_it(tree):
    from gongzhi.organizations.models import Organization
    from gongzhi.organizations.services import create_organization

    organization = create_organization(name="社区读书会", area=tree["C1"], by=None)

    entry = LogEntry.objects.get_for_object(organization).get()
    own = {f.name for f in Organization._meta.concrete_fields}
    assert entry.changes_dict, "the creation is recorded"
    assert set(entry.changes_dict) <= own
    assert not [v for _old, v in entry.changes_dict.values() if str(v).endswith(".None")]
