"""Sealed juvenile records (NMSA 32A-2-26): absent for everyone; a records custodian opens one
only by giving a reason, and that is logged; anyone else gets 404."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from candidates.visibility import can_see_candidate, candidates_visible_to
from tests.conftest import login_as
from tests.factories import CandidateFactory, JuvenileCandidateFactory
from vipcn.models import AccessLogEntry
from vipcn.security.custodian import sealed_record_open

pytestmark = pytest.mark.django_db
REASON = "Court order 2026-JV-0042 requires review"


@pytest.fixture
def sealed():
    return JuvenileCandidateFactory(sealed=True)


def test_a_sealed_record_is_absent_for_every_role(users_by_role, sealed):
    open_record = CandidateFactory()
    for role, user in users_by_role.items():
        visible = candidates_visible_to(user)
        assert sealed not in visible, role
        assert not can_see_candidate(user, sealed), role
        if user.has_perm("candidates.view_candidate") and not user.is_superuser:
            assert open_record in visible


def test_a_juvenile_is_hidden_without_the_permission(manager_user, auditor_user):
    juvenile = JuvenileCandidateFactory()
    assert can_see_candidate(manager_user, juvenile)
    assert not can_see_candidate(auditor_user, juvenile)


def test_the_custodian_opens_it_with_a_reason_and_it_is_logged(custodian_user, sealed):
    candidate = sealed_record_open(actor=custodian_user, candidate_pk=sealed.pk, reason=REASON)
    assert candidate == sealed
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.SEALED_OPENED)
    assert entry.user == custodian_user
    assert (entry.object_type, entry.object_id) == ("candidate", str(sealed.pk))
    assert entry.detail == REASON


def test_the_custodian_must_give_a_reason(custodian_user, sealed):
    with pytest.raises(ValidationError):
        sealed_record_open(actor=custodian_user, candidate_pk=sealed.pk, reason="  because ")
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.SEALED_OPENED).exists()


def test_everyone_else_gets_404(users_by_role, sealed):
    from vipcn import roles

    for role, user in users_by_role.items():
        if role == roles.CUSTODIAN:
            continue
        with pytest.raises(Http404):
            sealed_record_open(actor=user, candidate_pk=sealed.pk, reason=REASON)


def test_an_unsealed_record_is_not_opened_this_way(custodian_user):
    with pytest.raises(Http404):
        sealed_record_open(actor=custodian_user, candidate_pk=CandidateFactory().pk, reason=REASON)


def test_it_the_custodian_page_asks_for_a_reason_then_shows_the_record(
    client, custodian_user, sealed
):
    login_as(client, custodian_user)
    url = reverse("audit:sealed_record", args=[sealed.pk])
    page = client.get(url)
    assert page.status_code == 200 and sealed.last_name.encode() not in page.content
    page = client.post(url, {"reason": "short"})
    assert b"at least 10 characters" in page.content
    page = client.post(url, {"reason": REASON})
    assert page.status_code == 200 and sealed.last_name.encode() in page.content
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.SEALED_OPENED, detail=REASON
    ).exists()


def test_it_answers_404_to_others_on_the_custodian_page(client, lead_user, custodian_user, sealed):
    login_as(client, lead_user)
    assert client.get(reverse("audit:sealed_record", args=[sealed.pk])).status_code == 404
    login_as(client, custodian_user)
    missing = reverse("audit:sealed_record", args=[CandidateFactory().pk])
    assert client.get(missing).status_code == 404


def test_reports_see_exactly_the_candidates_the_user_may_see(users_by_role):
    """visible_through (the reports' join form) and candidates_visible_to (the registry's) are
    one rule: the same cases for every role, over sealed, juvenile by date of birth,
    juvenile by determination, adult, and unknown date of birth."""
    from candidates.visibility import visible_through
    from deliveries.models import CNCase
    from tests.factories import CaseFactory, DeterminationFactory, years_ago

    adult = CandidateFactory()
    unknown_age = CandidateFactory(date_of_birth=None)
    # An adult today who was 17 when determined: juvenile by determination. Juvenile status
    # is computed from the date of birth on the determination's date (J-AGE, the one module
    # candidates/juvenile.py), not read from the flag stored on the determination.
    determined = CandidateFactory(date_of_birth=years_ago(19))
    DeterminationFactory(candidate=determined, determined_on=years_ago(2), juvenile=True)
    people = [adult, unknown_age, determined, JuvenileCandidateFactory()]
    people.append(JuvenileCandidateFactory(sealed=True))
    for person in people:
        CaseFactory(candidate=person)
    for role, user in users_by_role.items():
        registry = set(
            CNCase.objects.filter(candidate__in=candidates_visible_to(user)).values_list(
                "pk", flat=True
            )
        )
        reports = set(
            CNCase.objects.filter(visible_through(user, "candidate")).values_list("pk", flat=True)
        )
        assert reports == registry, role
        assert len(registry) == (4 if user.has_perm("candidates.view_juvenile_records") else 2)
