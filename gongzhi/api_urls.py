"""All of ``/api/v1/``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from gongzhi.accounts.api import MeView, TokenView
from gongzhi.areas.api import AreaViewSet
from gongzhi.cases.api import CampaignViewSet, CaseCategoryViewSet, CaseViewSet, HandlingUnitViewSet
from gongzhi.cases.photo_views import CasePhotoThumbnailView, CasePhotoView
from gongzhi.notifications.api import NotificationViewSet
from gongzhi.organizations.api import (
    AllianceViewSet,
    AnnualReportViewSet,
    FilingApplicationViewSet,
    IncubationViewSet,
    OrganizationViewSet,
    RatingViewSet,
    ServicePlatformViewSet,
)
from gongzhi.people.api import PersonViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("people", PersonViewSet, basename="person")
router.register("case-categories", CaseCategoryViewSet, basename="case-category")
router.register("handling-units", HandlingUnitViewSet, basename="handling-unit")
router.register("cases", CaseViewSet, basename="case")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("filing-applications", FilingApplicationViewSet, basename="filing-application")
router.register("service-platforms", ServicePlatformViewSet, basename="service-platform")
router.register("incubations", IncubationViewSet, basename="incubation")
router.register("annual-reports", AnnualReportViewSet, basename="annual-report")
router.register("ratings", RatingViewSet, basename="rating")
router.register("alliances", AllianceViewSet, basename="alliance")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("case-photos/<int:pk>/", CasePhotoView.as_view(), name="api-case-photo"),
    path(
        "case-photos/<int:pk>/thumbnail/", CasePhotoThumbnailView.as_view(), name="api-case-photo-thumbnail"
    ),
    path("", include(router.urls)),
]
