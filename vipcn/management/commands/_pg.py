"""Shared by backup_database and verify_backup: connection details and row counts."""

import os

from django.conf import settings
from django.core.management.base import CommandError


def database(alias="default"):
    db = settings.DATABASES[alias]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("Backups are for PostgreSQL (DATABASE_URL=postgres://...).")
    owner = getattr(settings, "MIGRATION_DATABASE", None)
    if alias == "default" and owner:
        # As the owner (vipcn/dbroles.py): it reads every table, and may create the restore
        # check's database; the application's role may do neither.
        return {**db, **{key: owner.get(key) for key in ("USER", "PASSWORD", "HOST", "PORT")}}
    return db


def tool(name):
    """Full path of a PostgreSQL client program, or a clear error."""
    import shutil

    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} not found: install the PostgreSQL client tools.")
    return path


def client_env(db):
    """Environment for pg_dump/pg_restore/createdb: the password never goes on a command line."""
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def connect(db, dbname=None):
    import psycopg

    return psycopg.connect(
        dbname=dbname or db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        sslmode=(db.get("OPTIONS") or {}).get("sslmode") or "prefer",
    )


def row_counts(cursor):
    """{table: rows} for every table of the public schema."""
    from psycopg import sql

    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts
