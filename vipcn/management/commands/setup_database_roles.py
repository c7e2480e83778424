"""Create or update the database's two roles and their privileges (vipcn/dbroles.py).

Reads the owner from MIGRATION_DATABASE_URL and the application role from DATABASE_URL (name
and password), and connects with DATABASE_ADMIN_URL: a superuser, used for this command only.
Idempotent: run it at installation, and again after any doubt about the privileges.
"""

import os

import environ
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from vipcn import dbroles


class Command(BaseCommand):
    help = (
        "Create or update the owner role (MIGRATION_DATABASE_URL) and the application role "
        "(DATABASE_URL) with their privileges, connecting with DATABASE_ADMIN_URL."
    )

    def handle(self, *args, **options):
        app = settings.DATABASES["default"]
        owner = getattr(settings, "MIGRATION_DATABASE", None)
        if app.get("ENGINE") != "django.db.backends.postgresql":
            raise CommandError("Database roles are for PostgreSQL (DATABASE_URL=postgres://...).")
        if not owner:
            raise CommandError(
                "Set MIGRATION_DATABASE_URL to the owner role's URL, e.g. "
                "postgres://vipcn_owner:PASSWORD@db.internal:5432/vipcn."
            )
        admin_url = os.environ.get("DATABASE_ADMIN_URL", "")
        if not admin_url:
            raise CommandError(
                "Set DATABASE_ADMIN_URL to a superuser's URL for this command, e.g. "
                "postgres://postgres@db.internal:5432/vipcn."
            )
        try:
            admin = environ.Env.db_url_config(admin_url)
        except (ValueError, KeyError, ImproperlyConfigured) as exc:
            raise CommandError(f"DATABASE_ADMIN_URL is not a valid URL: {exc}") from exc
        import psycopg

        try:
            connection = psycopg.connect(
                dbname=app["NAME"],
                host=admin.get("HOST") or None,
                port=admin.get("PORT") or None,
                user=admin.get("USER") or None,
                password=admin.get("PASSWORD") or None,
                **{k: v for k, v in (admin.get("OPTIONS") or {}).items() if k == "sslmode"},
            )
        except psycopg.Error as exc:
            raise CommandError(f"Could not connect with DATABASE_ADMIN_URL: {exc}") from exc
        try:
            with connection.transaction(), connection.cursor() as cursor:
                done = dbroles.setup_roles(
                    cursor,
                    owner=owner["USER"],
                    app=app["USER"],
                    owner_password=owner.get("PASSWORD") or None,
                    app_password=app.get("PASSWORD") or None,
                )
        except (psycopg.Error, ImproperlyConfigured) as exc:
            raise CommandError(f"Nothing was changed: {exc}") from exc
        finally:
            connection.close()
        for line in done:
            self.stdout.write(f"- {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Database {app['NAME']}: migrations run as {owner['USER']}, "
                f"the application as {app['USER']}."
            )
        )
