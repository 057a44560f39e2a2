"""Accounts API: API tokens (issue, list, revoke) and the caller (``/me/``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.accounts import services
from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.serializers import (
    ApiTokenSerializer,
    IssuedTokenSerializer,
    MeSerializer,
    TokenRequestSerializer,
)


class TokenView(APIView):
    """Exchange a username and password (and, with two-factor authentication, an ``otp``
    code) for an API token, sent as ``Authorization: Token <key>``. The key is shown once.

    Failures count towards the login lock (429 ``locked_out`` with ``retry_after``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={201: IssuedTokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.issue_token_for_credentials(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
            otp=data.validated_data.get("otp", ""),
            name=data.validated_data.get("name", ""),
        )
        body = {
            "token": issued.key,
            "id": issued.token.pk,
            "name": issued.token.name,
            "prefix": issued.token.prefix,
            "expires_at": issued.token.expires_at,
        }
        return Response(IssuedTokenSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("user", str, description="Only this user's tokens (administrators)."),
        OpenApiParameter("status", str, enum=["active", "expired", "revoked"]),
    ]
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's API tokens; a system administrator (``accounts.view_apitoken``) also sees
    those of users holding a role in their jurisdiction. Keys are never shown again; revoke
    with ``DELETE`` or ``POST …/revoke/``."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    # Token ids are integers: anything else is no route (404), not a ValueError (500).
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        from django.utils import timezone

        tokens = ApiToken.objects.visible_to(self.request.user).select_related("user")
        params = self.request.query_params
        if params.get("user"):
            tokens = tokens.filter(user__username=params["user"])
        now = timezone.now()
        state = params.get("status")
        if state == "active":
            tokens = tokens.usable(now)
        elif state == "expired":
            tokens = tokens.filter(revoked_at__isnull=True, expires_at__lte=now)
        elif state == "revoked":
            tokens = tokens.filter(revoked_at__isnull=False)
        return tokens

    def _revoke(self, pk) -> ApiToken:
        token = get_object_or_404(self.get_queryset(), pk=pk)
        return services.revoke_token(token, by=self.request.user)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        self._revoke(pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return Response(ApiTokenSerializer(self._revoke(pk)).data)


class MeView(APIView):
    """The caller: username, roles and the areas they hold them over."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
