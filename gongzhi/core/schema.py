"""Schema steps that Django's migration operations do not offer, for the migrations to call."""

from __future__ import annotations

from django.db import migrations


def drop_like_indexes(table: str, columns: list[str]) -> migrations.RunPython:
    """A reversible step dropping the LIKE (``varchar_pattern_ops``) index that Django gives a
    unique or indexed CharField on PostgreSQL, for columns only ever looked up whole; nothing
    on other databases, which have no such index. Pair it with a state change that moves the
    uniqueness to ``Meta.constraints`` (which carries no LIKE index), so that the model says
    what the database holds."""

    def names(schema_editor) -> list[tuple[str, str]]:
        # The name Django gave the index (BaseDatabaseSchemaEditor._create_like_index_sql).
        quote = schema_editor.quote_name
        return [
            (quote(schema_editor._create_index_name(table, [column], suffix="_like")), quote(column))
            for column in columns
        ]

    def forward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for index, _column in names(schema_editor):
                schema_editor.execute(f"DROP INDEX IF EXISTS {index}")

    def backward(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            quoted = schema_editor.quote_name(table)
            for index, column in names(schema_editor):
                schema_editor.execute(f"CREATE INDEX {index} ON {quoted} ({column} varchar_pattern_ops)")

    return migrations.RunPython(forward, backward)
