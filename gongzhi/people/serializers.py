from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongzhi.people.choices import PoliticalStatus, Tag
from gongzhi.people.models import Person
from gongzhi.people.services import visible_tags


class PersonSerializer(serializers.ModelSerializer):
    """A person as the caller may see them: the ID number and the phone masked (the full
    values through ``reveal-id-number`` / ``reveal-phone``, with a reason), sensitive tags only
    for the roles allowed."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(
        source="phone_masked", read_only=True, help_text=_("手机号码（脱敏，如 138****5678）")
    )
    political_status_display = serializers.CharField(source="get_political_status_display", read_only=True)
    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    home_grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tags = serializers.SerializerMethodField()
    # Only the year: the full birth date is part of the ID number the mask hides.
    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "birth_year",
            "sex",
            "sex_display",
            "phone",
            "political_status",
            "political_status_display",
            "home_grid",
            "area",
            "tags",
            "created_at",
            "updated_at",
        ]

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Tag.choices)))
    def get_tags(self, obj: Person) -> list[str]:
        return visible_tags(obj, self._user())


class PersonWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, help_text=_("18 位居民身份证号码"))
    phone = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    political_status = serializers.ChoiceField(
        choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    home_grid = serializers.CharField(
        max_length=32, required=False, allow_null=True, help_text=_("所在网格编码")
    )
    area = serializers.CharField(
        max_length=32, required=False, allow_null=True, help_text=_("所属区域编码（不知道网格时填写）")
    )
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=Tag.choices), required=False, default=list
    )


class PersonUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    phone = serializers.CharField(max_length=11, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False)
    home_grid = serializers.CharField(max_length=32, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.ChoiceField(choices=Tag.choices), required=False)


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200,
        help_text=_("查看理由，例如“核实低保申请”；查看将被记录，供审计"),
        error_messages={
            "required": _("请说明查看理由（至少 2 个字），例如“核实低保申请”。"),
            "blank": _("请说明查看理由（至少 2 个字），例如“核实低保申请”。"),
        },
    )


class RevealedIdNumberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()


class RevealedPhoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("记录 ID"))
    phone = serializers.CharField(help_text=_("完整电话号码（本次查看已记录）"))
