"""Chinese resident ID numbers (GB 11643-1999) and mainland mobile numbers."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongzhi.core import masking

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# First two digits: province-level division codes (GB/T 2260).
_PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse_id_number(value: str, *, today: datetime.date | None = None) -> tuple[datetime.date, str]:
    """Validate an 18-digit ID number; return (birth date, sex "M"/"F").

    Raises ValidationError saying which part is wrong: length, characters, region, date or
    check digit.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位（现为 %(n)s 位），请核对后重新输入。") % {"n": len(number)},
            code="id_length",
        )
    if not _ID_RE.match(number):
        raise ValidationError(_("身份证号码前 17 位必须是数字，最后一位是数字或 X。"), code="id_chars")
    if number[:2] not in _PROVINCES:
        raise ValidationError(
            _("身份证号码前 6 位地区码无效（“%(code)s”不是有效的省级代码）。") % {"code": number[:2]},
            code="id_region",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号码中的出生日期“%(date)s”不是有效日期。") % {"date": number[6:14]},
            code="id_date",
        ) from None
    today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date, not an instant
    if birth > today or birth.year < 1880:
        raise ValidationError(
            _("身份证号码中的出生日期“%(date)s”不合理。") % {"date": number[6:14]},
            code="id_date",
        )
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("身份证号码校验位错误：最后一位应为“%(expected)s”，请核对是否输错了某一位。")
            % {"expected": expected},
            code="id_checksum",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return birth, sex


def validate_id_number(value: str) -> None:
    parse_id_number(value)


# The masks live in gongzhi.core.masking (one style for every output); re-exported here.
mask_id_number = masking.mask_id_number
mask_phone = masking.mask_phone


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.match(value):
        raise ValidationError(
            _("手机号码“%(value)s”无效：应为 11 位、以 13–19 开头的大陆手机号。") % {"value": value},
            code="invalid_phone",
        )
