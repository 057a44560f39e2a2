"""Organization imports as background jobs: the async API, the import page with its htmx-polled
status, who may see a job, the after-commit queueing, and the sweep of jobs whose worker died.

Celery runs eagerly here (no REDIS_URL): the task runs when the upload's transaction commits.
pytest-django never commits, so tests that want the task to run capture the commit callbacks
and execute them, like a real commit would."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.accounts.services import assign_role
from gongzhi.organizations import imports
from gongzhi.organizations.models import FilingApplication, ImportJob, Organization
from gongzhi.organizations.tasks import run_import, sweep_stale_imports
from gongzhi.people.models import Person
from tests.deployment import test_celery_worker as celery_worker
from tests.factories import UserFactory
from tests.organizations.test_import_export import ids, member_rows, org_row, workbook

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/organization-imports/"
# The real worker's fixtures: Redis (or a skip), a queue of the test's own, the shared database.
broker = celery_worker.broker
queue = celery_worker.queue
worker_database = celery_worker.worker_database


def xlsx(content: bytes, name: str = "orgs.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def rows_of(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture
def good_content(tree):
    people = ids(10)
    return workbook(
        [org_row(leader=people[0], apply="是"), org_row("蒲公英爱心团", area="G2")],
        member_rows("红领之家", people, leader_role_for=people[0]) + member_rows("蒲公英爱心团", people[:2]),
    )


@pytest.fixture
def bad_content(tree):
    people = ids(10)
    return workbook(
        [org_row(leader=people[0]), org_row("蒲公英爱心团", area="C1")],
        [*member_rows("红领之家", people), ["蒲公英爱心团", people[1], "成员1", "队长", "2024-03-01"]],
    )


@pytest.fixture
def other_street_admin(tree):
    user = UserFactory(username="dajie_admin")
    assign_role(user, role="street_admin", area=tree["S2"])
    return user


@pytest.fixture
def post_job(api, django_capture_on_commit_callbacks, media):
    """POST a file as ``user`` and let the upload's transaction "commit" (runs the task)."""

    def post(user, content, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api(user).post(JOBS, {"file": xlsx(content), **extra}, format="multipart")

    return post


# --- The API ---------------------------------------------------------------------------------


def test_a_good_file_is_imported_in_the_background(api, post_job, community_worker, good_content, media):
    response = post_job(community_worker, good_content)

    assert response.status_code == 202, response.json()
    job = ImportJob.objects.get()
    assert response["Location"] == f"{JOBS}{job.pk}/"
    body = api(community_worker).get(response["Location"]).json()
    assert (body["status"], body["dry_run"], body["filename"], body["created_by"]) == (
        "succeeded",
        False,
        "orgs.xlsx",
        "community_worker",
    )
    assert body["counts"] == {
        "dry_run": False,
        "organizations": 2,
        "members": 12,
        "people": 10,
        "applications": 1,
    }
    assert (body["problems"], body["error"]) == ([], "")
    assert body["started_at"] is not None
    assert body["finished_at"] is not None
    assert sorted(Organization.objects.values_list("name", flat=True)) == ["红领之家", "蒲公英爱心团"]
    assert FilingApplication.objects.get().organization.name == "红领之家"
    # The upload (ID numbers) is not kept once read; the report lists what was created.
    job.refresh_from_db()
    assert not job.upload
    assert job.area.code == "C1"
    report = api(community_worker).get(body["report_url"])
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    assert rows_of(report.content) == [
        ("行", "名称", "结果"),
        (2, "红领之家", "已新建并提交备案申请"),
        (3, "蒲公英爱心团", "已新建"),
    ]


@pytest.mark.django_db(transaction=True)
def test_in_the_embedded_mode_the_202_already_shows_the_outcome(api, community_worker, good_content, media):
    # No broker: the task runs in-process when the upload commits, before the response is built.
    response = api(community_worker).post(JOBS, {"file": xlsx(good_content)}, format="multipart")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["counts"]["organizations"]) == ("succeeded", 2)


def test_a_dry_run_counts_and_writes_nothing(api, post_job, community_worker, good_content):
    response = post_job(community_worker, good_content, dry_run="true")

    assert response.json()["dry_run"] is True
    body = api(community_worker).get(response["Location"]).json()
    assert (body["status"], body["dry_run"], body["counts"]["organizations"]) == ("succeeded", True, 2)
    assert body["report_url"] is None
    assert Organization.objects.count() == 0
    assert Person.objects.count() == 0


def test_a_bad_row_rejects_the_job_with_its_problems_and_report(api, post_job, community_worker, bad_content):
    response = post_job(community_worker, bad_content)

    body = api(community_worker).get(response["Location"]).json()
    problem = "职务“队长”无法识别，请填写 负责人、副负责人、秘书、成员 之一。"
    assert body["status"] == "rejected"
    assert body["counts"] is None
    assert body["problems"] == [{"sheet": "成员", "row": 12, "column": "role", "message": problem}]
    assert body["error"] == "导入被拒绝：发现 1 个问题，没有写入任何数据。请按行改正后重新导入。"
    assert Organization.objects.count() == 0
    assert Person.objects.count() == 0
    report = api(community_worker).get(body["report_url"])
    assert rows_of(report.content) == [("工作表", "行", "列", "问题"), ("成员", 12, "职务（role）", problem)]


def test_a_file_that_is_not_xlsx_is_refused_up_front(api, community_worker, media):
    response = api(community_worker).post(
        JOBS, {"file": xlsx(b"name,area\n", "orgs.csv")}, format="multipart"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "无法读取该文件：请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）。"
    assert list(error["fields"]) == ["file"]
    assert ImportJob.objects.count() == 0


def test_a_missing_file_is_a_json_error(api, community_worker):
    response = api(community_worker).post(JOBS, {"dry_run": "true"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "file" in response.json()["error"]["fields"]


def test_another_streets_admin_cannot_see_the_job(
    api, post_job, community_worker, street_admin, other_street_admin, district_admin, bad_content
):
    url = post_job(community_worker, bad_content)["Location"]
    report_url = f"{url}report/"

    for user in (other_street_admin, street_admin):  # even the uploader's own street admin
        assert api(user).get(url).status_code == 404
        assert api(user).get(report_url).status_code == 404
        assert api(user).get(JOBS).json()["results"] == []
    # The uploader and the district admin over the area see it.
    assert [j["id"] for j in api(district_admin).get(JOBS).json()["results"]] == [int(url.split("/")[-2])]
    assert api(district_admin).get(report_url).status_code == 200
    listed = api(community_worker).get(JOBS).json()
    assert (listed["count"], listed["results"][0]["status"]) == (1, "rejected")


def test_signed_out_and_roles_without_import_are_refused(api, grid_member, good_content, media):
    for response in (api().get(JOBS), api().post(JOBS, {"file": xlsx(good_content)}, format="multipart")):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    response = api(grid_member).post(JOBS, {"file": xlsx(good_content)}, format="multipart")
    assert response.status_code == 403
    assert response.json()["error"]["message"]
    assert ImportJob.objects.count() == 0


def test_the_job_is_queued_only_after_the_commit(
    community_worker, good_content, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = imports.start_import(xlsx(good_content), by=community_worker)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "queued"  # nothing ran before the commit
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == "succeeded"

    def failing_request():
        with transaction.atomic():
            imports.start_import(xlsx(good_content), by=community_worker)
            raise RuntimeError("the request failed after the upload")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        failing_request()
    assert callbacks == []  # rolled back: nothing queued
    assert ImportJob.objects.count() == 1


def test_a_job_runs_once_even_if_its_message_comes_twice(
    community_worker, good_content, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start_import(xlsx(good_content), by=community_worker)

    assert run_import.delay(job.pk).get() is None  # already done: not run again
    assert Organization.objects.count() == 2


def test_a_crash_marks_the_job_failed_not_running(
    community_worker, good_content, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = imports.start_import(xlsx(good_content), by=community_worker)
    job.upload.storage.delete(job.upload.name)  # the stored file is lost before the worker reads it
    callbacks[0]()

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("导入时发生内部错误，没有写入任何数据。")
    assert job.finished_at is not None
    assert Organization.objects.count() == 0


def test_the_sweep_fails_jobs_whose_worker_died(community_worker, tree, media):
    now = timezone.now()
    stale = ImportJob.objects.create(
        created_by=community_worker,
        area=tree["C1"],
        filename="a.xlsx",
        status="running",
        started_at=now - imports.STALE_AFTER - datetime.timedelta(minutes=1),
    )
    busy = ImportJob.objects.create(
        created_by=community_worker,
        area=tree["C1"],
        filename="b.xlsx",
        status="running",
        started_at=now - datetime.timedelta(minutes=5),
    )
    waiting = ImportJob.objects.create(created_by=community_worker, area=tree["C1"], filename="c.xlsx")

    assert sweep_stale_imports() == 1

    stale.refresh_from_db()
    assert (stale.status, stale.error) == (
        "failed",
        "导入中断（处理进程已停止），没有写入任何数据。请重新上传文件。",
    )
    assert ImportJob.objects.get(pk=busy.pk).status == "running"
    assert ImportJob.objects.get(pk=waiting.pk).status == "queued"
    ImportJob.objects.filter(pk=waiting.pk).update(
        created_at=now - imports.QUEUED_STALE_AFTER - datetime.timedelta(minutes=1)
    )
    assert sweep_stale_imports() == 1
    assert ImportJob.objects.get(pk=waiting.pk).status == "failed"


def test_the_synchronous_import_endpoint_still_answers_201(api, community_worker, good_content, media):
    response = api(community_worker).post(
        "/api/v1/organizations/import/", {"file": xlsx(good_content)}, format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["organizations"] == 2
    assert ImportJob.objects.count() == 0


# --- The page --------------------------------------------------------------------------------


def test_the_page_uploads_and_shows_the_result(
    page, community_worker, good_content, media, django_capture_on_commit_callbacks
):
    client = page(community_worker)
    assert "导入组织" in client.get(reverse("organizations:import")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organizations:import"), {"file": xlsx(good_content)})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:import_job", args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert "状态：已完成" in html
    assert '<th scope="row">新建组织</th><td>2</td>' in html
    assert 'hx-trigger="every' not in html  # done: no more polling
    assert reverse("organizations:import_report", args=[job.pk]) in html
    listing = client.get(reverse("organizations:import")).content.decode()
    assert "orgs.xlsx" in listing


def test_the_status_fragment_polls_every_two_seconds_until_done(
    page, community_worker, good_content, media, django_capture_on_commit_callbacks
):
    client = page(community_worker)
    with django_capture_on_commit_callbacks() as callbacks:  # not committed yet: still queued
        client.post(reverse("organizations:import"), {"file": xlsx(good_content), "dry_run": "on"})
    job = ImportJob.objects.get()
    url = reverse("organizations:import_job", args=[job.pk])

    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("<section")
    assert "<html" not in fragment
    assert f'hx-get="{url}" hx-trigger="every 2s"' in fragment
    assert "等待处理" in fragment

    callbacks[0]()
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment
    assert "检查通过" in fragment
    assert Organization.objects.count() == 0


def test_the_page_shows_the_problems_and_the_report(
    page, community_worker, bad_content, media, django_capture_on_commit_callbacks
):
    client = page(community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organizations:import"), {"file": xlsx(bad_content)})
    job = ImportJob.objects.get()

    html = client.get(reverse("organizations:import_job", args=[job.pk])).content.decode()
    assert "状态：被拒绝" in html
    assert "<td>成员</td><td>12</td><td>职务</td><td>职务“队长”无法识别" in html
    report = client.get(reverse("organizations:import_report", args=[job.pk]))
    assert report.status_code == 200
    assert rows_of(report.content)[1][:2] == ("成员", 12)


def test_the_page_refuses_a_file_that_is_not_xlsx_on_the_form(page, community_worker, media):
    response = page(community_worker).post(reverse("organizations:import"), {"file": xlsx(b"not a workbook")})

    assert response.status_code == 400
    assert "无法读取该文件：请上传 .xlsx 格式的 Excel 文件" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_pages_of_another_streets_job_answer_404(
    page, community_worker, other_street_admin, bad_content, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start_import(xlsx(bad_content), by=community_worker)
    client = page(other_street_admin)

    assert client.get(reverse("organizations:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("organizations:import_report", args=[job.pk])).status_code == 404
    assert "orgs.xlsx" not in client.get(reverse("organizations:import")).content.decode()


def test_signed_out_is_sent_to_the_login_and_other_roles_are_refused(page, grid_member):
    response = page().get(reverse("organizations:import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert page(grid_member).get(reverse("organizations:import")).status_code == 403


def test_the_directory_links_to_the_import_page_for_importers_only(page, community_worker, grid_member):
    link = f'href="{reverse("organizations:import")}"'
    assert link in page(community_worker).get(reverse("organizations:directory")).content.decode()
    assert link not in page(grid_member).get(reverse("organizations:directory")).content.decode()


# --- A real worker -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_the_import_from_redis(
    broker, queue, worker_database, tmp_path, settings, community_worker, good_content
):
    """The job and its upload are written here; a ``celery -A gongzhi worker`` on Redis (as
    production runs it, tests/deployment/test_celery_worker.py) imports it into the database."""
    from celery import Celery

    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's GONGZHI_DATA_DIR/media
    job = ImportJob(created_by=community_worker, area=community_worker.role_assignments.get().area)
    job.filename = "orgs.xlsx"
    job.upload.save("orgs.xlsx", xlsx(good_content))  # queued; here the tests run tasks eagerly
    env = celery_worker.production_environment(tmp_path, worker_database.share())
    log = tmp_path / "worker.log"
    worker_args = ["worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO"]
    worker_args += ["--without-mingle", "--without-gossip", "--without-heartbeat"]

    with celery_worker.celery_process(worker_args, env, log) as worker:
        producer = Celery("gongzhi-test-producer", broker=celery_worker.REDIS_URL, set_as_current=False)
        try:
            task_id = producer.send_task(
                "gongzhi.organizations.tasks.run_import", args=[job.pk], queue=queue
            ).id
        finally:
            producer.close()
        done = celery_worker.wait_for(
            log, rf"\[{task_id}\] (succeeded in [\d.]+s: (.*)|raised .*)", worker, celery_worker.TASK_TIMEOUT
        )
        assert celery_worker.stop(worker) == 0

    assert done.group(2) == "'succeeded'", log.read_text(errors="replace")[-4000:]
    worker_database.collect()
    job.refresh_from_db()
    assert (job.status, job.counts["organizations"], job.counts["members"]) == ("succeeded", 2, 12)
    assert sorted(Organization.objects.values_list("name", flat=True)) == ["红领之家", "蒲公英爱心团"]
