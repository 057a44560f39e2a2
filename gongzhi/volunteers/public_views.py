"""Public volunteer pages, without sign-in: verifying a certificate by its number, and the
micro-wish wall.

The wall shows a wish's category, title, description, community and value — never the
beneficiary: its query does not even read the beneficiary. A certificate shows the
volunteer's name masked (first character and a star), the hours, star level and issue date.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongzhi.volunteers import services
from gongzhi.volunteers.certificates import masked_name, star_text
from gongzhi.volunteers.choices import WishStatus
from gongzhi.volunteers.forms import CertificateLookupForm, WallFilterForm
from gongzhi.volunteers.models import Wish

WALL_PER_PAGE = 24
# What the wall may read of a wish: nothing that points at the beneficiary.
WALL_FIELDS = (
    "pk",
    "title",
    "category",
    "description",
    "estimated_value",
    "area__name",
    "expires_on",
    "created_at",
)


@require_GET
def certificate_lookup(request: HttpRequest) -> HttpResponse:
    """Type a certificate number; a valid form goes to that number's page."""
    form = CertificateLookupForm(request.GET or None)
    if form.is_valid():
        return redirect("certificate-verify", number=form.cleaned_data["number"].strip().upper())
    return render(request, "volunteers/certificate_lookup.html", {"form": form})


@require_GET
def certificate_verify(request: HttpRequest, number: str) -> HttpResponse:
    """Whether a certificate with this number was issued here, and what it certifies."""
    certificate = services.verify_certificate(number)
    context = {
        "number": number,
        "certificate": certificate,
        "form": CertificateLookupForm(initial={"number": number}),
    }
    if certificate is not None:
        context.update(
            {
                "name": masked_name(certificate.volunteer.person.name),
                "stars": star_text(certificate.star_level),
                "issued_on": timezone.localtime(certificate.issued_at).date(),
            }
        )
    response = render(
        request, "volunteers/certificate_verify.html", context, status=200 if certificate else 404
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def wish_wall(request: HttpRequest) -> HttpResponse:
    """Wishes waiting to be claimed, newest first; anyone may look, a signed-in user may claim."""
    form = WallFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    wishes = Wish.objects.filter(status=WishStatus.POSTED, expires_on__gte=timezone.localdate())
    if data.get("category"):
        wishes = wishes.filter(category=data["category"])
    rows = wishes.order_by("-created_at", "-id").values(*WALL_FIELDS)
    page = Paginator(rows, WALL_PER_PAGE).get_page(request.GET.get("page"))
    labels = dict(Wish._meta.get_field("category").choices)
    items = [
        {**row, "category_label": labels.get(row["category"], row["category"])} for row in page.object_list
    ]
    return render(request, "volunteers/wall.html", {"form": form, "page": page, "wishes": items})
