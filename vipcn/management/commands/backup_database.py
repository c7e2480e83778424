"""Back up the PostgreSQL database with pg_dump, with the row count of every table taken in
the same snapshot (written beside the dump), so a restore can be checked exactly."""

import json
import subprocess  # noqa: S404 - runs pg_dump with fixed arguments
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vipcn.management.commands._pg import client_env, connect, database, row_counts, tool


class Command(BaseCommand):
    help = "pg_dump the database (custom format) and record row counts: FILE and FILE.counts.json"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="path of the dump file to write")

    def handle(self, *args, output, **options):
        import psycopg

        db = database()
        out = Path(output)
        with connect(db) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = row_counts(cursor)
                # pg_dump reads the very snapshot the counts were taken in.
                result = subprocess.run(  # noqa: S603
                    [
                        tool("pg_dump"),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={out}",
                        db["NAME"],
                    ],
                    env=client_env(db),
                    capture_output=True,
                    text=True,
                    check=False,
                )
            conn.rollback()
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        manifest = out.with_name(out.name + ".counts.json")
        manifest.write_text(json.dumps({"database": db["NAME"], "rows": counts}, indent=1))
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {len(counts)} tables ({total} rows) to {out}.")
        )
