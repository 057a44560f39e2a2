"""Password rules: the MLPS profile by default, the ASVS profile as the alternative; Argon2."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError

from gongzhi.accounts.validators import validators_for


def messages(password: str, profile: str) -> list[str]:
    try:
        validate_password(password, password_validators=get_password_validators(validators_for(profile)))
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Gz-2026!", True),  # 8 characters, four classes
        ("gongzhi-2026", True),  # lower, symbol, digit
        ("gongzhi-demo", False),  # lower and symbol only
        ("GONGZHI2026", False),  # upper and digits only
        ("Gz-26!", False),  # too short
        ("Password1!", False),  # a common password
    ],
)
def test_mlps_profile(password, ok):
    assert (messages(password, "mlps") == []) is ok


def test_mlps_profile_says_how_many_classes_are_missing():
    assert "密码须包含小写字母、大写字母、数字、符号中的至少 3 类（现只有 2 类）。" in messages(
        "gongzhi-demo", "mlps"
    )


def test_asvs_profile_asks_for_length_not_composition():
    assert messages("correct horse battery", "asvs") == []
    assert messages("Gz-2026!x", "asvs") != []  # 9 characters: too short for ASVS


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="mlps"):
        validators_for("strict")


def test_new_passwords_are_hashed_with_argon2(settings):
    # The suite swaps in a fast hasher (tests/conftest.py); the settings module names Argon2 first.
    import gongzhi.settings as product

    assert product.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert validators_for("mlps") == product.AUTH_PASSWORD_VALIDATORS
    settings.PASSWORD_HASHERS = product.PASSWORD_HASHERS
    assert identify_hasher(make_password("Gz-2026!")).algorithm == "argon2"
