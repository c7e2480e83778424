"""Synthetic data at scale: ``manage.py generate_data --candidates 100000``.

Appends to whatever is in the database (never to be run on a live system: it refuses
unless DEBUG or VIPCN_DEMO_MODE is on, or --i-know-this-is-not-live is given).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vipcn.scale.generate import generate


class Command(BaseCommand):
    help = "Generate synthetic candidates, cases and their history at scale (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=20000)
        parser.add_argument("--i-know-this-is-not-live", action="store_true", dest="not_live")

    def handle(self, *args, candidates, seed, batch, not_live, **options):
        demo = settings.DEBUG or settings.DEMO_MODE
        if not (demo or not_live):
            raise CommandError(
                "Refusing to write synthetic records: set DEBUG or VIPCN_DEMO_MODE, or pass "
                "--i-know-this-is-not-live."
            )
        if candidates < 1 or batch < 1:
            raise CommandError("--candidates and --batch must be positive.")
        self.stdout.write(f"Generating {candidates:,} candidates (seed {seed}, batch {batch:,})")
        try:
            elapsed, rows = generate(
                candidates=candidates, seed=seed, batch=batch, stdout=self.stdout
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(rows.values())
        for table, n in sorted(rows.items()):
            self.stdout.write(f"  {table:<45} {n:>11,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f}/s)"
            )
        )
