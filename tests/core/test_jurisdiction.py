"""Roles, jurisdiction and the one scoping door."""

import datetime

import pytest

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.services import assign_role
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError
from gongzhi.core.scoping import can, forget_assignments, jurisdiction_paths
from gongzhi.people.models import Person
from tests.factories import UserFactory, make_person

pytestmark = pytest.mark.django_db


def test_role_must_be_held_at_its_level(tree):
    user = UserFactory()

    with pytest.raises(DomainError) as err:
        assign_role(user, role="street_admin", area=tree["G1"])

    assert err.value.field == "area"
    assert "街道" in str(err.value.message)
    assert RoleAssignment.objects.count() == 0


def test_unknown_role_is_refused(tree):
    with pytest.raises(DomainError) as err:
        assign_role(UserFactory(), role="mayor", area=tree["D"])

    assert "未知角色“mayor”" in str(err.value.message)


def test_district_admin_gets_admin_site_access(tree, district_admin):
    assert district_admin.is_staff is True


def test_two_grids_make_one_jurisdiction(tree):
    user = UserFactory()
    assign_role(user, role="grid_member", area=tree["G1"])
    assign_role(user, role="grid_member", area=tree["G3"])
    make_person(grid=tree["G1"], name="甲")
    make_person(grid=tree["G2"], name="乙")
    make_person(grid=tree["G3"], name="丙")

    names = list(Person.objects.visible_to(user).order_by("name").values_list("name", flat=True))

    assert names == sorted(["甲", "丙"])


def test_nested_assignments_fold_into_the_root(tree):
    user = UserFactory()
    assign_role(user, role="street_admin", area=tree["S1"])
    assign_role(user, role="community_worker", area=tree["C1"])

    assert jurisdiction_paths(user, "areas.view_area") == ["/D/S1/"]


def test_permission_applies_only_where_the_granting_role_is_held(tree):
    user = UserFactory()
    assign_role(user, role="grid_member", area=tree["G1"])
    assign_role(user, role="community_worker", area=tree["C2"])

    assert can(user, "people.view_full_id_number", tree["G3"]) is True
    assert can(user, "people.view_full_id_number", tree["G1"]) is False
    assert can(user, "people.view_person", tree["G1"]) is True


def test_ended_assignment_no_longer_counts(tree):
    user = UserFactory()
    assignment = assign_role(user, role="street_admin", area=tree["S1"])
    assignment.end_date = datetime.date(2020, 1, 1)
    assignment.save()
    forget_assignments(user)

    assert list(Area.objects.visible_to(user)) == []
    assert user.has_perm("areas.view_area") is False


def test_superuser_sees_everything(tree):
    root = UserFactory(is_superuser=True)

    assert Area.objects.visible_to(root).count() == 9


def test_inactive_user_sees_nothing(tree, street_admin):
    street_admin.is_active = False

    assert list(Area.objects.visible_to(street_admin)) == []


def test_cases_beside_their_own_rows_name_the_jurisdiction_by_area_id(tree):
    """A grid member of G1 sees G1's cases and those they reported elsewhere. For cases the
    jurisdiction is named by area id from a subquery, so the OR around it holds only the case's
    own columns (PostgreSQL plans it once); other models keep the joined path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.cases.choices import CaseSource
    from gongzhi.cases.models import Case, CaseCategory
    from gongzhi.cases.services import report_case
    from gongzhi.organizations.models import Organization

    user = UserFactory()
    assign_role(user, role="grid_member", area=tree["G1"])
    category = CaseCategory.objects.create(code="X", name="类别")
    inside = report_case(
        category=category, description="网格内", source=CaseSource.INSPECTION, grid=tree["G1"]
    )
    report_case(category=category, description="别人的", source=CaseSource.INSPECTION, grid=tree["G3"])
    own = report_case(
        category=category, description="自己报的", source=CaseSource.RESIDENT, by=user, grid=tree["G3"]
    )

    with CaptureQueriesContext(connection) as queries:
        seen = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    assert seen == {inside.pk, own.pk}
    sql = queries[-1]["sql"]
    assert "JOIN" not in sql.split("WHERE")[0]  # no area joined for the visibility
    assert "areas_area" in sql  # but named in the subquery
    assert "JOIN" in str(Organization.objects.visible_to(user).query)
