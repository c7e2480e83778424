"""The read-replica router (vipcn/db_router.py): report pages read from the replica, every
write and every other page from the primary. The test database has no replica, so a
recording router notes where each read would go and then sends it to the primary."""

import pytest
from django.conf import settings
from django.db import router
from django.test import override_settings
from django.urls import reverse

from candidates.models import Candidate
from deliveries.models import CNCase
from tests.factories import CaseFactory
from vipcn.db_router import PRIMARY, REPLICA, ReplicaRouter, replica_reads

READS = []


class RecordingRouter(ReplicaRouter):
    def db_for_read(self, model, **hints):
        READS.append((model, super().db_for_read(model, **hints)))
        return PRIMARY


def _replica_settings(recording=True):
    return override_settings(
        DATABASE_ROUTERS=[
            f"{__name__}.RecordingRouter" if recording else "vipcn.db_router.ReplicaRouter"
        ],
        MIDDLEWARE=[*settings.MIDDLEWARE, "vipcn.db_router.ReplicaReadsMiddleware"],
    )


def test_it_reads_from_the_primary_outside_a_report_and_from_the_replica_inside():
    with _replica_settings(recording=False):
        assert Candidate.objects.all().db == PRIMARY
        with replica_reads():
            assert Candidate.objects.all().db == REPLICA
            assert CNCase.objects.filter(pk=1).db == REPLICA
            # Writes never go to the replica, not even from a report.
            assert router.db_for_write(Candidate) == PRIMARY
        assert Candidate.objects.all().db == PRIMARY


def test_it_migrates_only_the_primary():
    assert ReplicaRouter().allow_migrate(PRIMARY, "candidates") is True
    assert ReplicaRouter().allow_migrate(REPLICA, "candidates") is False


@pytest.mark.django_db
def test_it_reads_the_report_selectors_from_the_replica(lead_client):
    CaseFactory()
    with _replica_settings():
        READS.clear()
        response = lead_client.get(reverse("reports:cases"))
        assert response.status_code == 200
    replica_models = {model for model, alias in READS if alias == REPLICA}
    assert CNCase in replica_models
    # The session and the user are read by middleware before the view: from the primary.
    primary_models = {model._meta.label for model, alias in READS if alias == PRIMARY}
    assert "sessions.Session" in primary_models


@pytest.mark.django_db
def test_cached_figures_are_computed_where_their_version_is_read(lead_client):
    """The dashboard's figures are kept under a data version read from the primary: they are
    computed there too, or a lagging replica could miss the change that gave the version."""
    CaseFactory()
    with _replica_settings():
        READS.clear()
        response = lead_client.get(reverse("reports:dashboard"))
        assert response.status_code == 200
    assert CNCase in {model for model, alias in READS if alias == PRIMARY}
    assert CNCase not in {model for model, alias in READS if alias == REPLICA}


@pytest.mark.django_db
def test_it_reads_workflow_pages_from_the_primary_only(lead_client):
    case = CaseFactory()
    with _replica_settings():
        READS.clear()
        response = lead_client.get(reverse("cases:detail", args=[case.pk]))
        assert response.status_code == 200
    assert READS
    assert {alias for _, alias in READS} == {PRIMARY}


@pytest.mark.django_db
def test_it_writes_from_a_report_page_to_the_primary(lead_client):
    """A CSV export (a report page) reads on the replica and writes its ExportRecord to the
    primary; a write routed to the replica alias would fail here (no such database)."""
    from deliveries.models import ExportRecord

    CaseFactory()
    with _replica_settings():
        READS.clear()
        response = lead_client.get(reverse("reports:cases_export"))
        assert response.status_code == 200
        b"".join(getattr(response, "streaming_content", [response.content]))
    assert ExportRecord.objects.using(PRIMARY).count() == 1
    assert CNCase in {model for model, alias in READS if alias == REPLICA}
