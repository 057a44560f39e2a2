from __future__ import annotations

from rest_framework import serializers

from gongzhi.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    """One audit event; ``at`` in Beijing time with its offset (+08:00)."""

    category_label = serializers.CharField(source="get_category_display", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "at",
            "actor_id",
            "actor_name",
            "ip",
            "user_agent",
            "category",
            "category_label",
            "action",
            "outcome",
            "outcome_label",
            "object_type",
            "object_id",
            "object_repr",
            "detail",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields
