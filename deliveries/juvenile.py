"""J-AGE, as the requirements read it, in one place: the juvenile safeguards apply to a case
when the candidate is 17 or younger on the day of identification (an eligible determination
found them a juvenile) *or* on the day in question (a preparation step, the case's opening, a
delivery). Turning 18 mid-preparation never removes a safeguard already owed.

``juvenile_safeguards_apply`` answers it for one candidate (using prefetched determinations
when a list loaded them); ``juvenile_expression`` is the same reading as SQL, for reports.
"""

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Value,
    When,
)
from django.db.models.lookups import LessThanOrEqual

from candidates.models import JUVENILE_MAX_AGE, EligibilityDetermination


def juvenile_safeguards_apply(candidate, *dates):
    """True when the candidate is a juvenile on any of ``dates`` or was found one when
    identified."""
    if any(candidate.is_juvenile_on(day) for day in dates if day is not None):
        return True
    prefetched = getattr(candidate, "_prefetched_objects_cache", {}).get("determinations")
    if prefetched is not None:
        return any(d.eligible and d.juvenile for d in prefetched)
    return candidate.determinations.filter(eligible=True, juvenile=True).exists()


def case_is_juvenile(case, on_date):
    """The safeguards for a case on ``on_date``: that day, the case's opening, identification."""
    return juvenile_safeguards_apply(case.candidate, on_date, case.opened_on)


class AgeYears(Func):
    """Whole years between two dates (``on``, ``born``), computed in the database."""

    template = "EXTRACT(YEAR FROM AGE(%(expressions)s))::integer"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # The embedded development database has no AGE(): years, less one before the birthday.
        on, born = (compiler.compile(e) for e in self.source_expressions)
        sql = (
            f"(CAST(strftime('%%Y', {on[0]}) AS INTEGER) - CAST(strftime('%%Y', {born[0]}) "
            f"AS INTEGER) - (strftime('%%m-%%d', {on[0]}) < strftime('%%m-%%d', {born[0]})))"
        )
        params = [*on[1], *born[1], *on[1], *born[1]]
        return sql, params


def juvenile_expression(*, on_date, dob="candidate__date_of_birth", candidate="candidate_id"):
    """``juvenile_safeguards_apply`` as an SQL expression: 17 or younger on ``on_date`` (an
    expression), or found a juvenile by an eligible determination."""
    determined_juvenile = EligibilityDetermination.objects.filter(
        candidate=OuterRef(candidate), eligible=True, juvenile=True
    )
    return Case(
        When(LessThanOrEqual(AgeYears(on_date, F(dob)), JUVENILE_MAX_AGE), then=Value(True)),
        When(Exists(determined_juvenile), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
