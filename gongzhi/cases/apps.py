from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    label = "cases"
    verbose_name = "网格事件"

    def ready(self) -> None:
        from gongzhi.cases.models import Campaign, CaseCategory, HandlingUnit, Holiday, Open311Application
        from gongzhi.core.history import track

        # Cases keep their own ledger (CaseEvent); configuration changes go to the audit log.
        track(CaseCategory)
        track(HandlingUnit, m2m_fields={"members"})
        track(Campaign)
        track(Holiday)
        track(Open311Application, exclude_fields=["key_hash"])
