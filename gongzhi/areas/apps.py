from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "gongzhi.areas"
    label = "areas"
    verbose_name = "行政区划与网格"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from gongzhi.areas.models import Area, GridAssignment

        auditlog.register(Area, exclude_fields=["updated_at"])
        auditlog.register(GridAssignment)
