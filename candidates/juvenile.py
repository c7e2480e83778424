"""Who is a juvenile (J-AGE, SOP 2-64-5 A): the one module that decides it.

"A juvenile seventeen (17) years of age or younger." Age is computed from the date of birth;
a 29 February birthday counts on 1 March in common years (the person has not yet turned a
year older on 28 February). Three questions, each with its Python and its database form:

- juvenile on a day: ``is_juvenile_on`` / ``juvenile_on_q``;
- a CN case's juvenile safeguards (J-JPO, J-DECIDE, J-GUARDIAN, C-GUARD): the requirements'
  reading is "17 or younger on the day of identification *or* on the day of delivery". The
  day of identification of a case (the date of the determination that made it eligible) is
  never after its delivery, and a person is never younger on a later day, so the reading is
  exactly "17 or younger on the day of identification of that case":
  ``safeguards_apply`` / ``safeguards_q``. Turning 18 mid-preparation never removes them;
  a later case of the same person, identified as an adult, does not get them;
- a juvenile record (who may see it, NMSA 32A-2-32): juvenile today, or at any
  determination made about them: ``juvenile_record_q``.
"""

import datetime

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

JUVENILE_MAX_AGE = 17  # 2-64-5 A: seventeen (17) years of age or younger.


def age_on(date_of_birth, on_date):
    """Whole years between ``date_of_birth`` and ``on_date`` (None when either is unknown)."""
    if date_of_birth is None or on_date is None:
        return None
    years = on_date.year - date_of_birth.year
    if (on_date.month, on_date.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def is_juvenile_on(date_of_birth, on_date):
    age = age_on(date_of_birth, on_date)
    return age is not None and age <= JUVENILE_MAX_AGE


def eighteenth_birthday(date_of_birth):
    if date_of_birth is None:
        return None
    try:
        return date_of_birth.replace(year=date_of_birth.year + JUVENILE_MAX_AGE + 1)
    except ValueError:  # 29 February: the birthday falls on 1 March in a common year.
        return datetime.date(date_of_birth.year + JUVENILE_MAX_AGE + 1, 3, 1)


def adult_cutoff(on_date):
    """The latest date of birth of a person who is 18 or older on ``on_date``: a juvenile on
    that day was born after it (a range on the indexed date of birth)."""
    try:
        return on_date.replace(year=on_date.year - JUVENILE_MAX_AGE - 1)
    except ValueError:  # on_date is 29 February: born on 28 February, 18 on 28 February.
        return on_date.replace(year=on_date.year - JUVENILE_MAX_AGE - 1, day=28)


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


def _prefixed(path, name):
    return f"{path}__{name}" if path else name


def juvenile_on_q(on_date, *, path=""):
    """Q over candidates (or a model whose ``path`` leads to its candidate): a juvenile on
    ``on_date``."""
    return Q(**{_prefixed(path, "date_of_birth__gt"): adult_cutoff(on_date)})


def juvenile_at_q(on_field, *, dob_field):
    """Q: the person whose date of birth is ``dob_field`` was 17 or younger on the date in
    ``on_field`` (both field paths or expressions); False when either is unknown."""
    on = F(on_field) if isinstance(on_field, str) else on_field
    born = F(dob_field) if isinstance(dob_field, str) else dob_field
    return Q(LessThanOrEqual(AgeYears(on, born), JUVENILE_MAX_AGE)) & Q(
        **{f"{dob_field}__isnull": False}
    )


# --- a case's safeguards -------------------------------------------------------------------


def safeguards_apply(date_of_birth, identified_on):
    """J-AGE for a case: 17 or younger on the day the case's candidate was identified (the
    determination that made the case eligible). Unknown date of birth: no determination can
    make the case eligible (ID-DET), and the safeguards are owed (the stricter answer)."""
    if date_of_birth is None:
        return True
    return is_juvenile_on(date_of_birth, identified_on)


def safeguards_q(*, dob_field, identified_on_field):
    """``safeguards_apply`` over a queryset: field paths to the date of birth and to the
    identification date of the case."""
    return Q(**{f"{dob_field}__isnull": True}) | juvenile_at_q(
        identified_on_field, dob_field=dob_field
    )


# --- juvenile records (visibility) ---------------------------------------------------------


def juvenile_record(candidate, today=None):
    """A juvenile today, or at any determination made about them."""
    today = today or timezone.localdate()
    if is_juvenile_on(candidate.date_of_birth, today):
        return True
    return any(
        is_juvenile_on(candidate.date_of_birth, d.determined_on)
        for d in candidate.determinations.all()
    )


def juvenile_record_q(today=None, *, path=""):
    """``juvenile_record`` over candidates, or over a model whose ``path`` leads to one."""
    from candidates.models import EligibilityDetermination

    today = today or timezone.localdate()
    pk = _prefixed(path, "pk")
    determined_juvenile = EligibilityDetermination.objects.filter(
        juvenile_at_q("determined_on", dob_field="candidate__date_of_birth"),
        candidate=OuterRef(pk),
    )
    return juvenile_on_q(today, path=path) | Q(Exists(determined_juvenile))
