from django.contrib.auth import views as auth_views
from django.urls import include, path

from gongzhi.accounts import views as account_views
from gongzhi.cases import public_views
from gongzhi.core import views

urlpatterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("areas/", include("gongzhi.areas.urls")),
    path("people/", include("gongzhi.people.urls")),
    path("cases/", include("gongzhi.cases.urls")),
    path("organizations/", include("gongzhi.organizations.urls")),
    path("projects/", include("gongzhi.projects.urls")),
    path("volunteers/", include("gongzhi.volunteers.urls")),
    path("stats/", include("gongzhi.stats.urls")),
    # Public, no sign-in: a resident reports a problem and follows it by its tracking link.
    path("report/", public_views.report, name="public-report"),
    path("report/locate/", public_views.locate, name="public-locate"),
    path("track/<str:token>/", public_views.track, name="track"),
    path("track/<str:token>/rate/", public_views.rate, name="track-rate"),
    path("track/<str:token>/photos/<int:pk>/", public_views.track_photo, name="track-photo"),
    path("", include("gongzhi.volunteers.public_urls")),
    path("", views.home, name="home"),
]
