"""All of ``/api/v1/``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from gongzhi.accounts.api import MeView, TokenView
from gongzhi.areas.api import AreaViewSet
from gongzhi.people.api import PersonViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("people", PersonViewSet, basename="person")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
