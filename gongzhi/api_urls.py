"""All of ``/api/v1/``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from gongzhi.accounts.api import ApiTokenViewSet, MeView, TokenView
from gongzhi.areas.api import AreaViewSet
from gongzhi.audit.api import AuditEventViewSet
from gongzhi.cases.api import CampaignViewSet, CaseCategoryViewSet, CaseViewSet, HandlingUnitViewSet
from gongzhi.cases.photo_views import CasePhotoThumbnailView, CasePhotoView
from gongzhi.notifications.api import NotificationViewSet
from gongzhi.organizations.api import (
    AllianceViewSet,
    AnnualReportViewSet,
    FilingApplicationViewSet,
    ImportJobViewSet,
    IncubationViewSet,
    OrganizationViewSet,
    RatingViewSet,
    ServicePlatformViewSet,
)
from gongzhi.people.api import PersonViewSet
from gongzhi.projects.api import (
    AwardViewSet,
    CaseRecordViewSet,
    DeliveryPhotoThumbnailView,
    DeliveryPhotoView,
    FundingSourceViewSet,
    ProgrammeViewSet,
    ProjectViewSet,
)
from gongzhi.stats.api import BreakdownView, IndicatorListView, JusticeView, OverviewView, TimeseriesView
from gongzhi.volunteers.api import (
    ActivityViewSet,
    CertificateViewSet,
    CorrectionViewSet,
    ServiceRecordViewSet,
    VolunteerViewSet,
    WishViewSet,
)

router = DefaultRouter()
router.register("auth/tokens", ApiTokenViewSet, basename="api-token-admin")
router.register("areas", AreaViewSet, basename="area")
router.register("people", PersonViewSet, basename="person")
router.register("case-categories", CaseCategoryViewSet, basename="case-category")
router.register("handling-units", HandlingUnitViewSet, basename="handling-unit")
router.register("cases", CaseViewSet, basename="case")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("organizations", OrganizationViewSet, basename="organization")
# Organization import jobs (issue 9): XLSX imports run in the background.
router.register("organization-imports", ImportJobViewSet, basename="organization-import-job")
router.register("filing-applications", FilingApplicationViewSet, basename="filing-application")
router.register("service-platforms", ServicePlatformViewSet, basename="service-platform")
router.register("incubations", IncubationViewSet, basename="incubation")
router.register("annual-reports", AnnualReportViewSet, basename="annual-report")
router.register("ratings", RatingViewSet, basename="rating")
router.register("alliances", AllianceViewSet, basename="alliance")
router.register("funding-sources", FundingSourceViewSet, basename="funding-source")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("projects", ProjectViewSet, basename="project")
router.register("case-records", CaseRecordViewSet, basename="case-record")
router.register("awards", AwardViewSet, basename="award")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("activities", ActivityViewSet, basename="activity")
router.register("service-records", ServiceRecordViewSet, basename="service-record")
router.register("wishes", WishViewSet, basename="wish")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("corrections", CorrectionViewSet, basename="correction")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("case-photos/<int:pk>/", CasePhotoView.as_view(), name="api-case-photo"),
    path(
        "case-photos/<int:pk>/thumbnail/", CasePhotoThumbnailView.as_view(), name="api-case-photo-thumbnail"
    ),
    path("delivery-photos/<int:pk>/", DeliveryPhotoView.as_view(), name="api-delivery-photo"),
    path(
        "delivery-photos/<int:pk>/thumbnail/",
        DeliveryPhotoThumbnailView.as_view(),
        name="api-delivery-photo-thumbnail",
    ),
    path("stats/overview/", OverviewView.as_view(), name="api-stats-overview"),
    path("stats/timeseries/", TimeseriesView.as_view(), name="api-stats-timeseries"),
    path("stats/breakdown/", BreakdownView.as_view(), name="api-stats-breakdown"),
    path("stats/indicators/", IndicatorListView.as_view(), name="api-stats-indicators"),
    path("stats/justice/", JusticeView.as_view(), name="api-stats-justice"),
    path("", include(router.urls)),
]
