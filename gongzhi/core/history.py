"""The change history (django-auditlog): which models it tracks and how, and the history of
rows that bypass model signals.

``track`` registers a model without its reverse relations. ``bulk_create`` sends no signals,
so the history entries that saving each row would have written are written here, in one
insert, by the batch services (imports) that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, get_fields_in_model, get_mask_function, is_primitive
from auditlog.models import DEFAULT_OBJECT_REPR
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router
from django.db.models import ForeignObjectRel
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str


def track(model: type, *, exclude_fields: Iterable[str] = (), **options: Any) -> None:
    """``auditlog.register`` without the model's reverse relations (django-auditlog #551):
    auditlog diffs every field ``_meta.get_fields()`` names, and for a relation pointing *at*
    the model that value is a related manager, written into every entry as
    "organizations.Membership.None" — 17 of an organization's 39 keys — and read once per
    one-to-one relation on each save."""
    reverse = [f.name for f in model._meta.get_fields() if isinstance(f, ForeignObjectRel)]
    auditlog.register(model, exclude_fields=[*exclude_fields, *reverse], **options)


def log_created_bulk(instances: list[Any]) -> int:
    """The django-auditlog "create" entries that saving each of ``instances`` (rows just
    inserted by ``bulk_create``) one by one would have written (``bulk_create`` sends no
    signals), in one insert: same diff, same fields, same actor (the ``set_actor`` context's
    pre_save receiver is sent each entry)."""
    if not instances or auditlog_disabled.get():
        return 0
    log_entry = get_logentry_model()
    action = log_entry.Action.CREATE
    json_changes = settings.AUDITLOG_STORE_JSON_CHANGES
    serialized = log_entry.objects._get_serialized_data_or_none
    # per model: its diff, content type and whether entries carry the serialized row
    per_model: dict[type, tuple[Callable[[Any], dict[str, Any] | None], Any, bool]] = {}
    entries: list[tuple[Any, Any, Any, Any]] = []
    for instance in instances:
        sender = type(instance)
        if not auditlog.contains(sender):
            continue
        pre_results = pre_log.send(sender, instance=instance, action=action)
        if any(item[1] is False for item in pre_results):
            continue
        if sender not in per_model:
            per_model[sender] = (
                creation_diff(instance, use_json_for_changes=json_changes),
                ContentType.objects.get_for_model(instance),
                auditlog.get_serialize_options(sender)["serialize_data"],
            )
        diff, content_type, serialize = per_model[sender]
        changes = diff(instance)
        if not changes:
            continue
        pk = log_entry.objects._get_pk_value(instance)
        try:
            object_repr = smart_str(instance)
        except ObjectDoesNotExist:
            object_repr = DEFAULT_OBJECT_REPR
        fields: dict[str, Any] = {
            "action": action,
            "changes": changes,
            "content_type": content_type,
            "object_pk": pk,
            "object_repr": object_repr,
            "serialized_data": serialized(instance) if serialize else None,
            "cid": get_cid(),
        }
        if isinstance(pk, int):
            fields["object_id"] = pk
        additional = getattr(instance, "get_additional_data", None)
        if callable(additional):
            fields["additional_data"] = additional()
        entry = log_entry(**fields)
        pre_save.send(sender=log_entry, instance=entry, raw=False, using=entry._state.db, update_fields=None)
        entries.append((entry, instance, pre_results, changes))
    _insert([e[0] for e in entries])
    for entry, instance, pre_results, changes in entries:
        post_log.send(
            type(instance),
            instance=instance,
            instance_old=None,
            action=action,
            error=None,
            pre_log_results=pre_results,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=json_changes,
        )
    return len(entries)


def creation_diff(
    first: Any, *, use_json_for_changes: bool = False
) -> Callable[[Any], dict[str, Any] | None]:
    """``auditlog.diff.model_instance_diff(None, row)`` for new rows of ``first``'s model, as a
    function of the row: the same fields in the same order, the same values.

    Worked out once for the model rather than per row: which fields are tracked and the "old"
    value of each (a new row has none: its field default as auditlog reads it). Only the row's
    own fields are read per row.
    """
    model = type(first)
    # The same field set, filtered the same way, as model_instance_diff builds (a set: its
    # iteration order is the order of the diff's keys).
    fields: Any = set(get_fields_in_model(first))
    model_fields = auditlog.get_model_fields(model)
    if model_fields["include_fields"] or model_fields["exclude_fields"]:
        if model_fields["include_fields"]:
            fields = [f for f in fields if f.name in model_fields["include_fields"]]
        if model_fields["exclude_fields"]:
            fields = [f for f in fields if f.name not in model_fields["exclude_fields"]]
    mask = get_mask_function(model_fields.get("mask_callable")) if model_fields["mask_fields"] else None

    def change(field: Any, old: Any, new: Any) -> tuple[Any, Any]:
        if mask is not None and field.name in model_fields["mask_fields"]:
            return mask(smart_str(old)), mask(smart_str(new))
        if not use_json_for_changes:
            return _text(old), _text(new)
        return (
            old if is_primitive(old) else smart_str(old),
            new if is_primitive(new) else smart_str(new),
        )

    steps = [(field, get_field_value(None, field, use_json_for_changes)) for field in fields]

    def diff(instance: Any) -> dict[str, Any] | None:
        found: dict[str, Any] = {}
        for field, old in steps:
            new = get_field_value(instance, field, use_json_for_changes)
            if old != new:
                found[field.name] = change(field, old, new)
        return found or None

    return diff


def _text(value: Any) -> str:
    """``smart_str(value)``, which returns a str (a choices member too) as it is."""
    return value if isinstance(value, str) else smart_str(value)


def _insert(objs: list[Any]) -> None:
    """``bulk_create(objs)`` (log entries, all of one model), written on PostgreSQL as one
    multi-row ``INSERT … VALUES … RETURNING`` instead.

    Why: Django sends a bulk insert to PostgreSQL as one array per column (``UNNEST``), and
    psycopg (client-side binding) quotes a ``jsonb[]`` array in Python, escaping every double
    quote of every element through a regular expression. A log entry's ``changes`` is a JSON
    object of some forty fields: that escaping was three quarters of the entries' insert. As
    VALUES rows, each JSON document is quoted whole, in C. The values are the ones
    ``bulk_create`` would send (the same related-object check, each field's ``pre_save`` and
    ``get_db_prep_save``), and the rows get their primary keys back as with ``bulk_create``.
    """
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.pk]
    if (
        connection.vendor != "postgresql"
        or len(objs) < 2
        or not opts.pk.db_returning
        or any(obj._is_pk_set() for obj in objs)
        or any(hasattr(f, "get_placeholder") for f in fields)
    ):
        model._default_manager.using(connection.alias).bulk_create(objs)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "  # noqa: S608 # nosec B608 - names from the model
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # At most 65,535 parameters a statement (PostgreSQL's limit, should binding move to the
    # server): one statement up to some 4,000 entries.
    size = max(1, 65535 // len(fields))
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        for obj in batch:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        params = [
            field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
            for obj in batch
            for field in fields
        ]
        sql = head + ", ".join([row] * len(batch)) + f" RETURNING {quote(opts.pk.column)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)  # values as parameters
            returned = cursor.fetchall()
        for obj, (pk,) in zip(batch, returned, strict=True):
            setattr(obj, opts.pk.attname, pk)
            obj._state.adding = False
            obj._state.db = connection.alias
