"""The two database roles as README documents them, end to end on a fresh database: the
command creates them, ``migrate`` runs as the owner, the application logs in as its own role
and may not touch the access log beyond reading and appending, and production refuses to
start as a superuser or as the owner (``check --deploy`` and the WSGI start-up)."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("database roles are for PostgreSQL")
    return db


def url(user, password, host, port, name):
    auth = f"{user}:{password}" if password else user
    return f"postgres://{auth}@{host or '127.0.0.1'}:{port or 5432}/{name}"


@pytest.fixture
def fresh(server):
    """A new database and two role names of its own; all dropped afterwards."""
    base = server["NAME"].removeprefix("test_")
    name, owner, app = f"{base}_e2e_roles", f"{base}_e2e_owner", f"{base}_e2e_app"
    admin = psycopg.connect(
        dbname="postgres",
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        autocommit=True,
    )

    def drop():
        for database in (f"{name}_restore_check", name):
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        for role in (owner, app):
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    drop()
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    where = (server["HOST"], server["PORT"], name)
    passwords = {owner: secrets.token_urlsafe(16), app: secrets.token_urlsafe(16)}
    try:
        yield {
            "name": name,
            "owner": owner,
            "app": app,
            "owner_url": url(owner, passwords[owner], *where),
            "app_url": url(app, passwords[app], *where),
            "admin_url": url(server["USER"], server["PASSWORD"], *where),
            "passwords": passwords,
        }
    finally:
        drop()
        admin.close()


def manage(*args, **env):
    # Production-like, as CI's deploy check: none of the test run's relaxations.
    relaxed = ("DATABASE", "MIGRATION", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_SSL_REDIRECT")
    base = {k: v for k, v in os.environ.items() if not k.startswith(relaxed)}
    base.update(
        DJANGO_SETTINGS_MODULE="vipcn.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="vipcn.example.org",
        CSRF_TRUSTED_ORIGINS="https://vipcn.example.org",
        EMAIL_URL="smtp+tls://vipcn@mail.example.org:587",
    )
    base.update(env)
    command = list(args) if args[0] == "-c" else ["manage.py", *args]
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *command],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=600,
    )


def connect(fresh, role):
    return psycopg.connect(
        conninfo=fresh[f"{'owner' if role == fresh['owner'] else 'app'}_url"].replace(
            "postgres://", "postgresql://"
        ),
        autocommit=True,
    )


def test_the_documented_setup_end_to_end(fresh, tmp_path):
    roles = {"DATABASE_URL": fresh["app_url"], "MIGRATION_DATABASE_URL": fresh["owner_url"]}
    made = manage("setup_database_roles", DATABASE_ADMIN_URL=fresh["admin_url"], **roles)
    assert made.returncode == 0, made.stderr
    again = manage("setup_database_roles", DATABASE_ADMIN_URL=fresh["admin_url"], **roles)
    assert again.returncode == 0 and "altered" in again.stdout  # idempotent

    migrated = manage("migrate", "--no-input", **roles)
    assert migrated.returncode == 0, migrated.stderr
    assert f"Migrating as the owner role {fresh['owner']}" in migrated.stdout

    with connect(fresh, fresh["app"]) as app:
        (owner,) = app.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'vipcn_accesslogentry'"
        ).fetchone()
        assert owner == fresh["owner"]  # created by migrate, as the owner
        (before,) = app.execute("SELECT count(*) FROM vipcn_accesslogentry").fetchone()
        assert before > 0  # migrate's own role changes are logged
        for statement in (
            "TRUNCATE vipcn_accesslogentry",
            "DELETE FROM vipcn_accesslogentry",
            "UPDATE vipcn_accesslogentry SET username = 'x'",
            "ALTER TABLE vipcn_accesslogentry DISABLE TRIGGER ALL",
            "SET session_replication_role = replica",
            sql.SQL("SET ROLE {}").format(sql.Identifier(fresh["owner"])),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        (after,) = app.execute("SELECT count(*) FROM vipcn_accesslogentry").fetchone()
        assert after == before
        # Case data is the application's to change.
        app.execute("UPDATE auth_group SET name = name")

    # The application's role passes the deploy check; the owner and a superuser do not.
    as_app = manage("check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=fresh["app_url"])
    assert as_app.returncode == 0, as_app.stderr + as_app.stdout
    as_owner = manage("check", "--deploy", DATABASE_URL=fresh["owner_url"])
    assert as_owner.returncode != 0 and "vipcn.E102" in as_owner.stderr
    as_admin = manage("check", "--deploy", DATABASE_URL=fresh["admin_url"])
    assert as_admin.returncode != 0 and "vipcn.E101" in as_admin.stderr
    assert "setup_database_roles" in as_admin.stderr

    # A WSGI server (gunicorn, runserver) imports vipcn.wsgi: it refuses to start as a superuser.
    start = "-c", "import vipcn.wsgi"
    refused = manage(*start, DATABASE_URL=fresh["admin_url"])
    assert refused.returncode != 0 and "Refusing to start" in refused.stderr
    assert manage(*start, DATABASE_URL=fresh["app_url"]).returncode == 0
    skipped = manage(*start, DATABASE_URL=fresh["admin_url"], VIPCN_DATABASE_ROLE_CHECK="false")
    assert skipped.returncode == 0, skipped.stderr

    verified = manage("verify_access_log", DATABASE_URL=fresh["app_url"])
    assert verified.returncode == 0 and "Access log verified" in verified.stdout, verified.stderr
    # Pruning deletes, so it runs as the owner (nothing is old enough here).
    pruned = manage("prune_access_log", "--older-than-days", "400", **roles)
    assert pruned.returncode == 0 and "0 entries" in pruned.stdout, pruned.stderr
    if shutil.which("pg_dump"):
        # Backups and their restore check run as the owner too (a new database to restore in).
        dump = tmp_path / "vipcn.dump"
        backup = manage("backup_database", "--output", str(dump), **roles)
        assert backup.returncode == 0, backup.stderr
        restored = manage("verify_backup", str(dump), **roles)
        assert restored.returncode == 0, restored.stderr
