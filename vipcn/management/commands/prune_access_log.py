"""Delete access-log entries older than a given age; never younger than a year (CJIS AU-11).

The oldest entries go (a prefix of the hash chain), and an anchor keeps the last deleted
entry's hash, so ``verify_access_log`` still verifies from the first entry kept. It runs as the
owner role when MIGRATION_DATABASE_URL is set (the application role may not delete), and
refuses to prune a broken chain.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vipcn import dbroles
from vipcn.models import AccessLogEntry
from vipcn.security.chain import BrokenChain


class Command(BaseCommand):
    help = "Delete access-log entries older than --older-than-days (at least the retention)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True)

    def handle(self, *args, older_than_days, **options):
        retention = settings.ACCESS_LOG_RETENTION_DAYS
        if older_than_days < retention:
            raise CommandError(
                f"Refused: entries are kept at least {retention} days (CJIS AU-11); "
                f"--older-than-days must be {retention} or more."
            )
        cutoff = timezone.now() - timedelta(days=older_than_days)
        with dbroles.owner_connection():
            try:
                deleted, anchor = AccessLogEntry.objects.prune_older_than(cutoff)
            except BrokenChain as exc:
                raise CommandError(str(exc)) from exc
        message = f"{deleted} entries older than {cutoff:%Y-%m-%d} deleted."
        if anchor is not None:
            message += f" The chain now starts after entry #{anchor.last_pruned_id}."
        self.stdout.write(self.style.SUCCESS(message))
