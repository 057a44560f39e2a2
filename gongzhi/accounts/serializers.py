from __future__ import annotations

from rest_framework import serializers

from gongzhi.accounts.models import RoleAssignment, User


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    area_level = serializers.CharField(source="area.level", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_display", "area", "area_name", "area_level", "start_date", "end_date"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    person = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "is_superuser", "roles", "person"]

    def get_roles(self, obj: User) -> list[dict]:
        rows = obj.role_assignments.active().select_related("area").order_by("role", "area__path")
        return RoleAssignmentSerializer(rows, many=True).data
