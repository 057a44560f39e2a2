"""The demo's social organizations: the source's figures (440 registered, 2,200 filed, 33 per
10,000 residents, 红联社区's 80% and 80%), the named organizations and alliances, rows that
obey the services' rules, filing numbers that the next approval continues, idempotency."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, Max, Q
from django.test import override_settings
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.demo import data
from gongzhi.demo.builder import build_demo, plan_district
from gongzhi.demo.organizations import plan_organizations
from gongzhi.organizations import services
from gongzhi.organizations.choices import ALLOWED_TRANSITIONS, IncubationStage, OrgAction, OrgStatus, Track
from gongzhi.organizations.models import (
    Alliance,
    AnnualReport,
    FilingApplication,
    FilingCounter,
    Incubation,
    Organization,
    OrganizationChange,
    Rating,
)
from gongzhi.organizations.queries import (
    COUNTED_STATUSES,
    organization_stats,
    organizations_missing_reports,
    party_building_shares,
)
from gongzhi.organizations.validators import validate_credit_code
from tests.conftest import check_deferred_constraints

# The module's tests share the demo, built once for the module: one xdist worker runs them
# all (``--dist loadgroup`` in pyproject.toml), so that it is built once, not on each worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-organizations")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The district and its organizations (no cases), built once for this module and rolled
    back after it (a few seconds)."""
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        result = build_demo(organizations=True)
        check_deferred_constraints()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def district(demo):
    return Area.objects.get(code=data.DISTRICT_CODE)


def test_demo_has_about_440_registered_and_2200_filed_live_organizations(demo, district):
    stats = organization_stats(district)
    assert 420 <= stats["by_track"]["registered"] <= 460
    assert 2150 <= stats["by_track"]["filed"] <= 2250
    assert set(stats["by_category"]) == {"life_service", "charity", "culture_sports", "mediation"}
    assert 0 < stats["by_status"]["suspended"] < 0.03 * stats["total"]
    assert demo.organizations["organizations"] == Organization.objects.count()


def test_demo_density_is_about_33_per_10000_residents_in_every_street(demo, district):
    stats = organization_stats(district)
    assert stats["population"] == data.TOTAL_POPULATION
    assert abs(stats["per_10k"]["total"] - 33) <= 3
    for street in Area.objects.filter(level="street"):
        assert abs(organization_stats(street)["per_10k"]["total"] - 33) <= 3, street.name


def test_demo_has_the_named_organizations_where_the_source_puts_them(demo):
    named = {
        "红领之家": ("新碶街道", "百合社区"),
        "北仑区百灵鸟公益服务中心": ("新碶街道", "明港社区"),
        "百灵鸟家庭环保登山俱乐部": ("新碶街道", "百合社区"),
        "蒲公英爱心团": ("新碶街道", "星阳社区"),
        "大港风红娘工作室": ("新碶街道", "大港社区"),
        "朝霞妈妈代表工作室": ("梅山街道", "海棠社区"),
        "淡江知行社": ("大碶街道", "九峰社区"),
        "金葵花志愿服务队": ("小港街道", "红联社区"),
    }
    for name, (street, community) in named.items():
        org = Organization.objects.select_related("area").get(name=name, status__in=COUNTED_STATUSES)
        place = Area.objects.get(name=community, path__prefix=Area.objects.get(name=street).path)
        assert org.area.path.startswith(place.path), name
        assert org.description, name
        assert org.domains.exists(), name


def test_demo_org_leader_login_leads_hongling_zhi_jia(demo):
    user = User.objects.get(username="org_leader")
    org = Organization.objects.get(name="红领之家")
    assert org.leader == user.person
    assert org.memberships.get(person=user.person).role == "leader"
    assert list(Organization.objects.visible_to(user).filter(name="红领之家")) == [org]


def test_demo_alliances(demo):
    bailingniao = Alliance.objects.get(name="百灵鸟公益联盟")
    assert bailingniao.lead.name == "北仑区百灵鸟公益服务中心"
    members = set(bailingniao.members.values_list("name", flat=True))
    assert {
        "北仑区百灵鸟公益服务中心",
        "蒲公英爱心团",
        "大港风红娘工作室",
        "百灵鸟家庭环保登山俱乐部",
    } <= members
    hongling = Alliance.objects.get(name="红领志愿服务联盟")
    assert hongling.lead.name == "红领之家"
    assert hongling.members.count() == 18
    for alliance in (bailingniao, hongling):
        posts = list(alliance.posts.all())
        assert len(posts) == 3
        assert {p.organization_id for p in posts} <= set(alliance.members.values_list("pk", flat=True))
        assert alliance.members.exclude(status__in=(OrgStatus.FILED, OrgStatus.REGISTERED)).count() == 0


def test_demo_honglian_community_has_the_sources_80_and_80(demo):
    shares = party_building_shares(Area.objects.get(name="红联社区"))
    assert abs(shares["member_share"] - 0.8) <= 0.1, shares
    assert abs(shares["leader_share"] - 0.8) <= 0.1, shares
    assert shares["leaders"] >= 30
    district = party_building_shares(Area.objects.get(code=data.DISTRICT_CODE))
    assert district["leader_share"] < 0.6, district
    assert district["member_share"] < 0.75, district


def test_demo_rows_obey_the_rules_of_the_services(demo):
    registered = Organization.objects.exclude(credit_code="")
    for code in registered.values_list("credit_code", flat=True):
        validate_credit_code(code)
    assert set(registered.values_list("registering_authority", flat=True)) == {"北仑区民政局"}
    assert set(registered.values_list("legal_form", flat=True)) == {
        "social_group",
        "social_service",
        "foundation",
    }
    # Filed ones met the filing rules when filed: 10+ members, a leader, a charter, a venue.
    filed = Organization.objects.filter(track=Track.FILED, status__in=COUNTED_STATUSES).annotate(
        n=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    assert filed.filter(Q(n__lt=10) | Q(leader=None) | Q(charter="") | Q(venue="")).count() == 0
    # One person leads one filed organization.
    leaders = Counter(
        Organization.objects.filter(
            track=Track.FILED, status__in=("applying", "filed", "suspended")
        ).values_list("leader_id", flat=True)
    )
    assert max(leaders.values()) == 1
    # Every organization's history is a path through the state machine ending in its status.
    histories = defaultdict(list)
    for org_id, action, before, after in OrganizationChange.objects.order_by(
        "organization_id", "created_at", "id"
    ).values_list("organization_id", "action", "from_status", "to_status"):
        histories[org_id].append((action, before, after))
    statuses = dict(Organization.objects.values_list("pk", "status"))
    assert set(histories) == set(statuses)
    for org_id, steps in histories.items():
        assert steps[0] == (OrgAction.CREATE, "", OrgStatus.DRAFT)
        for (action, before, after), (_a, _b, previous) in zip(steps[1:], steps, strict=False):
            allowed_from, target = ALLOWED_TRANSITIONS[action]
            assert before == previous, (org_id, steps)
            assert before in allowed_from, (org_id, steps)
            assert target is None or after == target, (org_id, steps)
        assert steps[-1][2] == statuses[org_id]


def test_demo_filing_numbers_follow_the_counters_and_the_next_approval_continues(demo):
    numbers = Organization.objects.exclude(filing_number=None).values_list(
        "filing_number", "street__code", "filed_on"
    )
    last: dict[tuple[str, int], int] = defaultdict(int)
    for number, street, filed_on in numbers:
        code, year, seq = number.split("-")
        assert (code, int(year)) == (street, filed_on.year)
        last[(code, int(year))] = max(last[(code, int(year))], int(seq))
    counters = {(c.street.code, c.year): c.last for c in FilingCounter.objects.select_related("street")}
    assert counters == dict(last)
    approved = FilingApplication.objects.filter(status="approved").count()
    assert approved == len(numbers)

    pending = FilingApplication.objects.filter(status="pending", street__code=data.XINQI.code).first()
    decided = services.approve_filing(
        pending,
        by=User.objects.get(username="xinqi"),
        now=datetime.datetime(2026, 11, 20, 10, tzinfo=timezone.get_default_timezone()),
    )
    assert decided.filing_number == f"{data.XINQI.code}-2026-{last[(data.XINQI.code, 2026)] + 1:04d}"


def test_demo_annual_reports_about_8_percent_missing_and_ratings_only_with_reports(demo, district):
    owing = Organization.objects.filter(status__in=COUNTED_STATUSES).filter(
        Q(filed_on__year__lte=2025) | Q(filed_on=None, registered_on__year__lte=2025)
    )
    missing = organizations_missing_reports(district, 2025).count()
    assert 0.05 <= missing / owing.count() <= 0.11
    assert AnnualReport.objects.filter(year=2025).count() == owing.count() - missing
    ratings = Rating.objects.select_related("organization")
    assert 250 <= ratings.count() <= 400
    for rating in ratings:
        org = rating.organization
        started = org.filed_on or org.registered_on
        assert (
            started.year > rating.rated_on.year - 1
            or org.annual_reports.filter(year=rating.rated_on.year - 1).exists()
        ), (org.name, rating.rated_on)
        assert rating.valid_until.year == rating.rated_on.year + 5
    assert Rating.objects.values("organization").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_demo_incubations_match_the_incubating_flag(demo):
    stages = Counter(Incubation.objects.values_list("stage", flat=True))
    assert set(stages) == set(IncubationStage.values)
    running = set(
        Incubation.objects.filter(stage__in=("entered", "cultivating")).values_list(
            "organization_id", flat=True
        )
    )
    assert set(Organization.objects.filter(is_incubating=True).values_list("pk", flat=True)) == running
    assert Incubation.objects.values("platform__level").distinct().count() == 3


def test_demo_second_run_adds_and_changes_nothing(demo):
    before = (Organization.objects.aggregate(m=Max("updated_at"))["m"], Organization.objects.count())
    again = build_demo(organizations=True)
    assert not any(again.organizations.values()), again.organizations
    assert again.already_loaded
    assert (Organization.objects.aggregate(m=Max("updated_at"))["m"], Organization.objects.count()) == before


def test_demo_smaller_plan_is_part_of_the_full_one():
    def xinqi(plan):
        return [
            (o.name, o.filing_number, o.credit_code, o.leader, len(o.members))
            for o in plan_organizations(plan).orgs
            if o.street_code == data.XINQI.code
        ]

    assert xinqi(plan_district(streets=1)) == xinqi(plan_district())
