from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.people.choices import PoliticalStatus, Tag
from gongzhi.people.models import Person
from gongzhi.people.services import find_by_phone, id_number_hash


class PersonFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("姓名包含"))
    id_number = django_filters.CharFilter(method="filter_id_number", label=_("身份证号码（精确）"))
    phone = django_filters.CharFilter(method="filter_phone", label=_("手机号码（精确）"))
    home_grid = django_filters.CharFilter(field_name="home_grid__code", label=_("所在网格编码"))
    under = django_filters.CharFilter(method="filter_under", label=_("区域编码（含下级）"))
    political_status = django_filters.ChoiceFilter(choices=PoliticalStatus.choices)
    tag = django_filters.ChoiceFilter(choices=Tag.choices, method="filter_tag", label=_("标签"))

    class Meta:
        model = Person
        fields = ["name", "id_number", "phone", "home_grid", "under", "political_status", "tag"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number_hash=id_number_hash(value))

    def filter_phone(self, queryset, name, value):
        return find_by_phone(value, queryset)

    def filter_under(self, queryset, name, value):
        root = Area.objects.filter(code=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(area__path__prefix=root.path)

    def filter_tag(self, queryset, name, value):
        from gongzhi.people.choices import SENSITIVE_TAG_PERMISSIONS

        perm = SENSITIVE_TAG_PERMISSIONS.get(value)
        if perm:
            # Filtering by a sensitive tag only within the areas where the caller may see it.
            queryset = queryset & Person.objects.visible_to(self.request.user, perm)
        return queryset.filter(tags__tag=value).distinct()
