from django.urls import path

from gongzhi.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/reveal-id-number/", views.reveal_id_number, name="reveal_id_number"),
    path(
        "phone/<str:kind>/<int:pk>/reveal/",
        views.reveal_phone,
        name="reveal_phone",
    ),
]
