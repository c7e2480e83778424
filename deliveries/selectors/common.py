"""Query building blocks shared by the case lists and the report selectors.

Everything here returns querysets or expressions, so that each report is a fixed number of
queries whatever the amount of data: the database does the counting, never a Python loop that
queries per row. Which cases and attempts a user may see is decided here, once, from the
registry's one rule (candidates.visibility).
"""

import datetime

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from candidates.juvenile import AgeYears  # noqa: F401 - re-exported for the reports
from candidates.visibility import visible_through
from deliveries.models import AttemptTeamMember, CNCase, DeliveryAttempt
from deliveries.policy.subjects import case_juvenile_q


def visible_cases(user):
    """Every case whose candidate the user may see (sealed and, without the permission,
    juvenile records are neither listed nor counted)."""
    return CNCase.objects.filter(visible_through(user, "candidate"))


def visible_attempts(user):
    return DeliveryAttempt.objects.filter(visible_through(user, "case__candidate"))


def case_for(user, pk):
    """The case if the user may see its candidate, else 404 (never say it exists)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(visible_cases(user).select_related("candidate"), pk=pk)


def attempts_with_age(qs):
    """Attempts annotated with ``juvenile`` (the case's safeguards, J-AGE) and
    ``contact_date`` (the local date of contact)."""
    return qs.annotate(contact_date=TruncDate("contact_at")).annotate(
        juvenile=_boolean(case_juvenile_q("case"))
    )


def _boolean(q):
    from django.db.models import BooleanField, ExpressionWrapper

    return ExpressionWrapper(q, output_field=BooleanField())


def local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day):
    """The last moment of the local day ``day`` (the "as of" of a report ending that day)."""
    return local_midnight(day + datetime.timedelta(days=1)) - datetime.timedelta(microseconds=1)


def contact_on_or_after(day):
    """Q over attempts: contact on ``day`` or later (local dates), as a range on the indexed
    ``contact_at`` itself. Filtering on the computed local date instead hides the range from
    the planner, which then guesses a few hundred rows where there are tens of thousands."""
    return Q(contact_at__gte=local_midnight(day))


def contact_on_or_before(day):
    """Q over attempts: contact on ``day`` or earlier (local dates); see contact_on_or_after."""
    if day >= datetime.date.max:  # no day after it: no upper bound
        return Q()
    return Q(contact_at__lt=local_midnight(day + datetime.timedelta(days=1)))


def contact_between(start, end):
    """Q over attempts: contact on a local date in [start, end]."""
    return contact_on_or_after(start) & contact_on_or_before(end)


DELIVERING_ROLES = (AttemptTeamMember.Role.DELIVERER, AttemptTeamMember.Role.LEAD)
