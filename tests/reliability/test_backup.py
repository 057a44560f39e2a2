"""``gongzhi backup`` and ``gongzhi restore``: a round trip on SQLite (in place) and on
PostgreSQL (into a scratch database, so pytest's own database stays intact) brings back
every table's row count and every uploaded file byte for byte, after data and files were
changed and deleted. A damaged archive, one from another database, or a restore without
confirmation changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Case, CasePhoto
from gongzhi.cases.services import report_case
from gongzhi.people.models import Person
from tests.cases.conftest import G1_POINT
from tests.factories import make_person

AUDIT_TABLE = "audit_auditevent"  # the restore itself adds one row to the restored log
PROJECT_DIR = Path(__file__).resolve().parents[2]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def media_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def rewrite(archive: Path, change) -> Path:
    """A copy of ``archive`` whose members pass through ``change(name, data) -> data``."""
    out = archive.with_name("changed-" + archive.name)
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


@pytest.fixture
def data(tree, categories, grids, grid_member, media, photo):
    """Three people and two cases, one of them with two photos."""
    people = [make_person(grid=tree["G1"], name=name) for name in ("张三", "李四", "王五")]
    cases = [
        report_case(
            category=categories["clutter"],
            description="人行道堆放建筑垃圾",
            source=CaseSource.GRID_MEMBER,
            by=grid_member,
            lat=G1_POINT[0],
            lng=G1_POINT[1],
            photos=[photo(), photo(color=(10, 200, 10))],
        ),
        report_case(
            category=categories["zombie"],
            description="僵尸车",
            source=CaseSource.GRID_MEMBER,
            by=grid_member,
            grid=grids["G1"],
        ),
    ]
    return {"people": people, "cases": cases}


def damage(data, media: Path) -> None:
    """What happens after the backup: a person deleted and one added, a case edited, a photo
    row gone, one file deleted, one overwritten and one added."""
    Person.objects.filter(pk=data["people"][0].pk).delete()
    make_person(grid=data["people"][1].home_grid, name="新来的")
    Case.objects.filter(pk=data["cases"][0].pk).update(description="被改掉的描述")
    files = sorted(p for p in media.rglob("*") if p.is_file())
    CasePhoto.objects.filter(pk=CasePhoto.objects.order_by("pk").values("pk")[:1]).delete()
    files[0].unlink()
    files[1].write_bytes(b"not a photo any more")
    (media / "extra.txt").write_text("added after the backup")


def current_counts() -> dict[str, int]:
    from gongzhi.core.backup import _inventory

    with connection.cursor() as cursor:
        return _inventory(cursor, connection.vendor)[0]


# --- SQLite, in place ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
def test_sqlite_round_trip_restores_counts_and_files(data, media, tmp_path, capsys):
    archive = tmp_path / "backups" / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    manifest = manifest_of(archive)
    before = media_digests(media)
    damage(data, media)
    assert current_counts()["people_person"] == manifest["tables"]["people_person"]  # 3 - 1 + 1

    call_command("restore", str(archive), "--yes")

    out = capsys.readouterr().out
    assert "记录数与备份清单一致" in out
    counts = current_counts()
    assert {t: n for t, n in counts.items() if t != AUDIT_TABLE and t in manifest["tables"]} == {
        t: n for t, n in manifest["tables"].items() if t != AUDIT_TABLE
    }
    assert counts[AUDIT_TABLE] == manifest["tables"][AUDIT_TABLE] + 1
    assert sorted(Person.objects.values_list("name", flat=True)) == ["张三", "李四", "王五"]
    assert Case.objects.get(pk=data["cases"][0].pk).description == "人行道堆放建筑垃圾"
    assert media_digests(media) == before == manifest["media"]
    assert len(before) >= 2


@pytest.mark.django_db(transaction=True)
def test_the_archive_holds_a_checked_manifest(data, media, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))

    manifest = manifest_of(archive)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        dump = tar.extractfile(manifest["database"]["file"]).read()

    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # personal data inside
    assert manifest["vendor"] == connection.vendor
    assert manifest["created_at"].endswith("+08:00")
    assert "core.0001_initial" in manifest["migrations"]
    assert manifest["tables"]["people_person"] == 3
    assert manifest["tables"]["cases_case"] == 2
    assert hashlib.sha256(dump).hexdigest() == manifest["database"]["sha256"]
    assert manifest["media"] == media_digests(media)
    assert names == {"manifest.json", manifest["database"]["file"]} | {
        f"media/{p}" for p in manifest["media"]
    }


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_changes(data, media, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    damaged = rewrite(archive, lambda name, raw: raw[:-1] + b"x" if name.startswith("media/") else raw)
    Person.objects.filter(pk=data["people"][0].pk).delete()

    with pytest.raises(CommandError, match="备份文件已损坏，未做任何恢复"):
        call_command("restore", str(damaged), "--yes")

    assert Person.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_archive_from_another_database_vendor_is_refused(data, media, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def retag(name: str, raw: bytes) -> bytes:
        if name != "manifest.json":
            return raw
        return json.dumps({**json.loads(raw), "vendor": other}).encode()

    with pytest.raises(CommandError, match=f"该备份是 {other} 数据库的"):
        call_command("restore", str(rewrite(archive, retag)), "--yes")


@pytest.mark.django_db(transaction=True)
def test_restore_asks_first_and_stops_unless_told_yes(data, media, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    Person.objects.filter(pk=data["people"][0].pk).delete()

    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(archive), stdin=io.StringIO("no\n"))

    assert Person.objects.count() == 2


# --- PostgreSQL, into a scratch database --------------------------------------------------------

SCRATCH = "gz_rel_restore"


@pytest.fixture
def scratch_database():
    """An empty database next to pytest's, dropped afterwards."""
    import psycopg

    params = {**connection.get_connection_params(), "dbname": "postgres", "autocommit": True}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{SCRATCH}"')
    settings_dict = connection.settings_dict
    url = f"postgresql://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{SCRATCH}"
    if settings_dict.get("PASSWORD"):
        url = url.replace("@", f":{settings_dict['PASSWORD']}@", 1)
    yield url, {**params, "dbname": SCRATCH, "autocommit": False}
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')


def gongzhi(*args: str, url: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "GONGZHI_DATA_DIR": str(data_dir)}
    command = [str(Path(sys.executable).with_name("gongzhi")), *args]
    return subprocess.run(command, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)  # noqa: S603


def scratch_counts(params: dict) -> dict[str, int]:
    import psycopg

    from gongzhi.core.backup import _inventory

    with psycopg.connect(**params) as conn, conn.cursor() as cursor:
        return _inventory(cursor, "postgresql")[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL round trip")
def test_postgresql_round_trip_into_a_scratch_database(data, media, tmp_path, scratch_database):
    import psycopg

    url, params = scratch_database
    archive = tmp_path / "b.tar.gz"
    call_command("backup", "--output", str(archive))
    manifest = manifest_of(archive)
    restored_media = tmp_path / "restored" / "media"

    # Into the empty scratch database, then again after changing and deleting data and files.
    first = gongzhi("restore", str(archive), "--yes", url=url, data_dir=restored_media.parent)
    assert first.returncode == 0, first.stderr
    with psycopg.connect(**{**params, "autocommit": True}) as conn:
        conn.execute("DELETE FROM cases_casephoto")
        conn.execute("UPDATE cases_case SET description = '被改掉的描述'")
        conn.execute("INSERT INTO django_session VALUES ('x', 'y', now())")
    files = sorted(p for p in restored_media.rglob("*") if p.is_file())
    files[0].unlink()
    files[1].write_bytes(b"not a photo any more")
    (restored_media / "extra.txt").write_text("added after the backup")

    second = gongzhi("restore", str(archive), "--yes", url=url, data_dir=restored_media.parent)

    assert second.returncode == 0, second.stderr
    assert "记录数与备份清单一致" in second.stdout
    counts = scratch_counts(params)
    assert {t: counts.get(t) for t in manifest["tables"] if t != AUDIT_TABLE} == {
        t: n for t, n in manifest["tables"].items() if t != AUDIT_TABLE
    }
    assert counts[AUDIT_TABLE] == manifest["tables"][AUDIT_TABLE] + 1
    with psycopg.connect(**params) as conn:
        descriptions = sorted(r[0] for r in conn.execute("SELECT description FROM cases_case"))
    assert descriptions == ["人行道堆放建筑垃圾", "僵尸车"]
    assert media_digests(restored_media) == manifest["media"] == media_digests(media)
    # pytest's own database was left alone.
    assert Person.objects.count() == 3
