from django.urls import path

from gongzhi.stats import workspace_views as views

# Mounted under /stats/ in the "stats" namespace (gongzhi/stats/urls.py).
urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("reports/", views.report_index, name="reports"),
    path("reports/monthly.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/monthly.pdf", views.report_pdf, name="report_pdf"),
    path("reports/table.xlsx", views.table_xlsx, name="table_xlsx"),
]
