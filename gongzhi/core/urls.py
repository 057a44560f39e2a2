from django.contrib.auth import views as auth_views
from django.urls import include, path

from gongzhi.core import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("areas/", include("gongzhi.areas.urls")),
    path("people/", include("gongzhi.people.urls")),
    path("", views.home, name="home"),
]
