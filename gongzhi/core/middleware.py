"""Language selection: pages speak Chinese unless the user chose another language.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show a district
worker on an English-language browser an English UI they never asked for. Pages therefore use
the language chosen with the switcher (the language cookie) and otherwise the default,
zh-hans; the APIs still honour Accept-Language, which API clients set deliberately.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

API_PREFIXES = ("/api/", "/open311/")


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        if request.path_info.startswith(API_PREFIXES):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None
