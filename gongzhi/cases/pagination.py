"""Keyset (cursor) pagination for lists that grow while people read them.

A page is found by position (``reported_at`` of the last row seen), not by offset, so new
cases reported meanwhile neither shift rows onto the next page nor cost a COUNT(*).
"""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class CaseCursorPagination(CursorPagination):
    ordering = ("-reported_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NewestFirstCursorPagination(CursorPagination):
    """For inboxes and feeds ordered by ``created_at``."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
