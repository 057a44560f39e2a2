"""``/api/v1/audit-events/``: the auditor's read-only view of the audit log."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from gongzhi.audit.filters import AuditEventFilter
from gongzhi.audit.queries import VIEW_PERMISSION, visible_events
from gongzhi.audit.serializers import AuditEventSerializer
from gongzhi.core.permissions import RolePermission


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Audit events the caller may read (the security auditor), newest first, with the same
    filters as the search page; nothing here changes the log."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    permission_classes = [RolePermission]
    action_permissions = {"list": VIEW_PERMISSION, "retrieve": VIEW_PERMISSION}

    def get_queryset(self):
        return visible_events(self.request.user).order_by("-at", "-id")
