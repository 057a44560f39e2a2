"""English translation: pages follow the browser's Accept-Language, and the catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)")
_LINE_RE = re.compile(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?)?\s*"(.*)"\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@pytest.fixture(autouse=True)
def _restore_language():
    # LocaleMiddleware activates the request's language for the whole thread; put it back.
    previous = translation.get_language()
    yield
    translation.activate(previous)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text)


def _entries() -> list[dict[str, str]]:
    """(msgid, msgstr …) of each entry in the .po, with multi-line strings joined."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = None
    for line in [*CATALOGUE.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, None
            continue
        if line.startswith("#"):
            continue
        match = _LINE_RE.match(line)
        assert match, f"unexpected line in {CATALOGUE.name}: {line!r}"
        key = match[1] or key
        current[key] = current.get(key, "") + _unescape(match[2])
    return [entry for entry in entries if entry.get("msgid")]  # skip the header


def _html(response) -> str:
    return response.content.decode()


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_area_page_in_english_when_chosen(street_admin, page):
    response = _english(page(street_admin)).get("/areas/S1/")

    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="en"' in html
    assert "Resident population" in html
    assert "Sub-areas" in html
    assert "Areas at grid level" in html
    assert "常住人口" not in html


def test_area_page_in_chinese_even_for_an_english_browser(street_admin, page):
    html = _html(page(street_admin).get("/areas/S1/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))

    assert '<html lang="zh-hans"' in html
    assert "常住人口" in html
    assert "下级区域" in html
    assert "Resident population" not in html


def test_login_page_in_english_when_chosen(page):
    html = _html(_english(page()).get(reverse("login")))

    assert "Log in to Gongzhi" in html
    assert "Username" in html
    assert "Password" in html


def test_switching_language_sets_the_cookie(page):
    response = page().post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_login_page_in_chinese_by_default(page):
    html = _html(page().get(reverse("login")))

    assert "登录共治" in html
    assert "Log in to Gongzhi" not in html


def test_every_catalogue_entry_is_translated_with_the_same_placeholders():
    entries = _entries()

    assert len(entries) > 200
    for entry in entries:
        msgid = entry["msgid"]
        translations = [value for key, value in entry.items() if key.startswith("msgstr")]
        assert translations, f"no msgstr for {msgid!r}"
        for msgstr in translations:
            assert msgstr.strip(), f"empty translation for {msgid!r}"
            assert set(PLACEHOLDER_RE.findall(msgstr)) == set(PLACEHOLDER_RE.findall(msgid)), msgid


def test_catalogue_has_no_fuzzy_entries():
    assert "#, fuzzy" not in CATALOGUE.read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_po_file():
    # A stale django.mo (forgot compilemessages) would serve old or missing translations.
    with translation.override("en"):
        for entry in _entries():
            if "msgid_plural" not in entry:
                assert translation.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
