"""Drop the plain phone column, in its own migration (and transaction) after the data
migration has sealed every value."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0003_sealed_phones"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="wish",
            name="claimer_phone",
        ),
    ]
