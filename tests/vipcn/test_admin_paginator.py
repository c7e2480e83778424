"""The admin's changelists do not COUNT(*) a large table (issue 9): an estimate, labelled."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.models import Candidate
from tests.factories import CandidateFactory, ShootingFactory
from vipcn import admin_base
from vipcn.admin_base import EstimatedCountPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyzed(db):
    CandidateFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE candidates_candidate")


def test_it_estimates_an_unfiltered_large_table(analyzed, monkeypatch):
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 1)
    paginator = EstimatedCountPaginator(Candidate.objects.order_by("pk"), 50)
    with CaptureQueriesContext(connection) as ctx:
        count = paginator.count
    assert count == 3
    assert paginator.is_estimate
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_it_counts_exactly_under_the_threshold_or_with_a_filter(analyzed, monkeypatch):
    assert not EstimatedCountPaginator(Candidate.objects.all(), 50).is_estimate
    paginator = EstimatedCountPaginator(Candidate.objects.all(), 50)
    assert paginator.count == 3 and not paginator.is_estimate
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 1)
    first = Candidate.objects.order_by("pk").first()
    filtered = EstimatedCountPaginator(Candidate.objects.filter(pk=first.pk), 50)
    assert filtered.count == 1 and not filtered.is_estimate


def test_it_labels_the_estimate_on_the_changelist(analyzed, admin_client, monkeypatch):
    ShootingFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE candidates_shooting")
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 1)
    response = admin_client.get("/admin/candidates/shooting/")
    assert response.status_code == 200
    assert "≈ 3 shootings" in response.content.decode()
    searched = admin_client.get("/admin/candidates/shooting/", {"q": "zzzz-nobody"})
    assert "≈" not in searched.content.decode().split('class="paginator"')[1][:300]


def test_records_about_people_are_counted_exactly(analyzed, admin_client, monkeypatch):
    """The candidate changelist is limited to the records the user may see, so a table-wide
    estimate would count sealed and juvenile records too: it counts exactly instead."""
    monkeypatch.setattr(admin_base, "ESTIMATE_ABOVE", 1)
    html = admin_client.get("/admin/candidates/candidate/").content.decode()
    assert "3 candidates" in html and "≈" not in html


def test_it_keeps_djangos_pagination_strings_translated(analyzed, admin_client):
    from django.utils import translation

    from vipcn.templatetags.admin_estimate import show_all_label

    with translation.override("es"):
        assert show_all_label() == "Mostrar todo"
    html = admin_client.get("/admin/candidates/candidate/").content.decode()
    assert "Pagination candidates" in html and "3 candidates" in html and "≈" not in html
