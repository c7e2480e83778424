"""Disable accounts not used for VIPCN INACTIVE_ACCOUNT_DAYS (90) days (CJIS AC-2(3)).

Run daily from the scheduler (README, "Security"). Each disabled account is logged.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vipcn.models import AccessLogEntry
from vipcn.security import audit


class Command(BaseCommand):
    help = "Disable accounts that have not logged in for INACTIVE_ACCOUNT_DAYS days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the accounts, change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        days = settings.INACTIVE_ACCOUNT_DAYS
        cutoff = timezone.now() - timedelta(days=days)
        stale = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
            .order_by("username")
        )
        count = 0
        for user in stale:
            count += 1
            self.stdout.write(f"{'would disable' if dry_run else 'disabled'}: {user.username}")
            if dry_run:
                continue
            with transaction.atomic():
                user.is_active = False
                user.save(update_fields=["is_active"])
                audit.record(
                    AccessLogEntry.Action.ACCOUNT_DISABLED,
                    user=user,
                    object_type="user",
                    object_id=user.pk,
                    detail=f"unused for {days} days (disable_inactive_accounts)",
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} account(s) {'to disable' if dry_run else 'disabled'} "
                f"(unused for {days} days)."
            )
        )
