"""People pages: a scoped, masked list; one person's record; revealing an ID number; registering.

Every query starts from ``Person.objects.visible_to(request.user)`` (outside → 404). What a
user may see unmasked is decided by ``can`` and ``people.services``, never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.core.exceptions import DomainError
from gongzhi.core.http import client_ip
from gongzhi.core.scoping import can
from gongzhi.people import services
from gongzhi.people.choices import SENSITIVE_TAG_PERMISSIONS, Tag
from gongzhi.people.forms import PersonCreateForm, RevealIdNumberForm, RevealPhoneForm
from gongzhi.people.models import Person, PersonTag
from gongzhi.people.templatetags.privacy import form_prefix, phone_context

PEOPLE_PER_PAGE = 50
_TAG_ORDER = {tag: i for i, tag in enumerate(Tag.values)}


@dataclass(frozen=True)
class TagView:
    label: str
    is_sensitive: bool


@dataclass(frozen=True)
class PersonView:
    """A person as this user may see them: phone masked (revealed only through the reason
    form), sensitive tags only where their role allows."""

    person: Person
    phone: str
    tags: list[TagView]


def _people(user: Any) -> QuerySet[Person]:
    return (
        Person.objects.visible_to(user)
        .select_related("home_grid", "area")
        # Pages never need the ciphertext (reveal_id_number loads it on demand).
        .defer("id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash")
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.only("person_id", "tag")))
        .order_by("id")
    )


def _present(person: Person, user: Any) -> PersonView:
    phone = person.phone  # sealed: reads masked
    tags = [
        TagView(Tag(tag).label, tag in SENSITIVE_TAG_PERMISSIONS)
        for tag in sorted(services.visible_tags(person, user), key=_TAG_ORDER.get)
    ]
    return PersonView(person=person, phone=phone, tags=tags)


def _is_htmx_partial(request: HttpRequest) -> bool:
    # A history restore asks for the whole page, even though htmx sends it.
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


@login_required
@permission_required("people.view_person", raise_exception=True)
def person_list(request: HttpRequest) -> HttpResponse:
    """Search by name, filter by home grid code, 50 a page; sensitive tags shown are logged."""
    user = request.user
    query = request.GET.get("q", "").strip()
    grid = request.GET.get("grid", "").strip()
    people = _people(user)
    if query:
        people = people.filter(name__icontains=query)
    if grid:
        people = people.filter(home_grid__code=grid)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    services.log_sensitive_views(user, on_page, reason=_("人员列表"), ip=client_ip(request))
    context = {
        "page": page,
        "rows": [_present(person, user) for person in on_page],
        "query": query,
        "grid": grid,
        "can_add": user.has_perm("people.add_person"),
    }
    if _is_htmx_partial(request):
        response = render(request, "people/_results.html", context)
    else:
        context["grids"] = (
            Area.objects.visible_to(user, "people.view_person")
            .filter(level=AreaLevel.GRID)
            .order_by("path")
            .values_list("code", "name")
        )
        response = render(request, "people/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_context(request: HttpRequest, person: Person, **extra: Any) -> dict[str, Any]:
    user = request.user
    assignments = (
        GridAssignment.objects.visible_to(user)
        .filter(person=person)
        .select_related("grid")
        .order_by("-start_date")
    )
    return {
        "row": _present(person, user),
        "person": person,
        "assignments": assignments,
        "home_grid_linked": person.home_grid is not None and can(user, "areas.view_area", person.home_grid),
        "can_reveal": can(user, "people.view_full_id_number", person.area),
        "reveal_form": RevealIdNumberForm(),
        **extra,
    }


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person, masked. Anyone signed in may open their own record (``own_rows``)."""
    person = get_object_or_404(_people(request.user), pk=pk)
    services.log_sensitive_views(request.user, [person], reason=_("人员详情"), ip=client_ip(request))
    return render(request, "people/detail.html", _detail_context(request, person))


@never_cache
@login_required
@require_POST
def reveal_id_number(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number once, to a role allowed here, with a reason; the service logs it."""
    person = get_object_or_404(_people(request.user), pk=pk)
    form = RevealIdNumberForm(request.POST)
    revealed = None
    status = 200
    if form.is_valid():
        try:
            revealed = services.reveal_id_number(
                person, by=request.user, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
    if _is_htmx_partial(request):
        context = {"person": person, "reveal_form": form, "revealed": revealed}
        return render(request, "people/_reveal.html", context, status=status)
    context = _detail_context(request, person, reveal_form=form, revealed=revealed)
    return render(request, "people/detail.html", context, status=status)


def _phone_holders(user: Any) -> dict[str, QuerySet]:
    """The rows, by kind, whose phone this user could ask for: only those they may see."""
    from gongzhi.cases.models import Case
    from gongzhi.organizations.models import Organization
    from gongzhi.volunteers.models import Wish

    return {
        "person": _people(user),
        "case": Case.objects.visible_to(user).select_related("grid"),
        "wish": Wish.objects.visible_to(user).select_related("area"),
        "organization": Organization.objects.visible_to(user).select_related("area"),
    }


@never_cache
@login_required
@require_POST
def reveal_phone(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Show one full phone number (a person's, a case reporter's, a wish claimer's, an
    organization's) to a role allowed there, with a reason; ``services.reveal_phone`` checks,
    logs and audits. Rows the user cannot see answer 404."""
    holders = _phone_holders(request.user)
    if kind not in holders:
        raise Http404
    obj = get_object_or_404(holders[kind], pk=pk)
    form = RevealPhoneForm(request.POST, prefix=form_prefix(obj))
    revealed = None
    status = 200
    if form.is_valid():
        try:
            revealed = services.reveal_phone(
                obj, by=request.user, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_domain_error(exc)
            status = exc.status_code
    else:
        status = 400
    context = phone_context(obj, request.user, form=form, revealed=revealed)
    if _is_htmx_partial(request):
        return render(request, "people/_phone.html", context, status=status)
    back = getattr(obj, "get_absolute_url", None)
    context.update(subject=str(obj), back_url=back() if back else None)
    return render(request, "people/reveal_phone.html", context, status=status)


@login_required
@permission_required("people.add_person", raise_exception=True)
def person_create(request: HttpRequest) -> HttpResponse:
    """Register a person in a grid the user may add people to (rules: services.create_person)."""
    form = PersonCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = form.save()
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("已登记人员“%(name)s”。") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/create.html", {"form": form})
