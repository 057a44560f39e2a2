"""Uploaded files in S3-compatible object storage: the settings GONGZHI_S3_* produce.

No object store runs on this machine, so each test loads the settings in a fresh interpreter
with the environment a deployment would set and inspects the storage Django builds from
them (django-storages creates its client lazily: nothing is contacted). Files reach users
only through the permission-checked views, which open them through this storage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

S3_ENV = {
    "GONGZHI_S3_BUCKET": "gongzhi-media",
    "GONGZHI_S3_ENDPOINT_URL": "https://minio.internal:9000",
    "GONGZHI_S3_REGION": "cn-east-1",
    "GONGZHI_S3_ACCESS_KEY": "gongzhi-app",
    "GONGZHI_S3_SECRET_KEY": "not-a-real-secret-0123456789",
    "GONGZHI_S3_ADDRESSING_STYLE": "path",
}

INSPECT = """
import json
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "options": settings.STORAGES["default"].get("OPTIONS", {}),
    "class": type(storage).__module__ + "." + type(storage).__name__,
    "attributes": {name: getattr(storage, name, None) for name in (
        "bucket_name", "endpoint_url", "region_name", "location", "default_acl",
        "querystring_auth", "querystring_expire", "custom_domain", "file_overwrite", "addressing_style",
    )},
    # Signing needs keys; without them (host credentials) there is nothing to sign with here.
    "url": storage.url("cases/ab/photo.jpg") if getattr(storage, "access_key", None) else None,
}))
"""


def load(tmp_path, env: dict[str, str], *, hide_storages: bool = False) -> subprocess.CompletedProcess:
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("GONGZHI_S3_")}
    full_env.update(GONGZHI_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gongzhi.settings", **env)
    # As if django-storages were not installed: an import of it finds nothing.
    prelude = "import sys; sys.modules['storages'] = None\n" if hide_storages else ""
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", prelude + INSPECT],
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def inspect(tmp_path, env: dict[str, str]) -> dict:
    result = load(tmp_path, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_bucket_uploads_stay_in_the_data_directory(tmp_path):
    loaded = inspect(tmp_path, {})

    assert loaded["backend"] == "django.core.files.storage.FileSystemStorage"
    assert loaded["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert loaded["url"] is None


def test_a_bucket_moves_uploads_to_private_object_storage(tmp_path):
    pytest.importorskip("storages.backends.s3", reason="the s3 extra is not installed: pip install '.[s3]'")

    loaded = inspect(tmp_path, S3_ENV)

    assert loaded["backend"] == "storages.backends.s3.S3Storage"
    assert loaded["class"] == "storages.backends.s3.S3Storage"
    assert loaded["attributes"] == {
        "bucket_name": "gongzhi-media",
        "endpoint_url": "https://minio.internal:9000",
        "region_name": "cn-east-1",
        "location": "media",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 60,
        "custom_domain": None,
        "file_overwrite": False,
        "addressing_style": "path",
    }
    assert loaded["options"]["access_key"] == "gongzhi-app"


def test_a_url_for_an_object_is_signed_and_short_lived_never_public(tmp_path):
    pytest.importorskip("storages.backends.s3", reason="the s3 extra is not installed: pip install '.[s3]'")

    url = inspect(tmp_path, S3_ENV)["url"]

    assert url.startswith("https://minio.internal:9000/gongzhi-media/media/cases/ab/photo.jpg?")
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=60" in url


def test_credentials_may_come_from_the_host_instead(tmp_path):
    pytest.importorskip("storages.backends.s3", reason="the s3 extra is not installed: pip install '.[s3]'")
    env = {
        key: value
        for key, value in S3_ENV.items()
        if key not in {"GONGZHI_S3_ACCESS_KEY", "GONGZHI_S3_SECRET_KEY"}
    }
    env["GONGZHI_S3_PREFIX"] = "district-330206"

    loaded = inspect(tmp_path, env)

    assert (loaded["options"]["access_key"], loaded["options"]["secret_key"]) == (None, None)
    assert loaded["attributes"]["location"] == "district-330206"


def test_half_a_key_pair_is_refused(tmp_path):
    env = {key: value for key, value in S3_ENV.items() if key != "GONGZHI_S3_SECRET_KEY"}

    result = load(tmp_path, env)

    assert result.returncode != 0
    assert "Set both GONGZHI_S3_ACCESS_KEY and GONGZHI_S3_SECRET_KEY, or neither" in result.stderr


def test_a_bucket_without_the_package_fails_with_how_to_install_it(tmp_path):
    result = load(tmp_path, S3_ENV, hide_storages=True)

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: GONGZHI_S3_BUCKET is set but django-storages with boto3 is not installed"
        in (result.stderr)
    )
    assert "pip install 'gongzhi[s3]'" in result.stderr
