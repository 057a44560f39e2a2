from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gongzhi.areas import services
from gongzhi.areas.filters import AreaFilter
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.areas.queries import with_rollups
from gongzhi.areas.serializers import (
    AreaCreateSerializer,
    AreaDetailSerializer,
    AreaSerializer,
    AreaUpdateSerializer,
    GridAssignmentSerializer,
)
from gongzhi.core.concurrency import ConditionalUpdateMixin
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.permissions import RolePermission
from gongzhi.core.scoping import can


class AreaViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The area tree inside the caller's jurisdiction, with subtree roll-ups."""

    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z-]+"
    filterset_class = AreaFilter
    permission_classes = [RolePermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "list": "areas.view_area",
        "retrieve": "areas.view_area",
        "staff": "areas.view_gridassignment",
        "create": "areas.add_area",
        "partial_update": "areas.change_area",
    }

    def get_queryset(self):
        qs = Area.objects.visible_to(self.request.user).select_related("parent")
        if self.action in ("list", "retrieve"):
            qs = with_rollups(qs)
        return qs.order_by("path")

    def get_serializer_class(self):
        return {
            "retrieve": AreaDetailSerializer,
            "create": AreaCreateSerializer,
            "partial_update": AreaUpdateSerializer,
            "staff": GridAssignmentSerializer,
        }.get(self.action, AreaSerializer)

    @extend_schema(request=AreaCreateSerializer, responses={201: AreaDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = AreaCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent_code = values.pop("parent", None)
        parent = None
        if parent_code:
            parent = Area.objects.visible_to(request.user, "areas.add_area").filter(code=parent_code).first()
            if parent is None:
                raise DomainError(
                    _("上级区域“%(code)s”不存在或不在您的管辖范围内。") % {"code": parent_code},
                    field="parent",
                )
        elif not request.user.is_superuser:
            raise Forbidden(_("只有系统管理员可以新建区（树的根）。"))
        area = services.create_area(parent=parent, by=request.user, **values)
        area = with_rollups(Area.objects.filter(pk=area.pk)).get()
        return Response(AreaDetailSerializer(area).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AreaUpdateSerializer, responses={200: AreaDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        area = self.get_object()
        if not can(request.user, "areas.change_area", area):
            raise Forbidden(_("您无权修改此区域。"))
        data = AreaUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_area(area, by=request.user, **data.validated_data)
        area = with_rollups(Area.objects.filter(pk=area.pk)).get()
        return Response(AreaDetailSerializer(area).data)

    @extend_schema(responses=GridAssignmentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def staff(self, request, code=None):
        """Current staff of the grids in this area's subtree (网格长、网格员 …)."""
        area = get_object_or_404(Area.objects.visible_to(request.user), code=code)
        qs = (
            GridAssignment.objects.visible_to(request.user)
            .current()
            .filter(grid__path__prefix=area.path)
            .select_related("grid", "person")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(GridAssignmentSerializer(page, many=True).data)
