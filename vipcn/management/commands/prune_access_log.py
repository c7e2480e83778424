"""Delete access-log entries older than a given age; never younger than a year (CJIS AU-11)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vipcn.models import AccessLogEntry


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
        deleted, _ = AccessLogEntry.objects.prune_older_than(cutoff)
        self.stdout.write(
            self.style.SUCCESS(f"{deleted} entries older than {cutoff:%Y-%m-%d} deleted.")
        )
