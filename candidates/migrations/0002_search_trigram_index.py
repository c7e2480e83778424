"""Fuzzy name search on PostgreSQL: the pg_trgm extension and a GIN trigram index on
Candidate.search_text. Nothing happens on other databases (the SQLite development default
falls back to word-by-word matching)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS cand_search_trgm_idx ON candidates_candidate "
        "USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS cand_search_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("candidates", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
