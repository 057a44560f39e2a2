from django.urls import path

from gongzhi.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("export/", views.event_export, name="export"),
    path("verify/", views.verification, name="verify"),
    path("<int:pk>/", views.event_detail, name="detail"),
]
