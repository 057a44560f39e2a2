"""Serving case photos: only through a view that checks the viewer may see the case.

Files are stored under random names outside any public URL; this view is the one door, and
it answers 404 — the same as for a photo that does not exist — to anyone who may not see the
photo's case (or, for a campaign post's photo, the campaign).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from gongzhi.cases.models import Campaign, Case, CasePhoto


def may_see_photo(user: Any, photo: CasePhoto) -> bool:
    if photo.case_id is not None:
        return Case.objects.visible_to(user).filter(pk=photo.case_id).exists()
    if photo.campaign_id is not None:
        return Campaign.objects.visible_to(user).filter(pk=photo.campaign_id).exists()
    return False


class CasePhotoView(APIView):
    """The JPEG of one photo (re-encoded on upload, without EXIF), or its thumbnail."""

    permission_classes = [IsAuthenticated]
    variant = "image"

    def perform_content_negotiation(self, request, force=False):
        # The body is an image whatever the client's Accept header says (an <img> asks for
        # image/*); errors still answer with the JSON renderer.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        photo = (
            CasePhoto.objects.filter(pk=pk).only("pk", "case_id", "campaign_id", "image", "thumbnail").first()
        )
        if photo is None or not may_see_photo(request.user, photo):
            raise Http404
        try:
            stream = getattr(photo, self.variant).open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(stream, content_type="image/jpeg")
        # Private: a shared cache must never hand one viewer's permitted photo to another.
        response["Cache-Control"] = "private, max-age=86400"
        return response


class CasePhotoThumbnailView(CasePhotoView):
    """The photo's thumbnail (at most 320×320), for lists."""

    variant = "thumbnail"
