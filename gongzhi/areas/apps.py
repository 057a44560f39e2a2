from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "gongzhi.areas"
    label = "areas"
    verbose_name = "行政区划与网格"

    def ready(self) -> None:
        from gongzhi.areas.models import Area, GridAssignment
        from gongzhi.core.history import track

        track(Area, exclude_fields=["updated_at"])
        track(GridAssignment)
