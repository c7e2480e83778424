"""When an after-action is overdue: the one place that decides it.

An attempt awaits its after-action while its case is "attempted" and the Lead has not
confirmed it (A-RMS); it is overdue ``VIPCN_AFTER_ACTION_OVERDUE_HOURS`` (default 24) after
the contact. Python and database forms below; every page, count, digest and notice reads them.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


def hours():
    return settings.VIPCN["AFTER_ACTION_OVERDUE_HOURS"]


def due_at(attempt):
    """When the attempt's after-action becomes overdue."""
    return attempt.contact_at + datetime.timedelta(hours=hours())


def cutoff(now=None):
    """Attempts with contact before this moment are overdue (when still awaiting)."""
    return (now or timezone.now()) - datetime.timedelta(hours=hours())


def is_awaiting(attempt):
    from deliveries.models import CNCase
    from deliveries.policy.subjects import one

    after_action = one(attempt, "after_action")
    confirmed = after_action is not None and after_action.confirmed_at is not None
    return attempt.case.state == CNCase.State.ATTEMPTED and not confirmed


def is_overdue(attempt, now=None):
    return is_awaiting(attempt) and attempt.contact_at < cutoff(now)


def awaiting_q():
    """Q over attempts: awaiting the Lead's confirmation of the after-action."""
    from deliveries.models import AfterAction, CNCase

    confirmed = AfterAction.objects.filter(attempt=OuterRef("pk"), confirmed_at__isnull=False)
    return Q(case__state=CNCase.State.ATTEMPTED) & ~Q(Exists(confirmed))


def overdue_q(now=None):
    return awaiting_q() & Q(contact_at__lt=cutoff(now))
