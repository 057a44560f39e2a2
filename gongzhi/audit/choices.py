from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    AUTH = "auth", _("登录与认证")
    DENIAL = "denial", _("越权拒绝")
    SENSITIVE_READ = "sensitive_read", _("敏感数据访问")
    TRANSITION = "transition", _("状态流转")
    MONEY = "money", _("资金流动")
    ADMIN = "admin", _("系统管理")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")
