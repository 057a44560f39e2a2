"""Encryption at rest and blind indexes for sensitive personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under the keys in GONGZHI_DATA_KEY;
``MultiFernet`` decrypts with any listed key, so a new key can be put first and old rows
re-encrypted later. Equality lookups (uniqueness of an ID number) use an HMAC "blind index"
under a separate, stable key, so the database never sees the plain value.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.GONGZHI_DATA_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (used by key rotation)."""
    return _fernet().rotate(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for lookups: same value and purpose → same digest; not reversible."""
    key = hashlib.sha256(f"{purpose}:{settings.GONGZHI_INDEX_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def reset_cache() -> None:
    _fernet.cache_clear()
