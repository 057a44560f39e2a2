"""Backups: one ``.tar.gz`` holding the database, the uploaded files and a manifest.

Layout of an archive::

    manifest.json        what the archive holds and the checksums to verify it by
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: ``pg_dump -Fc`` (custom format, for ``pg_restore``)
    media/<path>         every file under MEDIA_ROOT (case photos, delivery photos …)

The manifest holds ``created_at`` (with time zone), the database vendor, the applied Django
migrations, the row count of every table, and the sha256 of the dump and of each file. The
counts and the dump describe the same moment: PostgreSQL counts inside the transaction whose
snapshot ``pg_dump --snapshot`` dumps; SQLite counts in the copy itself.

``restore`` checks every checksum before it touches anything, refuses an archive from another
database vendor, restores the database (SQLite: the backup API copies the archive's pages
into the live database in one step, after saving the current file as ``*.pre-restore-…``;
PostgreSQL: ``pg_restore --clean --if-exists --no-owner --single-transaction``), makes
MEDIA_ROOT exactly the archive's files, and finally compares each table's row count with the
manifest.

An archive holds personal data: it is written with mode 0600; keep it encrypted and off the
host. Encrypted columns (ID numbers) stay encrypted in it, so restoring needs the same
``GONGZHI_DATA_KEY`` (and ``GONGZHI_INDEX_KEY``) as the system that made it.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class RestoreReport:
    vendor: str
    tables_checked: int = 0
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (manifest, now)
    files_restored: int = 0
    files_removed: int = 0
    migrations_missing_in_code: list[str] = field(default_factory=list)
    migrations_to_apply: list[str] = field(default_factory=list)
    safety_copy: str = ""

    @property
    def ok(self) -> bool:
        return not self.count_mismatches


# ---------------------------------------------------------------------------------------------
# Helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _inventory(cursor: Any, vendor: str) -> tuple[dict[str, int], list[str]]:
    """Row count of every table, and the applied migrations ("app.name"), seen by ``cursor``
    (a DB-API cursor, so it works on the SQLite copy and on the dump's snapshot alike)."""
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue  # nosec B608
        counts[table] = int(cursor.fetchone()[0])
    migrations: list[str] = []
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    return counts, migrations


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _pg_env(settings_dict: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Environment and connection arguments for pg_dump/pg_restore from Django's settings."""
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", str(settings_dict["NAME"])]
    return env, args


def _pg_tool(name: str) -> str:
    """The path of pg_dump/pg_restore, refused when older than the server (a dump from an
    older pg_dump cannot read a newer server's catalogue)."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端工具。") % {"tool": name})
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.(\d+))?", output)
    tool_major = int(match.group(1)) if match else 0
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if tool_major < server_major:
        raise BackupError(
            _(
                "%(tool)s 的版本 %(mine)s 低于数据库服务器的版本 %(server)s：请安装 %(server)s 或更新版本的客户端工具。"
            )
            % {"tool": name, "mine": tool_major, "server": server_major}
        )
    return tool


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s 执行失败（退出码 %(code)s）：%(error)s")
            % {
                "tool": Path(command[0]).name,
                "code": result.returncode,
                "error": result.stderr.strip()[:2000],
            }
        )


# ---------------------------------------------------------------------------------------------
# Backup


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[str]]:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot while others keep working.
        connection.connection.backup(destination)
        cursor = destination.cursor()
        return _inventory(cursor, "sqlite")
    finally:
        destination.close()


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[str]]:
    pg_dump = _pg_tool("pg_dump")
    env, args = _pg_env(connection.settings_dict)
    # A separate connection holds a REPEATABLE READ snapshot: the counts are read in it and
    # pg_dump dumps exactly it, so the manifest describes the dump.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        cursor = raw.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts, migrations = _inventory(cursor, "postgresql")
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(target), *args], env)
        raw.rollback()
    finally:
        raw.close()
    return counts, migrations


def default_output() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.GONGZHI_BACKUP_DIR) / f"gongzhi-backup-{stamp}.tar.gz"


def create_backup(output: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write a backup archive (see the module docstring) and return its path and manifest."""
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(_("备份只支持 SQLite 和 PostgreSQL，不支持 %(vendor)s。") % {"vendor": vendor})
    output = Path(output) if output else default_output()
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = _media_root()
    with tempfile.TemporaryDirectory(prefix="gongzhi-backup-") as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        counts, migrations = _dump_sqlite(dump) if vendor == "sqlite" else _dump_postgresql(dump)
        files = _media_files(media_root)
        media = {f.relative_to(media_root).as_posix(): sha256_file(f) for f in files}
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.localtime().isoformat(),
            "vendor": vendor,
            "django": django.get_version(),
            "migrations": migrations,
            "tables": counts,
            "database": {"file": dump.name, "sha256": sha256_file(dump), "bytes": dump.stat().st_size},
            "media": media,
        }
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data inside
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=dump.name, recursive=False)
            for path in files:
                archive.add(
                    path, arcname=MEDIA_PREFIX + path.relative_to(media_root).as_posix(), recursive=False
                )
        os.replace(partial, output)
    return output, manifest


# ---------------------------------------------------------------------------------------------
# Restore


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _expected_files(manifest: dict[str, Any]) -> dict[str, str]:
    """Archive member name → sha256, from the manifest."""
    expected = {str(manifest["database"]["file"]): str(manifest["database"]["sha256"])}
    expected.update({MEDIA_PREFIX + str(rel): str(digest) for rel, digest in manifest["media"].items()})
    return expected


def _unpack(archive: tarfile.TarFile, staging: Path) -> dict[str, Any]:
    members = archive.getmembers()
    by_name = {m.name: m for m in members}
    manifest_member = by_name.get(MANIFEST)
    handle = archive.extractfile(manifest_member) if manifest_member is not None else None
    if handle is None:
        raise BackupError(_("备份文件中没有 manifest.json：它不是共治的备份文件。"))
    try:
        manifest = json.loads(handle.read().decode())
        expected = _expected_files(manifest)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(_("备份文件的 manifest.json 无法读取：%(error)s") % {"error": exc}) from exc
    for member in members:
        if member.name == MANIFEST:
            continue
        source = archive.extractfile(member) if member.isfile() else None
        if source is None or not _safe_member_name(member.name) or member.name not in expected:
            raise BackupError(_("备份文件中有不应有的条目“%(name)s”，拒绝恢复。") % {"name": member.name})
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out, _CHUNK)
    return manifest


def read_archive(path: Path, staging: Path) -> dict[str, Any]:
    """Unpack ``path`` into ``staging`` and verify it against its manifest: every listed file
    present with its checksum, nothing else, no unsafe names or links. Raises BackupError."""
    if not Path(path).is_file():
        raise BackupError(_("找不到备份文件 %(path)s。") % {"path": path})
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            manifest = _unpack(archive, staging)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            _("%(path)s 不是可读取的 .tar.gz 备份文件：%(error)s") % {"path": path, "error": exc}
        ) from exc
    problems = []
    for name, digest in _expected_files(manifest).items():
        target = staging / name
        if not target.is_file():
            problems.append(_("%(name)s：缺失") % {"name": name})
        elif sha256_file(target) != digest:
            problems.append(_("%(name)s：校验和不符") % {"name": name})
    if problems:
        raise BackupError(
            _("备份文件已损坏，未做任何恢复：%(problems)s") % {"problems": "；".join(problems[:20])}
        )
    return manifest


def _restore_sqlite(dump: Path, report: RestoreReport) -> None:
    connection.ensure_connection()
    name = str(connection.settings_dict["NAME"])
    check = sqlite3.connect(dump)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(_("备份中的数据库未通过 SQLite 完整性检查，未做任何恢复。"))
        live = connection.connection
        if not connection.is_in_memory_db() and Path(name).is_file():
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            safety = Path(f"{name}.pre-restore-{stamp}")
            keep = sqlite3.connect(safety)
            try:
                live.backup(keep)
            finally:
                keep.close()
            report.safety_copy = str(safety)
        # Copies every page of the archive's database into the live one under its write lock:
        # other connections see the old database or the restored one, never a mix.
        check.backup(live)
    finally:
        check.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    env, args = _pg_env(connection.settings_dict)
    connections.close_all()  # our own open transactions must not block the DROPs
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(dump),
        ],
        env,
    )


def _restore_media(staging: Path, manifest: dict[str, Any], report: RestoreReport) -> None:
    root = _media_root()
    root.mkdir(parents=True, exist_ok=True)
    wanted = set(manifest["media"])
    for rel in sorted(wanted):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".restoring")
        shutil.copyfile(staging / MEDIA_PREFIX / rel, temporary)
        os.replace(temporary, target)
        report.files_restored += 1
    for path in _media_files(root):
        if path.relative_to(root).as_posix() not in wanted:
            path.unlink()
            report.files_removed += 1
    for rel, digest in manifest["media"].items():
        if sha256_file(root / rel) != digest:
            raise BackupError(_("恢复后的文件 %(name)s 与校验和不符。") % {"name": rel})


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def restore_backup(path: Path) -> RestoreReport:
    """Restore an archive made by ``create_backup`` over the configured database and MEDIA_ROOT
    (see the module docstring). Raises BackupError before changing anything when the archive
    is damaged or from another vendor."""
    vendor = connection.vendor
    media_root = _media_root()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gongzhi-restore-", dir=media_root.parent) as work:
        staging = Path(work)
        manifest = read_archive(Path(path), staging)
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(_("无法识别的备份格式 %(format)s。") % {"format": manifest.get("format")})
        if manifest["vendor"] != vendor:
            raise BackupError(
                _("该备份是 %(theirs)s 数据库的，本系统使用 %(ours)s：请在使用相同数据库的系统上恢复。")
                % {"theirs": manifest["vendor"], "ours": vendor}
            )
        report = RestoreReport(vendor=vendor)
        known = _known_migrations()
        report.migrations_missing_in_code = sorted(set(manifest["migrations"]) - known)
        report.migrations_to_apply = sorted(known - set(manifest["migrations"]))
        dump = staging / manifest["database"]["file"]
        if vendor == "sqlite":
            _restore_sqlite(dump, report)
        else:
            _restore_postgresql(dump)
        _restore_media(staging, manifest, report)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        counts, _migrations = _inventory(cursor, vendor)
    for table, expected in manifest["tables"].items():
        report.tables_checked += 1
        found = counts.get(table)
        if found != expected:
            report.count_mismatches[table] = (expected, -1 if found is None else found)
    return report


def describe(manifest: dict[str, Any]) -> str:
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    return (
        f"{manifest['vendor']} backup of {created:%Y-%m-%d %H:%M:%S %z}: "
        f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
        f"{len(manifest['media'])} files"
    )
