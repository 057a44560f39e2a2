from django.db import migrations, models

from gongzhi.core.schema import drop_like_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_drop_plain_phone"),
    ]

    operations = [
        # Still unique under the same constraint name; only the LIKE index goes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="id_number_hash",
                    field=models.CharField(editable=False, max_length=64, verbose_name="身份证号码索引"),
                ),
                migrations.AddConstraint(
                    model_name="person",
                    constraint=models.UniqueConstraint(
                        fields=("id_number_hash",), name="people_person_id_number_hash_key"
                    ),
                ),
            ],
            database_operations=[drop_like_indexes("people_person", ["id_number_hash"])],
        ),
        migrations.AlterField(
            model_name="person",
            name="phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="手机号码索引"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("phone_hash", ""), _negated=True),
                fields=["phone_hash"],
                name="people_phone_hash",
            ),
        ),
    ]
