"""``manage.py benchmark --sizes 10000,100000``: page times and query counts at each size.

Each size runs on its own PostgreSQL database (``<name>_<size>``, made, migrated and filled
by generate_data when missing), in a child process so settings stay untouched. ``--here``
measures the current database instead (generating into it first if it holds fewer
candidates). Not part of the test suite; a smoke test runs it at a tiny size.
"""

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from candidates.models import Candidate

ROOT = Path(settings.BASE_DIR)


def machine():
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "memory": mem,
        "cpu": platform.processor() or platform.machine(),
        "postgresql": pg,
        "python": platform.python_version(),
        "django": django.get_version(),
        "date": datetime.date.today().isoformat(),
    }


class Command(BaseCommand):
    help = "Benchmark the key pages at several data sizes (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,100000")
        parser.add_argument("--repeats", type=int, default=30)
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--here", action="store_true", help="use the current database")
        parser.add_argument("--json", action="store_true", help="print results as JSON")
        parser.add_argument("--output", default="docs/benchmarks.md")
        parser.add_argument("--no-output", action="store_true")

    def handle(self, *args, sizes, repeats, warmup, here, json: bool, output, no_output, **o):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL.")
        try:
            sizes = [int(s) for s in sizes.split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError("--sizes is a comma-separated list of numbers.") from exc
        if here:
            results = {size: self.measure_here(size, repeats, warmup) for size in sizes}
        else:
            results = {size: self.measure_in_child(size, repeats, warmup) for size in sizes}
        if json:
            self.stdout.write(_json_dump(results))
            return
        table = self.table(results)
        self.stdout.write(table)
        if not no_output:
            path = ROOT / output
            path.write_text(self.document(table))
            self.stdout.write(f"Written to {path}")

    def measure_here(self, size, repeats, warmup):
        from vipcn.scale import benchmark
        from vipcn.scale.generate import Generator

        have = Candidate.objects.count()
        if have < size:
            call_command("generate_data", candidates=size - have, not_live=True, stdout=self.stderr)
        Generator(candidates=1)._reference()  # the Lead and qualified officers exist
        return benchmark.run(repeats=repeats, warmup=warmup)

    def measure_in_child(self, size, repeats, warmup):
        db = settings.DATABASES["default"]
        name = f"{db['NAME']}_{_label(size)}"
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        self.stderr.write(f"== {size:,} candidates on database {name}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": url}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)  # noqa: S603 (our own manage.py)
        out = subprocess.run(  # noqa: S603
            [
                *manage,
                "benchmark",
                "--here",
                "--json",
                f"--sizes={size}",
                f"--repeats={repeats}",
                f"--warmup={warmup}",
            ],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        return json_loads(out)[str(size)]

    def table(self, results):
        sizes = list(results)
        names = [row[0] for row in results[sizes[0]]]
        head = (
            "| page | " + " | ".join(f"{_label(s)} median / p95 ms (queries)" for s in sizes) + " |"
        )
        lines = [head, "|---" * (len(sizes) + 1) + "|"]
        for i, name in enumerate(names):
            cells = []
            for s in sizes:
                _n, median, p95, queries = results[s][i]
                cells.append(f"{median:.1f} / {p95:.1f} ({queries})")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def document(self, table):
        m = machine()
        return (
            "# Benchmarks\n\n"
            "Produced by `manage.py benchmark` (see README, section Benchmarks). Server-side "
            "time per request through django.test.Client in-process (middleware, views, "
            "templates; no network), warm, logged in as a Lead with a verified second factor. "
            "Queries: count for one request (the smaller of two: the session's last-seen time "
            "is written at most every 15 s). Pages whose figures are kept until a record "
            "changes (vipcn/freshness.py) are measured as usually served and as the first view "
            "after a change (cache emptied before each request).\n\n"
            f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']} memory; PostgreSQL "
            f"{m['postgresql']}; Python {m['python']}; Django {m['django']}; {m['date']}.\n\n"
            + table
        )


def _label(size):
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def _json_dump(results):
    return json.dumps({str(k): v for k, v in results.items()})


def json_loads(text):
    return json.loads(text.strip().splitlines()[-1])
