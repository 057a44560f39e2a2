from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from gongzhi.core.health import healthz
from gongzhi.core.security import ApiDocsView

urlpatterns = [
    # For load balancers: no sign-in, no personal data (gongzhi.core.health).
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("gongzhi.api_urls")),
    path("open311/v2/", include("gongzhi.cases.open311_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("audit/", include("gongzhi.audit.urls")),
    path("", include("gongzhi.core.urls")),
]

# Every refused page (PermissionDenied) is recorded in the audit log, then shown as usual.
handler403 = "gongzhi.audit.views.permission_denied"
# API paths answer 404 and 500 in the API's JSON error shape, pages with the HTML pages.
handler404 = "gongzhi.core.views.not_found"
handler500 = "gongzhi.core.views.server_error"
