from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "gongzhi.projects"
    label = "projects"
    verbose_name = "公益项目"

    def ready(self) -> None:
        from gongzhi.core.history import track
        from gongzhi.projects import models as m

        # Case records are not mirrored into the change log: their content is sensitive, and
        # every look at them is recorded in CaseRecordAccess instead.
        for model in (
            m.FundingSource,
            m.Programme,
            m.Project,
            m.Allocation,
            m.Disbursement,
            m.ProjectClaim,
            m.Milestone,
            m.Indicator,
            m.Delivery,
            m.Acceptance,
            m.Evaluation,
            m.Award,
            m.ProjectCaseworker,
        ):
            track(model)
