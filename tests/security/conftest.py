"""Security fixtures.

``world`` is the demo district cut to its first two streets — 新碶街道 (S1, where every demo login
works) and 大碶街道 (S2, outside every street-level login) — with cases, organizations, projects
and money, volunteers and corrections in both, so that every list, export and statistic has data
that could leak. What the demo holds only in S1 (campaign, alliance, micro-wishes, case record,
community correction, certificate) is added in S2 through the apps' services, and photos (case,
delivery, wish) are stored by the photo service under a temporary media root.

It is built once per test module (about 15 s; with xdist, once per worker) inside a transaction
that is rolled back afterwards; each test still runs in its own savepoint, so a test that changes
a row leaves the world as it found it. It is not session-scoped on purpose: other modules' tests
would then run inside it and see its rows. Each login's page session is made with the world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.areas.models import Area
from tests.conftest import check_deferred_constraints
from tests.factories import UserFactory

FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """The two-street district and its logins, by demo username (see gongzhi/demo/data.py):
    district, xinqi (street admin of S1), community, grid, org_leader, volunteer, justice,
    resident, finance, evaluator; plus sysadmin and auditor (district), nobody (a login with no
    role at all) and root (a superuser, who sees everything: the yardstick for leak checks)."""

    s1: Area
    s2: Area
    district: Area
    users: dict[str, User] = field(default_factory=dict)
    # Session keys of signed-in page sessions, one per login, made with the world.
    sessions: dict[str, str] = field(default_factory=dict)
    # The S2-only values of each leak check, worked out on first use (test_authorization_matrix).
    leak_labels: dict[str, set[str]] = field(default_factory=dict)
    # The matrix's test clients, one of each kind, reused by every request.
    clients: dict[str, Any] = field(default_factory=dict)

    def area_of(self, username: str) -> Area | None:
        """The area of the persona's (first) role, None for a login without one."""
        assignment = self.users[username].role_assignments.select_related("area").first()
        return assignment.area if assignment else None


def build_world() -> World:
    from gongzhi.demo.builder import build_demo

    build_demo(streets=2, cases=True, organizations=True, projects=True, volunteers=True)
    streets = list(Area.objects.filter(level="street").order_by("code"))
    district = Area.objects.get(level="district")
    world = World(s1=streets[0], s2=streets[1], district=district)
    world.users = {u.username: u for u in User.objects.all()}
    # The demo may bring its own sysadmin and auditor logins; add them where it does not.
    for username, role in (("sysadmin", Role.SYSADMIN), ("auditor", Role.AUDITOR)):
        if username not in world.users:
            world.users[username] = UserFactory(username=username)
            assign_role(world.users[username], role=role, area=district)
    world.users["nobody"] = UserFactory(username="matrix-nobody")
    world.users["root"] = UserFactory(username="matrix-root", is_superuser=True, is_staff=True)
    # The demo sends no notifications: one each for xinqi, and for another login whose
    # notification must never show to xinqi.
    from gongzhi.notifications.models import Notification

    Notification.objects.create(recipient=world.users["xinqi"], verb="test", text="给新碶街道管理员的通知")
    Notification.objects.create(recipient=world.users["community"], verb="test", text="他人的通知-泄漏标记")
    # API tokens of two logins; the demo's caseworker (the one login who writes case records).
    from gongzhi.accounts.services import issue_token
    from gongzhi.projects.models import ProjectCaseworker

    for username in ("xinqi", "community"):
        issue_token(world.users[username], name="matrix")
    world.users["caseworker"] = ProjectCaseworker.objects.select_related("user").first().user
    add_outside_rows(world)
    add_photos(world)
    # One signed-in session per login, made once: every page request of the module reuses it
    # (each test's savepoint rolls back what a request changes in it).
    from django.conf import settings

    from tests.conftest import signed_in_client

    world.sessions = {
        username: signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
        for username, user in world.users.items()
    }
    return world


# --- What the demo holds only in S1 (or nowhere), added through the apps' services ---------------
# Labels carry "大碶外" so that a leak check can tell them from every demo name.


def _jpeg() -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def add_outside_rows(world: World) -> None:
    """Campaign, alliance, micro-wishes, case record, community correction and certificate in
    大碶街道 (S2), so that the outside rows of the matrix answer 404 on a real row and the lists
    have S2 rows that could leak."""
    import datetime

    from django.utils import timezone

    from gongzhi.cases import services as cases
    from gongzhi.cases.models import Case
    from gongzhi.organizations import services as organizations
    from gongzhi.organizations.choices import LIVE_STATUSES
    from gongzhi.organizations.models import Organization
    from gongzhi.people.models import Person
    from gongzhi.projects import services as projects
    from gongzhi.volunteers import services as volunteers
    from gongzhi.volunteers.models import CorrectionAssignment, Volunteer

    s2, by, today = world.s2, world.users["district"], timezone.localdate()
    in_s2 = {"area__path__startswith": s2.path}
    orgs = list(
        Organization.objects.filter(**in_s2, status__in=LIVE_STATUSES, leader__isnull=False).order_by("pk")[
            :2
        ]
    )
    people = Person.objects.filter(**in_s2, home_grid__isnull=False).order_by("pk")

    campaign = cases.create_campaign(name="大碶外街面秩序专项整治", area=s2, start_date=today, by=by)
    cases.add_to_campaign(
        Case.objects.filter(grid__path__startswith=s2.path).order_by("pk").first(), campaign=campaign, by=by
    )
    cases.post_campaign_update(campaign, by=by, text="大碶外整治进展")

    alliance = organizations.create_alliance(name="大碶外社会组织联盟", lead=orgs[0], area=s2, by=by)
    organizations.join_alliance(alliance, organization=orgs[1], by=by)

    # Two wishes: one still posted (on the public wall: the claim form's row), then one claimed
    # and fulfilled with a photo (a claimer's phone, a wish photo), the one picked by the rest.
    donor = world.users["root"]
    for title, stage in (("大碶外心愿-轮椅", "posted"), ("大碶外心愿-助听器", "fulfilled")):
        wish = volunteers.post_wish(
            by=by,
            beneficiary=people[0 if stage == "fulfilled" else 1],
            title=title,
            category="health",
            estimated_value=300,
            expires_on=today + datetime.timedelta(days=30),
        )
        if stage == "fulfilled":
            wish = volunteers.claim_wish(
                wish, by=donor, claimer_kind="donor", claimer_name="大碶外爱心人士", phone="13900002222"
            )
            volunteers.fulfil_wish(wish, by=donor, proof="已送达", photos=[_jpeg()])

    # A case-service project of S2 with its own caseworker (not the demo's S1 caseworker).
    project = projects.create_project(
        title="大碶外困境家庭个案服务",
        lifecycle_category="vulnerable",
        area=s2,
        by=by,
        case_services=True,
    )
    projects.publish_project(project, by=by)
    projects.claim_project(project, organization=orgs[0], by=by)
    outsider = UserFactory(username="matrix-caseworker-s2")
    projects.add_caseworker(project, user=outsider, by=by)
    projects.open_case_record(project, by=outsider, household="大碶外个案户", needs="大碶外照料需求")

    # S2's justice officer: the superuser holds no role and so reaches no correction page; this
    # login is the yardstick of what the correction lists could leak.
    justice = world.users["justice_s2"] = UserFactory(username="matrix-justice-s2")
    assign_role(justice, role=Role.JUSTICE_OFFICER, area=s2)
    # Someone whose name (3 characters at least) is in no other correction's name, so that the
    # leak check can tell it apart.
    taken = "\n".join(CorrectionAssignment.objects.values_list("person__name", flat=True))
    corrected = next(
        person
        for person in people.exclude(pk__in=CorrectionAssignment.objects.values("person_id")).order_by("-pk")
        if len(person.name) >= 3 and person.name not in taken
    )
    volunteers.assign_correction(
        corrected, by=justice, organization=orgs[0], starts_on=today - datetime.timedelta(days=30)
    )

    served = (
        Volunteer.objects.filter(person__area__path__startswith=s2.path, records__status="approved")
        .order_by("pk")
        .first()
    )
    volunteers.issue_certificate(served, by=by)


def add_photos(world: World) -> None:
    """Case and delivery photos on both sides (the demo has none), and a wish photo in S1,
    stored by the photo service (re-encoded JPEGs, files under the temporary media root)."""
    from django.utils import timezone

    from gongzhi.cases.models import Case, PhotoPhase
    from gongzhi.cases.photos import process_photo, store_photo
    from gongzhi.projects import services as projects
    from gongzhi.projects.models import Project
    from gongzhi.volunteers import services as volunteers
    from gongzhi.volunteers.models import Wish

    by = world.users["district"]
    for street in (world.s1, world.s2):
        case = Case.objects.filter(grid__path__startswith=street.path).order_by("pk").first()
        store_photo(
            process_photo(_jpeg()),
            case=case,
            event=case.events.order_by("pk").first(),
            phase=PhotoPhase.REPORT,
        )
        project = (
            Project.objects.filter(area__path__startswith=street.path, status="in_progress")
            .order_by("pk")
            .first()
        )
        projects.report_delivery(
            project,
            by=by,
            title="入户探访",
            held_on=timezone.localdate(),
            beneficiaries=1,
            person_times=1,
            photos=[_jpeg()],
        )
    wish = Wish.objects.filter(
        area__path__startswith=world.s1.path, status="claimed", claimed_by__isnull=False
    ).first()
    volunteers.fulfil_wish(wish, by=wish.claimed_by, proof="已送达", photos=[_jpeg()])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Any:
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        # The sessions outlive the idle timeout on a slow machine; idle logout has its own tests
        # (tests/accounts/test_sessions.py).
        override_settings(
            PASSWORD_HASHERS=FAST_HASHING,
            MEDIA_ROOT=str(media),
            GONGZHI_SESSION_IDLE_MINUTES=24 * 60,
            SESSION_COOKIE_AGE=24 * 3600,
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = build_world()
        check_deferred_constraints()
        yield world
        transaction.set_rollback(True)
