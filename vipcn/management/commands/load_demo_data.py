from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from vipcn import demo
from vipcn.acting import acting_as

# Each app's demo module exposes seed(users, stdout) and is idempotent on its own.
# Order matters: later seeders build on earlier ones' records.
SEEDERS = [
    "candidates.demo",
    "deliveries.demo_personnel",
    "deliveries.demo_cases",
    "deliveries.demo_attempts",
    "deliveries.demo_reports",
    "vipcn.demo_security",
]


class Command(BaseCommand):
    help = "Load synthetic demo data (one user per role, and sample records). Idempotent."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError(
                "Demo data is only loaded with DEBUG or VIPCN_DEMO_MODE on: never on a live system."
            )
        with transaction.atomic():
            users = demo.seed_users()
            # Records a seeder writes outside a service are attributed to the demo administrator.
            with acting_as(users["admin"]):
                self._run_seeders(users)
        self._print_users()

    def _run_seeders(self, users):
        for module_name in SEEDERS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.seed(users=users, stdout=self.stdout)

    def _print_users(self):
        from vipcn.demo_security import SECURITY_DEMO_USERS

        self.stdout.write(
            self.style.SUCCESS("Demo users (password for all: %s):" % demo.DEMO_PASSWORD)
        )
        for username, _first, _last, role in demo.DEMO_USERS + SECURITY_DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role}")
