from django.urls import path

from gongzhi.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("new/", views.register, name="register"),
    path("join/", views.join, name="join"),
    path("me/", views.mine, name="me"),
    path("people/", views.person_options, name="person_options"),
    path("<int:pk>/", views.volunteer_detail, name="detail"),
    path("<int:pk>/certificate/", views.issue_certificate, name="issue_certificate"),
    path("certificates/<str:number>/pdf/", views.certificate_download, name="certificate_pdf"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/signup/", views.signup, name="signup"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/qr/", views.qr_display, name="qr"),
    path("activities/<int:pk>/check/", views.check, name="check"),
    path("activities/<int:pk>/roster/", views.roster, name="roster"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("records/", views.records, name="records"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/<int:pk>/<str:action>/", views.record_action, name="record_action"),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/new/", views.wish_create, name="wish_create"),
    path("wishes/<int:pk>/", views.wish_detail, name="wish"),
    path("wishes/<int:pk>/claim/", views.wish_claim, name="wish_claim"),
    path("wishes/<int:pk>/photos/<int:photo_pk>/", views.wish_photo, name="wish_photo"),
    path("wishes/<int:pk>/<str:action>/", views.wish_action, name="wish_action"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction"),
    path("corrections/<int:pk>/<str:action>/", views.correction_action, name="correction_action"),
    path("alliances/", views.alliances, name="alliances"),
    path("alliances/<int:pk>/", views.alliance_figures, name="alliance"),
]
