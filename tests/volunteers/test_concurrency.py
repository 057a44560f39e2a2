"""Capacity under concurrent sign-ups, and the wish sweep command."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Signup, Wish
from tests.factories import make_person
from tests.volunteers.conftest import make_volunteer


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SELECT … FOR UPDATE) need PostgreSQL"
)
def test_concurrent_sign_ups_never_overbook(transactional_db, tree, club, activity):
    volunteers = [make_volunteer(tree, club, f"v{i}", f"志愿者{i}") for i in range(6)]
    barrier = threading.Barrier(len(volunteers))
    errors: list[Exception] = []

    def race(volunteer) -> None:
        try:
            barrier.wait()
            services.sign_up(activity, volunteer, by=volunteer.person.user)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(v,)) for v in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = sorted(Signup.objects.filter(activity=activity).values_list("status", flat=True))
    assert statuses == ["confirmed"] * 2 + ["waitlisted"] * 4


def test_sweep_wishes_command(tree, community_worker, ann, capsys):
    beneficiary = make_person(grid=tree["G1"], name="独居老人")
    today = timezone.localdate()
    wish = services.post_wish(
        by=community_worker,
        beneficiary=beneficiary,
        title="冬天的棉被",
        category="daily",
        estimated_value="200",
        expires_on=today + datetime.timedelta(days=5),
    )
    later = today + datetime.timedelta(days=6)
    call_command("sweep_wishes", "--on", later.isoformat())
    assert "过期 1 个" in capsys.readouterr().out
    assert Wish.objects.get(pk=wish.pk).status == "expired"
    call_command("sweep_wishes", "--on", later.isoformat())
    assert "过期 0 个" in capsys.readouterr().out
