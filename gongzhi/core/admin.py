"""Admin plumbing shared by every app: scoped querysets and writes through services.

The admin is one more door, so it follows the same rules as pages and API: rows come from
``visible_to(request.user)``, and changes go through the services that hold the rules.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q

from gongzhi.core.exceptions import DomainError
from gongzhi.core.scoping import can, jurisdiction_paths


def scope_by_path(queryset: models.QuerySet, user: Any, perm: str, path_lookup: str) -> models.QuerySet:
    """``visible_to`` for models without a ScopedQuerySet: rows whose area lies in the
    jurisdiction where ``user`` holds ``perm``."""
    if user.is_superuser:
        return queryset
    condition = Q(pk__in=[])
    for path in jurisdiction_paths(user, perm):
        condition |= Q(**{f"{path_lookup}__prefix": path})
    return queryset.filter(condition)


class ScopedAdminMixin:
    """Lists and object pages start from ``visible_to(user)``; changing an object also needs
    the change permission over *its* area (a role may see more than it may change)."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def area_of(self, obj: Any) -> Any:
        return obj.area

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        opts = self.opts
        return can(request.user, f"{opts.app_label}.change_{opts.model_name}", self.area_of(obj))


class _DryRun(Exception):
    """Rolls back a service call made only to validate a form."""


class ServiceAdminMixin:
    """Saves through a service (``apply_service``), showing its DomainError on the form.

    The admin validates the form before ``save_model`` and cannot show an error raised after
    that, so the form's ``clean()`` makes the same service call inside a savepoint that is
    always rolled back: a DomainError lands on the field it names (or on the whole form),
    and ``save_model`` then makes the call for real.
    """

    def apply_service(self, request, form, change: bool) -> models.Model:
        """Call the service with ``form.cleaned_data``; return the saved object. Each admin
        using the mixin names its service here."""
        raise ImproperlyConfigured(
            f"{type(self).__name__} uses ServiceAdminMixin but defines no apply_service()."
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if not self._errors:
                    model_admin.validate_with_service(request, self, change)
                return cleaned

        return ServiceForm

    def validate_with_service(self, request, form, change: bool) -> None:
        # The rehearsal works on copies: services change the objects they are given (a user's
        # is_staff, an assignment's end date), and the rollback restores only the database.
        original = form.cleaned_data, form.instance
        form.cleaned_data, form.instance = copy.deepcopy(original)
        error = None
        try:
            with transaction.atomic():
                self.apply_service(request, form, change)
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as exc:
            error = exc
        finally:
            form.cleaned_data, form.instance = original
        if error is not None:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))

    def save_model(self, request, obj, form, change) -> None:
        saved = self.apply_service(request, form, change)
        # The admin goes on with ``obj`` (history entry, redirect), so it takes the saved state.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False


class ReadOnlyAdminMixin:
    """For append-only records (audit logs): viewable, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
