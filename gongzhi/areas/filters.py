from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area


class AreaFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=AreaLevel.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级区域编码"))
    under = django_filters.CharFilter(method="filter_under", label=_("子树根编码（含其自身）"))
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("名称包含"))

    class Meta:
        model = Area
        fields = ["level", "parent", "under", "name"]

    def filter_under(self, queryset, name, value):
        root = Area.objects.filter(code=value).only("path").first()
        if root is None:
            return queryset.none()
        return queryset.filter(path__prefix=root.path)
