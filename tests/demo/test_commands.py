"""``gongzhi demo`` and ``gongzhi serve``: what they print and how they start the server.

The server itself is not started here (that is a manual check: start it and curl); instead
gunicorn's ``run`` is replaced so the tests see the options it would be started with.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.accounts.roles import Role
from gongzhi.core.management.commands import serve
from gongzhi.demo import data
from gongzhi.demo.builder import build_demo
from gongzhi.demo.management.commands.demo import display_width, table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def xinqi_only(monkeypatch):
    """The command builds 新碶街道 alone: what it prints is the same, in a third of the time."""
    monkeypatch.setattr(
        "gongzhi.demo.management.commands.demo.build_demo", lambda **kw: build_demo(streets=1, **kw)
    )


@pytest.fixture
def started(monkeypatch):
    """Options gunicorn would have been started with, one dict per start."""
    runs: list[dict] = []
    monkeypatch.setattr(serve.GongzhiServer, "run", lambda self: runs.append(self.options))
    # Closing connections before forking is right for a real server but would close the
    # test's own transaction on PostgreSQL.
    monkeypatch.setattr(serve.connections, "close_all", lambda: None)
    return runs


def run(name: str, *args, **options) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, **options)
    return out.getvalue()


def login_rows(output: str) -> list[list[str]]:
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("用户名"))
    return [line.split() for line in lines[header + 2 : header + 2 + len(data.DEMO_LOGINS)]]


def test_demo_command_loads_and_lists_one_login_per_role():
    output = run("demo")

    assert "演示数据已加载：新建 区域 " in output
    assert login_rows(output) == [
        ["district", "gongzhi-demo", "区级管理员", "北仑区"],
        ["xinqi", "gongzhi-demo", "街道管理员", "新碶街道"],
        ["community", "gongzhi-demo", "社区工作者", "百合社区"],
        ["grid", "gongzhi-demo", "网格员", "百合一网格"],
        ["org_leader", "gongzhi-demo", "社会组织负责人", "新碶街道"],
        ["volunteer", "gongzhi-demo", "志愿者", "百合社区"],
        ["justice", "gongzhi-demo", "司法所工作人员", "新碶街道"],
        ["resident", "gongzhi-demo", "居民", "百合一网格"],
        ["finance", "gongzhi-demo", "财务人员", "北仑区"],
        ["evaluator", "gongzhi-demo", "第三方评估人员", "北仑区"],
        ["sysadmin", "gongzhi-demo", "系统管理员", "北仑区"],
        ["auditor", "gongzhi-demo", "安全审计员", "北仑区"],
    ]
    assert [row[2] for row in login_rows(output)] == [str(label) for label in Role.labels]


def test_demo_command_second_run_says_already_loaded():
    run("demo")

    output = run("demo")

    assert "演示数据已加载，无需改动" in output
    assert len(login_rows(output)) == len(data.DEMO_LOGINS)


def test_demo_command_serves_on_the_given_port_and_host(started):
    output = run("demo", "--serve", "--port", "8123", "--host", "0.0.0.0")  # noqa: S104 - not bound

    assert started == [
        {
            "bind": ["0.0.0.0:8123"],
            "workers": 2,
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "gongzhi",
            "timeout": 60,
            "control_socket_disable": True,
        }
    ]
    assert output.endswith("共治正在运行：http://0.0.0.0:8123/ （按 Ctrl+C 停止）\n")


def test_serve_port_defaults_to_the_port_env_var(monkeypatch, started):
    monkeypatch.setenv("PORT", "9001")

    run("serve")

    assert started[0]["bind"] == ["127.0.0.1:9001"]


def test_serve_port_option_beats_the_env_var(monkeypatch, started):
    monkeypatch.setenv("PORT", "9001")

    run("serve", "--port", "8080", "--workers", "3")

    assert (started[0]["bind"], started[0]["workers"]) == (["127.0.0.1:8080"], 3)


def test_serve_brackets_an_ipv6_host(monkeypatch, started):
    monkeypatch.delenv("PORT", raising=False)

    run("serve", "--host", "::1")

    assert started[0]["bind"] == ["[::1]:8000"]


@pytest.mark.parametrize(
    ("port_env", "args", "message"),
    [
        ("abc", [], "环境变量 PORT 必须是端口号（整数），现为“abc”。"),
        ("", ["--port", "70000"], "端口必须在 1–65535 之间，现为 70000。"),
        ("", ["--workers", "0"], "工作进程数至少为 1。"),
    ],
)
def test_serve_rejects_bad_options(monkeypatch, started, port_env, args, message):
    monkeypatch.setenv("PORT", port_env)

    with pytest.raises(CommandError) as excinfo:
        run("serve", *args)

    assert str(excinfo.value) == message
    assert started == []


def test_login_table_aligns_chinese_columns():
    text = table([["用户名", "角色"], ["xinqi", "街道管理员"], ["justice", "司法所工作人员"]])

    # 用户名 is six columns wide on a terminal, so it gets one space of padding, not four.
    assert text.splitlines() == [
        "用户名   角色",
        "-------  --------------",
        "xinqi    街道管理员",
        "justice  司法所工作人员",
    ]
    assert display_width("司法所工作人员") == 14
