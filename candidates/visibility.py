"""Which candidates a user may see. Every list, search, count, export and detail page goes
through ``candidates_visible_to`` so that a record a user may not open is not listed or
counted either."""

from django.db.models import Q

from candidates.juvenile import juvenile_record_q
from candidates.models import Candidate

JUVENILE_PERMISSION = "candidates.view_juvenile_records"


def juvenile_q(today=None, *, path=""):
    """Q for juvenile records (candidates.juvenile.juvenile_record_q), over Candidate or over
    a model whose ``path`` leads to its candidate."""
    return juvenile_record_q(today, path=path)


def visible_through(user, path=""):
    """Q for the candidates the user may see, over Candidate itself (``path`` empty) or over
    a model whose ``path`` leads to its candidate. On a related model it is a condition on
    the joined candidate rather than ``IN (visible candidates)``, so that a report joining
    the candidate anyway (for an age, say) joins it once."""
    prefix = f"{path}__" if path else ""
    # A sealed juvenile record is "as if it never occurred" (NMSA 32A-2-26).
    q = Q(**{f"{prefix}sealed": False})
    if not user.has_perm(JUVENILE_PERMISSION):
        q &= ~juvenile_q(path=path)
    return q


def candidates_visible_to(user, queryset=None):
    queryset = Candidate.objects.all() if queryset is None else queryset
    return queryset.filter(visible_through(user))


def visibility_key(user):
    """What ``candidates_visible_to`` depends on, as a short string: users with the same key
    see (and count) the same records, so figures cached for one serve the others."""
    return "all-unsealed" if user.has_perm(JUVENILE_PERMISSION) else "unsealed-adults"


def can_see_candidate(user, candidate):
    return candidates_visible_to(user, Candidate.objects.filter(pk=candidate.pk)).exists()


# Paths from a record to the candidate it is about, tried in order (first field that exists).
_CANDIDATE_PATHS = (
    ("candidate", "candidate"),
    ("case", "case__candidate"),
    ("attempt", "attempt__case__candidate"),
)


def candidate_path(model):
    """The lookup from ``model`` to its Candidate ("" for Candidate itself, None when the
    model is not about one person, e.g. a shooting or reference data)."""
    from candidates.models import Candidate

    if model is Candidate:
        return ""
    names = {f.name for f in model._meta.get_fields()}
    for field_name, path in _CANDIDATE_PATHS:
        if field_name in names:
            return path
    return None


def records_visible_to(user, queryset):
    """Limit any queryset of records about candidates to those the user may see."""
    path = candidate_path(queryset.model)
    if path is None:
        return queryset
    visible = candidates_visible_to(user)
    if path == "":
        return queryset.filter(pk__in=visible.values("pk"))
    field = queryset.model._meta.get_field(path.split("__")[0])
    if field.null:
        return queryset.filter(
            Q(**{f"{path.split('__')[0]}__isnull": True}) | Q(**{f"{path}__in": visible})
        )
    return queryset.filter(**{f"{path}__in": visible})
