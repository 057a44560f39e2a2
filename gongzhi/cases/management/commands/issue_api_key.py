"""``gongzhi issue-api-key NAME --area CODE --by USERNAME``: issue an Open311 API key.

The key is printed once, on its own last line (so a script can take it with ``tail -n 1``);
only its hash is stored. The issuer named by ``--by`` must be allowed to issue keys over the
area (a district admin), exactly as in the admin site: the command calls the same service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.cases.keys import issue_api_key
from gongzhi.core.exceptions import DomainError


class Command(BaseCommand):
    help = "为第三方应用签发 Open311 API 密钥，例如：gongzhi issue-api-key 随手拍 --area 330206 --by admin"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=_("应用名称"))
        parser.add_argument("--area", required=True, help=_("应用可报事的区域编码，例如区的编码"))
        parser.add_argument("--by", required=True, help=_("签发人的用户名（须为该区域的区级管理员）"))

    def handle(self, *args: Any, **options: Any) -> None:
        area = Area.objects.filter(code=options["area"].strip()).first()
        if area is None:
            raise CommandError(_("区域编码“%(code)s”不存在，请核对编码。") % {"code": options["area"]})
        user = get_user_model().objects.filter(username=options["by"].strip(), is_active=True).first()
        if user is None:
            raise CommandError(_("用户“%(username)s”不存在或已停用。") % {"username": options["by"]})
        try:
            application, key = issue_api_key(name=options["name"], area=area, by=user)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            _("已为应用“%(name)s”签发 Open311 密钥（区域：%(area)s %(code)s，密钥前缀 %(prefix)s）。")
            % {
                "name": application.name,
                "area": area.name,
                "code": area.code,
                "prefix": application.key_prefix,
            }
        )
        self.stdout.write(_("密钥只显示这一次，系统只保存其摘要；请立即交给应用开发方妥善保存："))
        self.stdout.write(key)
