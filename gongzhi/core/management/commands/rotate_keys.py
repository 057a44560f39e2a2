"""``gongzhi rotate-keys``: re-encrypt every encrypted column under the newest data key.

Key rotation, step by step (docs/security.md):

1. generate a new key: ``gongzhi shell -c "from cryptography.fernet import Fernet;
   print(Fernet.generate_key().decode())"``;
2. put it FIRST in GONGZHI_DATA_KEY, keeping the old ones after it (``NEW,OLD``), and restart:
   new values use the new key, old values still decrypt;
3. run ``gongzhi rotate-keys``: every ``*_encrypted`` column of every model (ID numbers,
   phones, users' TOTP secrets ``accounts.AuthenticatorDevice.key_encrypted``, anything
   encrypted later) is re-encrypted under the new key, in batches, one
   transaction per batch; values already under the new key are skipped, so it can be re-run;
4. when it reports no failures, remove the old key from GONGZHI_DATA_KEY and restart.

GONGZHI_INDEX_KEY (the blind indexes that find a person by ID number or phone) is separate
and does not change; in production the command refuses to run until it is set on its own
(unset, it derives from the oldest data key, which step 4 removes).
"""

from __future__ import annotations

import getpass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.audit.services import Category, Outcome, record
from gongzhi.core import crypto


class Command(BaseCommand):
    help = (
        "用 GONGZHI_DATA_KEY 中的第一个（最新）密钥重新加密所有加密字段（身份证号码、电话、双因素认证密钥等）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help=_("每个事务处理的行数（默认 500）"))

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError(_("--batch-size 必须是正整数。"))
        if not settings.GONGZHI_INDEX_KEY_PINNED and not settings.DEBUG:
            # Unset, the index key derives from the oldest data key: removing that key after
            # the rotation would silently change every blind index (ID numbers, phones).
            raise CommandError(
                _(
                    "GONGZHI_INDEX_KEY 未单独设置，目前由最旧的数据密钥派生；轮换后删除旧密钥会使"
                    "身份证号码和电话的查找索引全部失效。请先把 GONGZHI_INDEX_KEY 设为 GONGZHI_DATA_KEY "
                    "中最后一个（最旧的）密钥并重启，再运行本命令。"
                )
            )
        crypto.reset_cache()  # the keys as configured now, not as first read
        counts = []
        for model in crypto.models_with_encrypted_columns():
            count = crypto.rotate_model(model, batch_size=batch_size)
            counts.append(count)
            self.stdout.write(
                _("%(model)s：重新加密 %(rotated)s 个值，%(current)s 个已是最新密钥（字段：%(columns)s）")
                % {
                    "model": count.label,
                    "rotated": count.rotated,
                    "current": count.current,
                    "columns": "、".join(count.columns),
                }
            )
        failed = {c.label: c.failed for c in counts if c.failed}
        detail = {
            "keys": len(settings.GONGZHI_DATA_KEYS),
            "models": {c.label: {"rotated": c.rotated, "current": c.current} for c in counts},
            "failed": {label: pks[:100] for label, pks in failed.items()},
        }
        record(
            "system.rotate_keys",
            category=Category.ADMIN,
            outcome=Outcome.FAILURE if failed else Outcome.SUCCESS,
            detail=detail,
            actor_name=f"{getpass.getuser()} (gongzhi rotate-keys)",
        )
        if failed:
            rows = "；".join(f"{label} {pks[:20]}" for label, pks in failed.items())
            raise CommandError(
                _(
                    "有的值无法用 GONGZHI_DATA_KEY 中的任何密钥解密，未重新加密：%(rows)s。"
                    "请确认旧密钥仍在 GONGZHI_DATA_KEY 中（新密钥在前，旧密钥在后），然后重新运行。"
                )
                % {"rows": rows}
            )
        self.stdout.write(self.style.SUCCESS(_("密钥轮换完成：所有加密字段都已使用最新密钥。")))
