"""The data generation (vipcn/freshness.py): a PostgreSQL sequence advanced after every
commit that wrote a history row. Sequences are not transactional and take no row lock, so
advancing it costs writers nothing; SQLite (one writer at a time) needs none."""

from django.db import migrations

SEQUENCE = "vipcn_data_generation"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("vipcn", "0004_verbose_names_for_translation")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
