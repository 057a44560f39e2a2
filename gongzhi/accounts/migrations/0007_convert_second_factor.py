"""Move second factors out of django-otp's plain-text tables (issue 8).

TOTP secrets (``otp_totp_totpdevice.key``) become ``AuthenticatorDevice`` rows with the secret
encrypted; recovery codes (``otp_static_statictoken.token``) become ``RecoveryCode`` digests.
The old rows are then deleted, so no plain secret stays behind. The old tables are read with
SQL because their apps are no longer installed; on a new database they do not exist and
there is nothing to convert. Backwards, TOTP secrets go back to the old table if it still
exists; recovery codes cannot (only digests are kept) and must be generated again.
"""

from django.db import migrations

OLD_TOTP = "otp_totp_totpdevice"
OLD_STATIC = "otp_static_staticdevice"
OLD_TOKENS = "otp_static_statictoken"
_TOTP_COLUMNS = (
    "id, user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, "
    "throttling_failure_timestamp, throttling_failure_count, created_at, last_used_at"
)


def _tables(schema_editor) -> set[str]:
    return set(schema_editor.connection.introspection.table_names())


def forward(apps, schema_editor):
    from gongzhi.core.crypto import encrypt

    Authenticator = apps.get_model("accounts", "AuthenticatorDevice")
    CodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    Code = apps.get_model("accounts", "RecoveryCode")
    tables = _tables(schema_editor)
    with schema_editor.connection.cursor() as cursor:
        if OLD_TOTP in tables:
            cursor.execute(f"SELECT {_TOTP_COLUMNS} FROM {OLD_TOTP} ORDER BY id")  # noqa: S608 - constants
            for (_pk, user_id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t,
                 failed_at, failures, created_at, last_used_at) in cursor.fetchall():  # fmt: skip
                Authenticator.objects.create(
                    user_id=user_id,
                    name=name,
                    confirmed=confirmed,
                    key_encrypted=encrypt(key.lower()),
                    step=step,
                    t0=t0,
                    digits=digits,
                    tolerance=tolerance,
                    drift=drift,
                    last_t=last_t,
                    throttling_failure_timestamp=failed_at,
                    throttling_failure_count=failures,
                    created_at=created_at,
                    last_used_at=last_used_at,
                )
            cursor.execute(f"DELETE FROM {OLD_TOTP}")  # noqa: S608 - a constant table name
        if OLD_STATIC in tables and OLD_TOKENS in tables:
            from gongzhi.accounts.models import hash_recovery_code

            cursor.execute(
                f"SELECT id, user_id, name, confirmed, throttling_failure_timestamp, "  # noqa: S608
                f"throttling_failure_count, created_at, last_used_at FROM {OLD_STATIC} ORDER BY id"
            )
            for old_id, user_id, name, confirmed, failed_at, failures, created_at, used_at in cursor.fetchall():
                device = CodeDevice.objects.create(
                    user_id=user_id,
                    name=name,
                    confirmed=confirmed,
                    throttling_failure_timestamp=failed_at,
                    throttling_failure_count=failures,
                    created_at=created_at,
                    last_used_at=used_at,
                )
                with schema_editor.connection.cursor() as tokens:
                    tokens.execute(f"SELECT token FROM {OLD_TOKENS} WHERE device_id = %s", [old_id])  # noqa: S608
                    Code.objects.bulk_create(
                        Code(device=device, code_hash=hash_recovery_code(token)) for (token,) in tokens.fetchall()
                    )
            cursor.execute(f"DELETE FROM {OLD_TOKENS}")  # noqa: S608 - a constant table name
            cursor.execute(f"DELETE FROM {OLD_STATIC}")  # noqa: S608 - a constant table name


def backward(apps, schema_editor):
    from gongzhi.core.crypto import decrypt

    if OLD_TOTP not in _tables(schema_editor):
        return
    Authenticator = apps.get_model("accounts", "AuthenticatorDevice")
    with schema_editor.connection.cursor() as cursor:
        for device in Authenticator.objects.order_by("pk"):
            cursor.execute(
                f"INSERT INTO {OLD_TOTP} (user_id, name, confirmed, key, step, t0, digits, tolerance, "  # noqa: S608
                "drift, last_t, throttling_failure_timestamp, throttling_failure_count, created_at, "
                "last_used_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    device.user_id,
                    device.name,
                    device.confirmed,
                    decrypt(device.key_encrypted),
                    device.step,
                    device.t0,
                    device.digits,
                    device.tolerance,
                    device.drift,
                    device.last_t,
                    device.throttling_failure_timestamp,
                    device.throttling_failure_count,
                    device.created_at,
                    device.last_used_at,
                ],
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_second_factor_at_rest")]

    operations = [migrations.RunPython(forward, backward)]
