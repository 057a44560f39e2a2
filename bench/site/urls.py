"""The product's URLs plus the baselines each benchmark divides by (under /bench/)."""

from django.urls import include, path

from bench.site import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench-bare"),
    path("bench/raw-insert/", views.raw_insert, name="bench-raw-insert"),
    path("bench/cases-values/", views.cases_values, name="bench-cases-values"),
    path("bench/dashboard-sql/", views.dashboard_sql, name="bench-dashboard-sql"),
    path("", include("gongzhi.urls")),
]
