from django.urls import path

from gongzhi.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.area_index, name="index"),
    path("<str:code>/", views.area_detail, name="detail"),
]
