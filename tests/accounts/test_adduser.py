"""``gongzhi adduser``: a login with one role over one area, or a clear Chinese error."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi import cli
from gongzhi.accounts.models import RoleAssignment, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Gz-strong-pass-2026"


def adduser(*args: str, stdin: str | None = STRONG + "\n", **options) -> str:
    """Run the command as a script would: the password on stdin unless ``stdin`` is None."""
    out = io.StringIO()
    if stdin is not None:
        options.update(password_stdin=True, stdin=io.StringIO(stdin))
    call_command("adduser", *args, stdout=out, **options)
    return out.getvalue()


def test_adduser_creates_the_user_with_the_role_over_the_area(tree):
    output = adduser("wangli", "--role", "street_admin", "--area", "S1", "--display-name", "王丽")

    user = User.objects.get(username="wangli")
    assert user.display_name == "王丽"
    assert user.check_password(STRONG)
    assert list(user.role_assignments.values_list("role", "area__code")) == [("street_admin", "S1")]
    assert output == "已创建用户 王丽（wangli），角色：街道管理员，管辖区域：新碶街道（S1）。\n"


def test_adduser_accepts_the_chinese_role_name(tree):
    adduser("liming", "--role", "网格员", "--area", "G1")

    assert list(RoleAssignment.objects.values_list("user__username", "role", "area__code")) == [
        ("liming", "grid_member", "G1")
    ]


def test_adduser_reads_the_password_from_the_environment(tree, monkeypatch):
    monkeypatch.setenv("GONGZHI_PASSWORD", STRONG)

    adduser("zhaomin", "--role", "district_admin", "--area", "D", stdin=None)

    user = User.objects.get(username="zhaomin")
    assert user.check_password(STRONG)
    assert user.is_staff  # district admins may open the admin site


def weak_password_message() -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_password("123", User(username="weak"))
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    ("username", "role", "area", "stdin", "message"),
    [
        (
            "a1",
            "boss",
            "S1",
            STRONG,
            "未知角色“boss”。可用角色：district_admin、street_admin、community_worker、grid_member、"
            "org_leader、volunteer、justice_officer、resident、finance、evaluator、sysadmin、auditor。",
        ),
        (
            "a2",
            "street_admin",
            "NOPE",
            STRONG,
            "区域编码“NOPE”不存在，请用 gongzhi import-areas 导入区域或核对编码。",
        ),
        ("a3", "street_admin", "C1", STRONG, "角色“街道管理员”只能分配在街道一级，而“百合社区”是社区。"),
        ("taken", "street_admin", "S1", STRONG, "用户名“taken”已被使用，请换一个。"),
        ("a5", "street_admin", "S1", "", "标准输入中没有读到密码，请在第一行输入密码。"),
        ("a6", "street_admin", "S1", "123", None),
    ],
    ids=["unknown-role", "unknown-area", "role-not-at-this-level", "username-taken", "no-password", "weak"],
)
def test_adduser_refuses_with_a_chinese_message_and_writes_nothing(
    tree, username, role, area, stdin, message
):
    UserFactory(username="taken")
    before = (User.objects.count(), RoleAssignment.objects.count())

    with pytest.raises(CommandError) as excinfo:
        adduser(username, "--role", role, "--area", area, stdin=stdin + "\n")

    assert str(excinfo.value) == (message or weak_password_message())
    assert (User.objects.count(), RoleAssignment.objects.count()) == before


def test_adduser_without_any_password_says_where_to_give_it(tree, monkeypatch):
    monkeypatch.delenv("GONGZHI_PASSWORD", raising=False)

    with pytest.raises(CommandError) as excinfo:
        adduser("nopass", "--role", "street_admin", "--area", "S1", stdin=None)

    assert (
        str(excinfo.value)
        == "请提供密码：使用 --password-stdin 从标准输入读取，或设置环境变量 GONGZHI_PASSWORD。"
    )
    assert not User.objects.filter(username="nopass").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["gongzhi", "import-areas", "areas.csv"], ["gongzhi", "import_areas", "areas.csv"]),
        (
            ["gongzhi", "adduser", "wang-li", "--role", "resident"],
            ["gongzhi", "adduser", "wang-li", "--role", "resident"],
        ),
        (["gongzhi", "--help"], ["gongzhi", "--help"]),
    ],
)
def test_cli_maps_hyphenated_command_names_only(monkeypatch, argv, expected):
    """Only the command name is rewritten: arguments such as a username keep their hyphens."""
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)

    cli.main(argv)

    assert seen == [expected]
