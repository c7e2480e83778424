"""Smoke runs of the data generator and the benchmark at a tiny size, so the harness never
rots (the real runs are in docs/benchmarks.md)."""

import pytest
from django.core.management import call_command

from candidates.models import Address, Candidate, IdentificationBasis, Relationship
from deliveries.models import AfterAction, CNCase, DeliveryAttempt, LetterVersion

pytestmark = pytest.mark.django_db(transaction=False)


def test_it_generates_rows_with_their_history_in_proportion():
    call_command("generate_data", candidates=200, batch=60, not_live=True, seed=3)
    assert Candidate.objects.count() == 200
    assert IdentificationBasis.objects.count() == 200
    assert Address.objects.filter(is_delivery_address=True).count() == 200
    cases = CNCase.objects.count()
    assert 10 <= cases <= 60  # 15% in expectation
    assert set(CNCase.objects.values_list("state", flat=True)) >= {"preparing", "closed"}
    assert DeliveryAttempt.objects.count() > 0 and AfterAction.objects.count() > 0
    # Every record has exactly one "created" history row, by its creator.
    for model in (Candidate, Address, Relationship, CNCase, LetterVersion, DeliveryAttempt):
        assert model.history.filter(history_type="+").count() == model.objects.count(), model
    row = Candidate.objects.first()
    assert row.history.get().history_user_id == row.created_by_id
    # Re-running appends, with new ids and sequences moved past them.
    call_command("generate_data", candidates=20, batch=60, not_live=True, seed=4)
    assert Candidate.objects.count() == 220
    assert Candidate.history.count() == 220
    Candidate.objects.create(first_name="New", last_name="Person")  # sequence is past the ids


def test_it_refuses_without_demo_or_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="not-live"):
        call_command("generate_data", candidates=5)


def test_it_benchmarks_every_page_at_a_tiny_size(capsys):
    call_command("benchmark", sizes="600", here=True, repeats=2, warmup=1, no_output=True)
    out = capsys.readouterr().out
    for page in (
        "candidate list, name search",
        "candidate list, filters",
        "candidate page",
        "case page",
        "Lead's dashboard",
        "compliance audit",
        "save a delivery attempt",
        "admin changelist (reference)",
        "floor view (reference)",
    ):
        assert page in out
