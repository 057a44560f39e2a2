"""Open311 API keys: only district admins issue them, the key is shown once and only its hash
is stored, a revoked key is refused; ``gongzhi issue-api-key`` does the same from a shell."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.cases.keys import application_for_key, issue_api_key, revoke_api_key
from gongzhi.cases.models import Open311Application
from gongzhi.core.exceptions import DomainError, Forbidden

pytestmark = pytest.mark.django_db


def stored_values(application: Open311Application) -> list[str]:
    row = Open311Application.objects.filter(pk=application.pk).values().get()
    return [str(value) for value in row.values()]


def test_district_admin_issues_a_key_stored_only_as_its_hash(tree, district_admin):
    application, key = issue_api_key(name=" 随手拍 ", area=tree["D"], by=district_admin)

    application.refresh_from_db()
    assert (application.name, application.area, application.created_by, application.is_active) == (
        "随手拍",
        tree["D"],
        district_admin,
        True,
    )
    assert len(key) >= 40
    assert application.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert application.key_prefix == key[:8]
    assert all(key not in value for value in stored_values(application))
    assert application_for_key(key) == application


def test_each_key_is_new(tree, district_admin):
    _first, key1 = issue_api_key(name="甲", area=tree["D"], by=district_admin)
    _second, key2 = issue_api_key(name="乙", area=tree["D"], by=district_admin)

    assert key1 != key2
    assert [application_for_key(k).name for k in (key1, key2)] == ["甲", "乙"]


@pytest.mark.parametrize("persona", ["street_admin", "community_worker", "grid_member", "outsider"])
def test_only_district_admins_issue_keys(tree, persona, request):
    user = request.getfixturevalue(persona)

    with pytest.raises(Forbidden) as err:
        issue_api_key(name="随手拍", area=tree["S1"], by=user)

    assert str(err.value) == "您无权为“新碶街道”签发 Open311 密钥，请联系区级管理员。"
    assert Open311Application.objects.count() == 0


def test_a_name_is_required(tree, district_admin):
    with pytest.raises(DomainError) as err:
        issue_api_key(name="  ", area=tree["D"], by=district_admin)

    assert (str(err.value), err.value.field) == ("请填写应用名称。", "name")
    assert Open311Application.objects.count() == 0


def test_a_revoked_key_finds_no_application(tree, district_admin):
    application, key = issue_api_key(name="随手拍", area=tree["D"], by=district_admin)

    revoke_api_key(application, by=district_admin)
    revoke_api_key(application, by=district_admin)  # twice is harmless

    application.refresh_from_db()
    assert application.is_active is False
    assert application_for_key(key) is None


def test_only_district_admins_revoke_keys(tree, district_admin, street_admin):
    application, key = issue_api_key(name="随手拍", area=tree["S1"], by=district_admin)

    with pytest.raises(Forbidden):
        revoke_api_key(application, by=street_admin)

    assert application_for_key(key) == application


@pytest.mark.parametrize("key", [None, "", "   ", "x" * 500, "not-a-key"])
def test_missing_or_unknown_keys_find_no_application(tree, district_admin, key):
    issue_api_key(name="随手拍", area=tree["D"], by=district_admin)

    assert application_for_key(key) is None


def test_a_key_is_found_by_hash_without_a_scan(tree, district_admin, django_assert_num_queries):
    _application, key = issue_api_key(name="随手拍", area=tree["D"], by=district_admin)

    with django_assert_num_queries(1):
        found = application_for_key(key)
        assert found.area.code == "D"  # area comes with it, for report_case's area check


# ---------------------------------------------------------------------------------------------
# gongzhi issue-api-key


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("issue_api_key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_command_prints_the_key_once_on_its_last_line(tree, district_admin):
    lines = run("随手拍", "--area", "D", "--by", "district_admin")

    application = Open311Application.objects.get()
    key = lines[-1]
    assert lines[:-1] == [
        f"已为应用“随手拍”签发 Open311 密钥（区域：北仑区 D，密钥前缀 {application.key_prefix}）。",
        "密钥只显示这一次，系统只保存其摘要；请立即交给应用开发方妥善保存：",
    ]
    assert application_for_key(key) == application
    assert application.created_by == district_admin
    assert sum(line.count(key) for line in lines) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "S1", "--by", "street_admin"], "您无权为“新碶街道”签发 Open311 密钥，请联系区级管理员。"),
        (["--area", "NOPE", "--by", "district_admin"], "区域编码“NOPE”不存在，请核对编码。"),
        (["--area", "D", "--by", "nobody"], "用户“nobody”不存在或已停用。"),
    ],
)
def test_command_refuses_with_a_message(tree, district_admin, street_admin, args, message):
    with pytest.raises(CommandError) as err:
        run("随手拍", *args)

    assert str(err.value) == message
    assert Open311Application.objects.count() == 0


def test_command_runs_through_the_gongzhi_cli(tree, district_admin, capsys, monkeypatch):
    from django.core.management import base

    from gongzhi.cli import main

    # A command run from the shell closes the connections when done; that would close the
    # test's own transaction on PostgreSQL.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    main(["gongzhi", "issue-api-key", "巡查通", "--area", "D", "--by", "district_admin"])

    key = capsys.readouterr().out.splitlines()[-1]
    assert application_for_key(key).name == "巡查通"
