"""Email each user the work waiting on them (case numbers and links only).

Run once a day from the scheduler, e.g. cron at 06:30 local time::

    30 6 * * *  cd /srv/vipcn && .venv/bin/python manage.py send_daily_digest

With ``--overdue-window-hours N`` it also sends the overdue after-action notice
(deliveries.notifications.notify_overdue) for every attempt whose after-action became overdue
within the last N hours; run it every N hours (e.g. hourly with 1) and each overdue attempt is
announced once, with no state kept.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deliveries import overdue
from deliveries.models import DeliveryAttempt
from deliveries.notifications import notify_overdue, send_digest
from deliveries.selectors.reports import awaiting_after_action_q


class Command(BaseCommand):
    help = "Email each active user with an email address the list of their waiting work."

    def add_arguments(self, parser):
        parser.add_argument(
            "--overdue-window-hours",
            type=int,
            default=0,
            help="Also notify after-actions that became overdue in the last N hours.",
        )
        parser.add_argument(
            "--no-digest",
            dest="digest",
            action="store_false",
            help="Only send the overdue notices, not the digest.",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        window = options["overdue_window_hours"]
        if window < 0:
            raise CommandError("--overdue-window-hours must be 0 or more.")
        sent = 0
        if options["digest"]:
            users = get_user_model().objects.filter(is_active=True).exclude(email="")
            for user in users.order_by("pk"):
                sent += send_digest(user, now=now)
            self.stdout.write(f"Digest sent to {sent} user(s).")
        if window:
            became_overdue_before = overdue.cutoff(now)
            attempts = (
                DeliveryAttempt.objects.filter(awaiting_after_action_q())
                .filter(
                    contact_at__lte=became_overdue_before,
                    contact_at__gt=became_overdue_before - datetime.timedelta(hours=window),
                )
                .select_related("case__candidate", "created_by")
            )
            notices = sum(notify_overdue(attempt) for attempt in attempts)
            self.stdout.write(f"Overdue after-action notices: {notices} message(s).")
