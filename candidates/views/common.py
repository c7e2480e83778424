from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from candidates.models import Candidate
from candidates.visibility import candidates_visible_to
from vipcn.pagination import CappedPaginator

PAGE_SIZE = 25
# Rows a registry list counts and offers (40 pages): past it, the page asks to narrow the
# search instead of counting a third of a million matches (vipcn/pagination.py).
LIST_CAP = 1000


def get_candidate(request, pk):
    """The candidate ``pk`` if the user may see it, else 404 (never a hint it exists)."""
    candidate = candidates_visible_to(request.user, Candidate.objects.filter(pk=pk)).first()
    if candidate is None:
        raise Http404(_("No such candidate."))
    return candidate


def get_child(request, model, pk, candidate_pk):
    """A row belonging to a visible candidate (basis, relationship, alias, address)."""
    get_candidate(request, candidate_pk)
    return get_object_or_404(model, pk=pk, candidate_id=candidate_pk)


def paginate(request, queryset, per_page=PAGE_SIZE):
    return CappedPaginator(queryset, per_page, cap=LIST_CAP).get_page(request.GET.get("page"))


def apply_errors(form, exc):
    """Put a service's ValidationError on the form: per field when it names fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def error_messages(exc):
    return [str(m) for m in exc.messages] if isinstance(exc, ValidationError) else [str(exc)]
