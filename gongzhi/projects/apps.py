from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "gongzhi.projects"
    label = "projects"
    verbose_name = "公益项目"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from gongzhi.projects import models as m

        for model in (m.FundingSource, m.Programme, m.Project, m.Allocation, m.Disbursement):
            auditlog.register(model)
