"""The authorization matrix: every route of the product, who may use it and where.

``test_authorization_matrix.py`` walks the URL resolver and fails on any route name that is in
none of ``ROWS``, ``PUBLIC`` or ``ADMIN_SITE``, so a new endpoint cannot slip through without
someone deciding who may call it.

A row names a route, the HTTP method, the model whose rows fill the URL (``obj``, with ``kw``
turning one row into URL kwargs), the persona who may use it (``right``) and one who may not
(``wrong``). Personas are the demo logins of ``tests/security/conftest.py``: ``xinqi`` is the
street admin of 新碶街道 (S1); ``community``, ``grid``, ``org_leader``, ``volunteer``,
``justice`` and ``resident`` also work in S1; ``district``, ``finance``, ``evaluator``,
``sysadmin`` and ``auditor`` hold the whole district; ``nobody`` holds no role.

Each row is checked four ways (see the test module): anonymous → 401 JSON (API) or a redirect
to the login page; ``wrong`` → ``wrong_status`` (403 unless the row says why not); ``right`` on a
row of 大碶街道 (S2, outside every S1 login) → ``outside`` (404 for detail routes, None when the
right persona holds the whole district so nothing is outside); ``right`` on a row inside → a
success (GET) or at least not a refusal (unsafe methods). List rows name ``leak``, the model and
field whose S2 values must not show in the body although the superuser sees them on that page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Kw = Callable[[Any], dict[str, Any]]


def pk(obj: Any) -> dict[str, Any]:
    return {"pk": obj.pk}


def code(obj: Any) -> dict[str, Any]:
    return {"code": obj.code}


def number(obj: Any) -> dict[str, Any]:
    return {"number": obj.number}


def with_action(action: str, key: str = "action") -> Kw:
    return lambda obj: {"pk": obj.pk, key: action}


@dataclass(frozen=True)
class Row:
    route: str
    method: str = "GET"
    obj: str | None = None  # "app.Model" whose rows fill the URL
    kw: Kw = pk
    where: dict[str, Any] = field(default_factory=dict)  # narrows the rows picked for the URL
    exclude: dict[str, Any] = field(default_factory=dict)
    path: str | None = None  # lookup from obj to its area path, if not the queryset's area_path
    right: str = "xinqi"
    wrong: str | None = "sysadmin"
    wrong_status: int | tuple[int, ...] = 403
    anonymous: int | None = None  # None: 401 JSON (API) or the login redirect (pages)
    outside: int | None = 404  # status for right persona on an S2 row; None: not applicable
    # For routes without an object: a query naming S2 ("{s2}") that must answer 404.
    outside_query: str = ""
    leak: str | None = None  # "app.Model:field" whose S2 values must not show (lists)
    query: str = ""
    absent: str = ""  # text that must not show to the right persona (another user's rows)
    leak_query: str = ""  # extra query for the leak check; "{s2}" is the S2 street's code
    data: dict[str, Any] | None = None
    # Statuses accepted for the right role inside; () means 200 (GET) or not refused (unsafe).
    ok: tuple[int, ...] = ()
    note: str = ""
    skip: str = ""  # why this row cannot be exercised yet (no such row in the world)

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


# --- Routes anyone may call, signed in or not (each has its own tests). -----------------------
PUBLIC = {
    "login",  # the sign-in page itself
    "healthz",  # load balancers: no sign-in, no personal data (gongzhi.core.health)
    "logout",  # signing out needs no session
    "set_language",  # django.views.i18n: language choice
    "schema",  # the OpenAPI schema: no data, only the API's shape
    "api-docs",  # Swagger UI over the schema
    "api-token",  # obtains a token with username and password (tests/api/test_auth_api.py)
    "public-report",  # residents report without signing in (tests/cases/test_pages_public.py)
    "public-locate",  # the public report's grid lookup by point
    "track",  # a resident follows a case by its unguessable tracking code
    "track-rate",
    "track-photo",
    "certificate-lookup",  # anyone verifies a volunteer certificate by its number
    "certificate-verify",
    "certificate-verification",  # the same through the API (AllowAny)
    "wish-wall",  # the public micro-wish wall: no names, no phones
    "wish-public-wall",  # its API twin
    # Open311 GeoReport v2 is public by the spec: reads show no personal data, and POST needs
    # an application's api_key (tests/cases/test_open311.py, test_open311_keys.py).
    "open311:root",
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "open311:token",
    "open311:",  # the catch-all answering unknown paths in the spec's error format
}

# The Django admin has its own scoping tests (tests/core, tests/pages).
ADMIN_SITE_NAMESPACE = "admin"

CASE = "cases.Case"
ORG = "organizations.Organization"
PROJECT = "projects.Project"
PERSON = "people.Person"

# Evaluated projects are results, public to every role in the district (ProjectQuerySet.own_rows):
# outside checks use the other projects.
NOT_PUBLIC = {"status": "evaluated"}
# The demo world holds these only in 新碶街道 (S1): their outside check needs an S2 row.
S1_ONLY = None

# Pages that look the object up through ``visible_to(user, <the action's permission>)``: a role
# without that permission finds nothing there and gets the 404 of a missing row.
PAGE_404 = 404

# Statistics are aggregates over an area, open to every role that sees the area (stats/api.py:
# "The area must be one the caller sees"); a login with no area has none and gets 404 (or 403).
# Their jurisdiction check is ?area=<S2>.
STATS_NOBODY = (403, 404)

CERT_PATH = "volunteer__person__area__path"

# Personas that are "wrong" for business data: the separated admin duties see none of it.
SYS = "sysadmin"
AUD = "auditor"


def _case_actions() -> list[Row]:
    rows = []
    for action in (
        "campaign",
        "close",
        "decline-extension",
        "defer",
        "dispatch",
        "extend",
        "merge",
        "propose-project",
        "register",
        "reject",
        "start-activity",
    ):
        rows.append(Row(f"case-{action}", "POST", CASE, right="xinqi", wrong="finance"))
    rows.append(Row("case-supervise", "POST", CASE, right="xinqi", wrong="community"))
    rows.append(Row("case-escalate", "POST", CASE, right="grid", wrong="finance"))
    rows.append(Row("case-resolve-on-site", "POST", CASE, right="grid", wrong="xinqi"))
    # Open to any signed-in user: the case's own reporter or handler acts on it; anyone else
    # finds no such case (CaseViewSet.own_record_actions), so the wrong persona gets 404.
    for action in ("accept", "evaluate", "feedback", "request-extension", "rework", "verify"):
        rows.append(Row(f"case-{action}", "POST", CASE, right="xinqi", wrong=SYS, wrong_status=404))
    return rows


def _project_posts() -> list[Row]:
    rows = [
        Row("project-publish", "POST", PROJECT, exclude=NOT_PUBLIC, right="xinqi", wrong="evaluator"),
        Row("project-select", "POST", PROJECT, exclude=NOT_PUBLIC, right="xinqi", wrong="evaluator"),
        Row("project-cancel", "POST", PROJECT, exclude=NOT_PUBLIC, right="xinqi", wrong="evaluator"),
        Row(
            "project-accept",
            "POST",
            PROJECT,
            exclude=NOT_PUBLIC,
            right="evaluator",
            wrong="finance",
            outside=None,
        ),
        Row(
            "project-return",
            "POST",
            PROJECT,
            exclude=NOT_PUBLIC,
            right="evaluator",
            wrong="finance",
            outside=None,
        ),
        Row(
            "project-evaluate",
            "POST",
            PROJECT,
            exclude=NOT_PUBLIC,
            right="evaluator",
            wrong="xinqi",
            outside=None,
        ),
    ]
    # The undertaker's own actions (ProjectViewSet.own_record_actions): any signed-in user may
    # try, the project must be visible to them (published, or theirs) and the service decides.
    for action in ("claim", "apply", "withdraw", "start", "complete"):
        rows.append(
            Row(
                f"project-{action}",
                "POST",
                PROJECT,
                exclude=NOT_PUBLIC,
                wrong=SYS,
                wrong_status=(400, 404),
            )
        )
    return rows


ROWS: list[Row] = [
    # --- API: accounts, areas, people -----------------------------------------------------------
    Row("api-me", right="nobody", wrong=None, outside=None, note="any signed-in user reads themself"),
    Row("api-root", right="nobody", wrong=None, outside=None, note="the browsable index of routes"),
    Row(
        "area-list",
        right="xinqi",
        wrong="nobody",
        outside=None,
        leak="areas.Area:name",
        leak_query="?under={s2}",
    ),
    Row("area-list", "POST", right="district", wrong="xinqi", outside=None),
    Row("area-detail", obj="areas.Area", kw=code, right="xinqi", wrong="nobody"),
    Row("area-detail", "PATCH", "areas.Area", kw=code, right="xinqi", wrong="community"),
    Row("area-staff", obj="areas.Area", kw=code, right="xinqi", wrong="nobody"),
    Row("person-list", wrong=SYS, outside=None, leak="people.Person:name", leak_query="?under={s2}"),
    Row("person-list", "POST", right="xinqi", wrong=SYS, outside=None),
    # A person's own record is open to them (own_record_actions), so anyone else gets 404.
    Row("person-detail", obj=PERSON, wrong=SYS, wrong_status=404),
    Row("person-detail", "PATCH", PERSON, wrong="grid"),
    Row("person-reveal-id-number", "POST", PERSON, wrong="grid"),
    # --- API: cases -----------------------------------------------------------------------------
    Row("case-category-list", right="nobody", wrong=None, outside=None, note="a public taxonomy"),
    Row(
        "case-category-detail",
        obj="cases.CaseCategory",
        kw=code,
        right="nobody",
        wrong=None,
        outside=None,
        note="a public taxonomy",
    ),
    # Handling units: listed to anyone with a case role, scoped to their area (own rows).
    Row("handling-unit-list", right="xinqi", wrong=None, outside=None, leak="cases.HandlingUnit:name"),
    Row("handling-unit-list", "POST", wrong="grid", outside=None),
    Row("handling-unit-detail", obj="cases.HandlingUnit", wrong=SYS, wrong_status=404),
    Row("handling-unit-detail", "PATCH", "cases.HandlingUnit", wrong="grid"),
    # Cases: everyone signed in has a list (their own reports at least), so the wrong persona
    # gets an empty one; the leak check is what matters.
    Row("case-list", wrong=None, outside=None, leak="cases.Case:number"),
    Row("case-list", "POST", right="grid", wrong=SYS, outside=None),
    Row(
        "case-kpis",
        wrong=SYS,
        outside=None,
        query="?under={s1}&from=2025-01-01&to=2025-12-31",
        outside_query="?under={s2}&from=2025-01-01&to=2025-12-31",
    ),
    Row("case-detail", obj=CASE, wrong=SYS, wrong_status=404),
    Row("case-duplicates", obj=CASE, wrong=SYS),
    *_case_actions(),
    Row("campaign-list", wrong=SYS, outside=None, leak=S1_ONLY),
    Row("campaign-list", "POST", wrong="grid", outside=None),
    Row("campaign-detail", obj="cases.Campaign", wrong=SYS, outside=S1_ONLY),
    Row("campaign-feed", obj="cases.Campaign", wrong=SYS, outside=S1_ONLY),
    Row("campaign-posts", "POST", "cases.Campaign", wrong=SYS, outside=S1_ONLY),
    Row(
        "api-case-photo",
        obj="cases.CasePhoto",
        path="case__grid__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no case photos yet",
    ),
    Row(
        "api-case-photo-thumbnail",
        obj="cases.CasePhoto",
        path="case__grid__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no case photos yet",
    ),
    # Notifications are the user's own: nobody else's ever show (see the notification rows).
    Row("notification-list", right="xinqi", wrong=None, outside=None, absent="他人的通知-泄漏标记"),
    Row(
        "notification-read",
        "POST",
        "notifications.Notification",
        path="recipient__username",
        right="xinqi",
        wrong=SYS,
        wrong_status=404,
        outside=None,
    ),
    # --- API: organizations -----------------------------------------------------------------------
    Row("organization-list", wrong=SYS, outside=None, leak=f"{ORG}:name"),
    Row("organization-list", "POST", wrong=SYS, outside=None),
    Row("organization-export", wrong=SYS, outside=None, leak=f"{ORG}:name"),
    Row("organization-import", "POST", wrong=SYS, outside=None),
    Row("organization-import-template", wrong=SYS, outside=None),
    Row("organization-stats", wrong=SYS, outside=None, query="?under={s1}", outside_query="?under={s2}"),
    Row("organization-detail", obj=ORG, wrong=SYS),
    Row("organization-detail", "PATCH", ORG, wrong="grid"),
    Row("organization-applications", obj=ORG, wrong=SYS),
    Row("organization-apply-filing", "POST", ORG, wrong="grid"),
    Row("organization-checklist", obj=ORG, wrong=SYS),
    Row("organization-deregister", "POST", ORG, wrong="community"),
    Row("organization-suspend", "POST", ORG, wrong="community"),
    Row("organization-resume", "POST", ORG, where={"track": "filed"}, wrong="community"),
    Row("organization-register", "POST", ORG, right="district", wrong="xinqi", outside=None),
    Row("organization-party-building", "POST", ORG, wrong="grid"),
    Row("organization-members", obj=ORG, wrong=SYS),
    Row("organization-members", "POST", ORG, wrong=SYS),
    Row(
        "organization-member",
        "DELETE",
        "organizations.Membership",
        kw=lambda m: {"pk": m.organization_id, "membership_id": m.pk},
        wrong="grid",
    ),
    Row(
        "organization-member-leave",
        "POST",
        "organizations.Membership",
        kw=lambda m: {"pk": m.organization_id, "membership_id": m.pk},
        wrong="grid",
    ),
    Row(
        "filing-application-list",
        wrong="grid",
        outside=None,
        leak="organizations.FilingApplication:organization__name",
    ),
    Row("filing-application-detail", obj="organizations.FilingApplication", wrong="grid"),
    Row("filing-application-approve", "POST", "organizations.FilingApplication", wrong="grid"),
    Row("filing-application-refuse", "POST", "organizations.FilingApplication", wrong="grid"),
    Row("service-platform-list", wrong=SYS, outside=None, leak="organizations.ServicePlatform:name"),
    Row("service-platform-detail", obj="organizations.ServicePlatform", wrong=SYS),
    Row("incubation-list", wrong=SYS, outside=None, leak="organizations.Incubation:organization__name"),
    Row("incubation-list", "POST", wrong="grid", outside=None),
    Row("incubation-detail", obj="organizations.Incubation", wrong=SYS),
    Row("incubation-advance", "POST", "organizations.Incubation", wrong="grid"),
    Row("annual-report-list", wrong=SYS, outside=None, leak="organizations.AnnualReport:organization__name"),
    Row("annual-report-list", "POST", wrong="grid", outside=None),
    Row(
        "annual-report-missing",
        wrong=SYS,
        outside=None,
        query="?year=2025&under={s1}",
        outside_query="?year=2025&under={s2}",
    ),
    Row("annual-report-detail", obj="organizations.AnnualReport", wrong=SYS),
    Row("rating-list", wrong=SYS, outside=None, leak="organizations.Rating:organization__name"),
    Row("rating-list", "POST", right="district", wrong="xinqi", outside=None),
    Row("rating-detail", obj="organizations.Rating", wrong=SYS),
    Row("alliance-list", wrong=SYS, outside=None, leak=S1_ONLY),
    Row("alliance-list", "POST", wrong="grid", outside=None),
    Row("alliance-detail", obj="organizations.Alliance", wrong=SYS, outside=S1_ONLY),
    Row("alliance-members", "POST", "organizations.Alliance", wrong="grid", outside=S1_ONLY),
    Row("alliance-posts", obj="organizations.Alliance", wrong=SYS, outside=S1_ONLY),
    Row("alliance-posts", "POST", "organizations.Alliance", wrong=SYS, outside=S1_ONLY),
    # --- API: projects and money ------------------------------------------------------------------
    Row("funding-source-list", right="finance", wrong="grid", outside=None, leak=None),
    Row("funding-source-list", "POST", right="district", wrong="finance", outside=None),
    Row("funding-source-detail", obj="projects.FundingSource", right="finance", wrong="grid", outside=None),
    Row("programme-list", wrong=SYS, outside=None),
    Row("programme-list", "POST", wrong="finance", outside=None),
    Row("programme-detail", obj="projects.Programme", right="district", wrong=SYS, outside=None),
    # Projects: the list is open to every signed-in user (published projects are an open call
    # to organizations: ProjectViewSet.own_record_actions); drafts stay in their area.
    Row("project-list", wrong=None, outside=None, leak=None),
    Row("project-list", "POST", wrong="finance", outside=None),
    Row("project-coverage", wrong=SYS, outside=None),
    Row("project-ledger-export", right="finance", wrong="grid", outside=None),
    Row("project-detail", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-detail", "PATCH", PROJECT, exclude=NOT_PUBLIC, wrong="finance"),
    *_project_posts(),
    Row("project-allocations", obj=PROJECT, exclude=NOT_PUBLIC, wrong="grid"),
    Row(
        "project-allocations",
        "POST",
        PROJECT,
        exclude=NOT_PUBLIC,
        right="district",
        wrong="finance",
        outside=None,
    ),
    Row("project-disbursements", obj=PROJECT, exclude=NOT_PUBLIC, wrong="grid"),
    Row(
        "project-disbursements",
        "POST",
        PROJECT,
        exclude=NOT_PUBLIC,
        right="finance",
        wrong="xinqi",
        outside=None,
    ),
    Row(
        "project-allocation-reverse",
        "POST",
        "projects.Allocation",
        kw=lambda e: {"pk": e.project_id, "entry_id": e.pk},
        right="district",
        wrong="finance",
        outside=None,
    ),
    Row(
        "project-disbursement-reverse",
        "POST",
        "projects.Disbursement",
        kw=lambda e: {"pk": e.project_id, "entry_id": e.pk},
        right="finance",
        wrong="xinqi",
        outside=None,
    ),
    Row("project-caseworkers", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-caseworkers", "POST", PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-claims", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-deliveries", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-deliveries", "POST", PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-milestones", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-milestones", "POST", PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=(403, 404)),
    Row("project-indicators", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("project-indicators", "POST", PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=(403, 404)),
    Row(
        "project-milestone-complete",
        "POST",
        "projects.Milestone",
        kw=lambda m: {"pk": m.project_id, "milestone_id": m.pk},
        path="project__area__path",
        wrong=SYS,
        wrong_status=404,
        exclude={"project__status": "evaluated"},
    ),
    Row(
        "project-indicator-actual",
        "POST",
        "projects.Indicator",
        kw=lambda i: {"pk": i.project_id, "indicator_id": i.pk},
        path="project__area__path",
        wrong=SYS,
        wrong_status=404,
        exclude={"project__status": "evaluated"},
    ),
    Row(
        "api-delivery-photo",
        obj="projects.DeliveryPhoto",
        path="delivery__project__area__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no delivery photos yet",
    ),
    Row(
        "api-delivery-photo-thumbnail",
        obj="projects.DeliveryPhoto",
        path="delivery__project__area__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no delivery photos yet",
    ),
    # Case records (social work casework): only the project's caseworkers and those who may
    # read them; the rest find nothing.
    # Case records are own rows of the project's caseworkers (CaseRecordViewSet.own_record_actions):
    # anyone else lists none and may not create one (the service refuses: 400/403).
    Row("case-record-list", right="district", wrong=SYS, wrong_status=200, outside=None, leak=None),
    Row("case-record-list", "POST", right="district", wrong=SYS, wrong_status=(400, 403), outside=None),
    Row(
        "case-record-detail",
        obj="projects.CaseRecord",
        right="district",
        wrong=SYS,
        wrong_status=404,
        outside=S1_ONLY,
    ),
    Row(
        "case-record-close",
        "POST",
        "projects.CaseRecord",
        right="caseworker",
        wrong=SYS,
        wrong_status=404,
        outside=S1_ONLY,
    ),
    Row(
        "case-record-notes",
        "POST",
        "projects.CaseRecord",
        right="caseworker",
        wrong=SYS,
        wrong_status=404,
        outside=S1_ONLY,
    ),
    Row("award-list", wrong=SYS, outside=None),
    Row("award-list", "POST", wrong="finance", outside=None),
    # --- API: volunteers ------------------------------------------------------------------------
    Row(
        "volunteer-list",
        wrong=None,
        outside=None,
        leak="volunteers.Volunteer:person__name",
        leak_query="?under={s2}",
    ),
    Row("volunteer-list", "POST", wrong=SYS, wrong_status=(400, 403), outside=None),
    Row("volunteer-me", right="volunteer", wrong=None, outside=None),
    Row("volunteer-stats", wrong=None, outside=None),
    Row("volunteer-detail", obj="volunteers.Volunteer", wrong=SYS, wrong_status=404),
    Row("volunteer-detail", "PATCH", "volunteers.Volunteer", wrong=SYS, wrong_status=404),
    Row("activity-list", wrong=None, outside=None, leak="volunteers.Activity:title"),
    Row("activity-list", "POST", wrong=SYS, outside=None),
    Row("activity-detail", obj="volunteers.Activity", wrong=SYS, wrong_status=404),
    *[
        Row(f"activity-{a}", "POST", "volunteers.Activity", wrong=SYS, wrong_status=404)
        for a in ("cancel", "cancel-activity", "check-in", "check-out", "roster", "signup")
    ],
    Row("activity-qr", obj="volunteers.Activity", wrong=SYS, wrong_status=404),
    Row("activity-signups", obj="volunteers.Activity", wrong=SYS, wrong_status=404),
    Row("service-record-list", wrong=None, outside=None, leak=None),
    # Creating is open to signed-in users (a volunteer logs their own hours); the service refuses
    # a caller with no volunteer or activity to log for (400).
    Row("service-record-list", "POST", wrong=SYS, wrong_status=(400, 403), outside=None),
    Row("service-record-detail", obj="volunteers.ServiceRecord", wrong=SYS, wrong_status=404),
    *[
        Row(f"service-record-{a}", "POST", "volunteers.ServiceRecord", wrong=SYS, wrong_status=404)
        for a in ("adjust", "approve", "decline")
    ],
    Row("wish-list", wrong=None, outside=None, leak=S1_ONLY),
    Row("wish-list", "POST", wrong="grid", outside=None),
    Row("wish-detail", obj="volunteers.Wish", wrong=SYS, wrong_status=404, outside=S1_ONLY),
    Row("wish-claim", "POST", "volunteers.Wish", wrong=SYS, wrong_status=404, outside=S1_ONLY),
    Row("wish-fulfil", "POST", "volunteers.Wish", wrong=SYS, wrong_status=404, outside=S1_ONLY),
    Row("wish-confirm", "POST", "volunteers.Wish", wrong="grid", outside=S1_ONLY),
    Row("wish-withdraw", "POST", "volunteers.Wish", wrong="grid", outside=S1_ONLY),
    Row("certificate-list", wrong=None, outside=None),
    Row("certificate-list", "POST", wrong=SYS, wrong_status=(400, 403), outside=None),
    Row(
        "certificate-pdf",
        obj="volunteers.Certificate",
        kw=number,
        path=CERT_PATH,
        outside=S1_ONLY,
        wrong=SYS,
        wrong_status=404,
    ),
    Row("correction-list", right="justice", wrong="xinqi", outside=None, leak=S1_ONLY),
    Row("correction-list", "POST", right="justice", wrong="xinqi", outside=None),
    Row("correction-figures", right="justice", wrong="xinqi", outside=None),
    Row(
        "correction-detail",
        obj="volunteers.CorrectionAssignment",
        right="justice",
        wrong="xinqi",
        outside=S1_ONLY,
    ),
    Row(
        "correction-end",
        "POST",
        "volunteers.CorrectionAssignment",
        right="justice",
        wrong="xinqi",
        outside=S1_ONLY,
    ),
    Row(
        "correction-events",
        "POST",
        "volunteers.CorrectionAssignment",
        right="justice",
        wrong="xinqi",
        outside=S1_ONLY,
    ),
    # --- API: statistics ------------------------------------------------------------------------
    Row(
        "api-stats-overview",
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        outside_query="?area={s2}",
    ),
    Row(
        "api-stats-timeseries",
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        query="?indicator=population",
        outside_query="?indicator=population&area={s2}",
    ),
    Row(
        "api-stats-breakdown",
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        query="?indicator=population",
        outside_query="?indicator=population&area={s2}",
    ),
    Row(
        "api-stats-indicators",
        wrong=None,
        note="the catalogue of indicators: names and definitions, no figures",
        outside=None,
    ),
    Row("api-stats-justice", right="justice", wrong="xinqi", outside=None),
    # --- Pages ----------------------------------------------------------------------------------
    Row("home", right="nobody", wrong=None, outside=None),
    Row(
        "areas:index",
        wrong="nobody",
        outside=None,
        note="?area=<S2> shows the caller's own roots with a not-found notice; areas:detail checks the 404",
    ),
    Row("areas:detail", obj="areas.Area", kw=code, wrong="nobody"),
    Row(
        "people:list",
        wrong=SYS,
        outside=None,
        leak="people.Person:name",
        leak_query="?page=99999",
        note="the last page: S2 people come after S1 people in id order, so an unscoped list shows them there",
    ),
    Row("people:create", wrong=SYS, outside=None),
    Row("people:detail", obj=PERSON, wrong=SYS, wrong_status=(403, 404)),
    Row("people:reveal_id_number", "POST", PERSON, wrong="grid", wrong_status=PAGE_404),
    # The cases home sends each role to its own landing page (queue, board, "mine").
    Row("cases:index", wrong=None, outside=None, ok=(200, 302)),
    Row("cases:report", right="grid", wrong=SYS, outside=None),
    # Finds the grid of a point among the grids the caller may report in (none for sysadmin).
    Row("cases:locate", right="grid", wrong=SYS, wrong_status=200, outside=None, query="?lat=29.9&lng=121.8"),
    Row("cases:report_done", obj=CASE, right="grid", wrong=SYS, wrong_status=404),
    Row("cases:resolve_on_site", "POST", CASE, right="grid", wrong=SYS, wrong_status=(403, 404)),
    Row("cases:mine", right="grid", wrong=None, outside=None),
    Row("cases:queue", wrong=SYS, outside=None, leak="cases.Case:number"),
    Row("cases:queue_bulk", "POST", wrong=SYS, outside=None),
    Row("cases:queue_action", "POST", CASE, kw=with_action("register"), wrong=SYS, wrong_status=(403, 404)),
    Row("cases:board", wrong=SYS, outside=None, leak="cases.Case:number"),
    Row("cases:board_supervise", "POST", CASE, wrong=SYS, wrong_status=(403, 404)),
    Row("cases:detail", obj=CASE, wrong=SYS, wrong_status=404),
    Row("cases:action", "POST", CASE, kw=with_action("register"), wrong=SYS, wrong_status=(403, 404)),
    Row("cases:campaigns", wrong=SYS, outside=None, leak=S1_ONLY),
    Row("cases:campaign", obj="cases.Campaign", wrong=SYS, outside=S1_ONLY),
    Row("cases:campaign_feed", obj="cases.Campaign", wrong=SYS, outside=S1_ONLY),
    Row("cases:campaign_post", "POST", "cases.Campaign", wrong=SYS, outside=S1_ONLY),
    Row("cases:kpis", wrong=SYS, outside=None),
    Row("cases:inbox", wrong=None, outside=None, absent="他人的通知-泄漏标记"),
    Row("cases:unread_count", wrong=None, outside=None),
    Row("cases:inbox_read_all", "POST", wrong=None, outside=None),
    Row(
        "cases:inbox_read",
        "POST",
        "notifications.Notification",
        path="recipient__username",
        wrong=SYS,
        wrong_status=404,
        outside=None,
    ),
    Row("cases:start_activity", obj=CASE, wrong=SYS, wrong_status=PAGE_404),
    Row("cases:propose_project", obj=CASE, wrong=SYS, wrong_status=PAGE_404),
    Row("organizations:directory", wrong=SYS, outside=None, leak=f"{ORG}:name"),
    Row("organizations:create", wrong=SYS, outside=None),
    Row("organizations:checklist", "POST", wrong=SYS, outside=None),
    # Lists only people the caller may pick (visible_to): a role without people gets an empty list.
    Row("organizations:person_picker", wrong=SYS, wrong_status=200, outside=None, query="?q=王"),
    Row("organizations:register", right="district", wrong="xinqi", outside=None),
    Row(
        "organizations:filings",
        wrong="grid",
        outside=None,
        leak="organizations.FilingApplication:organization__name",
    ),
    Row("organizations:filing", obj="organizations.FilingApplication", wrong="grid"),
    Row(
        "organizations:filing_action",
        "POST",
        "organizations.FilingApplication",
        kw=with_action("approve"),
        wrong="grid",
        wrong_status=PAGE_404,
    ),
    Row(
        "organizations:incubation",
        wrong=SYS,
        outside=None,
        leak="organizations.Incubation:organization__name",
    ),
    Row(
        "organizations:incubation_advance",
        "POST",
        "organizations.Incubation",
        wrong="grid",
        wrong_status=PAGE_404,
    ),
    Row("organizations:annual_reports", wrong=SYS, outside=None),
    Row("organizations:alliances", wrong=SYS, outside=None, leak=S1_ONLY),
    Row("organizations:alliance", obj="organizations.Alliance", wrong=SYS, outside=S1_ONLY),
    Row(
        "organizations:alliance_post",
        "POST",
        "organizations.Alliance",
        wrong=SYS,
        wrong_status=PAGE_404,
        outside=S1_ONLY,
    ),
    Row("organizations:stats", wrong=SYS, outside=None),
    Row("organizations:profile", obj=ORG, wrong=SYS),
    Row("organizations:edit", obj=ORG, wrong="grid", wrong_status=PAGE_404),
    Row("organizations:action", "POST", ORG, kw=with_action("apply"), wrong="grid", wrong_status=PAGE_404),
    Row("organizations:member_add", "POST", ORG, wrong="grid", wrong_status=PAGE_404),
    Row("organizations:member_create", "POST", ORG, wrong="grid", wrong_status=PAGE_404),
    Row(
        "organizations:member_remove",
        "POST",
        "organizations.Membership",
        kw=lambda m: {"pk": m.organization_id, "membership_pk": m.pk},
        wrong="grid",
        wrong_status=PAGE_404,
    ),
    Row("projects:list", wrong=None, outside=None),
    Row("projects:create", wrong="finance", outside=None),
    Row("projects:programmes", wrong=SYS, outside=None),
    Row("projects:programme_create", right="xinqi", wrong="finance", outside=None),
    Row("projects:programme", obj="projects.Programme", right="district", wrong=SYS, outside=None),
    Row("projects:sources", right="finance", wrong="grid", outside=None),
    Row("projects:source_create", right="district", wrong="finance", outside=None),
    Row("projects:ledger", right="finance", wrong="grid", outside=None),
    Row("projects:ledger_export", right="finance", wrong="grid", outside=None),
    Row("projects:coverage", wrong=SYS, outside=None),
    # Evaluated results are public to every role in the district (ProjectQuerySet.own_rows).
    Row("projects:results", wrong="nobody", wrong_status=(200, 403), outside=None),
    Row(
        "projects:delivery_photo",
        obj="projects.DeliveryPhoto",
        path="delivery__project__area__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no delivery photos yet",
    ),
    Row(
        "projects:delivery_thumb",
        obj="projects.DeliveryPhoto",
        path="delivery__project__area__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no delivery photos yet",
    ),
    Row(
        "projects:case_record",
        obj="projects.CaseRecord",
        right="district",
        wrong=SYS,
        wrong_status=404,
        outside=S1_ONLY,
    ),
    Row(
        "projects:case_note",
        "POST",
        "projects.CaseRecord",
        right="caseworker",
        wrong=SYS,
        wrong_status=404,
        outside=S1_ONLY,
    ),
    Row(
        "projects:case_close",
        "POST",
        "projects.CaseRecord",
        right="caseworker",
        wrong=SYS,
        wrong_status=404,
        outside=S1_ONLY,
    ),
    Row("projects:detail", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("projects:action", "POST", PROJECT, exclude=NOT_PUBLIC, kw=with_action("publish"), wrong="evaluator"),
    Row(
        "projects:claim_decision",
        "POST",
        PROJECT,
        exclude=NOT_PUBLIC,
        kw=with_action("select", "decision"),
        wrong="evaluator",
        wrong_status=(400, 403),
        note="validates the chosen claim before the service checks the permission: an empty form gets 400, a valid claim 403",
    ),
    Row(
        "projects:milestone_complete",
        "POST",
        "projects.Milestone",
        kw=lambda m: {"pk": m.project_id, "milestone_pk": m.pk},
        path="project__area__path",
        wrong=SYS,
        wrong_status=404,
        exclude={"project__status": "evaluated"},
    ),
    Row(
        "projects:indicator_actual",
        "POST",
        "projects.Indicator",
        kw=lambda i: {"pk": i.project_id, "indicator_pk": i.pk},
        path="project__area__path",
        wrong=SYS,
        wrong_status=404,
        exclude={"project__status": "evaluated"},
    ),
    Row(
        "projects:allocate",
        "POST",
        PROJECT,
        exclude=NOT_PUBLIC,
        right="district",
        wrong="finance",
        outside=None,
    ),
    Row(
        "projects:disburse", "POST", PROJECT, exclude=NOT_PUBLIC, right="finance", wrong="xinqi", outside=None
    ),
    Row(
        "projects:reverse_entry",
        "POST",
        "projects.Disbursement",
        kw=lambda e: {"pk": e.project_id, "kind": "disbursement", "entry_pk": e.pk},
        right="finance",
        wrong="xinqi",
        outside=None,
    ),
    Row("projects:delivery_create", obj=PROJECT, exclude=NOT_PUBLIC, wrong=SYS, wrong_status=404),
    Row("projects:award_create", "POST", PROJECT, exclude=NOT_PUBLIC, wrong="finance"),
    Row(
        "projects:caseworker_add",
        "POST",
        PROJECT,
        exclude=NOT_PUBLIC,
        where={"case_services": True},
        right="district",
        wrong="finance",
        outside=None,
        note="the project's publisher (the district in the demo) names caseworkers",
    ),
    Row(
        "projects:caseworker_remove",
        "POST",
        "projects.ProjectCaseworker",
        kw=lambda c: {"pk": c.project_id, "caseworker_pk": c.pk},
        path="project__area__path",
        right="district",
        wrong="finance",
        outside=None,
    ),
    Row(
        "projects:case_records",
        obj=PROJECT,
        exclude=NOT_PUBLIC,
        where={"caseworkers__isnull": False},
        right="district",
        outside=S1_ONLY,
        wrong=SYS,
        wrong_status=404,
    ),
    # Without the register, the volunteers page sends the user to their own volunteer page.
    Row(
        "volunteers:list",
        wrong=SYS,
        wrong_status=302,
        outside=None,
        leak_query="?under={s2}",
        leak="volunteers.Volunteer:person__name",
    ),
    Row("volunteers:register", wrong=SYS, outside=None),
    Row("volunteers:join", right="resident", wrong=None, outside=None),
    Row("volunteers:me", right="volunteer", wrong=None, outside=None),
    # The purpose decides who may pick (PICKER_PURPOSES): anyone else gets 404.
    Row("volunteers:person_options", wrong=SYS, wrong_status=404, outside=None, query="?for=register&q=王"),
    Row("volunteers:detail", obj="volunteers.Volunteer", wrong=SYS, wrong_status=404),
    Row("volunteers:issue_certificate", "POST", "volunteers.Volunteer", wrong=SYS, wrong_status=(403, 404)),
    Row(
        "volunteers:certificate_pdf",
        obj="volunteers.Certificate",
        kw=number,
        path=CERT_PATH,
        outside=S1_ONLY,
        wrong=SYS,
        wrong_status=404,
    ),
    Row("volunteers:activities", wrong=None, outside=None, leak="volunteers.Activity:title"),
    Row("volunteers:activity_create", wrong=SYS, outside=None),
    Row("volunteers:activity", obj="volunteers.Activity", wrong=SYS, wrong_status=404),
    Row("volunteers:signup", "POST", "volunteers.Activity", right="volunteer", wrong=SYS, wrong_status=404),
    Row("volunteers:activity_cancel", "POST", "volunteers.Activity", wrong=SYS, wrong_status=(403, 404)),
    Row("volunteers:qr", obj="volunteers.Activity", wrong=SYS, wrong_status=(403, 404)),
    Row("volunteers:check", obj="volunteers.Activity", wrong=SYS, wrong_status=(403, 404)),
    Row("volunteers:roster", obj="volunteers.Activity", wrong=SYS, wrong_status=(403, 404)),
    Row("volunteers:signup_cancel", "POST", "volunteers.Signup", wrong=SYS, wrong_status=404),
    Row("volunteers:records", wrong=SYS, outside=None),
    Row("volunteers:record_create", wrong=SYS, outside=None),
    Row(
        "volunteers:record_action",
        "POST",
        "volunteers.ServiceRecord",
        kw=with_action("approve"),
        wrong=SYS,
        wrong_status=(403, 404),
    ),
    Row("volunteers:wishes", wrong=None, outside=None, leak=S1_ONLY),
    Row("volunteers:wish_create", wrong="grid", outside=None),
    Row("volunteers:wish", obj="volunteers.Wish", wrong=SYS, wrong_status=404, outside=S1_ONLY),
    Row(
        "volunteers:wish_claim",
        obj="volunteers.Wish",
        where={"status": "posted"},
        wrong=None,
        note="a posted wish is on the public wall: anyone signed in may open its claim form",
        outside=S1_ONLY,
    ),
    Row(
        "volunteers:wish_photo",
        obj="volunteers.WishPhoto",
        kw=lambda p: {"pk": p.wish_id, "photo_pk": p.pk},
        path="wish__area__path",
        wrong=SYS,
        wrong_status=404,
        skip="the demo world has no wish photos yet",
    ),
    Row(
        "volunteers:wish_action",
        "POST",
        "volunteers.Wish",
        kw=with_action("confirm"),
        wrong="grid",
        wrong_status=PAGE_404,
        outside=S1_ONLY,
    ),
    Row("volunteers:corrections", right="justice", wrong="xinqi", wrong_status=404, outside=None),
    Row(
        "volunteers:correction",
        obj="volunteers.CorrectionAssignment",
        right="justice",
        wrong="xinqi",
        wrong_status=PAGE_404,
        outside=S1_ONLY,
    ),
    Row(
        "volunteers:correction_action",
        "POST",
        "volunteers.CorrectionAssignment",
        kw=with_action("events"),
        right="justice",
        wrong="xinqi",
        wrong_status=PAGE_404,
        outside=S1_ONLY,
    ),
    Row("volunteers:alliances", wrong=SYS, outside=None),
    Row(
        "volunteers:alliance", obj="organizations.Alliance", wrong=SYS, wrong_status=PAGE_404, outside=S1_ONLY
    ),
    Row(
        "stats:dashboard", wrong="nobody", wrong_status=STATS_NOBODY, outside=None, outside_query="?area={s2}"
    ),
    Row("stats:screen", wrong="nobody", wrong_status=STATS_NOBODY, outside=None, outside_query="?area={s2}"),
    # Signed out, the wall screen's htmx refresh gets 204 + HX-Refresh (a reload then leads to the
    # sign-in page) rather than the login form swapped into the screen (stats/views.py).
    Row(
        "stats:screen_body",
        anonymous=204,
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        outside_query="?area={s2}",
    ),
    Row(
        "stats:workspace", wrong="nobody", wrong_status=STATS_NOBODY, outside=None, outside_query="?area={s2}"
    ),
    Row("stats:reports", wrong="nobody", wrong_status=STATS_NOBODY, outside=None, outside_query="?area={s2}"),
    Row(
        "stats:report_xlsx",
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        outside_query="?area={s2}",
    ),
    Row(
        "stats:report_pdf",
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        outside_query="?area={s2}",
    ),
    Row(
        "stats:table_xlsx",
        wrong="nobody",
        wrong_status=STATS_NOBODY,
        outside=None,
        query="?indicator=population",
        outside_query="?indicator=population&area={s2}",
    ),
    # --- Accounts: own security settings, tokens; the system administrator's pages ------------
    Row("accounts:security", right="nobody", wrong=None, outside=None),
    Row("accounts:password_change", right="nobody", wrong=None, outside=None),
    # The second-factor pages answer every signed-in user, sending each to the step they need.
    Row("accounts:otp_verify", right="nobody", wrong=None, outside=None, ok=(200, 302)),
    Row("accounts:otp_enrol", right="nobody", wrong=None, outside=None, ok=(200, 302)),
    Row("accounts:recovery_codes", "POST", right="nobody", wrong=None, outside=None),
    Row("accounts:otp_disable", "POST", right="nobody", wrong=None, outside=None),
    Row("accounts:token_create", "POST", right="nobody", wrong=None, outside=None),
    # Tokens: their owner's, and the system administrator's over the jurisdiction; anyone
    # else finds none (404).
    Row(
        "accounts:token_revoke",
        "POST",
        "accounts.ApiToken",
        path="user__username",
        wrong="community",
        wrong_status=404,
        outside=None,
    ),
    Row("api-token-admin-list", right="xinqi", wrong=None, outside=None),
    Row(
        "api-token-admin-detail",
        obj="accounts.ApiToken",
        path="user__username",
        wrong="community",
        wrong_status=404,
        outside=None,
    ),
    Row(
        "api-token-admin-detail",
        "DELETE",
        "accounts.ApiToken",
        path="user__username",
        wrong="community",
        wrong_status=404,
        outside=None,
    ),
    Row(
        "api-token-admin-revoke",
        "POST",
        "accounts.ApiToken",
        path="user__username",
        wrong="community",
        wrong_status=404,
        outside=None,
    ),
    Row("accounts:locks", right=SYS, wrong="district", outside=None),
    Row("accounts:users", right=SYS, wrong="district", outside=None),
    Row(
        "accounts:user_security",
        obj="accounts.User",
        path="role_assignments__area__path",
        right=SYS,
        wrong="district",
        outside=None,
    ),
    # --- Audit log: the security auditor alone (not the system administrator) ----------------
    Row("audit-event-list", right=AUD, wrong=SYS, outside=None),
    Row("audit-event-detail", obj="audit.AuditEvent", right=AUD, wrong=SYS, outside=None),
    Row("audit:list", right=AUD, wrong=SYS, outside=None),
    Row("audit:export", right=AUD, wrong=SYS, outside=None),
    Row("audit:verify", right=AUD, wrong=SYS, outside=None),
    Row("audit:detail", obj="audit.AuditEvent", right=AUD, wrong=SYS, outside=None),
    # --- Unmasking phones: asks for a reason (an empty body is refused with 400) --------------
    Row("person-reveal-phone", "POST", PERSON, wrong=SYS, wrong_status=(403, 404)),
    Row("case-reveal-reporter-phone", "POST", CASE, wrong=SYS, wrong_status=(403, 404)),
    Row("organization-reveal-phone", "POST", ORG, wrong=SYS, wrong_status=(403, 404)),
    Row(
        "wish-reveal-claimer-phone",
        "POST",
        "volunteers.Wish",
        wrong=SYS,
        wrong_status=(403, 404),
        outside=S1_ONLY,
    ),
    Row(
        "people:reveal_phone",
        "POST",
        PERSON,
        kw=lambda p: {"kind": "person", "pk": p.pk},
        wrong=SYS,
        wrong_status=(403, 404),
    ),
    # PUT is routed but not offered (action_permissions maps update to None): refused for
    # every role, the right one included; edits use PATCH.
    Row("area-detail", "PUT", "areas.Area", kw=code, right="district", wrong=None, outside=None, ok=(403,)),
    Row("person-detail", "PUT", PERSON, right="district", wrong=None, outside=None, ok=(403,)),
    Row("handling-unit-detail", "PUT", "cases.HandlingUnit", wrong=None, outside=None, ok=(403,)),
]
