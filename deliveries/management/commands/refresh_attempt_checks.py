"""Judge recorded attempts again and store the compliance audit's cells (deliveries.checks).

New attempts get their cells when they are recorded; run this once after upgrading to a
version that keeps them, or with ``--all`` after changing a rule."""

from django.core.management.base import BaseCommand
from django.db import transaction

from deliveries.checks import refresh
from deliveries.models import DeliveryAttempt


class Command(BaseCommand):
    help = "Store the compliance audit's cells of attempts recorded without them."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Judge every attempt again.")

    def handle(self, *args, **options):
        attempts = DeliveryAttempt.objects.select_related("case__candidate").order_by("pk")
        if not options["all"]:
            attempts = attempts.filter(checks__isnull=True)
        done = 0
        for attempt in attempts.iterator(chunk_size=500):
            with transaction.atomic():
                refresh(attempt)
            done += 1
        self.stdout.write(f"{done} attempts judged.")
