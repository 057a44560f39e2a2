from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gongzhi.areas.models import Area
from gongzhi.core.concurrency import ConditionalUpdateMixin
from gongzhi.core.exceptions import DomainError, Forbidden
from gongzhi.core.http import client_ip
from gongzhi.core.permissions import RolePermission
from gongzhi.core.scoping import can
from gongzhi.people import services
from gongzhi.people.filters import PersonFilter
from gongzhi.people.models import Person, PersonTag
from gongzhi.people.serializers import (
    PersonSerializer,
    PersonUpdateSerializer,
    PersonWriteSerializer,
    RevealedIdNumberSerializer,
    RevealedPhoneSerializer,
    RevealSerializer,
)


def reveal_phone_response(request, obj) -> Response:
    """The body of every ``reveal-…-phone`` action: the reason from the request, the rules and
    the logging in ``services.reveal_phone``. The view found ``obj`` in the caller's rows."""
    data = RevealSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    phone = services.reveal_phone(
        obj, by=request.user, reason=data.validated_data["reason"], ip=client_ip(request)
    )
    return Response({"id": obj.pk, "phone": phone})


# The schema of a reveal-phone action, shared by people, cases, wishes and organizations.
reveal_phone_schema = extend_schema(request=RevealSerializer, responses={200: RevealedPhoneSerializer})


def _area_for(user, code: str | None, perm: str, field: str) -> Area | None:
    if not code:
        return None
    area = Area.objects.visible_to(user, "areas.view_area").filter(code=code).first()
    if area is None or not can(user, perm, area):
        raise DomainError(
            _("区域“%(code)s”不存在或不在您的管辖范围内，请检查编码。") % {"code": code}, field=field
        )
    return area


class PersonViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People inside the caller's jurisdiction. ID numbers and phones are masked; the full
    values are revealed one person at a time through ``reveal-id-number`` and ``reveal-phone``,
    with a reason, logged and audited."""

    filterset_class = PersonFilter
    permission_classes = [RolePermission]
    serializer_class = PersonSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    version_related = ("tags",)  # the ETag covers the tags a PATCH may change
    own_record_actions = {"retrieve"}
    action_permissions = {
        "list": "people.view_person",
        "retrieve": "people.view_person",
        "create": "people.add_person",
        "partial_update": "people.change_person",
        "reveal_id_number": "people.view_full_id_number",
        "reveal_phone": "people.view_full_phone",
    }

    def get_queryset(self):
        return (
            Person.objects.visible_to(self.request.user)
            .select_related("home_grid", "area")
            .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.only("person_id", "tag")))
            .order_by("id")
        )

    def _log_tag_views(self, people, reason: str) -> None:
        services.log_sensitive_views(self.request.user, people, reason=reason, ip=client_ip(self.request))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        self._log_tag_views(page, _("API 人员列表"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        self._log_tag_views([person], _("API 人员详情"))
        return Response(self.get_serializer(person).data)

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    def create(self, request, *args, **kwargs):
        data = PersonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        home_grid = _area_for(request.user, values.pop("home_grid", None), "people.add_person", "home_grid")
        area = _area_for(request.user, values.pop("area", None), "people.add_person", "area")
        person = services.create_person(home_grid=home_grid, area=area, by=request.user, **values)
        person = self.get_queryset().get(pk=person.pk)
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses={200: PersonSerializer})
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        if not can(request.user, "people.change_person", person.area):
            raise Forbidden(_("您无权修改此人员的信息。"))
        data = PersonUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tags = values.pop("tags", None)
        if "home_grid" in values:
            values["home_grid"] = _area_for(
                request.user, values["home_grid"], "people.change_person", "home_grid"
            )
        if values:
            person = services.update_person(person, by=request.user, **values)
        if tags is not None:
            services.set_tags(person, tags, by=request.user)
        person = self.get_queryset().get(pk=person.pk)
        return Response(self.get_serializer(person).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealedIdNumberSerializer})
    @action(detail=True, methods=["post"], url_path="reveal-id-number")
    def reveal_id_number(self, request, pk=None):
        """The full ID number of one person, for a role allowed to see it; the reason is logged."""
        person = self.get_object()
        data = RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = services.reveal_id_number(
            person, by=request.user, reason=data.validated_data["reason"], ip=client_ip(request)
        )
        return Response({"id": person.pk, "id_number": number})

    @reveal_phone_schema
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        """The full mobile number of one person, for a role allowed to see it; the reason is logged."""
        return reveal_phone_response(request, self.get_object())
