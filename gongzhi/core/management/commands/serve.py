"""``gongzhi serve``: run the application under gunicorn, the same server in the demo and in
production, so that what the demo shows is what gets deployed.

Static files are served by WhiteNoise: with DEBUG on it finds them where they lie
(``WHITENOISE_USE_FINDERS``), with DEBUG off they are collected (and compressed) first.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication

DEFAULT_PORT = 8000


def default_port() -> int:
    """``PORT`` from the environment (as platforms and ``make demo PORT=…`` set it), else 8000."""
    value = os.environ.get("PORT", "")
    if not value:
        return DEFAULT_PORT
    try:
        return int(value)
    except ValueError:
        raise CommandError(_("环境变量 PORT 必须是端口号（整数），现为“%(v)s”。") % {"v": value}) from None


def bind_address(host: str, port: int) -> str:
    # An IPv6 literal needs brackets, or its colons read as the port separator.
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


class GongzhiServer(BaseApplication):
    """Gunicorn run from Python with our options, instead of its own command line."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    # Settings that only newer gunicorn versions know; older ones run fine without them.
    optional = frozenset({"control_socket_disable"})

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.optional and key not in self.cfg.settings:
                continue
            self.cfg.set(key, value)

    def load(self) -> Any:
        from gongzhi.wsgi import application

        return application


class Command(BaseCommand):
    help = "用 gunicorn 运行共治（静态文件由 WhiteNoise 提供）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help=_("端口，默认取环境变量 PORT，否则 %(p)s") % {"p": DEFAULT_PORT},
        )
        parser.add_argument("--host", default="127.0.0.1", help=_("监听地址，默认 127.0.0.1（仅本机）"))
        parser.add_argument("--workers", type=int, default=2, help=_("工作进程数，默认 2"))

    def server_options(self, options: dict[str, Any]) -> dict[str, Any]:
        port = options["port"] if options["port"] is not None else default_port()
        if not 0 < port < 65536:
            raise CommandError(_("端口必须在 1–65535 之间，现为 %(p)s。") % {"p": port})
        if options["workers"] < 1:
            raise CommandError(_("工作进程数至少为 1。"))
        return {
            "bind": [bind_address(options["host"], port)],
            "workers": options["workers"],
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "gongzhi",
            "timeout": 60,
            # Recent gunicorn opens a control socket at one fixed path per user: two servers
            # (say the demo on two ports) would fight over it, and we never use it.
            "control_socket_disable": True,
        }

    def handle(self, *args: Any, **options: Any) -> None:
        server_options = self.server_options(options)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Workers are forked from this process: a database connection opened here (by
        # collectstatic, or by ``gongzhi demo`` before us) must not be shared with them.
        connections.close_all()
        self.stdout.write(
            _("共治正在运行：http://%(bind)s/ （按 Ctrl+C 停止）") % {"bind": server_options["bind"][0]}
        )
        self.stdout.flush()
        GongzhiServer(server_options).run()
