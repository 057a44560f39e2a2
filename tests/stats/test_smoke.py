import datetime

from gongzhi.stats import indicators as ind
from gongzhi.volunteers import services
from tests.volunteers.conftest import at


def test_overview_and_verify(tree, club, ann, leader, django_assert_max_num_queries):
    record = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-1).date(), hours="2.5", content="清扫", reason="补录"
    )
    services.approve_record(record, by=leader)
    period = ind.Period(at(-30).date(), at(0).date())
    data = ind.overview(tree["D"], period)
    assert data["volunteers"] == {"total": 1, "party_members": 1}
    assert data["service_hours"] == 2.5
    assert data["organizations"]["total"] == 1
    assert ind.verify(list(tree.values()), period) == []
    rows = ind.breakdown_by_child("service_hours", tree["D"], period)
    assert [r["value"] for r in rows] == [2.5, 0]
    assert (
        len(
            ind.timeseries(
                "service_hours", tree["D"], ind.Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
            )
        )
        == 12
    )


def test_verify_stats_finds_a_planted_inconsistency(tree, club, ann, leader, capsys):
    import pytest
    from django.core.management import CommandError, call_command

    record = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-1).date(), hours="1", content="清扫", reason="补录"
    )
    services.approve_record(record, by=leader)
    call_command("verify_stats")
    assert "没有差异" in capsys.readouterr().out
    # Plant a stale materialized path: G1 claims to lie under S2. The fast route (path prefix)
    # now counts its people and volunteers under S2; the parent links still say S1.
    from gongzhi.areas.models import Area

    Area.objects.filter(pk=tree["G1"].pk).update(path=tree["S2"].path + "G1/")
    with pytest.raises(CommandError):
        call_command("verify_stats")
    assert "volunteers_party_members @ S1" in capsys.readouterr().err
