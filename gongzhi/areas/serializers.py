from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongzhi.areas.choices import AreaLevel, GridDuty
from gongzhi.areas.models import Area, GridAssignment
from gongzhi.areas.validators import validate_boundary


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    population_total = serializers.IntegerField(read_only=True, help_text=_("子树合计常住人口"))
    households_total = serializers.IntegerField(read_only=True, help_text=_("子树合计户数"))
    child_count = serializers.IntegerField(read_only=True)
    street_count = serializers.IntegerField(read_only=True)
    zone_count = serializers.IntegerField(read_only=True)
    community_count = serializers.IntegerField(read_only=True)
    grid_count = serializers.IntegerField(read_only=True)
    has_boundary = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "level",
            "level_display",
            "parent",
            "depth",
            "population",
            "households",
            "population_total",
            "households_total",
            "child_count",
            "street_count",
            "zone_count",
            "community_count",
            "grid_count",
            "center_lat",
            "center_lng",
            "has_boundary",
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_has_boundary(self, obj: Area) -> bool:
        return obj.boundary is not None


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "boundary"]


class AreaCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    level = serializers.ChoiceField(choices=AreaLevel.choices)
    parent = serializers.CharField(
        max_length=32, required=False, allow_null=True, help_text=_("上级区域编码")
    )
    population = serializers.IntegerField(min_value=0, default=0)
    households = serializers.IntegerField(min_value=0, default=0)
    boundary = serializers.JSONField(required=False, allow_null=True, validators=[validate_boundary])


class AreaUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    population = serializers.IntegerField(min_value=0, required=False)
    households = serializers.IntegerField(min_value=0, required=False)
    boundary = serializers.JSONField(required=False, allow_null=True, validators=[validate_boundary])


class GridAssignmentSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    duty = serializers.ChoiceField(choices=GridDuty.choices)
    duty_display = serializers.CharField(source="get_duty_display", read_only=True)

    class Meta:
        model = GridAssignment
        fields = ["id", "grid", "person", "person_name", "duty", "duty_display", "start_date", "end_date"]
