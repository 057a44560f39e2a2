"""Background work starts only after the change that caused it commits: a rolled-back case
report notifies nobody, a committed one notifies the dispatchers; and no code path hands a
task to the queue outside ``transaction.on_commit``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Case
from gongzhi.cases.services import report_case
from gongzhi.notifications.models import Notification
from tests.cases.conftest import G1_POINT

SOURCE = Path(__file__).resolve().parents[2] / "gongzhi"


def report(categories, grid_member):
    return report_case(
        category=categories["clutter"],
        description="人行道堆物",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
    )


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_report_notifies_nobody_and_a_committed_one_does(
    categories, grids, grid_member, community_worker
):
    def failing_request() -> None:
        with transaction.atomic():
            report(categories, grid_member)
            # Inside the transaction nothing has gone out yet.
            assert Notification.objects.count() == 0
            raise RuntimeError("the request fails after the report was written")

    with pytest.raises(RuntimeError):
        failing_request()

    assert (Case.objects.count(), Notification.objects.count()) == (0, 0)

    with transaction.atomic():
        report(categories, grid_member)
        assert Notification.objects.count() == 0

    assert list(Notification.objects.values_list("recipient", "verb")) == [
        (community_worker.pk, "case_reported")
    ]


def test_tasks_are_only_enqueued_from_on_commit():
    """``.delay(`` / ``.apply_async(`` / ``send_task(`` anywhere in the code must sit in a
    ``transaction.on_commit`` callback, or a worker could run before the data it needs exists
    (or for a change that is then rolled back)."""
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.(delay|apply_async)\(|\bsend_task\(", line) and "on_commit" not in line:
                offenders.append(f"{path.relative_to(SOURCE.parent)}:{number}: {line.strip()}")

    assert offenders == []
