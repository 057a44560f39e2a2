"""The change history (django-auditlog) of rows that bypass model signals.

``bulk_create`` sends no signals, so the history entries that saving each row would have
written are written here, in one insert, by the batch services (imports) that use it.
"""

from __future__ import annotations

from typing import Any


def log_created_bulk(instances: list[Any]) -> int:
    """The django-auditlog "create" entries that saving each of ``instances`` (rows just
    inserted by ``bulk_create``) one by one would have written (``bulk_create`` sends no signals), in one insert: same diff, same fields,
    same actor (the ``set_actor`` context's pre_save receiver is sent each entry)."""
    from auditlog import get_logentry_model
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_disabled
    from auditlog.diff import model_instance_diff
    from auditlog.models import DEFAULT_OBJECT_REPR
    from auditlog.registry import auditlog
    from auditlog.signals import post_log, pre_log
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.exceptions import ObjectDoesNotExist
    from django.db.models.signals import pre_save
    from django.utils.encoding import smart_str

    if not instances or auditlog_disabled.get():
        return 0
    log_entry = get_logentry_model()
    action = log_entry.Action.CREATE
    json_changes = settings.AUDITLOG_STORE_JSON_CHANGES
    entries: list[tuple[Any, Any, Any, Any]] = []
    for instance in instances:
        sender = type(instance)
        if not auditlog.contains(sender):
            continue
        pre_results = pre_log.send(sender, instance=instance, action=action)
        if any(item[1] is False for item in pre_results):
            continue
        for relation in instance._meta.related_objects:
            # Nothing can point at a row inserted a moment ago: what the diff would look up
            # per row (and Django then cache as None) is cached as None right away.
            if relation.one_to_one and not relation.is_cached(instance):
                relation.set_cached_value(instance, None)
        changes = model_instance_diff(None, instance, use_json_for_changes=json_changes)
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
            "content_type": ContentType.objects.get_for_model(instance),
            "object_pk": pk,
            "object_repr": object_repr,
            "serialized_data": log_entry.objects._get_serialized_data_or_none(instance),
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
    log_entry.objects.bulk_create([e[0] for e in entries])
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
