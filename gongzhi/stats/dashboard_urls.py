from django.urls import path

from gongzhi.stats import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.screen, name="screen"),
    path("screen/body/", views.screen_body, name="screen_body"),
]
