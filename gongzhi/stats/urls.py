from django.urls import include, path

app_name = "stats"

# The dashboards (and the wall screen) and the street workspace with its reports are built
# side by side; each keeps its own URL module.
urlpatterns = [
    path("", include("gongzhi.stats.dashboard_urls")),
    path("", include("gongzhi.stats.workspace_urls")),
]
