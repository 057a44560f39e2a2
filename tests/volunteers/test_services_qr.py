"""Check-in QR tokens: signed, bound to one activity and one purpose, expiring after the TTL,
good once per volunteer; expired, replayed, forged and misdirected tokens are refused with a
message that says which."""

from __future__ import annotations

import datetime
import hashlib
import time

import pytest
from django.core import signing

from gongzhi.core.exceptions import InvalidTransition
from gongzhi.volunteers import services
from gongzhi.volunteers.models import QrTokenUse, Signup
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(activity, monkeypatch):
    """The fixture's activity as if it were about to start (check-in is open)."""
    monkeypatch.setattr(services, "_now", lambda: activity.starts_at - datetime.timedelta(minutes=5))
    return activity


@pytest.fixture
def other(tree, club, leader):
    return services.create_activity(
        by=leader,
        organizer=club,
        title="护绿",
        category="greening",
        area=tree["C1"],
        place="百合社区中心绿地",
        starts_at=at(1, 9),
        ends_at=at(1, 11),
        capacity=5,
    )


def token_made_ago(activity, purpose: str, seconds: int, monkeypatch) -> str:
    real = time.time
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: real() - seconds)
        return services.make_qr_token(activity, purpose)


def test_a_fresh_token_reads_back_as_its_digest(activity):
    token = services.make_qr_token(activity, "in")

    assert services.read_qr_token(activity, token, "in") == hashlib.sha256(token.encode()).hexdigest()


def test_tokens_rotate_every_time_they_are_made(activity):
    assert services.make_qr_token(activity, "in") != services.make_qr_token(activity, "in")


def test_an_expired_token_is_refused(activity, settings, monkeypatch):
    settings.GONGZHI_QR_TTL_SECONDS = 120

    token = token_made_ago(activity, "in", 200, monkeypatch)

    with pytest.raises(services.QrRefused, match="二维码已过期，请扫描现场屏幕上最新的二维码"):
        services.read_qr_token(activity, token, "in")


def test_a_token_within_its_ttl_is_accepted(activity, settings, monkeypatch):
    settings.GONGZHI_QR_TTL_SECONDS = 120

    token = token_made_ago(activity, "in", 100, monkeypatch)

    assert services.read_qr_token(activity, token, "in")


def test_a_replayed_token_is_refused_but_another_volunteer_may_scan_the_same_screen(running, ann, bob):
    for v in (ann, bob):
        services.sign_up(running, v, by=v.person.user)
    token = services.make_qr_token(running, "in")
    services.check_in(running, ann, token=token, by=ann.person.user)
    Signup.objects.filter(volunteer=ann).update(checked_in_at=None)

    with pytest.raises(services.QrRefused, match="该二维码已使用过"):
        services.check_in(running, ann, token=token, by=ann.person.user)
    signup = services.check_in(running, bob, token=token, by=bob.person.user)

    assert signup.checked_in_at is not None
    assert QrTokenUse.objects.count() == 2
    assert set(QrTokenUse.objects.values_list("token_hash", flat=True)) == {
        hashlib.sha256(token.encode()).hexdigest()
    }


def test_a_refused_scan_does_not_use_up_the_token(running, ann):
    token = services.make_qr_token(running, "in")

    with pytest.raises(InvalidTransition, match="没有报名"):
        services.check_in(running, ann, token=token, by=ann.person.user)
    services.sign_up(running, ann, by=ann.person.user)

    assert services.check_in(running, ann, token=token, by=ann.person.user).checked_in_at


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: "forged." + t,
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature altered
        lambda t: t.split(":")[0] + ":" + t.split(":", 1)[1][::-1],
        lambda t: "",
        lambda t: "not-a-token",
    ],
    ids=["prefixed", "signature", "scrambled", "empty", "garbage"],
)
def test_a_forged_token_is_refused(activity, forge):
    token = services.make_qr_token(activity, "in")

    with pytest.raises(services.QrRefused, match="二维码无效"):
        services.read_qr_token(activity, forge(token), "in")


def test_a_token_signed_without_the_activitys_secret_is_refused(activity):
    # Same payload, signed with the site's key but not the activity's salt.
    token = signing.dumps({"a": activity.pk, "p": "in", "n": "00000000"})

    with pytest.raises(services.QrRefused, match="不是本活动的签到码，或已被篡改"):
        services.read_qr_token(activity, token, "in")


def test_another_activitys_token_is_refused(activity, other):
    token = services.make_qr_token(other, "in")

    with pytest.raises(services.QrRefused, match="不是本活动的签到码"):
        services.read_qr_token(activity, token, "in")


def test_a_new_secret_voids_the_tokens_shown_before(activity):
    token = services.make_qr_token(activity, "in")
    activity.qr_secret = "0" * 32
    activity.save(update_fields=["qr_secret"])

    with pytest.raises(services.QrRefused, match="二维码无效"):
        services.read_qr_token(activity, token, "in")


def test_the_wrong_purpose_is_refused_saying_which_code_to_scan(activity):
    with pytest.raises(services.QrRefused) as refused_in:
        services.read_qr_token(activity, services.make_qr_token(activity, "out"), "in")
    with pytest.raises(services.QrRefused) as refused_out:
        services.read_qr_token(activity, services.make_qr_token(activity, "in"), "out")

    assert (str(refused_in.value), str(refused_out.value)) == (
        "这是签退码，请扫描签到码。",
        "这是签到码，请扫描签退码。",
    )
    assert refused_in.value.as_dict()["code"] == "qr_refused"
    assert refused_in.value.status_code == 409


def test_only_in_and_out_tokens_are_made(activity):
    with pytest.raises(ValueError, match="sideways"):
        services.make_qr_token(activity, "sideways")
