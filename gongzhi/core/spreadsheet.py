"""Spreadsheet exports: text typed by users must never run as a formula (CSV/formula injection)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell starting with = + - @ (or a tab/carriage return) is prefixed with an
    apostrophe, so a spreadsheet shows it as text; numbers and dates pass unchanged."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
