"""Second factors are confidential at rest (MLPS 2.0 level 3): TOTP secrets are stored only
encrypted (and re-encrypted by ``gongzhi rotate-keys``), recovery codes only as keyed digests;
the data migration converts django-otp's plain-text rows."""

from __future__ import annotations

import base64
import io
import re
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from gongzhi.accounts.models import AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice, hash_recovery_code
from gongzhi.core import crypto
from tests.accounts.conftest import add_totp, log_in, totp_code

pytestmark = pytest.mark.django_db


def raw_rows(table: str) -> str:
    """Every stored value of ``table``, as the database (or a backup) holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a test's constant table name
        return repr(cursor.fetchall())


def recovery_codes_of(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode())


def test_totp_secret_is_stored_only_encrypted(grid_member):
    device = add_totp(grid_member)
    secret_hex = device.key
    secret_b32 = base64.b32encode(device.bin_key).decode()

    stored = raw_rows("accounts_authenticatordevice")

    assert secret_hex not in stored
    assert secret_hex.upper() not in stored
    assert secret_b32 not in stored
    assert crypto.decrypt(AuthenticatorDevice.objects.get().key_encrypted) == secret_hex


def test_enrolment_and_login_still_work_and_codes_are_shown_once(page, client, street_admin):
    signed_in = page(street_admin)
    street_admin.authenticatordevice_set.all().delete()  # enrol from scratch
    signed_in.get("/accounts/two-factor/enrol/")
    pending = AuthenticatorDevice.objects.get(user=street_admin, confirmed=False)
    enrol_page = signed_in.get("/accounts/two-factor/enrol/").content.decode()
    assert "<svg" in enrol_page  # the QR code, from the decrypted secret

    response = signed_in.post("/accounts/two-factor/enrol/", {"code": totp_code(pending)})
    codes = recovery_codes_of(response)

    assert len(codes) == 10
    stored = raw_rows("accounts_recoverycode")
    for code in codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
    assert RecoveryCode.objects.filter(code_hash=hash_recovery_code(codes[0])).count() == 1
    assert codes[0] not in signed_in.get("/accounts/security/").content.decode()
    # Signing in with the authenticator, then with a recovery code typed loosely, once.
    log_in(client, "street_admin")
    assert (
        client.post("/accounts/two-factor/verify/", {"code": totp_code(pending, steps_ahead=1)})["Location"]
        == "/"
    )
    client.post("/logout/")
    log_in(client, "street_admin")
    loose = " " + codes[1].upper().replace("-", " ") + " "
    assert client.post("/accounts/two-factor/verify/", {"code": loose})["Location"] == "/"
    client.post("/logout/")
    log_in(client, "street_admin")
    assert client.post("/accounts/two-factor/verify/", {"code": codes[1]}).status_code == 200


def test_wrong_codes_are_throttled(client, grid_member):
    device = add_totp(grid_member)
    log_in(client, "grid_member")

    client.post("/accounts/two-factor/verify/", {"code": "000000"})
    refused = client.post("/accounts/two-factor/verify/", {"code": totp_code(device)})

    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    assert refused.status_code == 200  # the right code, but too soon after a wrong one


def test_rotate_keys_re_encrypts_totp_secrets(settings, grid_member):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.GONGZHI_DATA_KEYS = [old]
    settings.GONGZHI_INDEX_KEY_PINNED = True
    crypto.reset_cache()
    try:
        device = add_totp(grid_member)
        before = device.key_encrypted
        settings.GONGZHI_DATA_KEYS = [new, old]
        crypto.reset_cache()

        out = io.StringIO()
        call_command("rotate_keys", stdout=out)

        device.refresh_from_db()
        assert "accounts.AuthenticatorDevice" in out.getvalue()
        assert device.key_encrypted != before
        assert Fernet(new.encode()).decrypt(device.key_encrypted.encode())
        settings.GONGZHI_DATA_KEYS = [new]
        crypto.reset_cache()
        assert device.verify_token(totp_code(device))
    finally:
        crypto.reset_cache()


# --- The data migration from django-otp's tables ---------------------------------------------

OLD_TABLES = {
    "otp_totp_totpdevice": (
        "id integer PRIMARY KEY, user_id integer, name varchar(64), confirmed boolean, key varchar(80), "
        "step smallint, t0 bigint, digits smallint, tolerance smallint, drift smallint, last_t bigint, "
        "throttling_failure_timestamp timestamp NULL, throttling_failure_count integer, "
        "created_at timestamp NULL, last_used_at timestamp NULL"
    ),
    "otp_static_staticdevice": (
        "id integer PRIMARY KEY, user_id integer, name varchar(64), confirmed boolean, "
        "throttling_failure_timestamp timestamp NULL, throttling_failure_count integer, "
        "created_at timestamp NULL, last_used_at timestamp NULL"
    ),
    "otp_static_statictoken": "id integer PRIMARY KEY, device_id integer, token varchar(16)",
}


@pytest.fixture
def old_tables():
    with connection.cursor() as cursor:
        for table, columns in OLD_TABLES.items():
            cursor.execute(f"CREATE TABLE {table} ({columns})")
    yield
    with connection.cursor() as cursor:
        for table in OLD_TABLES:
            cursor.execute(f"DROP TABLE {table}")


def test_migration_converts_plain_text_devices(old_tables, grid_member):
    from importlib import import_module

    migration = import_module("gongzhi.accounts.migrations.0007_convert_second_factor")
    key = "3132333435363738393031323334353637383930"  # RFC 6238's test secret
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (7, %s, 'phone', %s, %s, 30, 0, 6, 1, 0, -1, NULL, 0, NULL, NULL)",
            [grid_member.pk, True, key],
        )
        cursor.execute(
            "INSERT INTO otp_static_staticdevice VALUES (3, %s, 'codes', %s, NULL, 0, NULL, NULL)",
            [grid_member.pk, True],
        )
        cursor.execute("INSERT INTO otp_static_statictoken VALUES (1, 3, 'abcd-efgh')")

    # forward() only uses the editor's connection (SQLite refuses a schema editor inside the
    # test's transaction).
    migration.forward(apps, SimpleNamespace(connection=connection))

    device = AuthenticatorDevice.objects.get(user=grid_member)
    assert device.confirmed
    assert device.key == key
    assert device.verify_token(totp_code(device))
    assert RecoveryCodeDevice.objects.get(user=grid_member).verify_token("abcdefgh")
    for table in OLD_TABLES:
        assert raw_rows(table) == "[]"
