from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.accounts.serializers import MeSerializer


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (``Authorization: Token …``)."""


class MeView(APIView):
    """The caller: username, roles and the areas they hold them over."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)
