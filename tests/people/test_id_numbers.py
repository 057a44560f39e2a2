"""Chinese resident ID numbers (GB 11643): validation, derived fields, masking."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongzhi.people.validators import (
    id_check_char,
    mask_id_number,
    mask_phone,
    parse_id_number,
    validate_phone,
)

VALID = "11010519491231002X"  # the standard's worked example


def test_parse_valid_number_derives_birth_and_sex():
    assert parse_id_number(VALID) == (datetime.date(1949, 12, 31), "F")


def test_parse_accepts_lowercase_x_and_spaces():
    assert parse_id_number(" 11010519491231002x ") == (datetime.date(1949, 12, 31), "F")


def test_check_char_of_worked_example():
    assert id_check_char(VALID[:17]) == "X"


@pytest.mark.parametrize(
    ("number", "code", "fragment"),
    [
        ("110105194912310021", "id_checksum", "最后一位应为“X”"),
        ("110105194902300027", "id_date", "19490230"),
        ("110105209912310023", "id_date", "不合理"),
        ("11010519491231002", "id_length", "现为 17 位"),
        ("1101051949123100201", "id_length", "现为 19 位"),
        ("11010519491231A02X", "id_chars", "前 17 位必须是数字"),
        ("990105194912310020", "id_region", "地区码无效"),
    ],
)
def test_parse_rejects_with_a_specific_message(number, code, fragment):
    with pytest.raises(ValidationError) as err:
        parse_id_number(number)

    assert err.value.code == code
    assert fragment in err.value.messages[0]


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(VALID) == "110105********002X"


@pytest.mark.parametrize("phone", ["13812345678", "19900001111"])
def test_valid_phones(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "138123456789", "+8613812345678"])
def test_invalid_phones(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
