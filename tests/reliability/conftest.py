"""Fixtures for the reliability tests, reusing the apps' own: cases (grids, categories,
photos), volunteers (a club, volunteers ann and bob, an activity) and projects (funds)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.volunteers import services as volunteer_services
from tests.cases.conftest import categories, grids, photo  # noqa: F401 - fixtures
from tests.projects.conftest import donation, elderly_project, finance, gov_fund  # noqa: F401
from tests.volunteers.conftest import activity, ann, bob, club, leader  # noqa: F401


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def running(tree, club, leader):  # noqa: F811 - the imported fixtures
    """An activity of the club under way: began ten minutes ago, ends in an hour."""
    now = timezone.now()
    return volunteer_services.create_activity(
        by=leader,
        organizer=club,
        title="护绿行动",
        category="greening",
        area=tree["C1"],
        place="百合公园",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=1),
        capacity=5,
        signup_opens_at=now - datetime.timedelta(days=1),
        signup_closes_at=now + datetime.timedelta(hours=1),
    )


@pytest.fixture
def funded(district_admin, gov_fund, elderly_project):  # noqa: F811
    from gongzhi.projects import services

    services.allocate(elderly_project, source=gov_fund, amount="1000", by=district_admin)
    return elderly_project


def race(count: int, send: Callable[[APIClient], Any], user: Any) -> list[tuple[int, Any, str | None]]:
    """Send the same request from ``count`` threads at once, each with its own client and
    database connection; returns (status, JSON body, Idempotent-Replayed) per thread."""
    barrier = threading.Barrier(count)
    answers: list[tuple[int, Any, str | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            client = APIClient()
            client.force_authenticate(user)
            barrier.wait()
            response = send(client)
            with lock:
                answers.append(
                    (response.status_code, response.json(), response.headers.get("Idempotent-Replayed"))
                )
        except BaseException as exc:  # reported below, never lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers
