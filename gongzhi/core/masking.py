"""Masking of personal data for display, and a logging filter that masks it in log records.

One module so that every output masks the same way: pages, the API, XLSX and PDF exports,
admin lists, logs and error pages. What a mask keeps:

- ID number (18 characters): the 6-digit region and the last 4, ``330206********123X``;
- phone: the first 3 and last 4 digits of a mobile, ``138****5678`` (other numbers keep at
  most their last 4 characters);
- name: the first character, ``张**`` (one star per hidden character), or ``张*`` in the short
  public form used on certificates.

The full values are read only through ``gongzhi.people.services`` (permission, reason, audit).
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "*"


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; a landline ``0574-86881234`` → ``057******1234``;
    anything of 6 characters or fewer is hidden entirely."""
    value = (value or "").strip()
    n = len(value)
    if n == 0:
        return ""
    if n >= 11:
        return f"{value[:3]}{MASK * (n - 7)}{value[-4:]}"
    if n >= 7:
        return f"{MASK * (n - 4)}{value[-4:]}"
    return MASK * n


def mask_id_number(value: str | None) -> str:
    """``330206197506121234`` → ``330206********1234``: region kept, birth date and sequence
    hidden. A value that is not 18 characters long is hidden but for its last 4."""
    number = (value or "").strip().upper().replace(" ", "")
    if len(number) == 18:
        return f"{number[:6]}{MASK * 8}{number[-4:]}"
    if len(number) > 4:
        return f"{MASK * (len(number) - 4)}{number[-4:]}"
    return MASK * len(number)


def mask_name(name: str | None, *, short: bool = False) -> str:
    """``张三丰`` → ``张**``; with ``short`` (certificates, public pages) ``张*`` whatever the
    length, so the mask does not tell how long the name is."""
    name = (name or "").strip()
    if not name:
        return ""
    return f"{name[0]}{MASK if short else MASK * max(1, len(name) - 1)}"


# --- Logs ---------------------------------------------------------------------------------

# An 18-character ID number (17 digits and a digit or X) not inside a longer run of digits,
# and an 11-digit mainland mobile number (1[3-9]…), optionally written +86 / 86.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)((?:\+?86)?1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text (log lines, messages)."""
    text = _ID_IN_TEXT.sub(lambda m: f"{m.group(1)}{MASK * 8}{m.group(2)}", text)
    return _MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}{MASK * 4}{m.group(2)}", text)


def _mask_arg(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int | float) or value is None:
        # An int can be a phone number too (13812345678); masking turns it into text.
        masked = mask_text(str(value))
        return value if masked == str(value) else masked
    # Exceptions, model instances, dicts …: mask their text form (what %s would print).
    return mask_text(str(value))


class MaskPersonalDataFilter(logging.Filter):
    """Masks ID numbers and mobile numbers in a record's message, arguments and exception text.

    Installed on the root handler (settings.LOGGING), so it covers every logger that
    propagates: Django's request errors, Celery, the application. The record is rewritten in
    place; the filter never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str):
                record.msg = mask_text(record.msg)
            if isinstance(record.args, dict):
                record.args = {k: _mask_arg(v) for k, v in record.args.items()}
            elif isinstance(record.args, tuple):
                record.args = tuple(_mask_arg(v) for v in record.args)
            if record.exc_info and record.exc_info[1] is not None:
                # Format the traceback now, masked; handlers reuse exc_text instead of exc_info.
                formatter = logging.Formatter()
                record.exc_text = mask_text(formatter.formatException(record.exc_info))
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = mask_text(record.exc_text)
            if record.stack_info:
                record.stack_info = mask_text(record.stack_info)
        except Exception:
            record.msg, record.args = "[gongzhi] a log record could not be masked and was withheld", ()
        return True
