"""``{% sealed_phone obj %}``: a sealed phone as the viewer may see it — masked, with a
查看完整号码 button (a reason form) for roles holding ``people.view_full_phone`` there.

Works for every model in ``people.services.PHONE_SOURCES`` (a person, a case's reporter, a
wish's claimer, an organization), so each page shows and unmasks phones the same way.
"""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.people import services
from gongzhi.people.forms import RevealPhoneForm

register = template.Library()

# The URL segment of each model's reveal page (people:reveal_phone).
PHONE_KINDS = {
    "people.person": "person",
    "cases.case": "case",
    "volunteers.wish": "wish",
    "organizations.organization": "organization",
}


def form_prefix(obj: Any) -> str:
    # Several phones may be on one page: each reason field gets its own name and id.
    return f"phone-{PHONE_KINDS[obj._meta.label_lower]}-{obj.pk}"


def phone_context(obj: Any, user: Any, **extra: Any) -> dict[str, Any]:
    source = services.phone_source(obj)
    return {
        "kind": PHONE_KINDS[obj._meta.label_lower],
        "pk": obj.pk,
        "masked": getattr(obj, source.attribute),
        "can_reveal": user is not None and services.may_reveal_phone(user, obj),
        "form": RevealPhoneForm(prefix=form_prefix(obj)),
        **extra,
    }


@register.inclusion_tag("people/_phone.html", takes_context=True)
def sealed_phone(context: template.Context, obj: Any) -> dict[str, Any]:
    request = context.get("request")
    return {**phone_context(obj, getattr(request, "user", None)), "csrf_token": context.get("csrf_token")}
