"""The filing rules the source states (会员人数10人以上，有负责人、章程及相对固定的活动场所)."""

from django.db import migrations

RULES = [
    ("min_members", "min_members", 10, "活跃成员不少于 10 人", 1),
    ("leader", "has_leader", 0, "有负责人", 2),
    ("charter", "has_charter", 0, "有章程", 3),
    ("venue", "has_venue", 0, "有相对固定的活动场所", 4),
]


def add_rules(apps, schema_editor):
    FilingRule = apps.get_model("organizations", "FilingRule")
    for code, kind, parameter, message, position in RULES:
        FilingRule.objects.get_or_create(
            code=code, defaults={"kind": kind, "parameter": parameter, "message": message, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
