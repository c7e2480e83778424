"""The access log's hash chain (CJIS AU-9): every entry carries the hash of the one before.

``entry_hash = SHA-256(canonical JSON of [FORMAT, prev_hash, the entry's fields])``, and
``prev_hash`` is the ``entry_hash`` of the entry written just before it (the highest id), or
of the last entry ``prune_access_log`` deleted (``AccessLogAnchor``), or ``GENESIS``. Deleting,
inserting, reordering or altering an entry breaks a link that ``manage.py verify_access_log``
reports; rewriting the whole chain after the damage is caught against a checkpoint kept outside
the database (``verify_access_log --checkpoint``).

Links are made one at a time: on PostgreSQL under a transaction-scoped advisory lock, taken
before the previous hash is read, so two concurrent inserts can never link to the same entry
(the second waits for the first to commit or roll back, then reads it). The entry's time comes
from the database clock read under that lock, so times never go backwards along the chain.
"""

import hashlib
import ipaddress
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db import connections, transaction

# Changing the canonical form would break every stored link: a new form needs a new name.
FORMAT = "vipcn-accesslog-v1"
GENESIS = "0" * 64
# pg_advisory_xact_lock key: the bytes of "vipcnlog" as a signed 64-bit integer.
LOCK_KEY = int.from_bytes(b"vipcnlog", "big", signed=True)
# Entries are timed by the database under the lock; more than this backwards is back-dating.
DEFAULT_CLOCK_TOLERANCE = timedelta(seconds=5)

# Hashed fields, in this order (``prev_hash`` is hashed first, the ``entry_hash`` never).
FIELDS = (
    "at",
    "user_id",
    "username",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "object_refs",
    "outcome",
    "method",
    "path",
    "view_name",
    "status_code",
    "detail",
)

# SQLite has no advisory locks; its demo server is one process, so a process lock suffices.
_sqlite_lock = threading.Lock()


def _text(value):
    return "" if value is None else str(value)


def _ip(value):
    if value in (None, ""):
        return None
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        return str(value)


def _refs(value):
    # What the JSON column gives back: string keys, JSON values.
    return json.loads(json.dumps(value or {}, sort_keys=True, default=str))


def canonical(prev_hash, values):
    """The bytes hashed for one entry: ``values`` maps each name in FIELDS to its value.

    Values are normalised the way the database gives them back (UTC time with microseconds,
    the IP address in its standard form, the JSON object with sorted keys), so that an entry
    hashes the same before it is written and when it is read again.
    """
    at = values["at"]
    fields = [
        at.astimezone(UTC).isoformat(timespec="microseconds") if at is not None else None,
        values["user_id"],
        _text(values["username"]),
        _ip(values["ip_address"]),
        _text(values["action"]),
        _text(values["object_type"]),
        _text(values["object_id"]),
        _refs(values["object_refs"]),
        _text(values["outcome"]),
        _text(values["method"]),
        _text(values["path"]),
        _text(values["view_name"]),
        values["status_code"],
        _text(values["detail"]),
    ]
    document = [FORMAT, prev_hash, *fields]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def entry_hash(prev_hash, values):
    return hashlib.sha256(canonical(prev_hash, values)).hexdigest()


def values_of(entry):
    return {name: getattr(entry, name) for name in FIELDS}


def _tables():
    from vipcn.models import AccessLogAnchor, AccessLogEntry

    return AccessLogEntry, AccessLogAnchor


def lock(using):
    """Serialise chain writers until the end of the current transaction (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _head(using):
    """(hash the next entry links to, database time), read after ``lock``."""
    entry_model, anchor_model = _tables()
    connection = connections[using]
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            # A statement of its own, after the lock: its snapshot sees the last commit.
            cursor.execute(
                f"SELECT clock_timestamp(),"  # noqa: S608 (table names from the models)
                f" (SELECT entry_hash FROM {qn(entry_model._meta.db_table)}"
                f"  ORDER BY id DESC LIMIT 1),"
                f" (SELECT last_pruned_hash FROM {qn(anchor_model._meta.db_table)}"
                f"  ORDER BY id DESC LIMIT 1)"
            )
            now, last_entry, last_anchor = cursor.fetchone()
    else:
        from django.utils import timezone

        now = timezone.now()
        last_entry = (
            entry_model.objects.using(using)
            .order_by("-id")
            .values_list("entry_hash", flat=True)
            .first()
        )
        last_anchor = (
            anchor_model.objects.using(using)
            .order_by("-id")
            .values_list("last_pruned_hash", flat=True)
            .first()
        )
    return last_entry or last_anchor or GENESIS, now


@contextmanager
def _serialised(using):
    """No other link is made until the end of the current transaction (call inside one)."""
    if connections[using].vendor == "postgresql":
        lock(using)
        yield
    else:
        with _sqlite_lock:
            yield


def link(entry, using, save):
    """Give ``entry`` its place in the chain and write it (``save()``), as one step.

    Call inside a transaction: the lock is held until it ends, so the next writer reads this
    entry as its predecessor.
    """
    with _serialised(using):
        _link_and_save(entry, using, save)


def _link_and_save(entry, using, save):
    prev_hash, now = _head(using)
    if entry.at is None:
        entry.at = now
    entry.prev_hash = prev_hash
    entry.entry_hash = entry_hash(prev_hash, values_of(entry))
    save()


class BrokenChain(Exception):
    """Refused: the chain is broken, and the step would destroy the evidence."""


def prune(cutoff, using="default"):
    """Delete the oldest entries written before ``cutoff``; (count, anchor or None).

    Only a prefix of the chain goes (entries up to the first one written at or after the
    cutoff), and an anchor records the last deleted entry's hash, so the chain still verifies
    from the first entry kept. A broken chain is not pruned: the evidence stays for the
    auditor.
    """
    from django.db.models import QuerySet
    from django.utils import timezone

    entry_model, anchor_model = _tables()
    checked = verify(using)
    if checked.problem is not None:
        raise BrokenChain(
            f"The access log's chain is broken ({checked.problem.message}); nothing was pruned. "
            "Investigate with verify_access_log before pruning."
        )
    entries = entry_model.objects.using(using)
    with transaction.atomic(using=using), _serialised(using):
        keep_from = (
            entries.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        )
        doomed = entries.all() if keep_from is None else entries.filter(id__lt=keep_from)
        last = doomed.order_by("-id").values("id", "at", "entry_hash").first()
        if last is None:
            return 0, None
        # The append-only queryset refuses delete(); this is the one sanctioned deletion.
        count, _by_model = QuerySet.delete(doomed)
        anchor = anchor_model(
            created_at=timezone.now(),
            cutoff=cutoff,
            last_pruned_id=last["id"],
            last_pruned_at=last["at"],
            last_pruned_hash=last["entry_hash"],
            pruned_count=count,
        )
        anchor.save(using=using)
    return count, anchor


@dataclass(frozen=True)
class Break:
    """The first broken link: the entry where verification stopped, and why."""

    entry_id: int | None
    kind: str  # "altered", "missing", "inserted", "back-dated", "anchor"
    message: str


@dataclass(frozen=True)
class Result:
    checked: int
    first_id: int | None
    head_id: int | None
    head_hash: str
    anchor_id: int | None
    problem: Break | None


def verify(using="default", tolerance=DEFAULT_CLOCK_TOLERANCE, chunk_size=2000):
    """Walk the chain in id order from the latest anchor; stop at the first broken link."""
    entry_model, anchor_model = _tables()
    anchor = anchor_model.objects.using(using).order_by("-id").first()
    expected = anchor.last_pruned_hash if anchor else GENESIS
    rows = (
        entry_model.objects.using(using)
        .order_by("id")
        .values("id", "prev_hash", "entry_hash", *FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    checked, first_id, previous_id, previous_at = 0, None, None, None

    def result(problem=None):
        return Result(checked, first_id, previous_id, expected, anchor and anchor.pk, problem)

    for row in rows:
        entry_id = row["id"]
        if first_id is None:
            first_id = entry_id
            if anchor is not None and entry_id <= anchor.last_pruned_id:
                return result(
                    Break(
                        entry_id,
                        "anchor",
                        f"entry #{entry_id} is older than the last pruning (anchor #{anchor.pk} "
                        f"says entries up to #{anchor.last_pruned_id} were deleted)",
                    )
                )
        if row["prev_hash"] != expected:
            after = f"entry #{previous_id}" if previous_id else _start(anchor)
            return result(
                Break(
                    entry_id,
                    "missing",
                    f"entry #{entry_id} does not follow {after}: the entries between them were "
                    f"deleted, or an entry was inserted or rewritten there",
                )
            )
        if entry_hash(row["prev_hash"], row) != row["entry_hash"]:
            return result(
                Break(
                    entry_id,
                    "altered",
                    f"entry #{entry_id} was altered after it was written (its fields no longer "
                    f"match its hash)",
                )
            )
        at = row["at"]
        if previous_at is not None and at is not None and at < previous_at - tolerance:
            return result(
                Break(
                    entry_id,
                    "back-dated",
                    f"entry #{entry_id} is dated {at.isoformat()}, before entry #{previous_id} "
                    f"({previous_at.isoformat()}) that was written ahead of it: one of the two "
                    f"was back-dated (or forward-dated)",
                )
            )
        expected, previous_id, previous_at = row["entry_hash"], entry_id, at
        checked += 1
    return result()


def _start(anchor):
    if anchor is None:
        return "the start of the log"
    return f"the last pruned entry #{anchor.last_pruned_id} (anchor #{anchor.pk})"
