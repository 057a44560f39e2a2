"""Password rules. The default profile follows China's MLPS 2.0 level 3 practice (at least 8
characters from at least 3 of the 4 character classes, common passwords refused); the ASVS
profile (``GONGZHI_PASSWORD_PROFILE=asvs``) asks for length instead (at least 12, no
composition rules), as OWASP ASVS level 2 recommends."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c.isdigit()),
    ("symbol", lambda c: not c.isalnum() and not c.isspace()),
)


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        found = sum(1 for _name, test in CLASSES if any(test(c) for c in password))
        if found < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)s 类（现只有 %(k)s 类）。")
                % {"n": self.min_classes, "k": found},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)s 类。") % {"n": self.min_classes}


def validators_for(profile: str) -> list[dict]:
    """AUTH_PASSWORD_VALIDATORS for a password profile: ``mlps`` (default) or ``asvs``."""
    common = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
    if profile == "asvs":
        return [
            {
                "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                "OPTIONS": {"min_length": 12},
            },
            *common,
        ]
    if profile != "mlps":
        raise ValueError(f"GONGZHI_PASSWORD_PROFILE must be 'mlps' or 'asvs', not {profile!r}")
    return [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 8},
        },
        {"NAME": "gongzhi.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
        *common,
    ]
