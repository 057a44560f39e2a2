"""Encryption at rest and blind indexes for sensitive personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under the keys in GONGZHI_DATA_KEY;
``MultiFernet`` decrypts with any listed key, so a new key can be put first and old rows
re-encrypted later. Equality lookups (uniqueness of an ID number) use an HMAC "blind index"
under a separate, stable key, so the database never sees the plain value.

``sealed`` declares such a value on a model (phones: ``<name>_encrypted``, ``<name>_masked``,
optionally ``<name>_hash``); reading the attribute gives the masked value. ``gongzhi
rotate-keys`` re-encrypts every ``*_encrypted`` column under the newest key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
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
    """Forget the keys read from settings (after GONGZHI_DATA_KEY changes, e.g. in tests)."""
    _fernet.cache_clear()
    _newest.cache_clear()


# --- Sealed model attributes -------------------------------------------------------------


class sealed(property):  # noqa: N801 - used like a field declaration: ``phone = sealed(...)``
    """A sensitive value kept only encrypted, declared on a model like a field.

    ``phone = crypto.sealed("phone", mask=mask_phone, index="person.phone")`` on a model with
    the concrete fields ``phone_encrypted`` (TextField), ``phone_masked`` (CharField) and, with
    ``index``, ``phone_hash`` (CharField, a blind index for exact lookups) means:

    - writing ``obj.phone = "13812345678"`` (or ``Model(phone=...)``, ``objects.create(phone=...)``)
      fills the three columns, and an empty value empties them;
    - reading ``obj.phone`` gives the **masked** value, so every template, serializer and
      export that prints it is masked by default;
    - the plain value comes only from ``obj.reveal_sealed("phone")``, which callers use after
      checking permission and recording the view (``gongzhi.people.services``).

    The model must inherit ``SealedFieldsMixin`` so that ``save(update_fields=["phone"])``
    writes the real columns.
    """

    def __init__(self, name: str, *, mask, index: str | None = None, normalize=None) -> None:
        self.name = name
        self.mask = mask
        self.index = index
        self.normalize = normalize or (lambda v: (v or "").strip())
        super().__init__(self._get, self._set, doc=f"{name} (sealed: reading gives the masked value)")

    @property
    def columns(self) -> tuple[str, ...]:
        base = (f"{self.name}_encrypted", f"{self.name}_masked")
        return (*base, f"{self.name}_hash") if self.index else base

    def _get(self, obj) -> str:
        return getattr(obj, f"{self.name}_masked")

    def _set(self, obj, value: str | None) -> None:
        for column, stored in self.values(value).items():
            setattr(obj, column, stored)

    def values(self, value: str | None) -> dict[str, str]:
        """The column values for ``value`` (also for raw inserts, e.g. the demo loader)."""
        plain = self.normalize(value)
        values = {
            f"{self.name}_encrypted": encrypt(plain) if plain else "",
            f"{self.name}_masked": self.mask(plain) if plain else "",
        }
        if self.index:
            values[f"{self.name}_hash"] = self.lookup(plain) if plain else ""
        return values

    def lookup(self, value: str) -> str:
        """The blind index of ``value`` for ``filter(<name>_hash=...)``."""
        if not self.index:
            raise TypeError(f"{self.name} has no blind index")
        return blind_index(self.normalize(value), purpose=self.index)


def sealed_attributes(model) -> dict[str, sealed]:
    """The sealed attributes declared on ``model`` (and its bases), by name."""
    found: dict[str, sealed] = {}
    for klass in reversed(model.__mro__):
        found.update({k: v for k, v in vars(klass).items() if isinstance(v, sealed)})
    return found


class SealedFieldsMixin:
    """For models declaring ``sealed`` attributes: ``save(update_fields=[...])`` accepts the
    attribute name and writes its columns, and ``reveal_sealed`` decrypts one value."""

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            attributes = sealed_attributes(type(self))
            expanded: list[str] = []
            for name in update_fields:
                expanded.extend(attributes[name].columns if name in attributes else (name,))
            kwargs["update_fields"] = list(dict.fromkeys(expanded))
        return super().save(*args, **kwargs)

    def reveal_sealed(self, name: str) -> str:
        """The plain value of a sealed attribute. Callers must have checked permission and
        recorded the view; ``gongzhi.people.services.reveal_phone`` does both."""
        if name not in sealed_attributes(type(self)):
            raise AttributeError(f"{type(self).__name__}.{name} is not sealed")
        token = getattr(self, f"{name}_encrypted")
        return decrypt(token) if token else ""


def encrypted_columns(model) -> list[str]:
    """Every column of ``model`` holding a Fernet token (named ``*_encrypted``)."""
    return [f.attname for f in model._meta.concrete_fields if f.name.endswith("_encrypted")]


def seal_plain_column(
    app_label: str, model_name: str, plain: str, name: str, *, mask, index: str | None = None
):
    """A pair of ``RunPython`` functions for the migration that moves a plain column
    ``plain`` into the sealed columns of ``name`` (forward) and back (backward)."""

    def forward(apps, schema_editor) -> None:
        model = apps.get_model(app_label, model_name)
        attribute = sealed(name, mask=mask, index=index)
        rows = model.objects.exclude(**{plain: ""}).only("pk", plain)
        for batch in _batches(rows.order_by("pk").iterator(chunk_size=500), 500):
            for row in batch:
                for column, value in attribute.values(getattr(row, plain)).items():
                    setattr(row, column, value)
            model.objects.bulk_update(batch, list(attribute.columns))

    def backward(apps, schema_editor) -> None:
        model = apps.get_model(app_label, model_name)
        rows = model.objects.exclude(**{f"{name}_encrypted": ""}).only("pk", f"{name}_encrypted")
        for batch in _batches(rows.order_by("pk").iterator(chunk_size=500), 500):
            for row in batch:
                setattr(row, plain, decrypt(getattr(row, f"{name}_encrypted")))
            model.objects.bulk_update(batch, [plain])

    return forward, backward


def _batches(iterable, size: int):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Key rotation ---------------------------------------------------------------------------


@dataclass
class RotationCount:
    """What ``rotate_model`` did to one model's rows."""

    label: str
    columns: list[str]
    rotated: int = 0  # values re-encrypted under the newest key
    current: int = 0  # values already under the newest key, left alone
    failed: list[int] = field(default_factory=list)  # pks with a value no listed key opens


@cache
def _newest() -> Fernet:
    return Fernet(settings.GONGZHI_DATA_KEYS[0].encode())


def _is_current(token: str) -> bool:
    try:
        _newest().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_model(model, *, batch_size: int = 500) -> RotationCount:
    """Re-encrypt every ``*_encrypted`` value of ``model`` under the newest data key, one
    transaction per batch of rows (locked while they change). Values already under the newest
    key are left as they are, so a second run changes nothing; blind indexes (their own key)
    and masked copies are untouched."""
    from django.db import transaction

    columns = encrypted_columns(model)
    count = RotationCount(model._meta.label, columns)
    last_pk = None
    while True:
        with transaction.atomic():
            rows = model._base_manager.order_by("pk").only("pk", *columns)
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.select_for_update()[:batch_size])
            if not batch:
                break
            changed = []
            for row in batch:
                dirty = False
                for column in columns:
                    token = getattr(row, column)
                    if not token:
                        continue
                    if _is_current(token):
                        count.current += 1
                        continue
                    try:
                        setattr(row, column, rotate(token))
                    except InvalidToken:
                        count.failed.append(row.pk)
                        continue
                    count.rotated += 1
                    dirty = True
                if dirty:
                    changed.append(row)
            if changed:
                model._base_manager.bulk_update(changed, columns)
            last_pk = batch[-1].pk
    return count


def models_with_encrypted_columns() -> list:
    from django.apps import apps

    return [m for m in apps.get_models() if encrypted_columns(m)]
