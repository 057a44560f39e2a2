"""Routes of the Open311 GeoReport v2 API, mounted at ``/open311/v2/`` (see ``open311.py``).

Each resource ends in its format (``services.xml``, ``requests/2026112300001.json``); an
unknown path still answers in the spec's error format.
"""

from django.urls import path, re_path

from gongzhi.cases import open311

app_name = "open311"

urlpatterns = [
    path("", open311.root, name="root"),
    re_path(r"^discovery\.(?P<fmt>\w+)$", open311.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", open311.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)\.(?P<fmt>\w+)$", open311.service_definition, name="service"),
    re_path(r"^requests\.(?P<fmt>\w+)$", open311.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)\.(?P<fmt>\w+)$", open311.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token_id>[^/]+)\.(?P<fmt>\w+)$", open311.token, name="token"),
    re_path(r"^(?P<rest>.*)$", open311.not_found),
]
