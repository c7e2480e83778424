"""Pagination that never counts more rows than a person will page through.

An exact COUNT(*) of a filter that matches a third of a million-row table costs more than the
page itself (it reads every matching row). Nobody pages through 40 pages of 25 names: past
the cap the page says "more than N match, narrow the search", and only the first N are
reachable. Below the cap the count is exact.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """``count`` is exact up to ``cap`` rows; above it ``is_capped`` is set and the pages
    stop at ``cap`` rows. One query: ``SELECT COUNT(*) FROM (... LIMIT cap + 1)``, unordered
    (the order does not change how many rows match)."""

    cap = 1000
    is_capped = False

    def __init__(self, object_list, per_page, *args, cap=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def count(self):
        qs = self.object_list
        if isinstance(qs, QuerySet):
            found = qs.order_by()[: self.cap + 1].count()
        else:
            found = len(qs[: self.cap + 1])
        if found > self.cap:
            self.is_capped = True
            return self.cap
        return found
