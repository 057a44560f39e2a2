"""The one masking module: phones, ID numbers, names, and free text (for logs)."""

from __future__ import annotations

import pytest

from gongzhi.core.masking import mask_id_number, mask_name, mask_phone, mask_text
from gongzhi.people.validators import mask_id_number as people_mask_id_number
from gongzhi.volunteers.certificates import masked_name
from tests.factories import make_person


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0574-86881234", "057******1234"),
        ("86881234", "****1234"),
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_mask_id_number_keeps_region_and_last_four():
    assert mask_id_number("11010519491231002x") == "110105********002X"
    assert mask_id_number("1101051949") == "******1949"  # not an ID number: still hidden


@pytest.mark.django_db
def test_mask_id_number_matches_the_stored_masked_copy(tree):
    person = make_person(grid=tree["G1"])

    assert person.id_number_masked == mask_id_number(person.decrypt_id_number())
    assert people_mask_id_number is mask_id_number  # the old import path is the same function


def test_mask_name_long_and_short_forms():
    assert (mask_name("张三丰"), mask_name("张三丰", short=True), mask_name("")) == ("张**", "张*", "")
    assert masked_name("安娜") == "安*"
    assert masked_name("") == "*"


def test_mask_text_masks_id_numbers_and_mobiles_in_free_text():
    text = "核实 330206197506121234 与 11010519491231002X，电话 13812345678 或 +8613900001111。"

    assert mask_text(text) == (
        "核实 330206********1234 与 110105********002X，电话 138****5678 或 +86139****1111。"
    )


def test_mask_text_leaves_other_numbers_alone():
    text = "事件 202611230000012，金额 12345678901234567890，座机 0574-86881234，订单 23812345678"

    assert mask_text(text) == text
