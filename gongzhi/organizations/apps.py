from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "gongzhi.organizations"
    label = "organizations"
    verbose_name = "社会组织"

    def ready(self) -> None:
        from gongzhi.core.history import track
        from gongzhi.organizations import models as m

        for model in (
            m.Organization,
            m.Membership,
            m.FilingRule,
            m.FilingApplication,
            m.Incubation,
            m.AnnualReport,
            m.Rating,
            m.Alliance,
            m.AllianceMembership,
            m.ServicePlatform,
        ):
            track(model)
