"""Writes for accounts: creating logins and assigning roles over areas."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import ADMIN_SITE_ROLES, Role
from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.core.exceptions import DomainError
from gongzhi.core.scoping import forget_assignments

# The narrowest area each role may be held over, so that e.g. a street admin is never
# assigned to a single grid by mistake.
ROLE_AREA_LEVELS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: {AreaLevel.DISTRICT},
    Role.STREET_ADMIN: {AreaLevel.STREET},
    Role.COMMUNITY_WORKER: {AreaLevel.COMMUNITY},
    Role.GRID_MEMBER: {AreaLevel.GRID},
    Role.JUSTICE_OFFICER: {AreaLevel.DISTRICT, AreaLevel.STREET},
    Role.FINANCE: {AreaLevel.DISTRICT, AreaLevel.STREET},
    Role.EVALUATOR: {AreaLevel.DISTRICT, AreaLevel.STREET},
}


def assign_role(user: User, *, role: str, area: Area, by: User | None = None) -> RoleAssignment:
    """Give ``user`` ``role`` over ``area``.

    Raises DomainError when the role does not exist or cannot be held at the area's level.
    Side effects: district admins get access to the admin site (``is_staff``).
    """
    if role not in Role.values:
        raise DomainError(
            _("未知角色“%(role)s”。可用角色：%(roles)s。")
            % {"role": role, "roles": _("、").join(Role.values)},
            field="role",
        )
    allowed = ROLE_AREA_LEVELS.get(role)
    if allowed and area.level not in allowed:
        raise DomainError(
            _("角色“%(role)s”只能分配在%(levels)s一级，而“%(area)s”是%(level)s。")
            % {
                "role": Role(role).label,
                "levels": _("、").join(str(AreaLevel(lv).label) for lv in sorted(allowed)),
                "area": area.name,
                "level": area.get_level_display(),
            },
            field="area",
        )
    with transaction.atomic():
        assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
        if role in ADMIN_SITE_ROLES and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    forget_assignments(user)
    return assignment


def create_user(
    username: str,
    *,
    password: str,
    role: str,
    area: Area,
    display_name: str = "",
    by: User | None = None,
    check_password: bool = True,
) -> User:
    """Create a login holding one role over one area.

    Raises DomainError when the username is taken, the password too weak, or the role/area
    pair is not allowed; nothing is written in that case.
    """
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("用户名“%(username)s”已被使用，请换一个。") % {"username": username},
            field="username",
        )
    if check_password:
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="password") from exc
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, display_name=display_name)
        assign_role(user, role=role, area=area, by=by)
    return user
