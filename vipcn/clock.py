"""Living through a history: run code as if the clock read a given moment.

The rules judge facts in time (a record counts from when it was recorded), so data that shows
a past — the demo's cases prepared last month and delivered last week, a test's case approved
before its contact — must be *recorded* in that past, through the same services, not written
with a date typed into it. ``at(moment)`` makes ``django.utils.timezone.now`` (which the
services, ``auto_now``/``auto_now_add`` fields and the change history all read) return
``moment`` inside the block. For the demo loader and tests only: never in a request.
"""

import contextlib
import datetime

from django.utils import timezone


@contextlib.contextmanager
def at(moment):
    """Inside the block, ``timezone.now()`` is ``moment`` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("at() needs an aware datetime")
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield moment
    finally:
        timezone.now = real


def days_ago(days, *, hour=10, minute=0, now=None):
    """A local moment ``days`` days before today, at ``hour:minute``."""
    now = now or timezone.now()
    day = timezone.localdate(now) - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
