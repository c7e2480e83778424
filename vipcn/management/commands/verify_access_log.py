"""Walk the access log's hash chain and report the first broken link (vipcn/security/chain.py).

Exit status 0 when every entry from the start (or from the last pruning's anchor) links to the
one before and still matches its hash; 1 with the first broken link otherwise. With
``--checkpoint FILE`` the newest entry seen by the previous run (kept in FILE, outside the
database) must still be there unchanged, which catches a chain rebuilt from scratch or cut
short at its end; the newest entry of this run is then appended to FILE.
"""

from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vipcn.models import AccessLogAnchor, AccessLogEntry
from vipcn.security import chain


class Command(BaseCommand):
    help = "Verify the access log's hash chain; report the first broken link (exit status 1)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="a file kept outside the database: check the newest entry it records, then "
            "record this run's newest entry",
        )
        parser.add_argument(
            "--clock-tolerance",
            type=float,
            default=chain.DEFAULT_CLOCK_TOLERANCE.total_seconds(),
            metavar="SECONDS",
            help="how far back an entry's time may step from the one before it (default 5)",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, checkpoint, clock_tolerance, database, **options):
        result = chain.verify(using=database, tolerance=timedelta(seconds=clock_tolerance))
        if result.problem is not None:
            raise CommandError(
                f"Access log chain broken at entry #{result.problem.entry_id} "
                f"({result.problem.kind}): {result.problem.message}. "
                f"{result.checked} entries before it verified."
            )
        if checkpoint:
            self._check_point(Path(checkpoint), result, database)
        start = (
            f"from the anchor of the last pruning (#{result.anchor_id})"
            if result.anchor_id
            else "from the start of the log"
        )
        if result.head_id is None:
            self.stdout.write(self.style.SUCCESS(f"Access log verified: no entries ({start})."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Access log verified: {result.checked} entries, #{result.first_id} to "
                f"#{result.head_id}, {start}. Newest entry #{result.head_id}: {result.head_hash}"
            )
        )

    def _check_point(self, path, result, database):
        previous = _last_checkpoint(path)
        if previous is not None:
            problem = _checkpoint_problem(previous, result, database)
            if problem:
                raise CommandError(f"Access log does not match the checkpoint in {path}: {problem}")
        if result.head_id is not None:
            with path.open("a", encoding="utf-8") as out:
                out.write(f"{timezone.now().isoformat()} {result.head_id} {result.head_hash}\n")


def _last_checkpoint(path):
    if not path.exists():
        return None
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if len(line) == 3]
    if not lines:
        return None
    _when, entry_id, entry_hash = lines[-1]
    try:
        return int(entry_id), entry_hash
    except ValueError as exc:
        raise CommandError(f"{path} is not a checkpoint file written by this command.") from exc


def _checkpoint_problem(previous, result, database):
    entry_id, entry_hash = previous
    stored = (
        AccessLogEntry.objects.using(database)
        .filter(pk=entry_id)
        .values_list("entry_hash", flat=True)
        .first()
    )
    if stored is not None:
        if stored != entry_hash:
            return (
                f"entry #{entry_id} has another hash than when it was checkpointed: the chain "
                "was rewritten from there."
            )
        return None
    anchor = AccessLogAnchor.objects.using(database).order_by("-id").first()
    if anchor is not None and entry_id <= anchor.last_pruned_id:
        if entry_id == anchor.last_pruned_id and anchor.last_pruned_hash != entry_hash:
            return f"the anchor of the last pruning does not match entry #{entry_id}."
        return None  # pruned, past the retention period
    if result.head_id is None or entry_id > result.head_id:
        return (
            f"entry #{entry_id} is gone and the newest entry is "
            f"{'#%d' % result.head_id if result.head_id else 'none'}: entries were deleted "
            "from the end of the log, or the log was emptied."
        )
    return f"entry #{entry_id} is gone: it was deleted and the chain rebuilt."
