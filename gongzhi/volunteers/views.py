"""Volunteer pages: the register and a volunteer's record, "my volunteer service", activities
with sign-up and the rotating QR check-in, the organizer's roster and approval queue, micro-
wishes, the justice role's community-correction pages and an alliance's figures.

Every query starts from ``visible_to(request.user)``: a row outside the jurisdiction answers
404, the same as one that does not exist; a wrong role answers 403. Every change is a call to
``gongzhi.volunteers.services``; a refused call (DomainError, QrRefused) is shown where it was
made. Community correction appears on the correction pages alone, which answer 404 to anyone
without ``people.view_correction_tag`` and log every view; person tags are shown only through
``people.services.visible_tags``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area, root_path
from gongzhi.core.area_query import limit_to_area
from gongzhi.core.exceptions import DomainError
from gongzhi.core.http import client_ip
from gongzhi.core.scoping import _unwrapped, can, jurisdiction_paths, under_paths
from gongzhi.organizations.choices import LIVE_STATUSES
from gongzhi.organizations.models import Alliance, Membership, Organization
from gongzhi.people.choices import Tag
from gongzhi.people.models import Person
from gongzhi.people.services import visible_tags
from gongzhi.volunteers import forms as vol_forms
from gongzhi.volunteers import queries, services
from gongzhi.volunteers.certificates import certificate_pdf
from gongzhi.volunteers.choices import (
    DEFAULT_STAR_THRESHOLDS,
    LIVE_SIGNUP_STATUSES,
    ActivityStatus,
    RecordKind,
    RecordStatus,
    SignupStatus,
    WishStatus,
)
from gongzhi.volunteers.models import (
    Activity,
    Affiliation,
    Certificate,
    CorrectionAssignment,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerPolicy,
    Wish,
    WishPhoto,
)

VOLUNTEERS_PER_PAGE = 30
ACTIVITIES_PER_PAGE = 20
RECORDS_PER_PAGE = 30
WISHES_PER_PAGE = 30
CORRECTIONS_PER_PAGE = 20
PEOPLE_PICKER_LIMIT = 20
MY_RECORDS = 50
DETAIL_RECORDS = 50
# The QR display asks for a fresh token this often; a token stays valid for GONGZHI_QR_TTL_SECONDS.
QR_REFRESH_SECONDS = 30
ORG_AREA_LEVELS = (AreaLevel.STREET, AreaLevel.ZONE, AreaLevel.COMMUNITY, AreaLevel.GRID)
TAG_LABELS = dict(Tag.choices)


def _is_htmx_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page, even though htmx sends it.
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# ---------------------------------------------------------------------------------------------
# Who may do what (the services check again; these only decide which pages and forms to offer)


def led_org_ids(user: Any) -> list[int]:
    """The organizations ``user`` leads, read once per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    user = _unwrapped(user)
    cached = user.__dict__.get("_volunteers_led_orgs")
    if cached is None:
        cached = sorted(services.led_organizations(user).values_list("pk", flat=True))
        user.__dict__["_volunteers_led_orgs"] = cached
    return cached


def reads_register(user: Any) -> bool:
    return user.has_perm("volunteers.view_volunteer") or bool(led_org_ids(user))


def registers_others(user: Any) -> bool:
    return user.has_perm("volunteers.add_volunteer") or bool(led_org_ids(user))


def organizes_any(user: Any) -> bool:
    return user.has_perm("volunteers.add_activity") or bool(led_org_ids(user))


def approves_any(user: Any) -> bool:
    return user.has_perm("volunteers.approve_servicerecord") or bool(led_org_ids(user))


def manages_wishes(user: Any) -> bool:
    """The staff wish list shows beneficiaries: for those who read both wishes and people."""
    return user.has_perm("volunteers.view_wish") and user.has_perm("people.view_person")


def is_justice(user: Any) -> bool:
    return user.has_perm("people.view_correction_tag")


def may_organize(user: Any, activity: Activity) -> bool:
    return can(user, "volunteers.change_activity", activity.area) or activity.organizer_id in led_org_ids(
        user
    )


def may_approve(user: Any, record: ServiceRecord) -> bool:
    return can(
        user, "volunteers.approve_servicerecord", record.area
    ) or record.organization_id in led_org_ids(user)


def _org_choices(user: Any, perm: str) -> QuerySet[Organization]:
    """Live organizations the user acts for: those they lead and, for staff, those in the areas
    where they hold ``perm``."""
    organizations = Organization.objects.filter(status__in=LIVE_STATUSES)
    if not user.is_superuser:
        condition = Q(pk__in=led_org_ids(user)) | under_paths("area__path", jurisdiction_paths(user, perm))
        organizations = organizations.filter(condition)
    return organizations.order_by("name", "id")


def _people_for(user: Any, purpose: str) -> QuerySet[Person]:
    """Who may be picked: for registering a volunteer, people in the staff member's jurisdiction
    or members of an organization the user leads; for a wish, residents of the worker's
    communities; for a correction assignment, people in the justice officer's jurisdiction."""
    if purpose == "register":
        people = Person.objects.visible_to(user, "volunteers.add_volunteer")
        led = led_org_ids(user)
        if led:
            members = Membership.objects.filter(organization__in=led, left_on__isnull=True).values(
                "person_id"
            )
            people = Person.objects.filter(Q(pk__in=people.values("pk")) | Q(pk__in=members))
    elif purpose == "wish":
        people = Person.objects.visible_to(user, "volunteers.add_wish")
    else:
        people = Person.objects.visible_to(user, "people.view_correction_tag")
    return (
        people.select_related("home_grid")
        .defer("id_number_encrypted", "id_number_hash")
        .order_by("name", "id")
    )


PICKER_PURPOSES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "register": ("person", registers_others),
    "wish": ("beneficiary", lambda user: user.has_perm("volunteers.add_wish")),
    "correction": ("person", is_justice),
}


@login_required
@require_GET
def person_options(request: HttpRequest) -> HttpResponse:
    """The options of a person picker (htmx): people the user may pick whose name matches."""
    purpose = request.GET.get("for", "")
    if purpose not in PICKER_PURPOSES or not PICKER_PURPOSES[purpose][1](request.user):
        raise Http404
    field = PICKER_PURPOSES[purpose][0]
    query = (request.GET.get("q") or "").strip()
    people = []
    if query:
        people = list(_people_for(request.user, purpose).filter(name__icontains=query)[:PEOPLE_PICKER_LIMIT])
    context = {"people": people, "field": field, "dom_id": f"id_{field}", "query": query, "selected": None}
    return render(request, "volunteers/_person_options.html", context)


def _picked(form: forms.Form, field: str) -> Any:
    """The person already chosen on a re-rendered form, so the picker keeps it."""
    value = form.data.get(field) if form.is_bound else None
    if value and str(value).isdigit():
        return form.fields[field].queryset.filter(pk=value).first()
    return None


def _thresholds_lookup() -> Callable[[Area], tuple[int, ...]]:
    """Star thresholds for any area, from one query over the districts' policies."""
    policies = {p.area.path: p.thresholds for p in VolunteerPolicy.objects.select_related("area")}

    def for_area(area: Area) -> tuple[int, ...]:
        return policies.get(root_path(area.path), DEFAULT_STAR_THRESHOLDS)

    return for_area


def _star_progress(summary: dict[str, Any], area: Area) -> dict[str, Any]:
    """How far the volunteer is from the next star, for a progress bar."""
    thresholds, _unit = services.policy_for(area)
    level, hours, target = summary["star_level"], summary["hours"], summary["next_threshold"]
    if target is None:
        return {"percent": 100, "remaining": None, "target": None}
    floor = Decimal(thresholds[level - 1]) if level else Decimal(0)
    span = Decimal(target) - floor
    percent = int((hours - floor) * 100 / span) if span > 0 else 0
    return {"percent": max(0, min(100, percent)), "remaining": Decimal(target) - hours, "target": target}


def _cancel_deadline(activity: Activity) -> datetime.datetime:
    return activity.starts_at - datetime.timedelta(hours=activity.cancel_cutoff_hours)


def _waitlist_position(signup: Signup) -> int:
    ahead = Signup.objects.filter(activity_id=signup.activity_id, status=SignupStatus.WAITLISTED).filter(
        Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
    )
    return ahead.count() + 1


def _may_cancel(signup: Signup, now: datetime.datetime) -> bool:
    return (
        signup.status in LIVE_SIGNUP_STATUSES
        and not signup.checked_in_at
        and signup.activity.status == ActivityStatus.OPEN
        and now < _cancel_deadline(signup.activity)
    )


# ---------------------------------------------------------------------------------------------
# The register


def _skill_filter(skill: str) -> Q:
    # SQLite keeps JSON text with non-ASCII characters escaped (\\uXXXX); PostgreSQL as is.
    escaped = json.dumps(skill)[1:-1]
    condition = Q(skills__icontains=skill)
    if escaped != skill:
        condition |= Q(skills__icontains=escaped)
    return condition


@login_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """Volunteers in the jurisdiction (or serving with the user's organizations), filtered by
    area, organization, skill and party membership, with hours and stars; paginated."""
    user = request.user
    if not reads_register(user):
        return redirect("volunteers:me")
    form = vol_forms.VolunteerFilterForm(
        request.GET or None, organizations=_org_choices(user, "volunteers.view_volunteer")
    )
    data = form.cleaned_data if form.is_valid() else {}
    volunteers = queries.with_hours(
        Volunteer.objects.visible_to(user).select_related("person", "person__area")
    )
    area_missing = False
    if data.get("q"):
        q = data["q"].strip()
        volunteers = volunteers.filter(Q(person__name__icontains=q) | Q(number__iexact=q))
    if data.get("under"):
        area = Area.objects.filter(code=data["under"].strip()).first()
        if area is None:
            area_missing = True
            volunteers = volunteers.none()
        else:
            volunteers = volunteers.filter(person__area__path__prefix=area.path)
    if data.get("organization"):
        serving = Affiliation.objects.filter(organization=data["organization"], left_on__isnull=True)
        volunteers = volunteers.filter(pk__in=serving.values("volunteer_id"))
    if data.get("skill"):
        volunteers = volunteers.filter(_skill_filter(data["skill"].strip()))
    if data.get("party") == "yes":
        volunteers = volunteers.filter(person__political_status__in=queries.PARTY_STATUSES)
    elif data.get("party") == "no":
        volunteers = volunteers.exclude(person__political_status__in=queries.PARTY_STATUSES)
    page = Paginator(volunteers.order_by("number"), VOLUNTEERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    prefetch_related_objects(
        rows,
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.filter(left_on__isnull=True).select_related("organization"),
            to_attr="current_affiliations",
        ),
    )
    thresholds = _thresholds_lookup()
    for volunteer in rows:
        # SQLite returns the sum unscaled (2 rather than 2.00); show hours as the services do.
        volunteer.total_hours = Decimal(volunteer.total_hours).quantize(queries.HOUR)
        volunteer.stars = services.star_level(volunteer.total_hours, thresholds(volunteer.person.area))
    context = {
        "form": form,
        "page": page,
        "volunteers": rows,
        "area_missing": area_missing,
        "filtered": any(data.values()),
        "can_register": registers_others(user),
    }
    return render(request, "volunteers/list.html", context)


@login_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One volunteer: organizations, hours and stars, sign-ups, records and certificates. Tags
    only as ``visible_tags`` allows."""
    user = request.user
    volunteer = get_object_or_404(
        Volunteer.objects.visible_to(user)
        .select_related("person", "person__area", "person__home_grid")
        .prefetch_related("person__tags"),
        pk=pk,
    )
    person = volunteer.person
    summary = queries.summary(volunteer)
    now = timezone.now()
    context = {
        "volunteer": volunteer,
        "person": person,
        "tags": [TAG_LABELS.get(tag, tag) for tag in visible_tags(person, user)],
        "summary": summary,
        "progress": _star_progress(summary, person.area),
        "affiliations": list(
            volunteer.affiliations.select_related("organization").order_by("left_on", "joined_on")
        ),
        "signups": list(
            Signup.objects.filter(
                volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES, activity__ends_at__gte=now
            )
            .select_related("activity")
            .order_by("activity__starts_at")
        ),
        "records": list(
            ServiceRecord.objects.filter(volunteer=volunteer)
            .select_related("activity", "organization", "decided_by")
            .order_by("-served_on", "-id")[:DETAIL_RECORDS]
        ),
        "certificates": list(volunteer.certificates.all()[:10]),
        "is_self": person.user_id == user.pk,
        "may_certify": person.user_id == user.pk or can(user, "volunteers.view_volunteer", person.area),
    }
    return render(request, "volunteers/detail.html", context)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Staff (or an organization's leader, for their members) register a person as a volunteer."""
    user = request.user
    if not registers_others(user):
        raise PermissionDenied
    form = vol_forms.RegisterVolunteerForm(
        request.POST or None,
        people=_people_for(user, "register"),
        organizations=_org_choices(user, "volunteers.add_volunteer"),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                volunteer = services.register_volunteer(
                    data["person"],
                    by=user,
                    skills=data["skills"],
                    availability=data["availability"],
                    organizations=list(data["organizations"]),
                    registered_on=data["registered_on"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("已登记志愿者“%(p)s”，编号 %(n)s。")
                    % {"p": volunteer.person.name, "n": volunteer.number},
                )
                if Volunteer.objects.visible_to(user).filter(pk=volunteer.pk).exists():
                    return redirect("volunteers:detail", pk=volunteer.pk)
                return redirect("volunteers:list")
    context = {"form": form, "selected": _picked(form, "person")}
    return render(request, "volunteers/register.html", context, status=status)


def _join_organizations(person: Person | None) -> QuerySet[Organization]:
    """Live organizations of the person's street, to serve with when joining."""
    if person is None:
        return Organization.objects.none()
    codes = person.area.path.strip("/").split("/")
    street = "/" + "/".join(codes[:2]) + "/"
    return Organization.objects.filter(status__in=LIVE_STATUSES, area__path__prefix=street).order_by(
        "name", "id"
    )


@login_required
def join(request: HttpRequest) -> HttpResponse:
    """A signed-in person registers themself as a volunteer."""
    user = request.user
    person = Person.objects.filter(user=user).select_related("area").first()
    if person is not None and Volunteer.objects.filter(person=person).exists():
        messages.info(request, _("您已是注册志愿者。"))
        return redirect("volunteers:me")
    form = vol_forms.VolunteerDetailsForm(request.POST or None, organizations=_join_organizations(person))
    status = 200
    if request.method == "POST" and person is not None:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                volunteer = services.register_volunteer(
                    person,
                    by=user,
                    skills=data["skills"],
                    availability=data["availability"],
                    organizations=list(data["organizations"]),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("注册成功！您的志愿者编号是 %(n)s。") % {"n": volunteer.number})
                return redirect("volunteers:me")
    return render(request, "volunteers/join.html", {"form": form, "person": person}, status=status)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的志愿服务: my hours and star level, my sign-ups (cancel before the cut-off), my
    records, my certificates and the wishes I claimed."""
    user = request.user
    volunteer = services.volunteer_for(user)
    if volunteer is None:
        return redirect("volunteers:join")
    now = timezone.now()
    summary = queries.summary(volunteer)
    signups = list(
        Signup.objects.filter(
            volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES, activity__ends_at__gte=now
        )
        .select_related("activity", "activity__organizer")
        .order_by("activity__starts_at", "id")
    )
    for signup in signups:
        signup.may_cancel = _may_cancel(signup, now)
        signup.deadline = _cancel_deadline(signup.activity)
        signup.position = _waitlist_position(signup) if signup.status == SignupStatus.WAITLISTED else None
    context = {
        "volunteer": volunteer,
        "summary": summary,
        "progress": _star_progress(summary, volunteer.person.area),
        "signups": signups,
        "records": list(
            ServiceRecord.objects.filter(volunteer=volunteer)
            .select_related("activity", "organization")
            .order_by("-served_on", "-id")[:MY_RECORDS]
        ),
        "certificates": list(volunteer.certificates.all()),
        "affiliations": list(
            volunteer.affiliations.filter(left_on__isnull=True).select_related("organization")
        ),
        "wishes": list(
            Wish.objects.filter(claimed_by=user).select_related("area").order_by("-updated_at")[:20]
        ),
    }
    return render(request, "volunteers/me.html", context)


@never_cache
@login_required
@require_POST
def issue_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a certificate for the volunteer (themself, or staff over their area)."""
    user = request.user
    volunteer = get_object_or_404(
        Volunteer.objects.visible_to(user).select_related("person", "person__area"), pk=pk
    )
    try:
        certificate = services.issue_certificate(volunteer, by=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已开具志愿服务证明，编号 %(n)s。") % {"n": certificate.number})
    return redirect(_next_url(request, reverse("volunteers:detail", args=[pk])))


@login_required
@require_GET
def certificate_download(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate PDF, for the volunteer and those who may see them."""
    visible = Volunteer.objects.visible_to(request.user).values("pk")
    certificate = get_object_or_404(
        Certificate.objects.select_related("volunteer__person").filter(volunteer__in=visible), number=number
    )
    pdf = certificate_pdf(certificate, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"志愿服务证明-{certificate.number}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Activities


def _activity_rows(user: Any, base: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with sign-up counts, upcoming first (soonest first), then past (latest first)."""
    now = timezone.now()
    upcoming = Q(ends_at__gte=now)
    return (
        queries.with_signup_counts(base.select_related("organizer", "area"))
        .annotate(
            rank=Case(When(upcoming, then=Value(0)), default=Value(1), output_field=IntegerField()),
            upcoming_start=Case(When(upcoming, then=F("starts_at"))),
        )
        .order_by("rank", F("upcoming_start").asc(nulls_last=True), "-starts_at", "id")
    )


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """Activities the user can see, upcoming first, filtered by category, organizer and time."""
    user = request.user
    visible = Activity.objects.visible_to(user)
    organizers = Organization.objects.filter(pk__in=visible.values("organizer_id")).order_by("name", "id")
    form = vol_forms.ActivityFilterForm(request.GET or None, organizers=organizers)
    data = form.cleaned_data if form.is_valid() else {}
    activities, area_context = limit_to_area(visible, request)
    if data.get("q"):
        activities = activities.filter(title__icontains=data["q"].strip())
    if data.get("category"):
        activities = activities.filter(category=data["category"])
    if data.get("organizer"):
        activities = activities.filter(organizer=data["organizer"])
    now = timezone.now()
    if data.get("when") == "upcoming":
        activities = activities.filter(ends_at__gte=now)
    elif data.get("when") == "past":
        activities = activities.filter(ends_at__lt=now)
    page = Paginator(_activity_rows(user, activities), ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    volunteer = services.volunteer_for(user)
    mine: dict[int, Signup] = {}
    if volunteer is not None and rows:
        mine = {
            s.activity_id: s
            for s in Signup.objects.filter(
                volunteer=volunteer, activity__in=[a.pk for a in rows], status__in=LIVE_SIGNUP_STATUSES
            )
        }
    for activity in rows:
        activity.my_signup = mine.get(activity.pk)
    context = {
        "form": form,
        "page": page,
        "activities": rows,
        "now": now,
        "filtered": any(data.values()),
        "can_create": organizes_any(user),
        "volunteer": volunteer,
        **area_context,
    }
    return render(request, "volunteers/activities.html", context)


def _activity_areas(user: Any) -> QuerySet[Area]:
    """Where the user may hold an activity: staff in their jurisdiction; a leader in the street
    of the organization they lead."""
    areas = Area.objects.filter(level__in=ORG_AREA_LEVELS)
    if user.is_superuser:
        return areas.order_by("path")
    streets = set()
    for path in Organization.objects.filter(pk__in=led_org_ids(user)).values_list("area__path", flat=True):
        streets.add("/" + "/".join(path.strip("/").split("/")[:2]) + "/")
    paths = [*jurisdiction_paths(user, "volunteers.add_activity"), *sorted(streets)]
    return areas.filter(under_paths("path", paths)).order_by("path")


def _activity_form(user: Any, data: Any = None) -> vol_forms.ActivityForm:
    from gongzhi.projects.choices import ClaimStatus
    from gongzhi.projects.models import Project

    organizers = _org_choices(user, "volunteers.add_activity")
    return vol_forms.ActivityForm(
        data,
        organizers=organizers,
        areas=_activity_areas(user),
        alliances=Alliance.objects.filter(memberships__organization__in=organizers)
        .distinct()
        .order_by("name"),
        projects=Project.objects.filter(
            claims__organization__in=organizers, claims__status=ClaimStatus.UNDERTAKING
        )
        .distinct()
        .order_by("title"),
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    """Publish an activity for an organization the user leads (or, for staff, one in their area)."""
    user = request.user
    if not organizes_any(user):
        raise PermissionDenied
    form = _activity_form(user, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = services.create_activity(
                    by=user,
                    organizer=data["organizer"],
                    title=data["title"],
                    category=data["category"],
                    area=data["area"],
                    place=data["place"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    capacity=data["capacity"],
                    signup_opens_at=data["signup_opens_at"],
                    signup_closes_at=data["signup_closes_at"],
                    cancel_cutoff_hours=data["cancel_cutoff_hours"],
                    description=data["description"],
                    team=data["team"],
                    alliance=data["alliance"],
                    project=data["project"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("活动“%(a)s”已发布。") % {"a": activity.title})
                return redirect("volunteers:activity", pk=activity.pk)
    return render(request, "volunteers/activity_form.html", {"form": form}, status=status)


def _visible_activity(user: Any, pk: int) -> Activity:
    return get_object_or_404(
        queries.with_signup_counts(
            Activity.objects.visible_to(user).select_related("organizer", "area", "alliance", "project")
        ),
        pk=pk,
    )


def _activity_context(request: HttpRequest, activity: Activity, **extra: Any) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    volunteer = services.volunteer_for(user)
    my_signup = None
    if volunteer is not None:
        my_signup = (
            Signup.objects.filter(activity=activity, volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES)
            .select_related("activity")
            .first()
        )
    if my_signup is not None:
        my_signup.may_cancel = _may_cancel(my_signup, now)
        my_signup.position = (
            _waitlist_position(my_signup) if my_signup.status == SignupStatus.WAITLISTED else None
        )
    organizer = may_organize(user, activity)
    is_open = activity.status == ActivityStatus.OPEN
    context = {
        "activity": activity,
        "volunteer": volunteer,
        "my_signup": my_signup,
        "deadline": _cancel_deadline(activity),
        "signup_open": is_open and activity.signup_opens_at <= now < activity.signup_closes_at,
        "signup_not_yet": is_open and now < activity.signup_opens_at,
        "ended": activity.ends_at < now,
        "may_organize": organizer,
        "cancel_form": (
            vol_forms.ReasonForm(auto_id="cancel-%s")
            if organizer and is_open and activity.ends_at > now
            else None
        ),
        "open_cancel": False,
    }
    context.update(extra)
    return context


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An activity: time, place, places left; sign up, cancel or see my waitlist position; for
    organizers the QR display, the roster and cancelling."""
    activity = _visible_activity(request.user, pk)
    return render(request, "volunteers/activity_detail.html", _activity_context(request, activity))


@never_cache
@login_required
@require_POST
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = _visible_activity(user, pk)
    volunteer = services.volunteer_for(user)
    if volunteer is None:
        messages.error(request, _("请先注册成为志愿者，再报名活动。"))
        return redirect("volunteers:join")
    try:
        done = services.sign_up(activity, volunteer, by=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if done.status == SignupStatus.CONFIRMED:
            messages.success(request, _("报名成功：%(a)s。") % {"a": activity.title})
        else:
            messages.warning(
                request,
                _("名额已满，您已进入候补名单（第 %(n)s 位），有人取消时将自动递补。")
                % {"n": _waitlist_position(done)},
            )
    return redirect("volunteers:activity", pk=activity.pk)


@never_cache
@login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a sign-up (the volunteer's own before the cut-off, or the organizer's)."""
    user = request.user
    found = get_object_or_404(
        Signup.objects.visible_to(user).select_related(
            "activity", "activity__organizer", "activity__area", "volunteer__person"
        ),
        pk=pk,
    )
    # Staff and volunteers of the area may read sign-ups, but only the volunteer and the
    # organizer act on one; to anyone else it does not exist.
    if found.volunteer.person.user_id != user.pk and not may_organize(user, found.activity):
        raise Http404
    try:
        services.cancel_signup(found, by=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消报名：%(a)s。") % {"a": found.activity.title})
    return redirect(_next_url(request, reverse("volunteers:activity", args=[found.activity_id])))


@never_cache
@login_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = _visible_activity(user, pk)
    if not may_organize(user, activity):
        raise PermissionDenied
    form = vol_forms.ReasonForm(request.POST, auto_id="cancel-%s")
    status = 400
    if form.is_valid():
        try:
            services.cancel_activity(activity, by=user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, _("活动已取消，已报名的志愿者会收到通知。"))
            return redirect("volunteers:activity", pk=activity.pk)
    context = _activity_context(request, activity, cancel_form=form, open_cancel=True)
    return render(request, "volunteers/activity_detail.html", context, status=status)


def _qr_context(request: HttpRequest, activity: Activity, purpose: str) -> dict[str, Any]:
    token = services.make_qr_token(activity, purpose)
    query = urlencode({"t": token, "purpose": purpose})
    check_url = request.build_absolute_uri(f"{reverse('volunteers:check', args=[activity.pk])}?{query}")
    ttl = services.qr_ttl()
    counts = activity.signups.filter(status__in=LIVE_SIGNUP_STATUSES).aggregate(
        confirmed=Count("pk", filter=Q(status=SignupStatus.CONFIRMED)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        checked_out=Count("pk", filter=Q(checked_out_at__isnull=False)),
    )
    return {
        "activity": activity,
        "purpose": purpose,
        "token": token,
        "check_url": check_url,
        "svg": segno.make(check_url, error="m").svg_inline(omitsize=True, border=2),
        "ttl": ttl,
        "refresh_seconds": QR_REFRESH_SECONDS if ttl >= 2 * QR_REFRESH_SECONDS else max(5, ttl // 2),
        "counts": counts,
        "generated_at": timezone.now(),
    }


@never_cache
@login_required
@require_GET
def qr_display(request: HttpRequest, pk: int) -> HttpResponse:
    """The full-screen rotating QR code at the venue: a signed check-in (or check-out) link,
    renewed by htmx every 30 seconds; each token expires after GONGZHI_QR_TTL_SECONDS."""
    user = request.user
    activity = get_object_or_404(Activity.objects.visible_to(user).select_related("organizer", "area"), pk=pk)
    if not may_organize(user, activity):
        raise PermissionDenied
    purpose = "out" if request.GET.get("purpose") == "out" else "in"
    context = _qr_context(request, activity, purpose)
    template = "volunteers/_qr_code.html" if _is_htmx_partial(request) else "volunteers/qr.html"
    return render(request, template, context)


@never_cache
@login_required
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """What a volunteer's phone opens after scanning: the activity and a big button that checks
    in (or out) with the scanned token. A refused token says why (expired, used, forged)."""
    user = request.user
    activity = Activity.objects.select_related("organizer", "area").filter(pk=pk).first()
    if activity is None:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    purpose = "out" if source.get("purpose") == "out" else "in"
    token = source.get("t", "")
    refusal = ""
    try:
        services.read_qr_token(activity, token, purpose)
    except services.QrRefused as exc:
        refusal = str(exc.message)
    # A good token shows its activity; without one, only those who may see the activity do.
    if refusal and not Activity.objects.visible_to(user).filter(pk=pk).exists():
        raise Http404
    volunteer = services.volunteer_for(user)
    error = ""
    status = 200
    if request.method == "POST":
        if refusal:
            status = services.QrRefused.status_code
        elif volunteer is None:
            error = _("您还不是注册志愿者，请先注册并报名活动。")
            status = 400
        else:
            try:
                if purpose == "in":
                    done = services.check_in(activity, volunteer, token=token, by=user)
                    notice = _("签到成功（%(t)s）。") % {
                        "t": timezone.localtime(done.checked_in_at).strftime("%H:%M")
                    }
                else:
                    record = services.check_out(activity, volunteer, token=token, by=user)
                    notice = _("签退成功，服务时长 %(h)s 小时，待组织方审核认定。") % {"h": record.hours}
            except services.QrRefused as exc:
                refusal = str(exc.message)
                status = exc.status_code
            except DomainError as exc:
                error = str(exc.message)
                status = exc.status_code
            else:
                messages.success(request, notice)
                return redirect("volunteers:activity", pk=activity.pk)
    my_signup = None
    if volunteer is not None:
        my_signup = Signup.objects.filter(
            activity=activity, volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES
        ).first()
    context = {
        "activity": activity,
        "purpose": purpose,
        "token": token,
        "refusal": refusal,
        "error": error,
        "volunteer": volunteer,
        "my_signup": my_signup,
    }
    return render(request, "volunteers/check.html", context, status=status)


def _roster_volunteers(activity: Activity) -> QuerySet[Volunteer]:
    """Who may be put on the roster: volunteers serving with the organizer (or, for a joint
    activity, with the alliance's members) and those signed up."""
    serving = Q(affiliations__organization=activity.organizer_id, affiliations__left_on__isnull=True)
    if activity.alliance_id:
        members = activity.alliance.memberships.values("organization_id")
        serving |= Q(affiliations__organization__in=members, affiliations__left_on__isnull=True)
    return (
        Volunteer.objects.filter(serving | Q(signups__activity=activity), status="active")
        .select_related("person")
        .distinct()
        .order_by("person__name", "number")
    )


@never_cache
@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The organizer's roster: sign-ups with their check times and records; a manual entry for
    volunteers without phones."""
    user = request.user
    activity = _visible_activity(user, pk)
    if not may_organize(user, activity):
        raise PermissionDenied
    initial = {
        "checked_in_at": timezone.localtime(activity.starts_at),
        "checked_out_at": timezone.localtime(activity.ends_at),
    }
    form = vol_forms.RosterForm(
        request.POST or None, volunteers=_roster_volunteers(activity), initial=initial, auto_id="roster-%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.roster_attendance(
                    activity,
                    data["volunteer"],
                    by=user,
                    checked_in_at=data["checked_in_at"],
                    checked_out_at=data["checked_out_at"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("已登记“%(p)s”到场，时长 %(h)s 小时，待审核。")
                    % {"p": data["volunteer"].person.name, "h": record.hours},
                )
                return redirect("volunteers:roster", pk=activity.pk)
    order = Case(
        When(status=SignupStatus.CONFIRMED, then=Value(0)),
        When(status=SignupStatus.WAITLISTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    signups = list(
        activity.signups.select_related("volunteer__person", "record")
        .annotate(order=order)
        .order_by("order", "created_at", "id")
    )
    context = {
        "activity": activity,
        "signups": signups,
        "form": form,
        "checked_in": sum(1 for s in signups if s.checked_in_at),
        "now": timezone.now(),
    }
    return render(request, "volunteers/roster.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Service records: the approval queue and manual entries


def _approvable_records(user: Any) -> QuerySet[ServiceRecord]:
    """Records the user decides on: those of organizations they lead and, for staff, those in
    the areas where they approve hours (not merely their own records as a volunteer)."""
    records = ServiceRecord.objects.all()
    if not user.is_superuser:
        condition = Q(organization__in=led_org_ids(user)) | under_paths(
            "area__path", jurisdiction_paths(user, "volunteers.approve_servicerecord")
        )
        records = records.filter(condition)
    return records.select_related("volunteer__person", "activity", "organization", "decided_by", "adjusts")


RECORD_FORMS: dict[str, type[forms.Form]] = {
    "approve": vol_forms.ApproveForm,
    "decline": vol_forms.DeclineForm,
    "adjust": vol_forms.AdjustForm,
}


def _record_row(record: ServiceRecord, bound: tuple[str, forms.Form] | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"record": record, "open": bound[0] if bound else ""}
    if record.status == RecordStatus.PENDING:
        names = ("approve", "decline")
    elif record.status == RecordStatus.APPROVED and record.kind != RecordKind.ADJUSTMENT:
        names = ("adjust",)
    else:
        names = ()
    for name in names:
        if bound and bound[0] == name:
            row[name] = bound[1]
        else:
            row[name] = RECORD_FORMS[name](auto_id=f"r{record.pk}-{name}-%s")
    return row


@login_required
def records(request: HttpRequest) -> HttpResponse:
    """The approval queue: pending records oldest first (approve, approve with adjusted hours,
    decline); approved ones may be corrected by an adjusting record."""
    user = request.user
    if not approves_any(user):
        raise PermissionDenied
    tab = request.GET.get("tab") if request.GET.get("tab") in RecordStatus.values else RecordStatus.PENDING
    form = vol_forms.RecordFilterForm(
        request.GET or None, organizations=_org_choices(user, "volunteers.approve_servicerecord")
    )
    data = form.cleaned_data if form.is_valid() else {}
    approvable, area_context = limit_to_area(_approvable_records(user), request)
    listed = approvable.filter(status=tab)
    if data.get("organization"):
        listed = listed.filter(organization=data["organization"])
    listed = (
        listed.order_by("served_on", "id")
        if tab == RecordStatus.PENDING
        else listed.order_by("-decided_at", "-id")
    )
    page = Paginator(listed, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "tab": tab,
        "tabs": RecordStatus.choices,
        "form": form,
        "page": page,
        "rows": [_record_row(r) for r in page.object_list],
        "pending_count": approvable.filter(status=RecordStatus.PENDING).count(),
        **area_context,
    }
    return render(request, "volunteers/records.html", context)


@never_cache
@login_required
@require_POST
def record_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve (optionally with adjusted hours and a reason), decline with a reason, or adjust
    an approved record. From the queue (htmx) the answer is the row itself."""
    if action not in RECORD_FORMS:
        raise Http404
    user = request.user
    record = get_object_or_404(_approvable_records(user), pk=pk)
    form = RECORD_FORMS[action](request.POST, auto_id=f"r{record.pk}-{action}-%s")
    form.is_valid()
    data = {k: (v or "").strip() if isinstance(v, str) else v for k, v in form.cleaned_data.items()}
    error = notice = ""
    status = 200
    try:
        if action == "approve":
            done = services.approve_record(
                record, by=user, hours=data.get("hours") or None, reason=data.get("reason", "")
            )
            notice = _("已认定 %(h)s 小时。") % {"h": done.hours}
        elif action == "decline":
            services.decline_record(record, by=user, reason=data.get("reason", ""))
            notice = _("已不予认定。")
        else:
            adjustment = services.adjust_record(
                record, by=user, hours=data.get("hours", ""), reason=data.get("reason", "")
            )
            notice = _("已添加调整记录（%(h)s 小时）。") % {"h": adjustment.hours}
    except DomainError as exc:
        error = str(exc.message)
        status = exc.status_code
        form.add_domain_error(exc)
    fresh = _approvable_records(user).get(pk=record.pk)
    if _is_htmx_partial(request):
        row = _record_row(fresh, bound=(action, form) if error else None)
        context = {"row": row, "notice": notice, "error": error}
        return render(request, "volunteers/_record_row.html", context, status=status)
    if error:
        messages.error(request, f"{record.volunteer.person.name}：{error}")
    else:
        messages.success(request, f"{record.volunteer.person.name}：{notice}")
    tab = RecordStatus.APPROVED if action == "adjust" else RecordStatus.PENDING
    return redirect(f"{reverse('volunteers:records')}?tab={tab}")


@login_required
def record_create(request: HttpRequest) -> HttpResponse:
    """A manual record (手工补录) outside any activity, with a reason; it waits for approval."""
    user = request.user
    if not approves_any(user):
        raise PermissionDenied
    form = vol_forms.ManualRecordForm(
        request.POST or None,
        volunteers=Volunteer.objects.visible_to(user)
        .select_related("person")
        .order_by("person__name", "number"),
        organizations=_org_choices(user, "volunteers.approve_servicerecord"),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.add_manual_record(
                    data["volunteer"],
                    by=user,
                    organization=data["organization"],
                    served_on=data["served_on"],
                    hours=data["hours"],
                    content=data["content"],
                    reason=data["reason"],
                    place=data["place"],
                    started_at=data["started_at"],
                    ended_at=data["ended_at"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("已补录“%(p)s”%(h)s 小时，待审核认定。")
                    % {"p": record.volunteer.person.name, "h": record.hours},
                )
                return redirect("volunteers:records")
    return render(request, "volunteers/record_form.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------------------------
# Micro-wishes


@login_required
def wishes(request: HttpRequest) -> HttpResponse:
    """The community's wishes in every state, with beneficiaries (for staff who read people)."""
    user = request.user
    if not manages_wishes(user):
        return redirect("wish-wall")
    form = vol_forms.WishFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    listed = Wish.objects.visible_to(user).select_related("area", "beneficiary", "beneficiary__area")
    listed, area_context = limit_to_area(listed, request)
    if data.get("status"):
        listed = listed.filter(status=data["status"])
    if data.get("category"):
        listed = listed.filter(category=data["category"])
    page = Paginator(listed.order_by("-created_at", "id"), WISHES_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for wish in rows:
        wish.shows_beneficiary = can(user, "people.view_person", wish.beneficiary.area)
    context = {
        "form": form,
        "page": page,
        "wishes": rows,
        "filtered": any(data.values()),
        "can_post": user.has_perm("volunteers.add_wish"),
        **area_context,
    }
    return render(request, "volunteers/wishes.html", context)


@login_required
def wish_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("volunteers.add_wish"):
        raise PermissionDenied
    form = vol_forms.WishForm(
        request.POST or None,
        people=_people_for(user, "wish"),
        initial={"expires_on": timezone.localdate() + datetime.timedelta(days=30)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                wish = services.post_wish(
                    by=user,
                    beneficiary=data["beneficiary"],
                    title=data["title"],
                    category=data["category"],
                    estimated_value=data["estimated_value"] or "0",
                    expires_on=data["expires_on"],
                    description=data["description"],
                    claim_days=data["claim_days"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("心愿“%(w)s”已发布到心愿墙。") % {"w": wish.title})
                return redirect("volunteers:wish", pk=wish.pk)
    context = {"form": form, "selected": _picked(form, "beneficiary")}
    return render(request, "volunteers/wish_form.html", context, status=status)


def _wish_context(request: HttpRequest, wish: Wish, **extra: Any) -> dict[str, Any]:
    user = request.user
    is_claimer = wish.claimed_by_id == user.pk
    context = {
        "wish": wish,
        "shows_beneficiary": can(user, "people.view_person", wish.beneficiary.area),
        "is_claimer": is_claimer,
        "shows_claimer_phone": can(user, "volunteers.add_wish", wish.area) or is_claimer,
        "events": list(wish.events.select_related("actor")),
        "photos": list(wish.photos.all()),
        "confirm_form": (
            vol_forms.WishConfirmForm(auto_id="confirm-%s")
            if wish.status == WishStatus.FULFILLED and can(user, "volunteers.confirm_wish", wish.area)
            else None
        ),
        "withdraw_form": (
            vol_forms.ReasonForm(auto_id="withdraw-%s")
            if wish.status in (WishStatus.POSTED, WishStatus.CLAIMED)
            and can(user, "volunteers.add_wish", wish.area)
            else None
        ),
        "fulfil_form": (
            vol_forms.WishFulfilForm(auto_id="fulfil-%s")
            if wish.status == WishStatus.CLAIMED and is_claimer
            else None
        ),
        "open_action": "",
    }
    context.update(extra)
    return context


def _visible_wish(user: Any, pk: int) -> Wish:
    return get_object_or_404(
        Wish.objects.visible_to(user).select_related(
            "area", "beneficiary", "beneficiary__area", "claimer_organization"
        ),
        pk=pk,
    )


@login_required
def wish_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A wish: its story, claimer and photos; confirm or withdraw (staff), fulfil (claimer)."""
    wish = _visible_wish(request.user, pk)
    return render(request, "volunteers/wish_detail.html", _wish_context(request, wish))


WISH_ACTIONS = ("confirm", "withdraw", "fulfil")


@never_cache
@login_required
@require_POST
def wish_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in WISH_ACTIONS:
        raise Http404
    user = request.user
    wish = _visible_wish(user, pk)
    if action == "confirm":
        form: forms.Form = vol_forms.WishConfirmForm(request.POST, auto_id="confirm-%s")
    elif action == "withdraw":
        form = vol_forms.ReasonForm(request.POST, auto_id="withdraw-%s")
    else:
        form = vol_forms.WishFulfilForm(request.POST, request.FILES, auto_id="fulfil-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "confirm":
                services.confirm_wish(wish, by=user, note=data["note"])
                notice = _("已确认心愿完成。")
            elif action == "withdraw":
                services.withdraw_wish(wish, by=user, reason=data["reason"])
                notice = _("心愿已撤回。")
            else:
                services.fulfil_wish(wish, by=user, proof=data["proof"], photos=data["photos"])
                notice = _("已提交完成情况，等待社区工作人员与心愿人确认。")
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, notice)
            return redirect("volunteers:wish", pk=wish.pk)
    context = _wish_context(request, wish, open_action=action, **{f"{action}_form": form})
    return render(request, "volunteers/wish_detail.html", context, status=status)


@login_required
def wish_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Claim a wish from the wall as a volunteer, a donor or an organization one leads."""
    user = request.user
    wish = get_object_or_404(Wish.objects.select_related("area"), pk=pk, status=WishStatus.POSTED)
    form = vol_forms.WishClaimForm(
        request.POST or None,
        organizations=Organization.objects.filter(pk__in=led_org_ids(user)).order_by("name"),
        initial={"claimer_kind": "volunteer" if services.volunteer_for(user) else "donor"},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                claimed = services.claim_wish(
                    wish,
                    by=user,
                    claimer_kind=data["claimer_kind"],
                    claimer_name=data["claimer_name"] or getattr(user, "display_name", "") or "",
                    organization=data.get("organization"),
                    phone=data["phone"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("认领成功！请在 %(d)s 前完成心愿，并上传完成情况。")
                    % {"d": claimed.fulfil_by.strftime("%Y-%m-%d")},
                )
                return redirect("volunteers:wish", pk=wish.pk)
    return render(request, "volunteers/wish_claim.html", {"wish": wish, "form": form}, status=status)


@login_required
@require_GET
def wish_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A proof photo (thumbnail, or ``?size=full``), for those who may see the wish."""
    wish = _visible_wish(request.user, pk)
    photo = get_object_or_404(WishPhoto, pk=photo_pk, wish=wish)
    field = photo.image if request.GET.get("size") == "full" else photo.thumbnail
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# Community correction (the justice role alone; everyone else gets "not found")


def _justice_only(user: Any) -> None:
    if not is_justice(user):
        raise Http404


def _assignments(user: Any) -> QuerySet[CorrectionAssignment]:
    return CorrectionAssignment.objects.visible_to(user).select_related(
        "person", "person__area", "organization"
    )


def _correction_orgs(user: Any) -> QuerySet[Organization]:
    return (
        Organization.objects.visible_to(user, "people.view_correction_tag")
        .filter(status__in=LIVE_STATUSES)
        .order_by("name", "id")
    )


def _figure_rows(user: Any, assignments: QuerySet[CorrectionAssignment], since: Any) -> list[dict[str, Any]]:
    """Figures by street; a street with fewer than MIN_CELL people is not broken down, since
    so few could identify someone."""
    streets = Area.objects.visible_to(user, "people.view_correction_tag").filter(level=AreaLevel.STREET)
    rows = []
    for street in streets.order_by("path"):
        figures = queries.correction_figures(
            assignments.filter(person__area__path__prefix=street.path), since=since
        )
        rows.append({"area": street, "figures": figures, "suppressed": figures.served < queries.MIN_CELL})
    return rows


def _corrections_context(request: HttpRequest, assign_form: Any = None) -> dict[str, Any]:
    user = request.user
    filters = vol_forms.CorrectionFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    since = data.get("since")
    assignments = _assignments(user)
    listed = assignments
    if data.get("state") == "active":
        listed = listed.filter(ends_on__isnull=True)
    elif data.get("state") == "ended":
        listed = listed.filter(ends_on__isnull=False)
    page = Paginator(listed.order_by("-starts_on", "id"), CORRECTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    done = queries.participation_many(page.object_list)
    rows = [{"assignment": a, "participation": done[a.pk]} for a in page.object_list]
    services.log_correction_views(user, [r["assignment"] for r in rows], ip=client_ip(request))
    return {
        "filters": filters,
        "since": since,
        "page": page,
        "rows": rows,
        "figures": queries.correction_figures(assignments, since=since),
        "by_street": _figure_rows(user, assignments, since),
        "min_cell": queries.MIN_CELL,
        "assign_form": assign_form
        or vol_forms.CorrectionAssignForm(
            people=_people_for(user, "correction"), organizations=_correction_orgs(user), auto_id="assign-%s"
        ),
        "selected": _picked(assign_form, "person") if assign_form is not None else None,
    }


@never_cache
@login_required
def corrections(request: HttpRequest) -> HttpResponse:
    """Community-correction volunteers: participation (activities, hours, missed), figures
    (people served, out-of-supervision and re-offence rates), and a new assignment. Every
    render is logged as a sensitive access."""
    user = request.user
    _justice_only(user)
    form = None
    status = 200
    if request.method == "POST":
        form = vol_forms.CorrectionAssignForm(
            request.POST,
            people=_people_for(user, "correction"),
            organizations=_correction_orgs(user),
            auto_id="assign-%s",
        )
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.assign_correction(
                    data["person"],
                    by=user,
                    organization=data["organization"],
                    starts_on=data["starts_on"],
                    note=data["note"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status_code
            else:
                messages.success(request, _("已登记“%(p)s”。") % {"p": assignment.person.name})
                return redirect("volunteers:correction", pk=assignment.pk)
    return render(request, "volunteers/corrections.html", _corrections_context(request, form), status=status)


def _correction_context(
    request: HttpRequest, assignment: CorrectionAssignment, **extra: Any
) -> dict[str, Any]:
    services.log_correction_views(request.user, [assignment], ip=client_ip(request))
    context = {
        "assignment": assignment,
        "participation": queries.participation(assignment),
        "events": list(assignment.events.select_related("recorded_by")),
        "event_form": vol_forms.SupervisionEventForm(auto_id="event-%s"),
        "end_form": vol_forms.EndCorrectionForm(auto_id="end-%s") if assignment.ends_on is None else None,
        "volunteer": Volunteer.objects.filter(person_id=assignment.person_id).first(),
        "open_action": "",
    }
    context.update(extra)
    return context


@never_cache
@login_required
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _justice_only(user)
    assignment = get_object_or_404(_assignments(user), pk=pk)
    return render(request, "volunteers/correction_detail.html", _correction_context(request, assignment))


@never_cache
@login_required
@require_POST
def correction_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Record a supervision event (lost contact, re-offence) or end the correction."""
    user = request.user
    _justice_only(user)
    if action not in ("events", "end"):
        raise Http404
    assignment = get_object_or_404(_assignments(user), pk=pk)
    if action == "events":
        form: forms.Form = vol_forms.SupervisionEventForm(request.POST, auto_id="event-%s")
    else:
        form = vol_forms.EndCorrectionForm(request.POST, auto_id="end-%s")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "events":
                event = services.record_supervision_event(
                    assignment, by=user, kind=data["kind"], occurred_on=data["occurred_on"], note=data["note"]
                )
                notice = _("已记录：%(k)s。") % {"k": event.get_kind_display()}
            else:
                services.end_correction(assignment, by=user, ends_on=data["ends_on"])
                notice = _("已登记矫正结束。")
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
        else:
            messages.success(request, notice)
            return redirect("volunteers:correction", pk=assignment.pk)
    key = "event_form" if action == "events" else "end_form"
    context = _correction_context(request, assignment, open_action=action, **{key: form})
    return render(request, "volunteers/correction_detail.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Alliances


@login_required
def alliances(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("organizations.view_organization"):
        raise PermissionDenied
    listed = Alliance.objects.visible_to(request.user).select_related("lead", "area").order_by("name")
    return render(request, "volunteers/alliances.html", {"alliances": list(listed)})


@login_required
def alliance_figures(request: HttpRequest, pk: int) -> HttpResponse:
    """An alliance's combined volunteers, party members, activities, records and hours, and
    its joint activities."""
    user = request.user
    alliance = get_object_or_404(Alliance.objects.visible_to(user).select_related("lead", "area"), pk=pk)
    joint = _activity_rows(user, Activity.objects.visible_to(user).filter(alliance=alliance))[:20]
    context = {
        "alliance": alliance,
        "stats": queries.alliance_stats(alliance),
        "members": list(alliance.memberships.select_related("organization").order_by("joined_on", "id")),
        "activities": list(joint),
        "now": timezone.now(),
    }
    return render(request, "volunteers/alliance.html", context)
