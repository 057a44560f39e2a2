"""The registry and its documentation say the same: every indicator of ``INDICATORS`` has a
definition (label, unit, formula, period rule, source) and a section of docs/indicators.md
with its name and label that says whether it is additive — and the page documents nothing
the registry lacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gongzhi.stats.indicators import INDICATORS

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
HEADING = re.compile(r"^### `([a-z0-9_]+)` — (.+)$", re.MULTILINE)


def sections() -> dict[str, tuple[str, str]]:
    """name → (heading label, section text)."""
    text = DOC.read_text(encoding="utf-8")
    found = list(HEADING.finditer(text))
    result = {}
    for match, after in zip(found, [*found[1:], None], strict=True):
        end = after.start() if after else text.find("\n## ", match.end())
        result[match.group(1)] = (match.group(2), text[match.end() : end if end != -1 else None])
    return result


@pytest.mark.parametrize("name", list(INDICATORS))
def test_each_indicator_is_defined(name):
    indicator = INDICATORS[name]

    assert indicator.name == name
    for part in ("label", "unit", "formula", "period_rule", "source"):
        assert str(getattr(indicator, part)).strip(), f"{name} has no {part}"
    assert callable(indicator.compute)


@pytest.mark.parametrize("name", list(INDICATORS))
def test_each_indicator_is_documented(name):
    indicator = INDICATORS[name]
    documented = sections()

    assert name in documented, f"docs/indicators.md has no section for {name}"
    label, text = documented[name]
    assert label.startswith(str(indicator.label))
    for part in ("**Formula:**", "**Period rule:**", "**Source records:**"):
        assert part in text, f"{name}: {part} missing"
    assert ("**Additive" in text, "**Derived" in text) == (indicator.additive, not indicator.additive)


def test_the_documentation_names_no_other_indicator():
    assert set(sections()) == set(INDICATORS)


def test_the_documentation_explains_verify_stats_and_periods():
    text = DOC.read_text(encoding="utf-8")

    assert "## verify-stats" in text
    assert "Path-prefix aggregate" in text
    assert "Parent-link recount" in text
    assert "**Period.**" in text
