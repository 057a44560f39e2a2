"""Unified social credit codes (GB 32100-2015): length, alphabet and the check character."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongzhi.organizations.validators import ALPHABET, credit_check_char, validate_credit_code


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the standard's own example
        "91110000600037341L",
        "513302065874123466",
        " 91350100m000100y43 ",  # lower case and spaces are tidied before checking
    ],
)
def test_valid_codes_pass(code):
    validate_credit_code(code)


def test_the_check_character_is_the_weighted_sum_mod_31():
    assert credit_check_char("91350100M000100Y4") == "3"
    # Every other last character is refused with the expected one named.
    for wrong in ALPHABET.replace("3", ""):
        with pytest.raises(ValidationError) as caught:
            validate_credit_code("91350100M000100Y4" + wrong)
        assert caught.value.code == "credit_checksum"
        assert "“3”" in caught.value.messages[0]


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "中"])
def test_letters_outside_the_alphabet_are_refused(bad):
    code = "91350100M000100Y4" + "3"
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code[:9] + bad + code[10:])
    assert caught.value.code == "credit_chars"


@pytest.mark.parametrize(
    ("code", "length"), [("", 0), ("91350100M000100Y4", 17), ("91350100M000100Y433", 19)]
)
def test_wrong_lengths_are_refused_with_the_length(code, length):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert caught.value.code == "credit_length"
    assert f"现为 {length} 位" in caught.value.messages[0]
