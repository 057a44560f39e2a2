"""The volunteer admin: scoped, read-only records; the policy saved through the service."""

from __future__ import annotations

from django.urls import reverse

from gongzhi.volunteers.models import VolunteerPolicy


def test_admin_lists_are_scoped_and_read_only(page, district_admin, ann, activity):
    client = page(district_admin)
    for name in ("volunteer", "activity", "servicerecord", "wish", "certificate"):
        assert client.get(reverse(f"admin:volunteers_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:volunteers_volunteer_add")).status_code == 403
    html = client.get(reverse("admin:volunteers_volunteer_changelist")).content.decode()
    assert ann.number in html


def test_policy_is_checked_by_the_service(page, district_admin, tree):
    client = page(district_admin)
    url = reverse("admin:volunteers_volunteerpolicy_add")
    ok = client.post(
        url, {"area": tree["D"].pk, "star_thresholds": "[50, 100, 200, 400, 800]", "hour_unit": "0.25"}
    )
    assert ok.status_code == 302
    policy = VolunteerPolicy.objects.get()
    assert policy.star_thresholds == [50, 100, 200, 400, 800]


def test_bad_thresholds_are_a_form_error(page, district_admin, tree):
    response = page(district_admin).post(
        reverse("admin:volunteers_volunteerpolicy_add"),
        {"area": tree["D"].pk, "star_thresholds": "[300, 100]", "hour_unit": "0.5"},
    )
    assert response.status_code == 200
    assert "星级门槛须为五个递增的正整数小时数" in response.content.decode()
    assert not VolunteerPolicy.objects.exists()
