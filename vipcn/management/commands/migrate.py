"""``migrate`` as the schema's owner when MIGRATION_DATABASE_URL is set (vipcn/dbroles.py).

Everything a migration creates then belongs to the owner, and the application role's
privileges are granted again at the end, so a new table is usable at once and the access log
stays read-and-append for the application. Without MIGRATION_DATABASE_URL (development, the
test suite, SQLite) this is Django's own ``migrate``, unchanged.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DatabaseError, transaction

from vipcn import dbroles


class Command(migrate.Command):
    help = migrate.Command.help + " Runs as the owner role when MIGRATION_DATABASE_URL is set."

    def handle(self, *args, **options):
        alias = options["database"]
        if not dbroles.owner_configured(alias):
            return super().handle(*args, **options)
        app = settings.DATABASES[alias]["USER"]
        owner = settings.MIGRATION_DATABASE["USER"]
        if options["verbosity"] >= 1:
            self.stdout.write(f"Migrating as the owner role {owner}.")
        with dbroles.owner_connection(alias) as connection:
            super().handle(*args, **options)
            if options["plan"] or options["check_unapplied"]:
                return
            try:
                with transaction.atomic(using=alias), connection.cursor() as cursor:
                    dbroles.grant_application_privileges(cursor, app=app, owner=owner)
            except DatabaseError as exc:
                raise CommandError(
                    f"Migrated, but the privileges of {app} could not be granted ({exc}). "
                    "Run manage.py setup_database_roles first (README, Security)."
                ) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(f"Privileges of the application role {app} granted.")
