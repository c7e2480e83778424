"""Lists count at most what a person pages through (issue 9): exact below the cap, "more than
N" above it, one bounded COUNT query either way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.models import Candidate
from candidates.views import common
from tests.factories import CandidateFactory
from vipcn import admin_base
from vipcn.pagination import CappedPaginator

pytestmark = pytest.mark.django_db


def test_it_counts_exactly_up_to_the_cap():
    CandidateFactory.create_batch(3)
    paginator = CappedPaginator(Candidate.objects.order_by("pk"), 2, cap=3)
    assert paginator.count == 3 and not paginator.is_capped
    assert paginator.num_pages == 2


def test_above_the_cap_it_stops_counting_and_says_so():
    people = sorted(CandidateFactory.create_batch(5), key=lambda c: (c.last_name, c.pk))
    paginator = CappedPaginator(Candidate.objects.order_by("last_name", "pk"), 2, cap=3)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 3
    assert paginator.is_capped
    (query,) = ctx.captured_queries
    assert "LIMIT 4" in query["sql"] and "COUNT(" not in query["sql"].upper()
    assert paginator.num_pages == 2  # the last page holds the cap's third row
    assert list(paginator.page(1)) == people[:2]  # in the list's order
    with CaptureQueriesContext(connection) as ctx:
        assert list(paginator.page(2)) == people[2:3]
    assert len(ctx.captured_queries) == 1  # the ids are read once


def test_a_ranked_search_is_paged_in_rank_order(staff_client):
    from tests.candidates.test_views_candidates import indexed

    for name in ("Smithson", "Smith", "Smyth"):
        indexed(last_name=name)
    names = [
        c.last_name
        for c in staff_client.get(reverse("candidates:list"), {"q": "smith"}).context["page"]
    ]
    assert names[0] == "Smith"


def test_the_candidate_list_asks_to_narrow_past_the_cap(staff_client, monkeypatch):
    monkeypatch.setattr(common, "LIST_CAP", 2)
    CandidateFactory.create_batch(3)
    html = staff_client.get(reverse("candidates:list")).content.decode()
    assert "More than 2 records match; only the first 2 are listed." in html
    monkeypatch.setattr(common, "LIST_CAP", 3)
    html = staff_client.get(reverse("candidates:list")).content.decode()
    assert "More than" not in html


def test_the_candidate_list_says_it_in_spanish(staff_client, monkeypatch):
    monkeypatch.setattr(common, "LIST_CAP", 2)
    CandidateFactory.create_batch(3)
    html = staff_client.get(reverse("candidates:list"), HTTP_ACCEPT_LANGUAGE="es").content
    assert "Más de 2 registros coinciden" in html.decode()


def test_a_filtered_admin_changelist_stops_counting_at_its_cap(admin_client, monkeypatch):
    """Candidates' changelists always carry the record limits, so they count exactly, but
    never more than the cap: "2+" instead of a COUNT over a million rows."""
    monkeypatch.setattr(admin_base.EstimatedCountPaginator, "cap", 2)
    CandidateFactory.create_batch(3)
    html = admin_client.get("/admin/candidates/candidate/").content.decode()
    assert "2+ candidates" in html
