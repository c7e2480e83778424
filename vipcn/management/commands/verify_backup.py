"""Restore a backup into a fresh scratch database and check every table's row count against
the counts recorded at backup time. The scratch database is dropped afterwards."""

import json
import subprocess  # noqa: S404 - runs PostgreSQL client tools with fixed arguments
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vipcn.management.commands._pg import client_env, connect, database, row_counts, tool


class Command(BaseCommand):
    help = "Restore FILE into a fresh database and compare row counts with FILE.counts.json."

    def add_arguments(self, parser):
        parser.add_argument("dump", help="a file written by backup_database")
        parser.add_argument(
            "--target", help="name of the fresh database (default: <name>_restore_check)"
        )
        parser.add_argument("--keep", action="store_true", help="keep the restored database")

    def handle(self, *args, dump, target=None, keep=False, **options):
        db = database()
        dump = Path(dump)
        manifest = dump.with_name(dump.name + ".counts.json")
        if not dump.exists() or not manifest.exists():
            raise CommandError(f"Need both {dump} and {manifest}.")
        expected = json.loads(manifest.read_text())["rows"]
        target = target or f"{db['NAME']}_restore_check"
        if target == db["NAME"]:
            raise CommandError("The target must be a fresh database, not the live one.")
        env = client_env(db)
        self._run([tool("dropdb"), "--if-exists", target], env)
        self._run([tool("createdb"), target], env)
        try:
            self._run(
                [
                    tool("pg_restore"),
                    "--no-owner",
                    "--exit-on-error",
                    f"--dbname={target}",
                    str(dump),
                ],
                env,
            )
            with connect(db, dbname=target) as conn, conn.cursor() as cursor:
                restored = row_counts(cursor)
        finally:
            if not keep:
                self._run([tool("dropdb"), "--if-exists", target], env)
        problems = [
            f"{table}: {expected.get(table)} in the backup, {restored.get(table)} restored"
            for table in sorted(set(expected) | set(restored))
            if expected.get(table) != restored.get(table)
        ]
        if problems:
            raise CommandError("Restore check FAILED:\n  " + "\n  ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore check passed: {len(restored)} tables, "
                f"{sum(restored.values())} rows, every count as backed up."
            )
        )

    def _run(self, command, env):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
