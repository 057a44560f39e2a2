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

Every kind of row exists in both streets (the world adds what the demo holds only in S1), so no
row is skipped. Rows are declared once per route family through the small builders below
(``listing``, ``each``, ``aggregate``, ``stats``, ``photos``, ``project``...) and the shared
settings (``OWN_404``, ``REFUSED``, ``JUSTICE``...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    leak_path: str | None = None  # lookup from the leak model to its area path, if not area_path
    # Who sees the S2 rows on that page, the yardstick of the leak check: the superuser, or
    # for pages kept to a role's holders (corrections) that role's login over S2.
    leak_seen_by: str = "root"
    query: str = ""
    absent: str = ""  # text that must not show to the right persona (another user's rows)
    leak_query: str = ""  # extra query for the leak check; "{s2}" is the S2 street's code
    data: dict[str, Any] | None = None
    # Statuses accepted for the right role inside; () means 200 (GET) or not refused (unsafe).
    ok: tuple[int, ...] = ()
    note: str = ""

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
CAMPAIGN = "cases.Campaign"
ORG = "organizations.Organization"
ALLIANCE = "organizations.Alliance"
PROJECT = "projects.Project"
CASE_RECORD = "projects.CaseRecord"
PERSON = "people.Person"
VOLUNTEER = "volunteers.Volunteer"
ACTIVITY = "volunteers.Activity"
WISH = "volunteers.Wish"
CORRECTION = "volunteers.CorrectionAssignment"
CERTIFICATE = "volunteers.Certificate"
TOKEN = "accounts.ApiToken"

# Evaluated projects are results, public to every role in the district (ProjectQuerySet.own_rows):
# outside checks use the other projects.
NOT_PUBLIC = {"status": "evaluated"}

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

# --- Row families: settings many rows share -----------------------------------------------------
# Routes without a row in the URL have nothing "outside" to open (lists, forms, aggregates).
NO_OBJECT: dict[str, Any] = {"outside": None}
# Own-record actions (a viewset's ``own_record_actions``, a page's visible_to lookup): anyone
# without the row finds nothing, so the separated admin duties get 404 rather than 403.
OWN_404: dict[str, Any] = {"wrong": SYS, "wrong_status": 404}
# Either refusal: the role check (403) or the lookup through the caller's rows (404) comes first.
REFUSED: dict[str, Any] = {"wrong": SYS, "wrong_status": (403, 404)}
# Logins without a role still have their own settings, notifications and tokens.
ANY_LOGIN: dict[str, Any] = {"right": "nobody", "wrong": None, "outside": None}
JUSTICE: dict[str, Any] = {"right": "justice", "wrong": "xinqi"}
# A token is its owner's (or the system administrator's over the jurisdiction): anyone else
# finds none.
OWN_TOKEN: dict[str, Any] = {
    "path": "user__username",
    "wrong": "community",
    "wrong_status": 404,
    "outside": None,
}
# A notification is its recipient's alone.
OWN_NOTIFICATION: dict[str, Any] = {"path": "recipient__username", **OWN_404, "outside": None}
OTHERS_NOTIFICATION = "他人的通知-泄漏标记"


def each(method: str, obj: str | None, routes: Iterable[str], **common: Any) -> list[Row]:
    """One row per route, all with the same settings (the actions of one model)."""
    return [Row(route, method, obj, **common) for route in routes]


def listing(route: str, create: dict[str, Any] | None = None, **read: Any) -> list[Row]:
    """A collection route: GET with ``read``, and POST with ``create`` when the route creates."""
    rows = [Row(route, **NO_OBJECT, **read)]
    if create is not None:
        rows.append(Row(route, "POST", **NO_OBJECT, **create))
    return rows


def aggregate(route: str, params: str = "", *, key: str = "under", **common: Any) -> Row:
    """Figures over an area: for S1 a success, for S2 (``?<key>=<S2>``) 404."""
    query = "&".join(filter(None, [params, f"{key}={{s1}}"])) if key == "under" else params
    outside = "&".join(filter(None, [params, f"{key}={{s2}}"]))
    return Row(route, **NO_OBJECT, query=f"?{query}" if query else "", outside_query=f"?{outside}", **common)


def stats(route: str, params: str = "", **common: Any) -> Row:
    """A statistics route: its area is ``?area=``; a login without an area has none."""
    return aggregate(route, params, key="area", wrong="nobody", wrong_status=STATS_NOBODY, **common)


def photos(obj: str, path: str, *routes: str, kw: Kw = pk) -> list[Row]:
    """A photo and its thumbnail: served to whoever sees the row they belong to."""
    return [Row(route, obj=obj, kw=kw, path=path, **OWN_404) for route in routes]


def project(route: str, method: str = "GET", **common: Any) -> Row:
    """A route on one project (not an evaluated one: those are public results)."""
    return Row(route, method, PROJECT, exclude=NOT_PUBLIC, **common)


def project_part(route: str, obj: str, key: str) -> Row:
    """An action on a milestone or indicator of a project, under the project's URL."""
    return Row(
        route,
        "POST",
        obj,
        kw=lambda part: {"pk": part.project_id, key: part.pk},
        path="project__area__path",
        exclude={"project__status": "evaluated"},
        **OWN_404,
    )


def membership(route: str, method: str, key: str, **common: Any) -> Row:
    return Row(
        route,
        method,
        "organizations.Membership",
        kw=lambda m: {"pk": m.organization_id, key: m.pk},
        wrong="grid",
        **common,
    )


CASE_ACTIONS = (
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
)
# Open to any signed-in user: the case's own reporter or handler acts on it; anyone else
# finds no such case (CaseViewSet.own_record_actions), so the wrong persona gets 404.
CASE_OWN_ACTIONS = ("accept", "evaluate", "feedback", "request-extension", "rework", "verify")
# The undertaker's own actions (ProjectViewSet.own_record_actions): any signed-in user may
# try, the project must be visible to them (published, or theirs) and the service decides.
PROJECT_OWN_ACTIONS = ("claim", "apply", "withdraw", "start", "complete")
# A project's parts, listed to whoever sees the project.
PROJECT_PARTS = ("caseworkers", "claims", "deliveries", "milestones", "indicators")


ROWS: list[Row] = [
    # --- API: accounts, areas, people -----------------------------------------------------------
    Row("api-me", **ANY_LOGIN, note="any signed-in user reads themself"),
    Row("api-root", **ANY_LOGIN, note="the browsable index of routes"),
    *listing(
        "area-list",
        right="xinqi",
        wrong="nobody",
        leak="areas.Area:name",
        leak_query="?under={s2}",
        create={"right": "district", "wrong": "xinqi"},
    ),
    Row("area-detail", obj="areas.Area", kw=code, wrong="nobody"),
    Row("area-detail", "PATCH", "areas.Area", kw=code, wrong="community"),
    Row("area-staff", obj="areas.Area", kw=code, wrong="nobody"),
    *listing(
        "person-list", wrong=SYS, leak="people.Person:name", leak_query="?under={s2}", create={"wrong": SYS}
    ),
    # A person's own record is open to them (own_record_actions), so anyone else gets 404.
    Row("person-detail", obj=PERSON, **OWN_404),
    Row("person-reveal-id-number", "POST", PERSON, wrong="grid"),
    Row("person-detail", "PATCH", PERSON, wrong="grid"),
    # --- API: cases -----------------------------------------------------------------------------
    Row("case-category-list", **ANY_LOGIN, note="a public taxonomy"),
    Row("case-category-detail", obj="cases.CaseCategory", kw=code, **ANY_LOGIN, note="a public taxonomy"),
    # Handling units: listed to anyone with a case role, scoped to their area (own rows).
    *listing("handling-unit-list", wrong=None, leak="cases.HandlingUnit:name", create={"wrong": "grid"}),
    Row("handling-unit-detail", obj="cases.HandlingUnit", **OWN_404),
    Row("handling-unit-detail", "PATCH", "cases.HandlingUnit", wrong="grid"),
    # Cases: everyone signed in has a list (their own reports at least), so the wrong persona
    # gets an empty one; the leak check is what matters.
    *listing("case-list", wrong=None, leak=f"{CASE}:number", create={"right": "grid", "wrong": SYS}),
    aggregate("case-kpis", "from=2025-01-01&to=2025-12-31", wrong=SYS),
    Row("case-detail", obj=CASE, **OWN_404),
    Row("case-duplicates", obj=CASE, wrong=SYS),
    *each("POST", CASE, [f"case-{a}" for a in CASE_ACTIONS], wrong="finance"),
    Row("case-supervise", "POST", CASE, wrong="community"),
    Row("case-escalate", "POST", CASE, right="grid", wrong="finance"),
    Row("case-resolve-on-site", "POST", CASE, right="grid", wrong="xinqi"),
    *each("POST", CASE, [f"case-{a}" for a in CASE_OWN_ACTIONS], **OWN_404),
    *listing("campaign-list", wrong=SYS, leak=f"{CAMPAIGN}:name", create={"wrong": "grid"}),
    *each("GET", CAMPAIGN, ["campaign-detail", "campaign-feed"], wrong=SYS),
    Row("campaign-posts", "POST", CAMPAIGN, wrong=SYS),
    *photos("cases.CasePhoto", "case__grid__path", "api-case-photo", "api-case-photo-thumbnail"),
    # Notifications are the user's own: nobody else's ever show (see the notification rows).
    Row("notification-list", **NO_OBJECT, wrong=None, absent=OTHERS_NOTIFICATION),
    Row("notification-read", "POST", "notifications.Notification", **OWN_NOTIFICATION),
    # --- API: organizations -----------------------------------------------------------------------
    *listing("organization-list", wrong=SYS, leak=f"{ORG}:name", create={"wrong": SYS}),
    Row("organization-export", **NO_OBJECT, wrong=SYS, leak=f"{ORG}:name"),
    Row("organization-import", "POST", **NO_OBJECT, wrong=SYS),
    Row("organization-import-template", **NO_OBJECT, wrong=SYS),
    aggregate("organization-stats", wrong=SYS),
    *each(
        "GET",
        ORG,
        [
            "organization-detail",
            "organization-applications",
            "organization-checklist",
            "organization-members",
        ],
        wrong=SYS,
    ),
    Row("organization-members", "POST", ORG, wrong=SYS),
    Row("organization-detail", "PATCH", ORG, wrong="grid"),
    *each("POST", ORG, ["organization-apply-filing", "organization-party-building"], wrong="grid"),
    *each("POST", ORG, ["organization-deregister", "organization-suspend"], wrong="community"),
    Row("organization-resume", "POST", ORG, where={"track": "filed"}, wrong="community"),
    Row("organization-register", "POST", ORG, right="district", wrong="xinqi", outside=None),
    membership("organization-member", "DELETE", "membership_id"),
    membership("organization-member-leave", "POST", "membership_id"),
    *listing(
        "filing-application-list", wrong="grid", leak="organizations.FilingApplication:organization__name"
    ),
    Row("filing-application-detail", obj="organizations.FilingApplication", wrong="grid"),
    *each(
        "POST",
        "organizations.FilingApplication",
        ["filing-application-approve", "filing-application-refuse"],
        wrong="grid",
    ),
    *listing("service-platform-list", wrong=SYS, leak="organizations.ServicePlatform:name"),
    Row("service-platform-detail", obj="organizations.ServicePlatform", wrong=SYS),
    *listing(
        "incubation-list",
        wrong=SYS,
        leak="organizations.Incubation:organization__name",
        create={"wrong": "grid"},
    ),
    Row("incubation-detail", obj="organizations.Incubation", wrong=SYS),
    Row("incubation-advance", "POST", "organizations.Incubation", wrong="grid"),
    *listing(
        "annual-report-list",
        wrong=SYS,
        leak="organizations.AnnualReport:organization__name",
        create={"wrong": "grid"},
    ),
    aggregate("annual-report-missing", "year=2025", wrong=SYS),
    Row("annual-report-detail", obj="organizations.AnnualReport", wrong=SYS),
    *listing(
        "rating-list",
        wrong=SYS,
        leak="organizations.Rating:organization__name",
        create={"right": "district", "wrong": "xinqi"},
    ),
    Row("rating-detail", obj="organizations.Rating", wrong=SYS),
    *listing("alliance-list", wrong=SYS, leak=f"{ALLIANCE}:name", create={"wrong": "grid"}),
    Row("alliance-detail", obj=ALLIANCE, wrong=SYS),
    Row("alliance-members", "POST", ALLIANCE, wrong="grid"),
    Row("alliance-posts", obj=ALLIANCE, wrong=SYS),
    Row("alliance-posts", "POST", ALLIANCE, wrong=SYS),
    # --- API: projects and money ------------------------------------------------------------------
    # Funding sources, programmes, the ledger: held by the district (finance, district admin),
    # so nothing is outside their jurisdiction.
    *listing(
        "funding-source-list", right="finance", wrong="grid", create={"right": "district", "wrong": "finance"}
    ),
    Row("funding-source-detail", obj="projects.FundingSource", right="finance", wrong="grid", outside=None),
    *listing("programme-list", wrong=SYS, create={"wrong": "finance"}),
    Row("programme-detail", obj="projects.Programme", right="district", wrong=SYS, outside=None),
    # Projects: the list is open to every signed-in user (published projects are an open call
    # to organizations: ProjectViewSet.own_record_actions); drafts stay in their area.
    *listing("project-list", wrong=None, create={"wrong": "finance"}),
    Row("project-coverage", **NO_OBJECT, wrong=SYS),
    Row("project-ledger-export", **NO_OBJECT, right="finance", wrong="grid"),
    project("project-detail", **OWN_404),
    project("project-detail", "PATCH", wrong="finance"),
    *[project(f"project-{a}", "POST", wrong="evaluator") for a in ("publish", "select", "cancel")],
    *[
        project(f"project-{a}", "POST", right="evaluator", wrong="finance", outside=None)
        for a in ("accept", "return")
    ],
    project("project-evaluate", "POST", right="evaluator", wrong="xinqi", outside=None),
    *[project(f"project-{a}", "POST", wrong=SYS, wrong_status=(400, 404)) for a in PROJECT_OWN_ACTIONS],
    project("project-allocations", wrong="grid"),
    project("project-allocations", "POST", right="district", wrong="finance", outside=None),
    project("project-disbursements", wrong="grid"),
    project("project-disbursements", "POST", right="finance", wrong="xinqi", outside=None),
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
    *[project(f"project-{part}", **OWN_404) for part in PROJECT_PARTS],
    *[project(f"project-{part}", "POST", **OWN_404) for part in ("caseworkers", "deliveries")],
    # Adding a milestone or indicator checks the role first, then looks the project up.
    *[project(f"project-{part}", "POST", **REFUSED) for part in ("milestones", "indicators")],
    project_part("project-milestone-complete", "projects.Milestone", "milestone_id"),
    project_part("project-indicator-actual", "projects.Indicator", "indicator_id"),
    *photos(
        "projects.DeliveryPhoto",
        "delivery__project__area__path",
        "api-delivery-photo",
        "api-delivery-photo-thumbnail",
    ),
    # Case records (social work casework) are own rows of the project's caseworkers
    # (CaseRecordViewSet.own_record_actions): anyone else lists none and may not create one (the
    # service refuses: 400/403). The demo's caseworker works on an S1 project; the S2 record is
    # another project's, so it is outside for them. The district admin, who reads every record
    # (projects.view_caserecord), has nothing outside.
    *listing(
        "case-record-list",
        right="caseworker",
        wrong=SYS,
        wrong_status=200,
        leak=f"{CASE_RECORD}:household",
        create={"right": "district", "wrong": SYS, "wrong_status": (400, 403)},
    ),
    Row("case-record-detail", obj=CASE_RECORD, right="caseworker", **OWN_404),
    *each("POST", CASE_RECORD, ["case-record-close", "case-record-notes"], right="caseworker", **OWN_404),
    *listing("award-list", wrong=SYS, create={"wrong": "finance"}),
    # --- API: volunteers ------------------------------------------------------------------------
    *listing(
        "volunteer-list",
        wrong=None,
        leak=f"{VOLUNTEER}:person__name",
        leak_query="?under={s2}",
        create={"wrong": SYS, "wrong_status": (400, 403)},
    ),
    Row("volunteer-me", right="volunteer", wrong=None, outside=None),
    Row("volunteer-stats", **NO_OBJECT, wrong=None),
    Row("volunteer-detail", obj=VOLUNTEER, **OWN_404),
    Row("volunteer-detail", "PATCH", VOLUNTEER, **OWN_404),
    *listing("activity-list", wrong=None, leak=f"{ACTIVITY}:title", create={"wrong": SYS}),
    *each("GET", ACTIVITY, ["activity-detail", "activity-qr", "activity-signups"], **OWN_404),
    *each(
        "POST",
        ACTIVITY,
        [f"activity-{a}" for a in ("cancel", "cancel-activity", "check-in", "check-out", "roster", "signup")],
        **OWN_404,
    ),
    # Creating is open to signed-in users (a volunteer logs their own hours); the service refuses
    # a caller with no volunteer or activity to log for (400).
    *listing("service-record-list", wrong=None, create={"wrong": SYS, "wrong_status": (400, 403)}),
    Row("service-record-detail", obj="volunteers.ServiceRecord", **OWN_404),
    *each(
        "POST",
        "volunteers.ServiceRecord",
        [f"service-record-{a}" for a in ("adjust", "approve", "decline")],
        **OWN_404,
    ),
    *listing("wish-list", wrong=None, leak=f"{WISH}:title", create={"wrong": "grid"}),
    Row("wish-detail", obj=WISH, **OWN_404),
    *each("POST", WISH, ["wish-claim", "wish-fulfil"], **OWN_404),
    *each("POST", WISH, ["wish-confirm", "wish-withdraw"], wrong="grid"),
    *listing(
        "certificate-list",
        wrong=None,
        leak=f"{CERTIFICATE}:number",
        leak_path=CERT_PATH,
        create={"wrong": SYS, "wrong_status": (400, 403)},
    ),
    Row("certificate-pdf", obj=CERTIFICATE, kw=number, path=CERT_PATH, **OWN_404),
    *listing(
        "correction-list",
        **JUSTICE,
        leak=f"{CORRECTION}:person__name",
        leak_seen_by="justice_s2",
        create=JUSTICE,
    ),
    Row("correction-figures", **NO_OBJECT, **JUSTICE),
    Row("correction-detail", obj=CORRECTION, **JUSTICE),
    *each("POST", CORRECTION, ["correction-end", "correction-events"], **JUSTICE),
    # --- API: statistics ------------------------------------------------------------------------
    stats("api-stats-overview"),
    stats("api-stats-timeseries", "indicator=population"),
    stats("api-stats-breakdown", "indicator=population"),
    Row(
        "api-stats-indicators",
        **NO_OBJECT,
        wrong=None,
        note="the catalogue of indicators: names and definitions, no figures",
    ),
    Row("api-stats-justice", **NO_OBJECT, **JUSTICE),
    # --- Pages ----------------------------------------------------------------------------------
    Row("home", **ANY_LOGIN),
    Row(
        "areas:index",
        **NO_OBJECT,
        wrong="nobody",
        note="?area=<S2> shows the caller's own roots with a not-found notice; areas:detail checks the 404",
    ),
    Row("areas:detail", obj="areas.Area", kw=code, wrong="nobody"),
    Row(
        "people:list",
        **NO_OBJECT,
        wrong=SYS,
        leak="people.Person:name",
        leak_query="?page=99999",
        note="the last page: S2 people come after S1 people in id order, so an unscoped list shows them there",
    ),
    Row("people:create", **NO_OBJECT, wrong=SYS),
    Row("people:detail", obj=PERSON, **REFUSED),
    Row("people:reveal_id_number", "POST", PERSON, wrong="grid", wrong_status=PAGE_404),
    # The cases home sends each role to its own landing page (queue, board, "mine").
    Row("cases:index", **NO_OBJECT, wrong=None, ok=(200, 302)),
    Row("cases:report", **NO_OBJECT, right="grid", wrong=SYS),
    # Finds the grid of a point among the grids the caller may report in (none for sysadmin).
    Row("cases:locate", **NO_OBJECT, right="grid", wrong=SYS, wrong_status=200, query="?lat=29.9&lng=121.8"),
    Row("cases:report_done", obj=CASE, right="grid", **OWN_404),
    Row("cases:resolve_on_site", "POST", CASE, right="grid", **REFUSED),
    Row("cases:mine", **NO_OBJECT, right="grid", wrong=None),
    *each("GET", None, ["cases:queue", "cases:board"], **NO_OBJECT, wrong=SYS, leak=f"{CASE}:number"),
    Row("cases:queue_bulk", "POST", **NO_OBJECT, wrong=SYS),
    *each("POST", CASE, ["cases:queue_action", "cases:action"], kw=with_action("register"), **REFUSED),
    Row("cases:board_supervise", "POST", CASE, **REFUSED),
    Row("cases:detail", obj=CASE, **OWN_404),
    Row("cases:campaigns", **NO_OBJECT, wrong=SYS, leak=f"{CAMPAIGN}:name"),
    *each("GET", CAMPAIGN, ["cases:campaign", "cases:campaign_feed"], wrong=SYS),
    Row("cases:campaign_post", "POST", CAMPAIGN, wrong=SYS),
    Row("cases:kpis", **NO_OBJECT, wrong=SYS),
    Row("cases:inbox", **NO_OBJECT, wrong=None, absent=OTHERS_NOTIFICATION),
    Row("cases:unread_count", **NO_OBJECT, wrong=None),
    Row("cases:inbox_read_all", "POST", **NO_OBJECT, wrong=None),
    Row("cases:inbox_read", "POST", "notifications.Notification", **OWN_NOTIFICATION),
    *each("GET", CASE, ["cases:start_activity", "cases:propose_project"], wrong=SYS, wrong_status=PAGE_404),
    Row("organizations:directory", **NO_OBJECT, wrong=SYS, leak=f"{ORG}:name"),
    Row("organizations:create", **NO_OBJECT, wrong=SYS),
    Row("organizations:checklist", "POST", **NO_OBJECT, wrong=SYS),
    # Lists only people the caller may pick (visible_to): a role without people gets an empty list.
    Row("organizations:person_picker", **NO_OBJECT, wrong=SYS, wrong_status=200, query="?q=王"),
    Row("organizations:register", **NO_OBJECT, right="district", wrong="xinqi"),
    Row(
        "organizations:filings",
        **NO_OBJECT,
        wrong="grid",
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
        **NO_OBJECT,
        wrong=SYS,
        leak="organizations.Incubation:organization__name",
    ),
    Row(
        "organizations:incubation_advance",
        "POST",
        "organizations.Incubation",
        wrong="grid",
        wrong_status=PAGE_404,
    ),
    Row(
        "organizations:annual_reports",
        **NO_OBJECT,
        wrong=SYS,
        leak="organizations.AnnualReport:organization__name",
    ),
    Row("organizations:alliances", **NO_OBJECT, wrong=SYS, leak=f"{ALLIANCE}:name"),
    Row("organizations:alliance", obj=ALLIANCE, wrong=SYS),
    Row("organizations:alliance_post", "POST", ALLIANCE, wrong=SYS, wrong_status=PAGE_404),
    Row("organizations:stats", **NO_OBJECT, wrong=SYS),
    Row("organizations:profile", obj=ORG, wrong=SYS),
    Row("organizations:edit", obj=ORG, wrong="grid", wrong_status=PAGE_404),
    Row("organizations:action", "POST", ORG, kw=with_action("apply"), wrong="grid", wrong_status=PAGE_404),
    *each(
        "POST",
        ORG,
        ["organizations:member_add", "organizations:member_create"],
        wrong="grid",
        wrong_status=PAGE_404,
    ),
    membership("organizations:member_remove", "POST", "membership_pk", wrong_status=PAGE_404),
    Row("projects:list", **NO_OBJECT, wrong=None),
    Row("projects:create", **NO_OBJECT, wrong="finance"),
    Row("projects:programmes", **NO_OBJECT, wrong=SYS),
    Row("projects:programme_create", **NO_OBJECT, wrong="finance"),
    Row("projects:programme", obj="projects.Programme", right="district", wrong=SYS, outside=None),
    *each(
        "GET",
        None,
        ["projects:sources", "projects:ledger", "projects:ledger_export"],
        **NO_OBJECT,
        right="finance",
        wrong="grid",
    ),
    Row("projects:source_create", **NO_OBJECT, right="district", wrong="finance"),
    Row("projects:coverage", **NO_OBJECT, wrong=SYS),
    # Evaluated results are public to every role in the district (ProjectQuerySet.own_rows).
    Row("projects:results", **NO_OBJECT, wrong="nobody", wrong_status=(200, 403)),
    *photos(
        "projects.DeliveryPhoto",
        "delivery__project__area__path",
        "projects:delivery_photo",
        "projects:delivery_thumb",
    ),
    Row("projects:case_record", obj=CASE_RECORD, right="caseworker", **OWN_404),
    *each("POST", CASE_RECORD, ["projects:case_note", "projects:case_close"], right="caseworker", **OWN_404),
    project("projects:detail", **OWN_404),
    project("projects:action", "POST", kw=with_action("publish"), wrong="evaluator"),
    # The permission is checked before the form: a wrong role gets 403 whatever it sends.
    project("projects:claim_decision", "POST", kw=with_action("select", "decision"), wrong="evaluator"),
    project_part("projects:milestone_complete", "projects.Milestone", "milestone_pk"),
    project_part("projects:indicator_actual", "projects.Indicator", "indicator_pk"),
    project("projects:allocate", "POST", right="district", wrong="finance", outside=None),
    project("projects:disburse", "POST", right="finance", wrong="xinqi", outside=None),
    Row(
        "projects:reverse_entry",
        "POST",
        "projects.Disbursement",
        kw=lambda e: {"pk": e.project_id, "kind": "disbursement", "entry_pk": e.pk},
        right="finance",
        wrong="xinqi",
        outside=None,
    ),
    project("projects:delivery_create", **OWN_404),
    project("projects:award_create", "POST", wrong="finance"),
    project(
        "projects:caseworker_add",
        "POST",
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
    project("projects:case_records", where={"caseworkers__isnull": False}, right="caseworker", **OWN_404),
    # Without the register, the volunteers page sends the user to their own volunteer page.
    Row(
        "volunteers:list",
        **NO_OBJECT,
        wrong=SYS,
        wrong_status=302,
        leak_query="?under={s2}",
        leak=f"{VOLUNTEER}:person__name",
    ),
    Row("volunteers:register", **NO_OBJECT, wrong=SYS),
    Row("volunteers:join", **NO_OBJECT, right="resident", wrong=None),
    Row("volunteers:me", **NO_OBJECT, right="volunteer", wrong=None),
    # The purpose decides who may pick (PICKER_PURPOSES): anyone else gets 404.
    Row("volunteers:person_options", **NO_OBJECT, **OWN_404, query="?for=register&q=王"),
    Row("volunteers:detail", obj=VOLUNTEER, **OWN_404),
    Row("volunteers:issue_certificate", "POST", VOLUNTEER, **REFUSED),
    Row("volunteers:certificate_pdf", obj=CERTIFICATE, kw=number, path=CERT_PATH, **OWN_404),
    Row("volunteers:activities", **NO_OBJECT, wrong=None, leak=f"{ACTIVITY}:title"),
    Row("volunteers:activity_create", **NO_OBJECT, wrong=SYS),
    Row("volunteers:activity", obj=ACTIVITY, **OWN_404),
    Row("volunteers:signup", "POST", ACTIVITY, right="volunteer", **OWN_404),
    Row("volunteers:activity_cancel", "POST", ACTIVITY, **REFUSED),
    *each("GET", ACTIVITY, ["volunteers:qr", "volunteers:check", "volunteers:roster"], **REFUSED),
    Row("volunteers:signup_cancel", "POST", "volunteers.Signup", **OWN_404),
    Row("volunteers:records", **NO_OBJECT, wrong=SYS),
    Row("volunteers:record_create", **NO_OBJECT, wrong=SYS),
    Row("volunteers:record_action", "POST", "volunteers.ServiceRecord", kw=with_action("approve"), **REFUSED),
    Row("volunteers:wishes", **NO_OBJECT, wrong=None, leak=f"{WISH}:title"),
    Row("volunteers:wish_create", **NO_OBJECT, wrong="grid"),
    Row("volunteers:wish", obj=WISH, **OWN_404),
    Row(
        "volunteers:wish_claim",
        obj=WISH,
        where={"status": "posted"},
        wrong=None,
        outside=None,
        note="a posted wish is on the public wall: anyone signed in may open its claim form, S2's too",
    ),
    *photos(
        "volunteers.WishPhoto",
        "wish__area__path",
        "volunteers:wish_photo",
        kw=lambda p: {"pk": p.wish_id, "photo_pk": p.pk},
    ),
    Row(
        "volunteers:wish_action", "POST", WISH, kw=with_action("confirm"), wrong="grid", wrong_status=PAGE_404
    ),
    Row(
        "volunteers:corrections",
        **NO_OBJECT,
        right="justice",
        wrong="xinqi",
        wrong_status=404,
        leak=f"{CORRECTION}:person__name",
        leak_seen_by="justice_s2",
    ),
    Row("volunteers:correction", obj=CORRECTION, **JUSTICE, wrong_status=PAGE_404),
    Row(
        "volunteers:correction_action",
        "POST",
        CORRECTION,
        kw=with_action("events"),
        **JUSTICE,
        wrong_status=PAGE_404,
    ),
    Row("volunteers:alliances", **NO_OBJECT, wrong=SYS, leak=f"{ALLIANCE}:name"),
    Row("volunteers:alliance", obj=ALLIANCE, wrong=SYS, wrong_status=PAGE_404),
    stats("stats:dashboard"),
    stats("stats:screen"),
    # Signed out, the wall screen's htmx refresh gets 204 + HX-Refresh (a reload then leads to the
    # sign-in page) rather than the login form swapped into the screen (stats/views.py).
    stats("stats:screen_body", anonymous=204),
    *[stats(f"stats:{route}") for route in ("workspace", "reports", "report_xlsx", "report_pdf")],
    stats("stats:table_xlsx", "indicator=population"),
    # --- Accounts: own security settings, tokens; the system administrator's pages ------------
    *each("GET", None, ["accounts:security", "accounts:password_change"], **ANY_LOGIN),
    # The second-factor pages answer every signed-in user, sending each to the step they need.
    *each("GET", None, ["accounts:otp_verify", "accounts:otp_enrol"], **ANY_LOGIN, ok=(200, 302)),
    *each(
        "POST",
        None,
        ["accounts:recovery_codes", "accounts:otp_disable", "accounts:token_create"],
        **ANY_LOGIN,
    ),
    # Tokens: their owner's, and the system administrator's over the jurisdiction; anyone
    # else finds none (404).
    Row("accounts:token_revoke", "POST", TOKEN, **OWN_TOKEN),
    Row("api-token-admin-list", **NO_OBJECT, wrong=None),
    Row("api-token-admin-detail", obj=TOKEN, **OWN_TOKEN),
    Row("api-token-admin-detail", "DELETE", TOKEN, **OWN_TOKEN),
    Row("api-token-admin-revoke", "POST", TOKEN, **OWN_TOKEN),
    *each("GET", None, ["accounts:locks", "accounts:users"], **NO_OBJECT, right=SYS, wrong="district"),
    Row(
        "accounts:user_security",
        obj="accounts.User",
        path="role_assignments__area__path",
        right=SYS,
        wrong="district",
        outside=None,
    ),
    # Account administration (sysadmin): creating accounts, and the account page's POST actions
    # (roles, deactivation, password and second-factor resets; an empty body is refused with a
    # message). Nobody else reaches them (tests/accounts/test_account_admin.py).
    Row("accounts:user_create", right=SYS, wrong="district", outside=None),
    Row("accounts:user_create", "POST", right=SYS, wrong="district", outside=None),
    Row(
        "accounts:user_security",
        "POST",
        obj="accounts.User",
        path="role_assignments__area__path",
        right=SYS,
        wrong="district",
        outside=None,
    ),
    # --- Audit log: the security auditor alone (not the system administrator) ----------------
    *each(
        "GET",
        None,
        ["audit-event-list", "audit:list", "audit:export", "audit:verify"],
        right=AUD,
        wrong=SYS,
        outside=None,
    ),
    *each(
        "GET", "audit.AuditEvent", ["audit-event-detail", "audit:detail"], right=AUD, wrong=SYS, outside=None
    ),
    # --- Unmasking phones: asks for a reason (an empty body is refused with 400) --------------
    Row("person-reveal-phone", "POST", PERSON, **REFUSED),
    Row("case-reveal-reporter-phone", "POST", CASE, **REFUSED),
    Row("organization-reveal-phone", "POST", ORG, **REFUSED),
    Row("wish-reveal-claimer-phone", "POST", WISH, **REFUSED),
    Row("people:reveal_phone", "POST", PERSON, kw=lambda p: {"kind": "person", "pk": p.pk}, **REFUSED),
    # PUT is routed but not offered (action_permissions maps update to None): refused for
    # every role, the right one included; edits use PATCH.
    Row("area-detail", "PUT", "areas.Area", kw=code, right="district", wrong=None, outside=None, ok=(403,)),
    Row("person-detail", "PUT", PERSON, right="district", wrong=None, outside=None, ok=(403,)),
    Row("handling-unit-detail", "PUT", "cases.HandlingUnit", wrong=None, outside=None, ok=(403,)),
]


# --- Organization import jobs (issue 9: XLSX imports run on Celery) ----------------------------
# The uploader and the district admin over the job's area see a job; nobody else (not even the
# uploader's own street admin). The world holds no jobs, so each row makes one in its test's
# savepoint from an organization of the street it picks: uploaded by that street's admin
# (xinqi in S1; in S2 no matrix login, so xinqi must get 404) and with its XLSX report.


def import_job_at(org: Any) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from gongzhi.accounts.models import User
    from gongzhi.organizations.importer import report_xlsx
    from gongzhi.organizations.models import ImportJob

    uploader = (
        User.objects.filter(role_assignments__role="street_admin", role_assignments__area=org.street)
        .order_by("pk")
        .first()
    )
    problem = {"sheet": "组织", "row": 2, "column": "name", "message": "缺少名称，请填写组织名称。"}
    job = ImportJob(created_by=uploader, area=org.street, filename="matrix.xlsx", status="rejected")
    job.problems = [problem]
    job.report.save("report.xlsx", ContentFile(report_xlsx([problem])), save=False)
    job.save()
    return {"pk": job.pk}


IMPORT_JOB: dict[str, Any] = {
    "obj": ORG,
    "kw": import_job_at,
    "where": {"street__isnull": False},
    "wrong": SYS,
}

ROWS += [
    *listing("organization-import-job-list", wrong=SYS, create={"wrong": SYS}),
    Row("organization-import-job-detail", **IMPORT_JOB),
    Row("organization-import-job-report", **IMPORT_JOB),
    Row("organizations:import", **NO_OBJECT, wrong=SYS),
    Row("organizations:import", "POST", **NO_OBJECT, wrong=SYS),
    Row("organizations:import_job", **IMPORT_JOB),
    Row("organizations:import_report", **IMPORT_JOB),
]
