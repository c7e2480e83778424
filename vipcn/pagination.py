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
    stop at ``cap`` rows.

    For a queryset, one query reads the ids of the first ``cap + 1`` rows in the list's order
    (that is the count), and a page is then read by its ids: a search ranked by similarity
    finds and ranks its matches once, not once to count and again for the page.
    """

    cap = 1000
    is_capped = False

    def __init__(self, object_list, per_page, *args, cap=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def _by_ids(self):
        """Whether pages are read by id: a plain queryset (not sliced, not a union)."""
        qs = self.object_list
        return isinstance(qs, QuerySet) and not qs.query.is_sliced and not qs.query.combinator

    @cached_property
    def _first_ids(self):
        ids = self.object_list.values_list("pk", flat=True)[: self.cap + 1]
        # Ordering on a many-valued relation can repeat a row: each id once, first place kept.
        return list(dict.fromkeys(ids))

    @cached_property
    def count(self):
        if self._by_ids:
            found = len(self._first_ids)
        else:
            found = len(self.object_list[: self.cap + 1])  # a list, or a sliced queryset
        if found > self.cap:
            self.is_capped = True
            return self.cap
        return found

    def page(self, number):
        if not self._by_ids:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self._first_ids[bottom:top]
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)
