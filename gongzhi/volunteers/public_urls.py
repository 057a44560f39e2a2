"""Public pages (no sign-in): certificate verification and the micro-wish wall."""

from django.urls import path

from gongzhi.volunteers import public_views

urlpatterns = [
    path("certificates/", public_views.certificate_lookup, name="certificate-lookup"),
    path("certificates/<str:number>/", public_views.certificate_verify, name="certificate-verify"),
    path("wishes/wall/", public_views.wish_wall, name="wish-wall"),
]
