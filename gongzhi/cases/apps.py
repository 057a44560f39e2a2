from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    label = "cases"
    verbose_name = "网格事件"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from gongzhi.cases.models import Campaign, CaseCategory, HandlingUnit, Holiday, Open311Application

        # Cases keep their own ledger (CaseEvent); configuration changes go to the audit log.
        auditlog.register(CaseCategory)
        auditlog.register(HandlingUnit, m2m_fields={"members"})
        auditlog.register(Campaign)
        auditlog.register(Holiday)
        auditlog.register(Open311Application, exclude_fields=["key_hash"])
