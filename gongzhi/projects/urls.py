from django.urls import path

from gongzhi.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.create, name="create"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("sources/", views.sources, name="sources"),
    path("sources/new/", views.source_create, name="source_create"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("coverage/", views.coverage, name="coverage"),
    path("results/", views.results, name="results"),
    path("photos/<int:pk>/", views.delivery_photo, name="delivery_photo"),
    path("photos/<int:pk>/thumb/", views.delivery_photo, {"variant": "thumbnail"}, name="delivery_thumb"),
    path("case-records/<int:pk>/", views.case_record, name="case_record"),
    path("case-records/<int:pk>/notes/", views.case_note, name="case_note"),
    path("case-records/<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/actions/<str:action>/", views.action, name="action"),
    path("<int:pk>/claims/<str:decision>/", views.claim_decision, name="claim_decision"),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/complete/",
        views.milestone_complete,
        name="milestone_complete",
    ),
    path("<int:pk>/indicators/<int:indicator_pk>/actual/", views.indicator_actual, name="indicator_actual"),
    path("<int:pk>/allocations/", views.allocate, name="allocate"),
    path("<int:pk>/disbursements/", views.disburse, name="disburse"),
    path("<int:pk>/ledger/<str:kind>/<int:entry_pk>/reverse/", views.reverse_entry, name="reverse_entry"),
    path("<int:pk>/deliveries/new/", views.delivery_create, name="delivery_create"),
    path("<int:pk>/awards/", views.award_create, name="award_create"),
    path("<int:pk>/caseworkers/", views.caseworker_add, name="caseworker_add"),
    path(
        "<int:pk>/caseworkers/<int:caseworker_pk>/remove/", views.caseworker_remove, name="caseworker_remove"
    ),
    path("<int:pk>/case-records/", views.case_records, name="case_records"),
]
