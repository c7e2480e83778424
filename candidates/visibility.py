"""Which candidates a user may see. Every list, search, count, export and detail page goes
through ``candidates_visible_to`` so that a record a user may not open is not listed or
counted either."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from candidates.models import JUVENILE_MAX_AGE, Candidate, EligibilityDetermination

JUVENILE_PERMISSION = "candidates.view_juvenile_records"


def juvenile_q(today=None):
    """Q for candidates who are juveniles today or were when a determination was made."""
    today = today or timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - JUVENILE_MAX_AGE - 1)
    except ValueError:  # today is 29 February
        cutoff = today.replace(year=today.year - JUVENILE_MAX_AGE - 1, day=28)
    determined_juvenile = EligibilityDetermination.objects.filter(
        candidate=OuterRef("pk"), juvenile=True
    )
    return Q(date_of_birth__gt=cutoff) | Q(Exists(determined_juvenile))


def candidates_visible_to(user, queryset=None):
    queryset = Candidate.objects.all() if queryset is None else queryset
    # A sealed juvenile record is "as if it never occurred" (NMSA 32A-2-26).
    queryset = queryset.filter(sealed=False)
    if not user.has_perm(JUVENILE_PERMISSION):
        queryset = queryset.exclude(juvenile_q())
    return queryset


def can_see_candidate(user, candidate):
    return candidates_visible_to(user, Candidate.objects.filter(pk=candidate.pk)).exists()
