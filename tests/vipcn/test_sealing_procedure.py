"""Sealing and unsealing are a Records Custodian's procedure (issue 16, finding 2): seal with
the court order's reference and date and a reason, unseal with a reason; each kept as its own
record with history, logged as its own action, and read by the auditor. A sealed person then
disappears from every page and count."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate, SealingEvent
from tests import factories as f
from tests.conftest import login_as
from vipcn import roles
from vipcn.models import AccessLogEntry
from vipcn.security.custodian import record_seal, record_unseal

pytestmark = pytest.mark.django_db
Action = AccessLogEntry.Action
ORDER = {
    "order_reference": "D-202-JQ-2026-00042",
    "order_date": "2026-01-15",
    "reason": "Court ordered the juvenile record sealed",
}


def _seal_post(client, candidate, **changes):
    url = reverse("audit:seal", args=[candidate.pk])
    return client.post(url, {**ORDER, **changes})


def _nothing_sealed(candidate):
    candidate.refresh_from_db()
    return (
        not candidate.sealed
        and not SealingEvent.objects.exists()
        and not AccessLogEntry.objects.filter(action=Action.SEALED).exists()
    )


def test_it_the_custodian_seals_a_juvenile_record_by_court_order(client, custodian_user):
    juvenile = f.JuvenileCandidateFactory(last_name="Tobesealed")
    login_as(client, custodian_user)
    found = client.get(reverse("audit:sealing"), {"record_number": juvenile.pk})
    assert "Tobesealed" in found.content.decode()
    response = _seal_post(client, juvenile)
    assert response.status_code == 302
    juvenile.refresh_from_db()
    assert juvenile.sealed
    event = SealingEvent.objects.get()
    assert (event.candidate, event.action, event.acted_by) == (
        juvenile,
        SealingEvent.Action.SEALED,
        custodian_user,
    )
    assert (event.order_reference, event.order_date) == (
        "D-202-JQ-2026-00042",
        datetime.date(2026, 1, 15),
    )
    assert event.history.count() == 1  # its own history
    entry = AccessLogEntry.objects.get(action=Action.SEALED)
    assert (entry.user, entry.object_type, entry.object_id) == (
        custodian_user,
        "candidate",
        str(juvenile.pk),
    )
    assert "D-202-JQ-2026-00042" in entry.detail and "Court ordered" in entry.detail
    change = juvenile.history.latest()
    assert change.history_user == custodian_user
    assert change.history_change_reason == "sealed by the records custodian"
    # Absent for everyone from now on; the custodian's list names no one.
    page = client.get(reverse("audit:sealing")).content.decode()
    assert str(juvenile.pk) in page and "Tobesealed" not in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_reference", ""),
        ("order_date", ""),
        ("order_date", "2999-01-01"),
        ("reason", "too short"),
    ],
)
def test_it_refuses_a_sealing_without_order_date_or_reason(client, custodian_user, field, value):
    juvenile = f.JuvenileCandidateFactory()
    login_as(client, custodian_user)
    response = _seal_post(client, juvenile, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert _nothing_sealed(juvenile)


def test_it_refuses_to_seal_an_adult_record(client, custodian_user):
    adult = f.CandidateFactory()
    login_as(client, custodian_user)
    response = _seal_post(client, adult)
    assert response.status_code == 200
    assert "not a juvenile record" in response.content.decode()
    assert _nothing_sealed(adult)


def test_it_seals_an_adult_who_was_a_juvenile_in_the_record(custodian_user):
    """NMSA 32A-2-26 orders usually come years later: the person is an adult now."""
    today = timezone.localdate()
    adult_now = f.CandidateFactory(date_of_birth=f.years_ago(20))
    old_shooting = f.ShootingFactory(occurred_on=today - datetime.timedelta(days=365 * 4))
    f.InvolvementFactory(candidate=adult_now, shooting=old_shooting)
    record_seal(
        actor=custodian_user,
        candidate_pk=adult_now.pk,
        order_reference="D-1",
        order_date=today,
        reason=ORDER["reason"],
    )
    adult_now.refresh_from_db()
    assert adult_now.sealed


def test_a_determination_that_found_them_juvenile_is_enough(custodian_user):
    no_birth_date = f.CandidateFactory(date_of_birth=None)
    with pytest.raises(ValidationError):
        record_seal(
            actor=custodian_user,
            candidate_pk=no_birth_date.pk,
            order_reference="D-1",
            order_date=timezone.localdate(),
            reason=ORDER["reason"],
        )
    f.DeterminationFactory(candidate=no_birth_date, juvenile=True)
    record_seal(
        actor=custodian_user,
        candidate_pk=no_birth_date.pk,
        order_reference="D-1",
        order_date=timezone.localdate(),
        reason=ORDER["reason"],
    )
    assert Candidate.objects.get(pk=no_birth_date.pk).sealed


def test_sealing_covers_the_records_merged_into_the_person(custodian_user, staff_user):
    kept = f.JuvenileCandidateFactory()
    duplicate = f.JuvenileCandidateFactory(status="merged", merged_into=kept)
    record_seal(
        actor=custodian_user,
        candidate_pk=duplicate.pk,  # whichever record the order names
        order_reference="D-1",
        order_date=timezone.localdate(),
        reason=ORDER["reason"],
    )
    assert set(Candidate.objects.filter(sealed=True)) == {kept, duplicate}
    assert SealingEvent.objects.count() == 2
    record_unseal(
        actor=custodian_user, candidate_pk=kept.pk, reason="Sealed in error, wrong person"
    )
    assert not Candidate.objects.filter(sealed=True).exists()


def test_no_one_else_seals_or_unseals(client, users_by_role):
    juvenile = f.JuvenileCandidateFactory()
    sealed = f.JuvenileCandidateFactory(sealed=True)
    for role, user in users_by_role.items():
        if role == roles.CUSTODIAN:
            continue
        with pytest.raises(Http404):
            record_seal(
                actor=user,
                candidate_pk=juvenile.pk,
                order_reference="D-1",
                order_date=timezone.localdate(),
                reason=ORDER["reason"],
            )
        with pytest.raises(Http404):
            record_unseal(actor=user, candidate_pk=sealed.pk, reason=ORDER["reason"])
        login_as(client, user)
        assert _seal_post(client, juvenile).status_code == 403, role
        url = reverse("audit:unseal", args=[sealed.pk])
        assert client.post(url, {"reason": ORDER["reason"]}).status_code == 403, role
        assert client.get(reverse("audit:sealing")).status_code == 403, role
    assert _nothing_sealed(juvenile)
    sealed.refresh_from_db()
    assert sealed.sealed and not SealingEvent.objects.exists()


def test_it_the_custodian_unseals_with_a_reason(client, custodian_user):
    sealed = f.JuvenileCandidateFactory(last_name="Wassealed")
    record_seal(
        actor=custodian_user,
        candidate_pk=sealed.pk,
        order_reference="D-1",
        order_date=timezone.localdate(),
        reason=ORDER["reason"],
    )
    login_as(client, custodian_user)
    url = reverse("audit:unseal", args=[sealed.pk])
    page = client.get(url).content.decode()
    assert "D-1" in page and "Wassealed" not in page
    assert client.post(url, {"reason": "short"}).status_code == 200
    sealed.refresh_from_db()
    assert sealed.sealed
    response = client.post(url, {"reason": "The court set the sealing order aside"})
    assert response.status_code == 302
    sealed.refresh_from_db()
    assert not sealed.sealed
    event = SealingEvent.objects.latest()
    assert event.action == SealingEvent.Action.UNSEALED and event.acted_by == custodian_user
    entry = AccessLogEntry.objects.get(action=Action.UNSEALED)
    assert entry.object_id == str(sealed.pk) and "set the sealing order aside" in entry.detail
    # Unsealing an unsealed record, or sealing a sealed one: as if it did not exist.
    assert client.get(url).status_code == 404
    already = f.JuvenileCandidateFactory(sealed=True)
    assert client.get(reverse("audit:seal", args=[already.pk])).status_code == 404
    assert client.get(reverse("audit:seal", args=[99999])).status_code == 404


def test_the_auditor_reads_every_sealing_and_unsealing(client, custodian_user, auditor_user):
    sealed = f.JuvenileCandidateFactory(last_name="Auditedname")
    record_seal(
        actor=custodian_user,
        candidate_pk=sealed.pk,
        order_reference="D-77",
        order_date=timezone.localdate(),
        reason=ORDER["reason"],
    )
    login_as(client, auditor_user)
    page = client.get(reverse("audit:sealing_events")).content.decode()
    assert "D-77" in page and custodian_user.username in page and "Auditedname" not in page
    assert AccessLogEntry.objects.filter(action=Action.AUDIT_READ, detail="sealings").exists()
    log = client.get(reverse("audit:log"), {"action": "sealed"}).content.decode()
    assert "D-77" in log
    # Who viewed / who changed the sealed record: its name is not shown to the auditor.
    who = client.get(reverse("audit:object", args=["candidate", sealed.pk])).content.decode()
    assert "Auditedname" not in who and "sealed by the records custodian" in who


def test_the_demo_record_is_sealed_by_the_procedure(custodian_user):
    from vipcn import demo_security

    demo_security._sealed_record(custodian_user)
    sealed = Candidate.objects.get(last_name="Sealedrecord")
    assert sealed.sealed and sealed.sealing_events.get().acted_by == custodian_user


# --- a sealed person disappears from counts and links too


def test_it_a_group_counts_only_the_members_one_may_see(staff_client, auditor_user):
    group = f.GroupFactory(name="Northside")
    f.GroupMembershipFactory(group=group, candidate=f.CandidateFactory())
    f.GroupMembershipFactory(group=group, candidate=f.JuvenileCandidateFactory(sealed=True))
    page = staff_client.get(reverse("candidates:groups"))
    row = next(g for g in page.context["page"].object_list if g.pk == group.pk)
    assert row.member_count == 1
    from candidates.selectors import group_list

    f.GroupMembershipFactory(group=group, candidate=f.JuvenileCandidateFactory())
    assert group_list(auditor_user).get(pk=group.pk).member_count == 1  # no juvenile permission


def test_it_a_relationship_does_not_reveal_a_sealed_record(staff_client, staff_user):
    person = f.CandidateFactory()
    sealed = f.JuvenileCandidateFactory(sealed=True)
    link = f.RelationshipFactory(candidate=person, name="Cousin Rel", related_candidate=sealed)
    page = staff_client.get(reverse("candidates:detail", args=[person.pk])).content.decode()
    assert "Cousin Rel" in page
    assert f"#{sealed.pk}<" not in page
    assert reverse("candidates:detail", args=[sealed.pk]) not in page
    url = reverse("candidates:relationship_edit", args=[person.pk, link.pk])
    form = staff_client.get(url).content.decode()
    assert 'name="related_candidate"' not in form
    response = staff_client.post(
        url,
        {
            "kind": link.kind,
            "name": "Cousin Renamed",
            "preferred_language": "en",
            "version": link.version,
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.name == "Cousin Renamed" and link.related_candidate == sealed  # kept


def test_it_the_change_history_does_not_name_a_sealed_record(staff_client):
    person = f.CandidateFactory()
    sealed = f.JuvenileCandidateFactory(sealed=True)
    link = f.RelationshipFactory(candidate=person, name="Old friend")
    link.related_candidate = sealed
    link.save()
    page = staff_client.get(reverse("candidates:detail", args=[person.pk])).content.decode()
    assert f"record {sealed.pk}" not in page


def test_a_sealed_person_is_counted_nowhere(manager_user, lead_user):
    """The transparency report, the dashboard's pipeline, queues and outcomes, and the
    outcomes after a CN count the same with and without a sealed person's delivered CN."""
    from deliveries.selectors import after_cn, reports, transparency
    from deliveries.selectors.reports import default_period

    start, end = default_period()
    f.report_compliant_attempt()

    def figures():
        report = transparency.transparency_report(manager_user, start, end)
        # Every table about people (the last counts officers and trainings: the sealed
        # person's deliverers are new officers, and count as officers).
        tables = [[(r.label, r.count) for r in t["rows"]] for t in report["tables"][:-1]]
        return (
            tables,
            reports.pipeline(lead_user),
            reports.queues(lead_user)["counts"],
            reports.outcomes(lead_user, start, end),
            after_cn.after_cn_summary(manager_user),
        )

    before = figures()
    sealed_attempt = f.report_compliant_attempt(juvenile=True)
    candidate = sealed_attempt.case.candidate
    f.GroupMembershipFactory(candidate=candidate)
    with_them = figures()
    assert with_them != before  # the person counts while not sealed
    Candidate.objects.filter(pk=candidate.pk).update(sealed=True)
    assert figures() == before
