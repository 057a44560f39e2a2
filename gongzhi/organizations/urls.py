from django.urls import path

from gongzhi.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("checklist/", views.checklist, name="checklist"),
    path("people/", views.person_picker, name="person_picker"),
    path("register/", views.register, name="register"),
    path("filings/", views.filings, name="filings"),
    path("filings/<int:pk>/", views.filing_detail, name="filing"),
    path("filings/<int:pk>/<str:action>/", views.filing_action, name="filing_action"),
    path("incubation/", views.incubation, name="incubation"),
    path("incubation/<int:pk>/advance/", views.incubation_advance, name="incubation_advance"),
    path("annual-reports/", views.annual_reports, name="annual_reports"),
    path("alliances/", views.alliances, name="alliances"),
    path("alliances/<int:pk>/", views.alliance_detail, name="alliance"),
    path("alliances/<int:pk>/posts/", views.alliance_post, name="alliance_post"),
    path("stats/", views.stats, name="stats"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/report/", views.import_report, name="import_report"),
    path("<int:pk>/", views.profile, name="profile"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/actions/<str:action>/", views.org_action, name="action"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/new-person/", views.member_create, name="member_create"),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
]
