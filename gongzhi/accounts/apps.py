from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save

        from gongzhi.accounts import schema, signals  # noqa: F401 - schema registers an extension
        from gongzhi.accounts.models import RoleAssignment, User
        from gongzhi.core.history import track

        # Who was given which role where is itself a record auditors ask for.
        track(RoleAssignment)
        track(User, exclude_fields=["password", "last_login", "password_changed_at"])

        user_logged_in.connect(signals.on_logged_in, dispatch_uid="gongzhi.accounts.logged_in")
        user_logged_out.connect(signals.on_logged_out, dispatch_uid="gongzhi.accounts.logged_out")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="gongzhi.accounts.login_failed")
        user_locked_out.connect(signals.on_locked_out, dispatch_uid="gongzhi.accounts.locked_out")
        post_save.connect(signals.on_user_saved, sender=User, dispatch_uid="gongzhi.accounts.user_saved")
