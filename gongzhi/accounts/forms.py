"""Forms of the sign-in steps and the security settings pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

_password_help = lazy(password_validators_help_text_html, str)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=20,
        help_text=_(
            "验证器（如微信小程序“腾讯身份验证器”、Google Authenticator）上的 6 位数字，或一个恢复码。"
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=10,
        help_text=_("扫码后验证器上显示的 6 位数字。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_password_help(),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("令牌用途"), max_length=100, required=False, help_text=_("例如“数据对接脚本”，便于日后辨认。")
    )


# --- Account administration (the system administrator) -------------------------------------


class AreaChoiceField(forms.ModelChoiceField):
    """An area by code, shown indented under its parents."""

    def label_from_instance(self, obj) -> str:
        return f"{'　' * max(obj.depth, 0)}{obj.name}（{obj.code}）"


def _role_choices():
    from gongzhi.accounts.roles import Role

    return [("", "—"), *Role.choices]


class _NewPasswordMixin(forms.Form):
    password1 = forms.CharField(
        label=_("临时密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("用户首次登录时必须改成只有本人知道的新密码。"),
    )
    password2 = forms.CharField(
        label=_("再次输入临时密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=_role_choices)
    area = AreaChoiceField(label=_("管辖区域"), queryset=None, to_field_name="code")

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class CreateAccountForm(RoleForm, _NewPasswordMixin):
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    display_name = forms.CharField(label=_("姓名"), max_length=100, required=False)

    field_order = ["username", "display_name", "role", "area", "password1", "password2"]


class ResetPasswordForm(_NewPasswordMixin):
    pass
