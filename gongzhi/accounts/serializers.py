from __future__ import annotations

from rest_framework import serializers

from gongzhi.accounts.models import ApiToken, RoleAssignment, User


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


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="6-digit TOTP code or a recovery code; required when the account has two-factor authentication.",
    )
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="What the token is for (shown in lists)."
    )


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The key: shown this once only. Send it as `Authorization: Token <key>`."
    )
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token without its key (only the prefix identifies it)."""

    user = serializers.CharField(source="user.username", read_only=True)
    status = serializers.ChoiceField(choices=["active", "expired", "revoked"], read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "status",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields
