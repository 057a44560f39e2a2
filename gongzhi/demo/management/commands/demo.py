"""``gongzhi demo [--serve]``: migrate, load the demo district, list its logins, and serve.

This is what ``make demo`` runs on a fresh machine and again on the next day, so every step
is idempotent: migrate is a no-op once applied, and the builder inserts only what is missing.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.roles import Role
from gongzhi.demo.builder import DEMO_TOTP_SECRET, DemoResult, build_demo
from gongzhi.demo.data import DEMO_PASSWORD, DEMO_SEED

CREATED_LABELS = {
    "areas": gettext_lazy("区域"),
    "people": gettext_lazy("人员"),
    "tags": gettext_lazy("人员标签"),
    "grid_assignments": gettext_lazy("网格人员"),
    "users": gettext_lazy("登录账号"),
    "roles": gettext_lazy("角色分配"),
    "person_links": gettext_lazy("账号关联人员"),
    "holidays": gettext_lazy("节假日与调休"),
    "handling_units": gettext_lazy("处置单位"),
    "case_categories": gettext_lazy("事件类别与时限"),
    "unit_logins": gettext_lazy("处置单位账号"),
    "unit_people": gettext_lazy("处置单位账号关联人员"),
    "unit_members": gettext_lazy("处置单位成员"),
    "campaigns": gettext_lazy("专项整治"),
    "cases": gettext_lazy("网格事件"),
    "case_events": gettext_lazy("事件流转记录"),
    "campaign_posts": gettext_lazy("整治动态"),
    "organization_people": gettext_lazy("社会组织负责人与居民"),
    "service_platforms": gettext_lazy("社会组织服务平台"),
    "organizations": gettext_lazy("社会组织"),
    "memberships": gettext_lazy("社会组织成员"),
    "annual_reports": gettext_lazy("年报"),
    "ratings": gettext_lazy("等级评估"),
    "incubations": gettext_lazy("孵化"),
    "filing_counters": gettext_lazy("备案编号计数"),
    "alliances": gettext_lazy("联盟"),
    "alliance_members": gettext_lazy("联盟成员"),
    "alliance_posts": gettext_lazy("联盟动态"),
    "funding_sources": gettext_lazy("资金来源"),
    "programmes": gettext_lazy("项目计划"),
    "projects": gettext_lazy("公益项目"),
    "project_claims": gettext_lazy("认领与申报"),
    "project_changes": gettext_lazy("项目状态变更"),
    "milestones": gettext_lazy("里程碑"),
    "indicators": gettext_lazy("目标指标"),
    "allocations": gettext_lazy("预算分配"),
    "disbursements": gettext_lazy("拨付"),
    "deliveries": gettext_lazy("服务记录"),
    "acceptances": gettext_lazy("项目验收"),
    "evaluations": gettext_lazy("绩效评估"),
    "caseworkers": gettext_lazy("个案社工"),
    "case_records": gettext_lazy("个案档案"),
    "case_notes": gettext_lazy("个案服务记录"),
    "awards": gettext_lazy("获奖荣誉"),
    "volunteers": gettext_lazy("志愿者"),
    "volunteer_affiliations": gettext_lazy("志愿者所属组织"),
    "volunteer_activities": gettext_lazy("志愿活动"),
    "activity_signups": gettext_lazy("活动报名"),
    "service_records": gettext_lazy("志愿服务记录"),
    "correction_tags": gettext_lazy("社区矫正标签"),
    "correction_assignments": gettext_lazy("社区矫正志愿服务"),
    "wishes": gettext_lazy("微心愿"),
    "wish_events": gettext_lazy("心愿流转记录"),
    "certificates": gettext_lazy("志愿服务证明"),
}


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two, so tables need this rather than len()."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def table(rows: list[list[str]]) -> str:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "加载演示区（北仑区）并列出演示账号；加 --serve 随后启动服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--serve", action="store_true", help=_("加载后启动服务（gongzhi serve）"))
        parser.add_argument(
            "--port", type=int, default=None, help=_("服务端口，默认取环境变量 PORT，否则 8000")
        )
        parser.add_argument("--host", default="127.0.0.1", help=_("服务监听地址，默认 127.0.0.1"))
        parser.add_argument(
            "--seed", type=int, default=DEMO_SEED, help=_("随机种子（同一种子得到同样的数据）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("数据库迁移完成（%(s).1f 秒）。") % {"s": time.perf_counter() - started})

        result = build_demo(
            seed=options["seed"], cases=True, organizations=True, projects=True, volunteers=True
        )
        self.report(result)

        if options["serve"]:
            call_command("serve", port=options["port"], host=options["host"], stdout=self.stdout)

    def report(self, result: DemoResult) -> None:
        if result.already_loaded:
            self.stdout.write(_("演示数据已加载，无需改动（核对用时 %(s).1f 秒）。") % {"s": result.seconds})
        else:
            created = "，".join(
                f"{CREATED_LABELS[key]} {count:,}"
                for key, count in {
                    **result.created,
                    **result.cases,
                    **result.organizations,
                    **result.projects,
                    **result.volunteers,
                }.items()
                if count
            )
            self.stdout.write(
                self.style.SUCCESS(
                    _("演示数据已加载：新建 %(created)s（%(s).1f 秒）。")
                    % {"created": created, "s": result.seconds}
                )
            )
        rows = [[_("用户名"), _("密码"), _("角色"), _("管辖区域")]]
        rows += [
            [login.username, DEMO_PASSWORD, str(Role(login.role).label), login.area_name]
            for login in result.logins
        ]
        # Handling-unit members hold no role: they act on the cases dispatched to their unit.
        rows += [
            [username, DEMO_PASSWORD, _("处置单位成员"), unit] for username, _name, unit in result.unit_logins
        ]
        self.stdout.write("")
        self.stdout.write(_("演示账号（每个角色一个）："))
        self.stdout.write(table(rows))
        self.stdout.write("")
        self.stdout.write(
            _("区级、街道、司法所和系统管理员账号须两步验证：验证器密钥 %(secret)s（演示专用，已公开）。")
            % {"secret": DEMO_TOTP_SECRET}
        )
        self.stdout.write("")
