from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "gongzhi.people"
    label = "people"
    verbose_name = "人员"

    def ready(self) -> None:
        from gongzhi.core.history import track
        from gongzhi.people.models import Person, PersonTag

        # The ciphertext and blind index never go into the change history.
        track(Person, exclude_fields=["id_number_encrypted", "id_number_hash", "updated_at"])
        track(PersonTag)
