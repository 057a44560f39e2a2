"""Organization imports as background jobs: upload now, import on a worker, read the outcome.

``start_import`` refuses a file that is plainly wrong (too large, not an XLSX, a zip bomb:
``check_xlsx``, cheap) before anything is stored, keeps the workbook privately in the default
storage, creates an ``ImportJob`` and queues ``tasks.run_import`` after the commit (in the
embedded mode, without a broker, the task runs in-process right after the commit).

``run_job`` is the task's body: it reads the workbook and calls the one importer
(``importer.import_organizations``, all or nothing, with the uploader's own permissions) and
records how it ended — succeeded with the counts, rejected with the problems and their XLSX
report, or failed with a message. It never leaves a job "running" on an error it can catch.

A worker killed mid-job (out of memory, a redeploy) cannot report: the import's transaction is
rolled back with its connection, so nothing was written, but the job would stay "running".
``sweep_stale_jobs`` (Celery beat, every five minutes) marks a job running longer than
``STALE_AFTER`` — well past the task's hard time limit, so its worker is surely gone — and a
job still queued after ``QUEUED_STALE_AFTER`` (no worker took it) as failed, saying that
nothing was written and the file should be uploaded again. Jobs are not requeued: the
uploader may have corrected the file meanwhile, and a second run must be their choice.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError, Forbidden, ImportRejected
from gongzhi.core.scoping import jurisdiction_paths
from gongzhi.core.security import check_xlsx
from gongzhi.organizations import importer
from gongzhi.organizations.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

IMPORT_PERMISSION = "organizations.add_organization"
# The task's limits (tasks.run_import): a soft limit the job reports as a failure, and a hard
# one after which Celery kills the worker process (then the sweep below reports it).
SOFT_TIME_LIMIT = 15 * 60
TIME_LIMIT = 20 * 60
STALE_AFTER = datetime.timedelta(minutes=30)
QUEUED_STALE_AFTER = datetime.timedelta(hours=6)
NOT_XLSX = "无法读取该文件：请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。"


def uploader_area(user: Any) -> Area:
    """The top of the area where ``user`` may add organizations (the root for a superuser): the
    job is filed there, so that the district admin over it sees it."""
    if user.is_superuser:
        area = Area.objects.filter(parent__isnull=True).order_by("path").first()
    else:
        roots = jurisdiction_paths(user, IMPORT_PERMISSION)
        area = Area.objects.filter(path=roots[0]).first() if roots else None
    if area is None:
        raise Forbidden(_("您没有新建社会组织的权限，不能导入组织。"))
    return area


def start_import(file: Any, *, by: Any, dry_run: bool = False) -> ImportJob:
    """Check ``file`` (an uploaded XLSX), store it and queue its import; returns the job.

    Side effects: the file in the default storage (private path), the job row, and after the
    commit the task ``gongzhi.organizations.tasks.run_import``. Raises DomainError (field
    ``file``) for a file refused up front, Forbidden for a user who may not add organizations.
    """
    from gongzhi.organizations.tasks import run_import

    if not by.has_perm(IMPORT_PERMISSION):
        raise Forbidden(_("您没有新建社会组织的权限，不能导入组织。"))
    area = uploader_area(by)
    check_xlsx(file, not_xlsx=_(NOT_XLSX))
    filename = (getattr(file, "name", "") or "import.xlsx").rsplit("/", 1)[-1][:255]
    with transaction.atomic():
        job = ImportJob(created_by=by, area=area, filename=filename, dry_run=dry_run)
        file.seek(0)
        job.upload.save(filename, file, save=False)
        job.save()
        transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


def run_job(job_id: int) -> ImportJob | None:
    """Import the job's workbook and record the outcome. Returns None when the job is gone or
    was already taken (a message delivered twice runs the import once)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportStatus.QUEUED).first()
        if job is None:
            return None
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        if job.created_by is None or not job.created_by.is_active:
            raise DomainError(_("上传人的账号已停用或删除，导入未执行。"))
        with job.upload.open("rb") as source:
            tables = importer.read_workbook(source)
        result = importer.import_organizations(tables, by=job.created_by, dry_run=job.dry_run)
    except ImportRejected as exc:
        problems = [{**p, "message": str(p["message"])} for p in exc.problems]
        _finish(job, ImportStatus.REJECTED, error=str(exc.message), problems=problems)
    except DomainError as exc:  # not an XLSX after all, a conflict with a concurrent change
        _finish(job, ImportStatus.REJECTED, error=str(exc.message))
    except Exception:  # a bug or an outage (the soft time limit too): say so, never stay "running"
        logger.exception("organization import job %s failed", job.pk)
        _finish(
            job,
            ImportStatus.FAILED,
            error=_("导入时发生内部错误，没有写入任何数据。请稍后重新上传；如仍失败，请联系系统管理员。"),
        )
    else:
        _finish(job, ImportStatus.SUCCEEDED, counts=result.as_dict(), result=result)
    return job


def _finish(
    job: ImportJob,
    status: str,
    *,
    error: str = "",
    problems: list[dict[str, Any]] | None = None,
    counts: dict[str, Any] | None = None,
    result: importer.ImportResult | None = None,
) -> None:
    # The real outcome wins even over the stale sweep's guess: if a slow job did finish, it
    # says so (the sweep only runs on jobs far past the task's time limit anyway).
    job.status = status
    job.error = error
    job.problems = problems or []
    job.counts = counts
    job.finished_at = timezone.now()
    if problems or (result is not None and not result.dry_run):
        content = importer.report_xlsx(job.problems, result)
        job.report.save("report.xlsx", ContentFile(content), save=False)
    # The upload holds ID numbers: once read, it is not kept (the report says what matters).
    if job.upload:
        job.upload.delete(save=False)
    job.save()


def sweep_stale_jobs(now: datetime.datetime | None = None) -> int:
    """Mark jobs whose worker is gone (see the module docstring) as failed; returns how many."""
    now = now or timezone.now()
    message = _("导入中断（处理进程已停止），没有写入任何数据。请重新上传文件。")
    stale = ImportJob.objects.filter(
        status=ImportStatus.RUNNING, started_at__lt=now - STALE_AFTER
    ) | ImportJob.objects.filter(status=ImportStatus.QUEUED, created_at__lt=now - QUEUED_STALE_AFTER)
    count = 0
    for job in stale:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status not in (ImportStatus.RUNNING, ImportStatus.QUEUED):
                continue  # finished meanwhile
            _finish(job, ImportStatus.FAILED, error=message)
            count += 1
    return count
