from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from gongzhi.accounts.models import RoleAssignment, User

        # Who was given which role where is itself a record auditors ask for.
        auditlog.register(RoleAssignment)
        auditlog.register(User, exclude_fields=["password", "last_login"])
