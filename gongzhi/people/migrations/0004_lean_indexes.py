from django.db import migrations, models


def _like_index(schema_editor):
    return schema_editor._create_index_name("people_person", ["id_number_hash"], suffix="_like")


def drop_like_index(apps, schema_editor):
    """The LIKE index PostgreSQL got for the unique hash: a hash is only looked up whole."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_like_index(schema_editor))}")


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        name = schema_editor.quote_name(_like_index(schema_editor))
        schema_editor.execute(f"CREATE INDEX {name} ON people_person (id_number_hash varchar_pattern_ops)")


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
            database_operations=[migrations.RunPython(drop_like_index, create_like_index)],
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
