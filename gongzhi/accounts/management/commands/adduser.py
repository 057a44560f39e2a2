"""``gongzhi adduser USERNAME --role ROLE --area CODE``: create a login holding one role.

The password never appears on the command line (where ``ps`` and shell history would show
it): it is read from stdin with ``--password-stdin``, or else from ``GONGZHI_PASSWORD``.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import create_account
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError

PASSWORD_ENV = "GONGZHI_PASSWORD"  # noqa: S105 - the name of a variable, not a password


def role_value(text: str) -> str:
    """Accept a role's value (``street_admin``) or its Chinese label (``街道管理员``)."""
    by_label = {str(label): value for value, label in Role.choices}
    return by_label.get(text.strip(), text.strip())


class Command(BaseCommand):
    help = "创建登录账号并授予一个角色，例如：gongzhi adduser wangli --role street_admin --area 330206001"
    # Tests pass ``stdin=io.StringIO(...)`` through call_command, as Django's createsuperuser does.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        roles = "、".join(f"{value}（{label}）" for value, label in Role.choices)
        parser.add_argument("username", help=_("用户名"))
        parser.add_argument("--role", required=True, help=_("角色：%(roles)s") % {"roles": roles})
        parser.add_argument("--area", required=True, help=_("管辖区域编码，例如 330206001"))
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help=_("从标准输入读取密码（第一行）；否则读取环境变量 %(env)s") % {"env": PASSWORD_ENV},
        )
        parser.add_argument("--display-name", default="", help=_("显示名称，例如真实姓名"))
        parser.add_argument(
            "--must-change-password",
            action="store_true",
            help=_("用户首次登录时必须修改密码（为他人创建账号时使用）"),
        )

    def read_password(self, options: dict[str, Any]) -> str:
        if options["password_stdin"]:
            stdin = options.get("stdin") or sys.stdin
            password = stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError(_("标准输入中没有读到密码，请在第一行输入密码。"))
            return password
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            raise CommandError(
                _("请提供密码：使用 --password-stdin 从标准输入读取，或设置环境变量 %(env)s。")
                % {"env": PASSWORD_ENV}
            )
        return password

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        role = role_value(options["role"])
        area = Area.objects.filter(code=options["area"].strip()).first()
        if area is None:
            raise CommandError(
                _("区域编码“%(code)s”不存在，请用 gongzhi import-areas 导入区域或核对编码。")
                % {"code": options["area"]}
            )
        password = self.read_password(options)
        # The service checks the username, password strength and role/area pair; its
        # DomainError already says what to fix.
        try:
            user = create_account(
                username,
                password=password,
                role=role,
                area=area,
                display_name=options["display_name"],
                must_change_password=options["must_change_password"],
                actor_name=f"{getpass.getuser()} (gongzhi adduser)",
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            _("已创建用户 %(user)s（%(username)s），角色：%(role)s，管辖区域：%(area)s（%(code)s）。")
            % {
                "user": user,
                "username": user.username,
                "role": Role(role).label,
                "area": area.name,
                "code": area.code,
            }
        )
