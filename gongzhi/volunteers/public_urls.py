"""Public pages (no sign-in): certificate verification and the micro-wish wall."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
