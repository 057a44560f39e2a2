from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "gongzhi.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务"

    def ready(self) -> None:
        from gongzhi.core.history import track
        from gongzhi.volunteers import models as m

        # Correction assignments and supervision events are not mirrored into the change log:
        # the change log is read more widely than the justice role.
        for model in (m.Volunteer, m.Activity, m.Signup, m.ServiceRecord, m.Certificate, m.Wish):
            track(model)
