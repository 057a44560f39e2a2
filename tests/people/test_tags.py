def test_tag_rows_hide_sensitive_tags_from_those_without_their_permission(
    tree, district_admin, street_admin, justice_officer
):
    from gongzhi.people.models import PersonTag
    from tests.factories import make_person

    person = make_person(grid=tree["G1"], name="隐私测试")
    PersonTag.objects.create(person=person, tag="community_correction")
    PersonTag.objects.create(person=person, tag="veteran")
    assert set(PersonTag.objects.visible_to(street_admin).values_list("tag", flat=True)) == {"veteran"}
    assert set(PersonTag.objects.visible_to(district_admin).values_list("tag", flat=True)) == {"veteran"}
    assert set(PersonTag.objects.visible_to(justice_officer).values_list("tag", flat=True)) == {
        "veteran",
        "community_correction",
    }
