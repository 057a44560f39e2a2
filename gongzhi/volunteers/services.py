"""Writes for volunteers: registration, activities, sign-up with a waitlist, QR check-in and
check-out, service records (approve, adjust, decline), certificates, micro-wishes and
community-correction supervision. Views, API, admin and commands all call these.

Capacity is checked under a row lock on the activity, so concurrent sign-ups on PostgreSQL
cannot overbook (SQLite serializes writers). Approved service records are never changed: a
correction is a new adjusting record with a reason.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, root_path
from gongzhi.audit.receivers import audit_sensitive_accesses
from gongzhi.cases.photos import process_photos, store_photo
from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.core.scoping import can
from gongzhi.notifications.services import notify
from gongzhi.volunteers.choices import (
    DEFAULT_HOUR_UNIT,
    DEFAULT_STAR_THRESHOLDS,
    LIVE_SIGNUP_STATUSES,
    WISH_TRANSITIONS,
    ActivityCategory,
    ActivityStatus,
    CheckMethod,
    ClaimerKind,
    RecordKind,
    RecordStatus,
    SignupStatus,
    SupervisionEventKind,
    WishAction,
    WishCategory,
    WishStatus,
)
from gongzhi.volunteers.models import (
    Activity,
    Affiliation,
    Certificate,
    CorrectionAssignment,
    QrTokenUse,
    ServiceRecord,
    Signup,
    SupervisionEvent,
    Volunteer,
    VolunteerPolicy,
    Wish,
    WishEvent,
    WishPhoto,
)

HOUR = Decimal("0.01")


class QrRefused(DomainError):
    """A check-in or check-out QR token was refused: expired, replayed, forged or for another
    activity. The message says which."""

    status_code = 409
    code = "qr_refused"


def _actor(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _now() -> datetime.datetime:
    return timezone.now()


def led_organizations(user: Any):
    """The organizations ``user`` leads (see OrganizationQuerySet.led_by)."""
    from gongzhi.organizations.models import Organization

    return Organization.objects.led_by(user)


def _leads(user: Any, organization) -> bool:
    return led_organizations(user).filter(pk=organization.pk).exists()


def is_organizer(user: Any, organization, area: Area, perm: str = "volunteers.change_activity") -> bool:
    """Organizers are the organization's leaders, or staff holding ``perm`` over the area."""
    return can(user, perm, area) or _leads(user, organization)


def _require_organizer(by: Any, organization, area: Area, perm: str = "volunteers.change_activity") -> None:
    if is_organizer(by, organization, area, perm):
        return
    raise Forbidden(_("只有“%(o)s”的负责人或辖区工作人员可以进行此项操作。") % {"o": organization.name})


def _require_self_or_organizer(by: Any, volunteer: Volunteer, activity: Activity) -> None:
    if volunteer.person.user_id and volunteer.person.user_id == getattr(by, "pk", None):
        return
    _require_organizer(by, activity.organizer, activity.area)


# ---------------------------------------------------------------------------------------------
# Policy: star levels and the hour unit


def _district_of(area: Area) -> Area | None:
    return Area.objects.filter(path=root_path(area.path)).first()


def policy_for(area: Area | None) -> tuple[tuple[int, ...], Decimal]:
    """(star thresholds, hour unit) of the district holding ``area``; the defaults without one."""
    if area is not None:
        district = _district_of(area)
        policy = VolunteerPolicy.objects.filter(area=district).first() if district else None
        if policy:
            return policy.thresholds, Decimal(policy.hour_unit)
    return DEFAULT_STAR_THRESHOLDS, DEFAULT_HOUR_UNIT


def set_policy(
    district: Area, *, by: Any, star_thresholds: Any = None, hour_unit: Any = None
) -> VolunteerPolicy:
    """Set a district's star thresholds (five ascending hour counts) and hour unit."""
    if not can(by, "volunteers.change_volunteerpolicy", district):
        raise Forbidden(_("您没有修改志愿服务规则的权限。"))
    policy, _created = VolunteerPolicy.objects.get_or_create(area=district)
    if star_thresholds is not None:
        try:
            values = [int(v) for v in star_thresholds]
        except (TypeError, ValueError):
            raise DomainError(_("星级门槛须为五个整数小时数。"), field="star_thresholds") from None
        if len(values) != 5 or any(v <= 0 for v in values) or values != sorted(set(values)):
            raise DomainError(
                _("星级门槛须为五个递增的正整数小时数，例如 100、300、600、1000、1500。"),
                field="star_thresholds",
            )
        policy.star_thresholds = values
    if hour_unit is not None:
        unit = _decimal(hour_unit, field="hour_unit", label=_("时长计量单位"))
        if unit <= 0 or unit > 1:
            raise DomainError(_("时长计量单位须大于 0 且不超过 1 小时。"), field="hour_unit")
        policy.hour_unit = unit
    policy.save()
    return policy


def star_level(hours: Decimal, thresholds: tuple[int, ...] = DEFAULT_STAR_THRESHOLDS) -> int:
    """0–5 stars: the number of thresholds the cumulative approved hours reach."""
    return sum(1 for t in thresholds if hours >= t)


def total_hours(volunteer: Volunteer) -> Decimal:
    """Approved hours, adjustments included."""
    total = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.APPROVED).aggregate(
        t=Sum("hours")
    )["t"]
    return Decimal(total or 0).quantize(HOUR)


def round_to_unit(hours: Decimal, unit: Decimal) -> Decimal:
    """Round hours down to the district's unit (0.5 h by default): 1.74 → 1.5."""
    if hours <= 0:
        return Decimal("0.00")
    return ((hours / unit).to_integral_value(rounding=ROUND_FLOOR) * unit).quantize(HOUR)


def compute_hours(
    checked_in_at: datetime.datetime, checked_out_at: datetime.datetime, activity: Activity, unit: Decimal
) -> Decimal:
    """Hours served: the check-in/out span capped by the activity's span, never negative,
    rounded down to the unit."""
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    if end <= start:
        return Decimal("0.00")
    return round_to_unit(Decimal((end - start).total_seconds()) / Decimal(3600), unit)


def _decimal(value: Any, *, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(l)s“%(v)s”不是有效的数字。") % {"l": label, "v": value}, field=field) from None
    if not number.is_finite():
        raise DomainError(_("%(l)s“%(v)s”不是有效的数字。") % {"l": label, "v": value}, field=field)
    return number


# ---------------------------------------------------------------------------------------------
# Volunteers


def _next_number(year: int) -> str:
    prefix = f"ZY{year}"
    last = (
        Volunteer.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def register_volunteer(
    person,
    *,
    by: Any,
    skills: Any = (),
    availability: str = "",
    organizations: Any = (),
    registered_on: datetime.date | None = None,
) -> Volunteer:
    """Register a person as a volunteer, optionally with the organizations they serve with.
    A person registers themself; staff with ``volunteers.add_volunteer`` over the person's area
    and leaders of one of the organizations may register them. Raises Forbidden, Conflict."""
    from gongzhi.organizations.models import Membership

    organizations = list(organizations or ())
    is_self = person.user_id and person.user_id == getattr(by, "pk", None)
    # A leader registers the members of an organization they lead, not just anyone.
    leads_member = Membership.objects.filter(
        person=person, left_on__isnull=True, organization__in=led_organizations(by).values("pk")
    ).exists()
    if not (is_self or can(by, "volunteers.add_volunteer", person.area) or leads_member):
        raise Forbidden(_("您不能为“%(p)s”登记志愿者。") % {"p": person.name})
    skills = [str(s).strip() for s in (skills or ()) if str(s).strip()]
    if len(skills) > 20 or any(len(s) > 30 for s in skills):
        raise DomainError(_("技能特长最多 20 项，每项不超过 30 个字。"), field="skills")
    from gongzhi.organizations.choices import LIVE_STATUSES

    for organization in organizations:
        if organization.status not in LIVE_STATUSES:
            raise DomainError(
                _("“%(o)s”当前不是活跃组织。") % {"o": organization.name}, field="organizations"
            )
    today = timezone.localdate()
    with transaction.atomic():
        if Volunteer.objects.filter(person=person).exists():
            raise Conflict(_("“%(p)s”已是注册志愿者。") % {"p": person.name})
        # Numbers are handed out under a lock on the newest volunteer row (or serialized by SQLite).
        list(Volunteer.objects.select_for_update().order_by("-id")[:1])
        volunteer = Volunteer.objects.create(
            person=person,
            number=_next_number(today.year),
            skills=skills,
            availability=availability,
            registered_on=registered_on or today,
            created_by=_actor(by),
        )
        for organization in organizations:
            Affiliation.objects.create(volunteer=volunteer, organization=organization, joined_on=today)
    return volunteer


def affiliate(volunteer: Volunteer, organization, *, by: Any, team: str = "") -> Affiliation:
    """Add an organization (and team) the volunteer serves with. The volunteer or the
    organization's leader may do it. Raises Forbidden, Conflict, DomainError."""
    from gongzhi.organizations.choices import LIVE_STATUSES

    is_self = volunteer.person.user_id and volunteer.person.user_id == getattr(by, "pk", None)
    if not (
        is_self or _leads(by, organization) or can(by, "volunteers.change_volunteer", volunteer.person.area)
    ):
        raise Forbidden(_("您不能为该志愿者添加所属组织。"))
    if organization.status not in LIVE_STATUSES:
        raise DomainError(_("“%(o)s”当前不是活跃组织。") % {"o": organization.name}, field="organization")
    try:
        with transaction.atomic():
            return Affiliation.objects.create(
                volunteer=volunteer, organization=organization, team=team, joined_on=timezone.localdate()
            )
    except IntegrityError:
        raise Conflict(_("该志愿者已在“%(o)s”服务。") % {"o": organization.name}) from None


def leave_organization(affiliation: Affiliation, *, by: Any) -> Affiliation:
    is_self = affiliation.volunteer.person.user_id == getattr(by, "pk", None)
    if not (is_self or _leads(by, affiliation.organization)):
        raise Forbidden(_("您不能修改该志愿者的所属组织。"))
    affiliation.left_on = timezone.localdate()
    affiliation.save(update_fields=["left_on"])
    return affiliation


# ---------------------------------------------------------------------------------------------
# Activities and sign-up


def create_activity(
    *,
    by: Any,
    organizer,
    title: str,
    category: str,
    area: Area,
    place: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    signup_opens_at: datetime.datetime | None = None,
    signup_closes_at: datetime.datetime | None = None,
    cancel_cutoff_hours: int = 2,
    description: str = "",
    team: str = "",
    alliance=None,
    project=None,
    case=None,
) -> Activity:
    """Create an activity. Its organizer's leaders, or staff with ``volunteers.add_activity``
    over the area, may do it; a joint activity needs the organizer to be in the alliance; a
    linked project must be one the organizer undertakes. Raises Forbidden, DomainError."""
    from gongzhi.organizations.choices import LIVE_STATUSES

    _require_organizer(by, organizer, area, perm="volunteers.add_activity")
    if not can(by, "volunteers.add_activity", area):
        # A leader (not staff over the area) holds activities where the organization works:
        # inside its street, or anywhere below it for an organization above street level.
        from gongzhi.organizations.services import street_of

        home = street_of(organizer.area) or organizer.area
        if not area.path.startswith(home.path):
            raise DomainError(
                _("“%(o)s”的活动只能在“%(h)s”范围内举办。") % {"o": organizer.name, "h": home.name},
                field="area",
            )
    if not (title or "").strip():
        raise DomainError(_("请填写活动名称。"), field="title")
    if category not in ActivityCategory.values:
        raise DomainError(_("未知的服务类别“%(c)s”。") % {"c": category}, field="category")
    if not (place or "").strip():
        raise DomainError(_("请填写活动地点。"), field="place")
    if organizer.status not in LIVE_STATUSES:
        raise DomainError(
            _("“%(o)s”当前不是活跃组织，不能发布活动。") % {"o": organizer.name}, field="organizer"
        )
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise DomainError(_("招募人数至少为 1。"), field="capacity")
    if ends_at <= starts_at:
        raise DomainError(_("结束时间须晚于开始时间。"), field="ends_at")
    if ends_at - starts_at > datetime.timedelta(hours=24):
        raise DomainError(_("单次活动不能超过 24 小时；长期服务请分场次发布。"), field="ends_at")
    signup_opens_at = signup_opens_at or _now()
    signup_closes_at = signup_closes_at or starts_at
    if signup_closes_at <= signup_opens_at:
        raise DomainError(_("报名截止时间须晚于报名开始时间。"), field="signup_closes_at")
    if signup_closes_at > ends_at:
        raise DomainError(_("报名截止时间不能晚于活动结束时间。"), field="signup_closes_at")
    if alliance is not None and not alliance.memberships.filter(organization=organizer).exists():
        raise DomainError(
            _("“%(o)s”不是“%(a)s”的成员单位。") % {"o": organizer.name, "a": alliance.name}, field="alliance"
        )
    if project is not None:
        from gongzhi.projects.services import undertakers

        if not undertakers(project).filter(pk=organizer.pk).exists():
            raise DomainError(
                _("“%(o)s”没有承接项目“%(p)s”。") % {"o": organizer.name, "p": project.title}, field="project"
            )
    return Activity.objects.create(
        title=title.strip(),
        category=category,
        description=description,
        organizer=organizer,
        team=team,
        alliance=alliance,
        project=project,
        case=case,
        area=area,
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        signup_opens_at=signup_opens_at,
        signup_closes_at=signup_closes_at,
        cancel_cutoff_hours=cancel_cutoff_hours,
        created_by=_actor(by),
    )


def cancel_activity(activity: Activity, *, by: Any, reason: str) -> Activity:
    """Cancel an activity not yet ended; its live sign-ups are cancelled and told why."""
    _require_organizer(by, activity.organizer, activity.area)
    if not (reason or "").strip():
        raise DomainError(_("请填写取消原因。"), field="reason")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status == ActivityStatus.CANCELLED:
            raise InvalidTransition(_("活动已取消。"))
        if locked.ends_at <= _now():
            raise InvalidTransition(_("活动已结束，不能取消。"))
        live = Signup.objects.filter(activity=locked, status__in=LIVE_SIGNUP_STATUSES).select_related(
            "volunteer__person"
        )
        users = [s.volunteer.person.user_id for s in live]
        live.update(status=SignupStatus.CANCELLED, cancelled_at=_now())
        locked.status = ActivityStatus.CANCELLED
        locked.save(update_fields=["status"])
        notify(
            users,
            verb="activity_cancelled",
            text=_("活动“%(a)s”已取消：%(r)s") % {"a": locked.title, "r": reason},
        )
    return locked


def _confirmed_count(activity: Activity) -> int:
    return Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count()


def sign_up(activity: Activity, volunteer: Volunteer, *, by: Any) -> Signup:
    """Sign a volunteer up: confirmed while places remain, otherwise on the waitlist. Locks the
    activity row. Raises Forbidden, InvalidTransition (window closed, cancelled), Conflict."""
    _require_self_or_organizer(by, volunteer, activity)
    if volunteer.status != "active":
        raise DomainError(_("该志愿者已注销，不能报名。"), field="volunteer")
    now = _now()
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status == ActivityStatus.CANCELLED:
            raise InvalidTransition(_("活动已取消，不能报名。"))
        if now < locked.signup_opens_at:
            raise InvalidTransition(
                _("报名将于 %(t)s 开始。")
                % {"t": timezone.localtime(locked.signup_opens_at).strftime("%Y-%m-%d %H:%M")}
            )
        if now >= locked.signup_closes_at:
            raise InvalidTransition(
                _("报名已于 %(t)s 截止。")
                % {"t": timezone.localtime(locked.signup_closes_at).strftime("%Y-%m-%d %H:%M")}
            )
        if Signup.objects.filter(
            activity=locked, volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES
        ).exists():
            raise Conflict(_("已报名本活动。"))
        status = (
            SignupStatus.CONFIRMED if _confirmed_count(locked) < locked.capacity else SignupStatus.WAITLISTED
        )
        return Signup.objects.create(
            activity=locked, volunteer=volunteer, status=status, created_by=_actor(by)
        )


def _promote(locked: Activity) -> Signup | None:
    """Move the earliest waitlisted sign-up up when a place is free."""
    if _confirmed_count(locked) >= locked.capacity:
        return None
    nxt = (
        Signup.objects.filter(activity=locked, status=SignupStatus.WAITLISTED)
        .select_related("volunteer__person")
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None:
        return None
    nxt.status = SignupStatus.CONFIRMED
    nxt.promoted_at = _now()
    nxt.save(update_fields=["status", "promoted_at"])
    notify(
        [nxt.volunteer.person.user_id],
        verb="signup_promoted",
        text=_("您已从候补转为正式报名：%(a)s") % {"a": locked.title},
    )
    return nxt


def cancel_signup(signup: Signup, *, by: Any) -> Signup:
    """Cancel a sign-up before the cut-off (the activity's start less its cut-off hours); a
    freed place goes to the first on the waitlist. Raises Forbidden, InvalidTransition."""
    _require_self_or_organizer(by, signup.volunteer, signup.activity)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=signup.activity_id)
        current = Signup.objects.get(pk=signup.pk)
        if current.status == SignupStatus.CANCELLED:
            raise InvalidTransition(_("报名已取消。"))
        if current.checked_in_at:
            raise InvalidTransition(_("已签到，不能取消报名。"))
        cutoff = locked.starts_at - datetime.timedelta(hours=locked.cancel_cutoff_hours)
        if _now() >= cutoff and not _leads(by, locked.organizer):
            raise InvalidTransition(
                _("活动开始前 %(h)s 小时内不能取消报名（截止于 %(t)s），请联系组织方。")
                % {
                    "h": locked.cancel_cutoff_hours,
                    "t": timezone.localtime(cutoff).strftime("%Y-%m-%d %H:%M"),
                }
            )
        current.status = SignupStatus.CANCELLED
        current.cancelled_at = _now()
        current.save(update_fields=["status", "cancelled_at"])
        _promote(locked)
    return current


# ---------------------------------------------------------------------------------------------
# QR check-in and check-out


def qr_ttl() -> int:
    return int(getattr(settings, "GONGZHI_QR_TTL_SECONDS", 120))


def _qr_salt(activity: Activity) -> str:
    return f"gongzhi.volunteers.qr.{activity.pk}.{activity.qr_secret}"


def make_qr_token(activity: Activity, purpose: str) -> str:
    """A signed, time-stamped token for the activity's check-in (``in``) or check-out (``out``)
    QR code. The display rotates it; it expires after GONGZHI_QR_TTL_SECONDS."""
    if purpose not in ("in", "out"):
        raise ValueError(purpose)
    return signing.dumps({"a": activity.pk, "p": purpose, "n": secrets.token_hex(4)}, salt=_qr_salt(activity))


def read_qr_token(activity: Activity, token: str, purpose: str) -> str:
    """Check a scanned token; returns its digest for the replay record. Raises QrRefused."""
    try:
        payload = signing.loads(token or "", salt=_qr_salt(activity), max_age=qr_ttl())
    except signing.SignatureExpired:
        raise QrRefused(_("二维码已过期，请扫描现场屏幕上最新的二维码。"), field="token") from None
    except signing.BadSignature:
        # A token of another activity fails the signature too (the salt holds the activity).
        raise QrRefused(_("二维码无效：不是本活动的签到码，或已被篡改。"), field="token") from None
    if payload.get("a") != activity.pk:
        raise QrRefused(_("二维码无效：不是本活动的签到码，或已被篡改。"), field="token")
    if payload.get("p") != purpose:
        raise QrRefused(
            _("这是签退码，请扫描签到码。") if purpose == "in" else _("这是签到码，请扫描签退码。"),
            field="token",
        )
    return hashlib.sha256(token.encode()).hexdigest()


def _use_token(digest: str, volunteer: Volunteer) -> None:
    try:
        with transaction.atomic():
            QrTokenUse.objects.create(token_hash=digest, volunteer=volunteer)
    except IntegrityError:
        raise QrRefused(_("该二维码已使用过，请扫描现场屏幕上最新的二维码。"), field="token") from None


def _live_signup(locked: Activity, volunteer: Volunteer) -> Signup:
    signup = Signup.objects.filter(
        activity=locked, volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES
    ).first()
    if signup is None:
        raise InvalidTransition(_("您没有报名本活动，请先报名或联系组织方现场登记。"))
    if signup.status == SignupStatus.WAITLISTED:
        raise InvalidTransition(_("您仍在候补名单中，未获得名额，不能签到。"))
    return signup


CHECK_IN_EARLY = datetime.timedelta(minutes=30)


def check_in(activity: Activity, volunteer: Volunteer, *, token: str, by: Any) -> Signup:
    """Check a volunteer in by the scanned QR token: from 30 minutes before the start to the
    end, on a confirmed sign-up, not while checked in elsewhere. Raises QrRefused,
    InvalidTransition, Forbidden."""
    if volunteer.person.user_id != getattr(by, "pk", None):
        raise Forbidden(_("只能为自己扫码签到；为他人登记请使用现场名单。"))
    digest = read_qr_token(activity, token, "in")
    now = _now()
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_window(locked, now)
        signup = _live_signup(locked, volunteer)
        if signup.checked_in_at:
            raise Conflict(
                _("您已于 %(t)s 签到。") % {"t": timezone.localtime(signup.checked_in_at).strftime("%H:%M")}
            )
        _not_checked_in_elsewhere(volunteer, locked)
        _use_token(digest, volunteer)
        signup.checked_in_at = now
        signup.check_method = CheckMethod.QR
        signup.save(update_fields=["checked_in_at", "check_method"])
    return signup


def _check_window(locked: Activity, now: datetime.datetime) -> None:
    if locked.status == ActivityStatus.CANCELLED:
        raise InvalidTransition(_("活动已取消。"))
    if now < locked.starts_at - CHECK_IN_EARLY:
        raise InvalidTransition(_("活动开始前 30 分钟起才能签到。"))
    if now > locked.ends_at + datetime.timedelta(hours=2):
        raise InvalidTransition(_("活动已结束两小时以上，请联系组织方补录。"))


def _not_checked_in_elsewhere(volunteer: Volunteer, activity: Activity) -> None:
    other = (
        Signup.objects.filter(volunteer=volunteer, checked_in_at__isnull=False, checked_out_at__isnull=True)
        .exclude(activity=activity)
        .filter(activity__ends_at__gt=activity.starts_at)
        .select_related("activity")
        .first()
    )
    if other:
        raise Conflict(_("您在“%(a)s”尚未签退，请先签退。") % {"a": other.activity.title})


def check_out(activity: Activity, volunteer: Volunteer, *, token: str, by: Any) -> ServiceRecord:
    """Check a volunteer out by the scanned QR token; the hours (capped by the activity's span,
    rounded down to the unit) become a pending service record for the organizer to approve."""
    if volunteer.person.user_id != getattr(by, "pk", None):
        raise Forbidden(_("只能为自己扫码签退；为他人登记请使用现场名单。"))
    digest = read_qr_token(activity, token, "out")
    now = _now()
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_window(locked, now)
        signup = _live_signup(locked, volunteer)
        if not signup.checked_in_at:
            raise InvalidTransition(_("您还没有签到，不能签退。"))
        if signup.checked_out_at:
            raise Conflict(
                _("您已于 %(t)s 签退。") % {"t": timezone.localtime(signup.checked_out_at).strftime("%H:%M")}
            )
        _use_token(digest, volunteer)
        signup.checked_out_at = now
        signup.save(update_fields=["checked_out_at"])
        return _record_attendance(locked, signup, by=by)


def _check_overlap(volunteer: Volunteer, start, end, *, exclude: int | None = None) -> None:
    """One person cannot serve two places at once: refuse a span overlapping a live record."""
    if start is None or end is None or end <= start:
        return
    clash = (
        ServiceRecord.objects.filter(volunteer=volunteer, started_at__lt=end, ended_at__gt=start)
        .exclude(status=RecordStatus.DECLINED)
        .exclude(kind=RecordKind.ADJUSTMENT)
        .exclude(pk=exclude)
        .first()
    )
    if clash:
        raise Conflict(
            _("该时段与 %(d)s 的服务记录（%(s)s–%(e)s）重叠：同一人不能同时在两处服务。")
            % {
                "d": clash.served_on,
                "s": timezone.localtime(clash.started_at).strftime("%H:%M"),
                "e": timezone.localtime(clash.ended_at).strftime("%H:%M"),
            }
        )


def _record_attendance(locked: Activity, signup: Signup, *, by: Any) -> ServiceRecord:
    _thresholds, unit = policy_for(locked.area)
    start = max(signup.checked_in_at, locked.starts_at)
    end = min(signup.checked_out_at, locked.ends_at)
    hours = compute_hours(signup.checked_in_at, signup.checked_out_at, locked, unit)
    _check_overlap(signup.volunteer, start, end)
    return ServiceRecord.objects.create(
        volunteer=signup.volunteer,
        activity=locked,
        signup=signup,
        organization=locked.organizer,
        area=locked.area,
        kind=RecordKind.ACTIVITY,
        served_on=timezone.localtime(locked.starts_at).date(),
        started_at=start if end > start else None,
        ended_at=end if end > start else None,
        place=locked.place,
        content=locked.title,
        computed_hours=hours,
        hours=hours,
        created_by=_actor(by),
    )


def roster_attendance(
    activity: Activity,
    volunteer: Volunteer,
    *,
    by: Any,
    checked_in_at: datetime.datetime,
    checked_out_at: datetime.datetime,
) -> ServiceRecord:
    """The organizer's manual roster (现场名单) for people without phones: record a volunteer's
    attendance with times; they are signed up if they were not (a roster may exceed the
    capacity: they came). Raises Forbidden, DomainError, Conflict."""
    _require_organizer(by, activity.organizer, activity.area)
    if checked_out_at <= checked_in_at:
        raise DomainError(_("签退时间须晚于签到时间。"), field="checked_out_at")
    if checked_out_at > _now():
        raise DomainError(_("签退时间不能晚于现在。"), field="checked_out_at")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status == ActivityStatus.CANCELLED:
            raise InvalidTransition(_("活动已取消。"))
        signup = Signup.objects.filter(
            activity=locked, volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES
        ).first()
        if signup is None:
            signup = Signup.objects.create(
                activity=locked, volunteer=volunteer, status=SignupStatus.CONFIRMED, created_by=_actor(by)
            )
        elif signup.checked_out_at:
            raise Conflict(_("该志愿者已签退。"))
        elif signup.status == SignupStatus.WAITLISTED:
            signup.status = SignupStatus.CONFIRMED
            signup.promoted_at = _now()
        signup.checked_in_at = checked_in_at
        signup.checked_out_at = checked_out_at
        signup.check_method = CheckMethod.MANUAL
        signup.save(
            update_fields=["status", "promoted_at", "checked_in_at", "checked_out_at", "check_method"]
        )
        return _record_attendance(locked, signup, by=by)


# ---------------------------------------------------------------------------------------------
# Service records: manual entries, approval, adjustment


def _require_approver(by: Any, record: ServiceRecord) -> None:
    if can(by, "volunteers.approve_servicerecord", record.area) or _leads(by, record.organization):
        return
    raise Forbidden(
        _("只有“%(o)s”的负责人或辖区工作人员可以审核服务时长。") % {"o": record.organization.name}
    )


def _hours(value: Any, *, field: str = "hours", allow_negative: bool = False) -> Decimal:
    hours = _decimal(value, field=field, label=_("时长"))
    if hours != hours.quantize(HOUR):
        raise DomainError(_("时长最多保留两位小数。"), field=field)
    if not allow_negative and hours < 0:
        raise DomainError(_("时长不能为负数（现为 %(v)s）。") % {"v": value}, field=field)
    if abs(hours) > 24:
        raise DomainError(_("单条记录的时长不能超过 24 小时。"), field=field)
    return hours.quantize(HOUR)


def add_manual_record(
    volunteer: Volunteer,
    *,
    by: Any,
    organization,
    served_on: datetime.date,
    hours: Any,
    content: str,
    reason: str,
    place: str = "",
    started_at: datetime.datetime | None = None,
    ended_at: datetime.datetime | None = None,
) -> ServiceRecord:
    """A record outside any activity (手工补录), entered by the organizer with a reason. It
    waits for approval like any other. Raises Forbidden, DomainError, Conflict (overlap)."""
    _require_organizer(by, organization, organization.area, perm="volunteers.approve_servicerecord")
    if not (reason or "").strip():
        raise DomainError(_("手工补录须说明原因。"), field="reason")
    if not (content or "").strip():
        raise DomainError(_("请填写服务内容。"), field="content")
    if served_on > timezone.localdate():
        raise DomainError(_("服务日期不能晚于今天。"), field="served_on")
    hours = _hours(hours)
    if started_at and ended_at:
        if ended_at <= started_at:
            raise DomainError(_("结束时间须晚于开始时间。"), field="ended_at")
        span = Decimal((ended_at - started_at).total_seconds()) / Decimal(3600)
        if hours > span:
            raise DomainError(_("时长（%(h)s 小时）超过了开始到结束的时间。") % {"h": hours}, field="hours")
    with transaction.atomic():
        _check_overlap(volunteer, started_at, ended_at)
        return ServiceRecord.objects.create(
            volunteer=volunteer,
            organization=organization,
            area=organization.area,
            kind=RecordKind.MANUAL,
            served_on=served_on,
            started_at=started_at,
            ended_at=ended_at,
            place=place,
            content=content.strip(),
            hours=hours,
            reason=reason.strip(),
            created_by=_actor(by),
        )


def _locked_pending(record: ServiceRecord) -> ServiceRecord:
    current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if current.status != RecordStatus.PENDING:
        raise InvalidTransition(
            _("该记录状态为“%(s)s”，不能再审核；如需更正，请添加调整记录。")
            % {"s": current.get_status_display()}
        )
    return current


def approve_record(record: ServiceRecord, *, by: Any, hours: Any = None, reason: str = "") -> ServiceRecord:
    """Approve (认定) a pending record, optionally adjusting its hours with a reason. Raises
    Forbidden, InvalidTransition (not pending), DomainError."""
    _require_approver(by, record)
    with transaction.atomic():
        current = _locked_pending(record)
        fields = ["status", "decided_by", "decided_at"]
        if hours is not None and str(hours) != "":
            new_hours = _hours(hours)
            if new_hours != current.hours:
                if not (reason or "").strip():
                    raise DomainError(_("调整时长须说明原因。"), field="reason")
                if current.computed_hours is not None and new_hours > current.computed_hours:
                    raise DomainError(
                        _("认定时长不能超过签到签退计算的 %(h)s 小时。") % {"h": current.computed_hours},
                        field="hours",
                    )
                current.hours = new_hours
                current.reason = "\n".join(filter(None, [current.reason, reason.strip()]))
                fields += ["hours", "reason"]
        current.status = RecordStatus.APPROVED
        current.decided_by = _actor(by)
        current.decided_at = _now()
        current.save(update_fields=fields)
        notify(
            Volunteer.objects.filter(pk=current.volunteer_id).values_list("person__user_id", flat=True),
            verb="record_approved",
            text=_("您 %(d)s 的服务时长 %(h)s 小时已认定：%(c)s")
            % {"d": current.served_on, "h": current.hours, "c": current.content},
        )
    return current


def decline_record(record: ServiceRecord, *, by: Any, reason: str) -> ServiceRecord:
    """Decline (不予认定) a pending record with a reason."""
    _require_approver(by, record)
    if not (reason or "").strip():
        raise DomainError(_("请填写不予认定的原因。"), field="reason")
    with transaction.atomic():
        current = _locked_pending(record)
        current.status = RecordStatus.DECLINED
        current.reason = "\n".join(filter(None, [current.reason, reason.strip()]))
        current.decided_by = _actor(by)
        current.decided_at = _now()
        current.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        notify(
            Volunteer.objects.filter(pk=current.volunteer_id).values_list("person__user_id", flat=True),
            verb="record_declined",
            text=_("您 %(d)s 的服务记录未予认定：%(r)s") % {"d": current.served_on, "r": reason.strip()},
        )
    return current


def adjust_record(record: ServiceRecord, *, by: Any, hours: Any, reason: str) -> ServiceRecord:
    """Correct an approved record by a new adjusting record (hours ± with a reason), approved
    at once by the approver; the original stays as it was. The record's total never goes
    below zero. Raises Forbidden, InvalidTransition, DomainError."""
    _require_approver(by, record)
    delta = _hours(hours, allow_negative=True)
    if delta == 0:
        raise DomainError(_("调整时长不能为 0。"), field="hours")
    if not (reason or "").strip():
        raise DomainError(_("调整须说明原因。"), field="reason")
    with transaction.atomic():
        original = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        if original.status != RecordStatus.APPROVED or original.kind == RecordKind.ADJUSTMENT:
            raise InvalidTransition(_("只能调整已认定的服务记录。"))
        so_far = original.hours + (
            ServiceRecord.objects.filter(adjusts=original, status=RecordStatus.APPROVED).aggregate(
                t=Sum("hours")
            )["t"]
            or 0
        )
        if so_far + delta < 0:
            raise DomainError(
                _("调整后该记录的时长为 %(t)s 小时，不能为负数。") % {"t": so_far + delta}, field="hours"
            )
        now = _now()
        return ServiceRecord.objects.create(
            volunteer=original.volunteer,
            activity=original.activity,
            organization=original.organization,
            area=original.area,
            kind=RecordKind.ADJUSTMENT,
            status=RecordStatus.APPROVED,
            served_on=original.served_on,
            place=original.place,
            content=original.content,
            hours=delta,
            reason=reason.strip(),
            adjusts=original,
            created_by=_actor(by),
            decided_by=_actor(by),
            decided_at=now,
        )


# ---------------------------------------------------------------------------------------------
# Certificates


def _certificate_number() -> str:
    year = timezone.localdate().year
    return f"ZM{year}-{secrets.token_hex(5).upper()}"


def issue_certificate(volunteer: Volunteer, *, by: Any) -> Certificate:
    """Issue a volunteer service certificate (志愿服务证明): a snapshot of the approved hours
    now, under a number anyone can verify. The volunteer or staff over their area may."""
    is_self = volunteer.person.user_id and volunteer.person.user_id == getattr(by, "pk", None)
    if not (is_self or can(by, "volunteers.view_volunteer", volunteer.person.area)):
        raise Forbidden(_("您不能为该志愿者开具证明。"))
    approved = ServiceRecord.objects.filter(volunteer=volunteer, status=RecordStatus.APPROVED)
    totals = approved.aggregate(hours=Sum("hours"))
    dates = (
        approved.exclude(kind=RecordKind.ADJUSTMENT).order_by("served_on").values_list("served_on", flat=True)
    )
    hours = Decimal(totals["hours"] or 0).quantize(HOUR)
    if hours <= 0:
        raise DomainError(_("还没有已认定的服务时长，暂不能开具证明。"))
    thresholds, _unit = policy_for(volunteer.person.area)
    return Certificate.objects.create(
        number=_certificate_number(),
        volunteer=volunteer,
        hours=hours,
        records=approved.exclude(kind=RecordKind.ADJUSTMENT).count(),
        first_served_on=dates.first(),
        last_served_on=dates.last(),
        star_level=star_level(hours, thresholds),
        issued_by=_actor(by),
    )


def verify_certificate(number: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("volunteer__person")
        .filter(number=(number or "").strip().upper())
        .first()
    )


# ---------------------------------------------------------------------------------------------
# Micro-wishes


def _wish_transition(wish: Wish, action: str, *, by: Any, note: str = "", during=None) -> Wish:
    allowed_from, target = WISH_TRANSITIONS[action]
    with transaction.atomic():
        locked = Wish.objects.select_for_update().get(pk=wish.pk)
        if locked.status not in allowed_from:
            raise InvalidTransition(
                _("心愿当前状态为“%(s)s”，不能%(a)s。")
                % {"s": locked.get_status_display(), "a": WishAction(action).label}
            )
        extra = (during(locked) if during else None) or []
        from_status = locked.status
        locked.status = target
        locked.save(update_fields=["status", "updated_at", *extra])
        WishEvent.objects.create(
            wish=locked, action=action, from_status=from_status, to_status=target, actor=_actor(by), note=note
        )
    return locked


def post_wish(
    *,
    by: Any,
    beneficiary,
    title: str,
    category: str,
    estimated_value: Any,
    expires_on: datetime.date,
    description: str = "",
    claim_days: int = 14,
) -> Wish:
    """A community worker posts a wish for a beneficiary in their community."""
    area = beneficiary.home_grid.parent if beneficiary.home_grid_id else beneficiary.area
    if not can(by, "volunteers.add_wish", area):
        raise Forbidden(_("您不能为“%(a)s”的居民发布微心愿。") % {"a": area.name})
    if not (title or "").strip():
        raise DomainError(_("请填写心愿内容。"), field="title")
    if category not in WishCategory.values:
        raise DomainError(_("未知的心愿类别“%(c)s”。") % {"c": category}, field="category")
    value = _decimal(estimated_value, field="estimated_value", label=_("预估价值"))
    if value < 0 or value > 100000:
        raise DomainError(_("预估价值须在 0 到 100,000 元之间。"), field="estimated_value")
    if expires_on <= timezone.localdate():
        raise DomainError(_("征集截止日期须晚于今天。"), field="expires_on")
    if not isinstance(claim_days, int) or not 1 <= claim_days <= 90:
        raise DomainError(_("认领后完成期限须在 1 到 90 天之间。"), field="claim_days")
    with transaction.atomic():
        wish = Wish.objects.create(
            title=title.strip(),
            category=category,
            description=description,
            estimated_value=value.quantize(HOUR),
            beneficiary=beneficiary,
            area=area,
            expires_on=expires_on,
            claim_days=claim_days,
            posted_by=_actor(by),
        )
        WishEvent.objects.create(
            wish=wish, action=WishAction.POST, to_status=WishStatus.POSTED, actor=_actor(by)
        )
    return wish


def claim_wish(
    wish: Wish,
    *,
    by: Any,
    claimer_kind: str,
    claimer_name: str = "",
    organization=None,
    phone: str = "",
) -> Wish:
    """A volunteer, donor or organization claims a posted wish; it must be fulfilled within
    the wish's claim days. Any signed-in user may claim, in their own name or their
    organization's."""
    if not getattr(by, "is_authenticated", False):
        raise Forbidden(_("请先登录再认领心愿。"))
    if claimer_kind not in ClaimerKind.values:
        raise DomainError(_("未知的认领方类型“%(k)s”。") % {"k": claimer_kind}, field="claimer_kind")
    if claimer_kind == ClaimerKind.ORGANIZATION:
        if organization is None or not _leads(by, organization):
            raise Forbidden(_("只有组织负责人可以以组织名义认领。"))
        claimer_name = organization.name
    elif claimer_kind == ClaimerKind.VOLUNTEER:
        volunteer = Volunteer.objects.filter(person__user=by).select_related("person").first()
        if volunteer is None:
            raise DomainError(_("您还不是注册志愿者，请以爱心人士身份认领或先注册。"), field="claimer_kind")
        claimer_name = volunteer.person.name
    if not (claimer_name or "").strip():
        raise DomainError(_("请填写认领方名称。"), field="claimer_name")

    def take(locked: Wish):
        if locked.expires_on < timezone.localdate():
            raise InvalidTransition(_("该心愿已过征集截止日期。"))
        locked.claimed_by = by
        locked.claimer_kind = claimer_kind
        locked.claimer_name = claimer_name.strip()
        locked.claimer_organization = organization if claimer_kind == ClaimerKind.ORGANIZATION else None
        locked.claimer_phone = phone
        locked.fulfil_by = timezone.localdate() + datetime.timedelta(days=locked.claim_days)
        return [
            "claimed_by",
            "claimer_kind",
            "claimer_name",
            "claimer_organization",
            "claimer_phone",
            "fulfil_by",
        ]

    locked = _wish_transition(wish, WishAction.CLAIM, by=by, note=claimer_name, during=take)
    notify(
        [locked.posted_by_id],
        verb="wish_claimed",
        text=_("心愿“%(w)s”已被%(c)s认领。") % {"w": locked.title, "c": locked.claimer_name},
    )
    return locked


def fulfil_wish(wish: Wish, *, by: Any, proof: str, photos: Any = ()) -> Wish:
    """The claimer reports the wish fulfilled, with a note and photos as proof."""
    if wish.claimed_by_id != getattr(by, "pk", None):
        raise Forbidden(_("只有认领人可以提交完成情况。"))
    if not (proof or "").strip():
        raise DomainError(_("请说明心愿完成情况。"), field="proof")
    processed = process_photos(photos)

    def record(locked: Wish):
        locked.proof = proof.strip()
        for photo in processed:
            store_photo(photo, model=WishPhoto, wish=locked, uploaded_by=_actor(by))
        return ["proof"]

    locked = _wish_transition(wish, WishAction.FULFIL, by=by, during=record)
    notify(
        [locked.posted_by_id],
        verb="wish_fulfilled",
        text=_("心愿“%(w)s”已完成，请与心愿人确认。") % {"w": locked.title},
    )
    return locked


def confirm_wish(wish: Wish, *, by: Any, note: str = "") -> Wish:
    """The community worker confirms with the beneficiary that the wish came true."""
    if not can(by, "volunteers.confirm_wish", wish.area):
        raise Forbidden(_("只有心愿所在社区的工作人员可以确认。"))
    locked = _wish_transition(wish, WishAction.CONFIRM, by=by, note=note)
    notify(
        [locked.claimed_by_id],
        verb="wish_confirmed",
        text=_("感谢您！心愿“%(w)s”已确认完成。") % {"w": locked.title},
    )
    return locked


def withdraw_wish(wish: Wish, *, by: Any, reason: str) -> Wish:
    if not can(by, "volunteers.add_wish", wish.area):
        raise Forbidden(_("只有心愿所在社区的工作人员可以撤回。"))
    if not (reason or "").strip():
        raise DomainError(_("请填写撤回原因。"), field="reason")
    claimer = wish.claimed_by_id
    locked = _wish_transition(wish, WishAction.WITHDRAW, by=by, note=reason)
    notify(
        [claimer],
        verb="wish_withdrawn",
        text=_("心愿“%(w)s”已撤回：%(r)s") % {"w": locked.title, "r": reason},
    )
    return locked


def sweep_wishes(today: datetime.date | None = None) -> dict[str, int]:
    """Release claimed wishes not fulfilled by their deadline back to the wall, and expire
    posted wishes past their expiry. Idempotent; run daily."""
    today = today or timezone.localdate()
    released = expired = 0
    for wish in Wish.objects.filter(status=WishStatus.CLAIMED, fulfil_by__lt=today):
        claimer = wish.claimed_by_id

        def clear(locked: Wish):
            locked.claimed_by = None
            locked.claimer_kind = ""
            locked.claimer_name = ""
            locked.claimer_organization = None
            locked.claimer_phone = ""
            locked.fulfil_by = None
            return [
                "claimed_by",
                "claimer_kind",
                "claimer_name",
                "claimer_organization",
                "claimer_phone",
                "fulfil_by",
            ]

        try:
            _wish_transition(wish, WishAction.RELEASE, by=None, note=_("认领后逾期未完成"), during=clear)
        except InvalidTransition:
            continue
        notify(
            [claimer],
            verb="wish_released",
            text=_("心愿“%(w)s”逾期未完成，已重新开放认领。") % {"w": wish.title},
        )
        released += 1
    for wish in Wish.objects.filter(status=WishStatus.POSTED, expires_on__lt=today):
        try:
            _wish_transition(wish, WishAction.EXPIRE, by=None)
        except InvalidTransition:
            continue
        expired += 1
    return {"released": released, "expired": expired}


# ---------------------------------------------------------------------------------------------
# Community correction (justice role only)


def _require_justice(by: Any, area: Area) -> None:
    if not can(by, "people.view_correction_tag", area):
        # Said as "not found" elsewhere; here the caller is refused without naming the tag.
        raise Forbidden(_("您没有此项操作的权限。"))


def assign_correction(
    person, *, by: Any, organization, starts_on: datetime.date, note: str = ""
) -> CorrectionAssignment:
    """Record a community-correction person serving as a volunteer under a supervising
    organization; tags the person (the tag is seen by the justice role alone)."""
    from gongzhi.people.choices import Tag
    from gongzhi.people.models import PersonTag

    _require_justice(by, person.area)
    if starts_on > timezone.localdate():
        raise DomainError(_("矫正开始日期不能晚于今天。"), field="starts_on")
    with transaction.atomic():
        if CorrectionAssignment.objects.filter(person=person, ends_on__isnull=True).exists():
            raise Conflict(_("该人员已有进行中的矫正记录。"))
        PersonTag.objects.get_or_create(
            person=person, tag=Tag.COMMUNITY_CORRECTION, defaults={"created_by": _actor(by)}
        )
        return CorrectionAssignment.objects.create(
            person=person, organization=organization, starts_on=starts_on, note=note, created_by=_actor(by)
        )


def end_correction(
    assignment: CorrectionAssignment, *, by: Any, ends_on: datetime.date
) -> CorrectionAssignment:
    _require_justice(by, assignment.person.area)
    if ends_on < assignment.starts_on:
        raise DomainError(_("矫正结束日期不能早于开始日期。"), field="ends_on")
    assignment.ends_on = ends_on
    assignment.save(update_fields=["ends_on"])
    return assignment


def record_supervision_event(
    assignment: CorrectionAssignment, *, by: Any, kind: str, occurred_on: datetime.date, note: str = ""
) -> SupervisionEvent:
    """Record lost contact (脱管) or a re-offence (再犯罪) of a correction person."""
    _require_justice(by, assignment.person.area)
    if kind not in SupervisionEventKind.values:
        raise DomainError(_("未知的监管事件类型“%(k)s”。") % {"k": kind}, field="kind")
    if occurred_on > timezone.localdate() or occurred_on < assignment.starts_on:
        raise DomainError(_("发生日期须在矫正开始日期与今天之间。"), field="occurred_on")
    return SupervisionEvent.objects.create(
        assignment=assignment, kind=kind, occurred_on=occurred_on, note=note, recorded_by=_actor(by)
    )


def log_correction_views(user: Any, assignments: Any, *, ip: str | None = None) -> int:
    """Every view of correction rows by the justice role is logged as a sensitive access."""
    from gongzhi.people.choices import Tag
    from gongzhi.people.models import SensitiveAccess

    rows = [
        SensitiveAccess(
            user=user,
            person_id=a.person_id,
            field=f"tag:{Tag.COMMUNITY_CORRECTION}",
            reason=_("查看社区矫正志愿服务"),
            ip_address=ip,
        )
        for a in assignments
    ]
    SensitiveAccess.objects.bulk_create(rows)
    audit_sensitive_accesses(rows)
    return len(rows)


def volunteer_for(user: Any) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(person__user=user).select_related("person").first()


def active_signups(volunteer: Volunteer):
    return Signup.objects.filter(volunteer=volunteer, status__in=LIVE_SIGNUP_STATUSES).filter(
        Q(activity__ends_at__gte=_now())
    )


# ---------------------------------------------------------------------------------------------
# Added for the volunteers API (issue 6): changing a volunteer's own particulars


def update_volunteer(
    volunteer: Volunteer, *, by: Any, skills: Any = None, availability: Any = None
) -> Volunteer:
    """Change a volunteer's skills and availability. The volunteer themself, staff with
    ``volunteers.change_volunteer`` over the person's area, or a leader of an organization the
    volunteer serves with may. Raises Forbidden, DomainError."""
    is_self = volunteer.person.user_id and volunteer.person.user_id == getattr(by, "pk", None)
    serves_with_led = Affiliation.objects.filter(
        volunteer=volunteer, left_on__isnull=True, organization__in=led_organizations(by).values("pk")
    ).exists()
    if not (is_self or serves_with_led or can(by, "volunteers.change_volunteer", volunteer.person.area)):
        raise Forbidden(_("您不能修改该志愿者的信息。"))
    fields = []
    if skills is not None:
        cleaned = [str(s).strip() for s in skills if str(s).strip()]
        if len(cleaned) > 20 or any(len(s) > 30 for s in cleaned):
            raise DomainError(_("技能特长最多 20 项，每项不超过 30 个字。"), field="skills")
        volunteer.skills = cleaned
        fields.append("skills")
    if availability is not None:
        if len(availability) > 200:
            raise DomainError(_("可服务时间不超过 200 个字。"), field="availability")
        volunteer.availability = availability
        fields.append("availability")
    if fields:
        volunteer.save(update_fields=fields)
    return volunteer
