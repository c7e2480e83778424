"""Figures computed once per state of the data, and re-used until something changes.

Every record about a case keeps its history (django-simple-history), and every write the
application makes to one (create, change, delete) adds a historical row. The *data version*
is read in one query on every request, from the shared database (so it holds across app
servers; the cache itself may be per process, as by default, or shared):

- the *generation*, a PostgreSQL sequence advanced after the commit of every transaction
  that wrote a history row (``note_history_write``). After a commit, not at the write: a
  history id is drawn when the row is written, so a transaction still open can hold a lower
  id than one already committed, and the largest id alone could miss its rows for good;
- and the largest history id of every history table (a backward step on each primary key
  index), which also catches rows written without the signal, such as generated data.

The Lead's dashboard and the compliance audit are computed once per data version and re-used
until a record changes, whoever changes it. They are computed on the primary database, where
the version is read, even when a read replica serves the other report pages: computed on a
lagging replica, figures could miss the very change that gave the version, and be kept.

What is not in the data version goes in the key: the visibility of the user (what they may
count), the language (labels), the period asked for, the date, and for figures measured from
"now" (an after-action becoming overdue, the age of a queue item) the clock: those are
computed for the clock rounded down to ``CLOCK_STEP`` and the page says so ("figures as of
10:40"). Entries also expire after ``TIMEOUT`` seconds whatever happens.
"""

import datetime
import hashlib
import time
from dataclasses import dataclass

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language

from vipcn.db_router import primary_reads

CLOCK_STEP = datetime.timedelta(minutes=5)
TIMEOUT = 15 * 60


@dataclass(frozen=True)
class Figures:
    value: object
    as_of: datetime.datetime  # the clock the figures were computed for
    compute_ms: int  # how long computing them took (the first view after a change)
    cached: bool  # this request re-used them


def _history_models():
    return sorted(
        (m for m in apps.get_models() if hasattr(m, "instance_type")),
        key=lambda m: m._meta.db_table,
    )


GENERATION_SEQUENCE = "vipcn_data_generation"  # vipcn/migrations/0005


_advancers = {}


def _advancer(using):
    """One callable per database alias (so a transaction registers it once)."""
    if using not in _advancers:

        def advance():
            with transaction.get_connection(using).cursor() as cursor:
                cursor.execute("SELECT nextval(%s)", [GENERATION_SEQUENCE])

        _advancers[using] = advance
    return _advancers[using]


def note_history_write(sender, history_instance, using=None, **kwargs):
    """post_create_historical_record: advance the generation once the write commits (at
    once outside a transaction; never if it rolls back), once per transaction."""
    using = using or history_instance._state.db or "default"
    connection_ = transaction.get_connection(using)
    if connection_.vendor != "postgresql":
        return
    advance = _advancer(using)
    if connection_.in_atomic_block and any(
        entry[1] is advance for entry in connection_.run_on_commit
    ):
        return  # already waiting for this transaction's commit
    transaction.on_commit(advance, using=using)


def data_version():
    """A string that changes whenever any record with history is created, changed or
    deleted (see the module's docstring). One query."""
    qn = connection.ops.quote_name
    parts = [
        f"(SELECT MAX({qn(m._meta.pk.column)}) FROM {qn(m._meta.db_table)})"  # noqa: S608
        for m in _history_models()
    ]
    if connection.vendor == "postgresql":
        # 0 until the first nextval: last_value alone reads 1 both before and after it.
        generation = f"CASE WHEN is_called THEN last_value ELSE 0 END FROM {GENERATION_SEQUENCE}"
        parts.insert(0, f"(SELECT {generation})")  # noqa: S608 constant
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # table names from model _meta
        row = cursor.fetchone()
    return ".".join(str(v or 0) for v in row)


def clock(now=None):
    """``now`` rounded down to CLOCK_STEP (the clock cached figures are computed for)."""
    now = now or timezone.now()
    step = int(CLOCK_STEP.total_seconds())
    return datetime.datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=datetime.UTC)


def cached_figures(name, compute, *, key, now=None, uses_clock=True):
    """``compute(as_of)``, or its value cached for the same data version, ``key`` parts,
    language, date and (``uses_clock``) clock step. Returns Figures."""
    now = now or timezone.now()
    as_of = clock(now) if uses_clock else now
    moment = as_of.isoformat() if uses_clock else timezone.localdate(now).isoformat()
    parts = [name, data_version(), get_language() or "", moment, *key]
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    cache_key = f"vipcn:figures:{name}:{digest}"
    hit = cache.get(cache_key)
    if hit is not None:
        value, computed_for, compute_ms = hit
        return Figures(value, computed_for, compute_ms, cached=True)
    started = time.monotonic()
    with primary_reads():  # the database the version was read from (vipcn/db_router.py)
        value = compute(as_of)
    compute_ms = round((time.monotonic() - started) * 1000)
    cache.set(cache_key, (value, as_of, compute_ms), TIMEOUT)
    return Figures(value, as_of, compute_ms, cached=False)
