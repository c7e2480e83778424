"""Query building blocks shared by the report selectors.

Everything here returns querysets or expressions, so that each report is a fixed number of
queries whatever the amount of data: the database does the counting, never a Python loop that
queries per row.
"""

import datetime

from django.db.models import (
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Least, TruncDate
from django.utils import timezone

from candidates.visibility import visible_through
from deliveries.juvenile import AgeYears, juvenile_expression  # noqa: F401 - re-exported
from deliveries.models import (
    AttemptTeamMember,
    CNCase,
    DeliveryAttempt,
    ManualAccompaniment,
    Personnel,
)
from deliveries.policy.personnel import (
    ACCOMPANIMENT_OUTCOMES,
    is_designated_lead,
    lead_designation_q,
)


def visible_cases(user):
    """Every case whose candidate the user may see (sealed and, without the permission,
    juvenile records are neither listed nor counted)."""
    return CNCase.objects.filter(visible_through(user, "candidate"))


def visible_attempts(user):
    return DeliveryAttempt.objects.filter(visible_through(user, "case__candidate"))


def attempts_with_age(qs):
    """Attempts annotated with ``juvenile`` (at the date of the attempt) and ``contact_date``."""
    contact_date = TruncDate("contact_at")
    return qs.annotate(
        contact_date=contact_date,
        juvenile=juvenile_expression(
            on_date=contact_date,
            dob="case__candidate__date_of_birth",
            candidate="case__candidate_id",
        ),
    )


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def contact_on_or_after(day):
    """Q over attempts: contact on ``day`` or later (local dates), as a range on the indexed
    ``contact_at`` itself. Filtering on the computed local date instead hides the range from
    the planner, which then guesses a few hundred rows where there are tens of thousands."""
    return Q(contact_at__gte=_local_midnight(day))


def contact_on_or_before(day):
    """Q over attempts: contact on ``day`` or earlier (local dates); see contact_on_or_after."""
    if day >= datetime.date.max:  # no day after it: no upper bound
        return Q()
    return Q(contact_at__lt=_local_midnight(day + datetime.timedelta(days=1)))


def contact_between(start, end):
    """Q over attempts: contact on a local date in [start, end]."""
    return contact_on_or_after(start) & contact_on_or_before(end)


def personnel_with_eligibility_dates(qs=None):
    """Personnel annotated with the first dates from which DLV-TRAIN and DLV-ACCOMP hold.

    Mirrors deliveries.policy.personnel (a test checks both agree): a person is trained from
    their first recorded training, and has accompanied the Lead from the first recorded
    delivery (confirmed after-action, Lead on the team) or confirmed hand-entered one.
    With these two dates, ``may_deliver_on`` answers for any date without another query.
    """
    qs = Personnel.objects.all() if qs is None else qs
    from_attempts = (
        AttemptTeamMember.objects.filter(
            personnel=OuterRef("pk"),
            role=AttemptTeamMember.Role.ACCOMPANYING,
            attempt__outcome__in=ACCOMPANIMENT_OUTCOMES,
            attempt__after_action__confirmed_at__isnull=False,
            attempt__team__role=AttemptTeamMember.Role.LEAD,
        )
        .annotate(on=TruncDate("attempt__contact_at"))
        .order_by("on")
        .values("on")[:1]
    )
    by_hand = (
        ManualAccompaniment.objects.filter(personnel=OuterRef("pk"), confirmed_at__isnull=False)
        .order_by("accompanied_on")
        .values("accompanied_on")[:1]
    )
    return qs.annotate(
        first_trained_on=Min("trainings_attended__attended_on"),
        # PostgreSQL's LEAST ignores NULLs: the earlier of the two, or the one there is.
        first_accompanied_on=Least(Subquery(from_attempts), Subquery(by_hand)),
    )


def lead_designation_holds(person, on_date):
    # One reading, the policy's: an undated designation does not meet DLV-ACCOMP.
    return is_designated_lead(person, on_date)


def rule_states_on(person, on_date):
    """DLV-SWORN, DLV-TRAIN, DLV-ACCOMP for an annotated person on a date: {rule ID: met}."""
    trained = person.first_trained_on is not None and person.first_trained_on <= on_date
    accompanied = lead_designation_holds(person, on_date) or (
        person.first_accompanied_on is not None and person.first_accompanied_on <= on_date
    )
    return {
        "DLV-ACTIVE": person.is_active,
        "DLV-SWORN": person.is_sworn,
        "DLV-TRAIN": trained,
        "DLV-ACCOMP": accompanied,
    }


def may_deliver_on(person, on_date):
    return all(rule_states_on(person, on_date).values())


def eligible_now_q(today):
    """Q over personnel annotated by ``personnel_with_eligibility_dates``: may deliver today."""
    lead = lead_designation_q(today)
    return Q(is_active=True, is_sworn=True, first_trained_on__lte=today) & (
        lead | Q(first_accompanied_on__lte=today)
    )


DELIVERING_ROLES = (AttemptTeamMember.Role.DELIVERER, AttemptTeamMember.Role.LEAD)
