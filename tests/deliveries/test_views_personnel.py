"""Roster, person page, personnel forms and the command-level share page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deliveries.models import (
    AttemptTeamMember,
    DeliveryAttempt,
    ManualAccompaniment,
    Personnel,
    TrainingAttendance,
)
from tests.factories import (
    AfterActionForPersonnelFactory,
    AttemptForPersonnelFactory,
    CaseFactory,
    ManualAccompanimentFactory,
    PersonnelFactory,
    RankFactory,
    TeamMemberForPersonnelFactory,
    TrainingAttendanceFactory,
    TrainingFactory,
    confirmed,
)

pytestmark = pytest.mark.django_db
Role = AttemptTeamMember.Role


def days(n):
    return datetime.timedelta(days=n)


def eligible(**extra):
    person = PersonnelFactory(**extra)
    TrainingAttendanceFactory(personnel=person, attended_on=timezone.localdate() - days(30))
    # Confirmed by a Lead (who, and when: the day after), as accompaniment_confirm records it.
    confirmed(ManualAccompanimentFactory(personnel=person))
    return person


def delivered_by(person, *, role=Role.DELIVERER, on=None, **case):
    attempt = AttemptForPersonnelFactory(
        case=CaseFactory(**case), contact_at=on or timezone.now() - days(3)
    )
    TeamMemberForPersonnelFactory(attempt=attempt, role=role, personnel=person)
    AfterActionForPersonnelFactory(attempt=attempt)
    return attempt


# --- roster


def test_it_shows_the_roster_with_what_each_person_lacks(staff_client):
    ready = eligible(last_name="Readyman")
    PersonnelFactory(last_name="Untrainedson")
    response = staff_client.get(reverse("personnel:roster"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Readyman" in html and "Untrainedson" in html
    rows = {p.pk: p for p in response.context["page"].object_list}
    assert rows[ready.pk].dlv_eligible
    untrained = next(p for p in rows.values() if p.last_name == "Untrainedson")
    assert [r.id for r in untrained.missing] == ["DLV-TRAIN", "DLV-ACCOMP"]
    assert "DLV-TRAIN" in html


def test_it_evaluates_on_the_chosen_date(staff_client):
    person = eligible()
    earlier = (timezone.localdate() - days(365)).isoformat()
    response = staff_client.get(reverse("personnel:roster"), {"on": earlier})
    row = next(p for p in response.context["page"].object_list if p.pk == person.pk)
    assert not row.dlv_eligible
    assert [r.id for r in row.missing] == ["DLV-TRAIN", "DLV-ACCOMP"]


def test_it_filters_the_roster(lead_client):
    ready = eligible(last_name="Ready")
    PersonnelFactory(last_name="Gone", is_active=False)
    response = lead_client.get(reverse("personnel:roster"), {"show": "eligible"})
    assert [p.pk for p in response.context["page"].object_list] == [ready.pk]
    response = lead_client.get(reverse("personnel:roster"), {"show": "inactive"})
    assert [p.last_name for p in response.context["page"].object_list] == ["Gone"]


def test_it_ignores_bad_filters_without_failing(staff_client):
    response = staff_client.get(
        reverse("personnel:roster"), {"on": "not-a-date", "show": "bogus", "page": "zz"}
    )
    assert response.status_code == 200
    assert response.context["on_date"] == timezone.localdate()
    assert b"not understood" in response.content


def test_it_counts_deliveries_made(staff_client):
    person = eligible()
    delivered_by(person)
    delivered_by(person, role=Role.LEAD)
    delivered_by(person, role=Role.ACCOMPANYING)  # accompanying is not delivering
    not_located = delivered_by(person)
    not_located.outcome = DeliveryAttempt.Outcome.NOT_LOCATED
    not_located.save()
    response = staff_client.get(reverse("personnel:roster"))
    row = next(p for p in response.context["page"].object_list if p.pk == person.pk)
    assert row.deliveries_made == 2


def test_it_does_not_count_deliveries_to_sealed_records(staff_client):
    from tests.factories import CandidateFactory

    person = eligible()
    delivered_by(person)
    delivered_by(person, candidate=CandidateFactory(sealed=True))
    response = staff_client.get(reverse("personnel:roster"))
    row = next(p for p in response.context["page"].object_list if p.pk == person.pk)
    assert row.deliveries_made == 1


def test_it_builds_the_roster_in_a_fixed_number_of_queries(lead_client):
    url = reverse("personnel:roster")
    lead_client.get(url)  # warm up the session and roles

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert lead_client.get(url).status_code == 200
        return len(ctx)

    eligible()
    few = count()
    lead = PersonnelFactory(is_vip_lead=True, rank=RankFactory(name="Chief", is_command_level=True))
    for _ in range(8):
        person = eligible()
        delivered_by(person)
        attempt = delivered_by(person, role=Role.ACCOMPANYING)
        TeamMemberForPersonnelFactory(attempt=attempt, role=Role.LEAD, personnel=lead)
    assert count() == few


def test_it_paginates_the_roster(staff_client):
    for _ in range(55):
        PersonnelFactory()
    first = staff_client.get(reverse("personnel:roster"), {"show": "all"})
    assert len(first.context["page"].object_list) == 50
    second = staff_client.get(reverse("personnel:roster"), {"show": "all", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert b"show=all&amp;page=2" in first.content


def test_it_hides_edit_links_from_staff_and_shows_them_to_the_lead(staff_client, client, lead_user):
    from tests.conftest import login_as

    assert b"Add personnel" not in staff_client.get(reverse("personnel:roster")).content
    login_as(client, lead_user)
    assert b"Add personnel" in client.get(reverse("personnel:roster")).content


@pytest.mark.parametrize("fixture", ["staff_client", "lead_client", "manager_client"])
def test_it_opens_the_roster_to_readers(request, fixture):
    assert request.getfixturevalue(fixture).get(reverse("personnel:roster")).status_code == 200


def test_it_closes_the_roster_to_administrators(admin_client):
    assert admin_client.get(reverse("personnel:roster")).status_code == 403


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(reverse("personnel:roster"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- person page


def test_it_shows_the_checklist_and_history(lead_client):
    person = PersonnelFactory(first_name="Casey", last_name="Civil", is_sworn=False)
    person.unit = "Crime Analysis"
    person.save()
    response = lead_client.get(reverse("personnel:detail", args=[person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Blocked by SOP 2-64-6 A (DLV-SWORN)" in html
    assert "DLV-TRAIN" in html and "DLV-ACCOMP" in html
    assert len(response.context["changes"]) == 2
    assert response.context["changes"][0]["fields"] == ["unit"]


def test_it_shows_which_attempts_count_as_accompaniment(manager_client):
    person = PersonnelFactory()
    lead = PersonnelFactory(is_vip_lead=True)
    counting = delivered_by(person, role=Role.ACCOMPANYING)
    TeamMemberForPersonnelFactory(attempt=counting, role=Role.LEAD, personnel=lead)
    delivered_by(person, role=Role.ACCOMPANYING)  # no Lead on the team
    response = manager_client.get(reverse("personnel:detail", args=[person.pk]))
    assert response.status_code == 200
    assert len(response.context["counting_attempts"]) == 1
    assert b"/confirm/" not in response.content


def test_it_answers_404_for_an_unknown_person(staff_client):
    assert staff_client.get(reverse("personnel:detail", args=[999999])).status_code == 404


# --- forms


def test_it_lets_the_lead_add_personnel(lead_client, lead_user):
    rank = RankFactory()
    response = lead_client.post(
        reverse("personnel:create"),
        {
            "first_name": "Rory",
            "last_name": "Newman",
            "badge_number": "N-77",
            "rank": rank.pk,
            "unit": "Valley",
            "is_sworn": "on",
            "is_active": "on",
        },
    )
    person = Personnel.objects.get(badge_number="N-77")
    assert response.status_code == 302
    assert response["Location"] == reverse("personnel:detail", args=[person.pk])
    assert person.created_by == lead_user
    assert person.history.first().history_user == lead_user


def test_it_explains_a_lead_without_designation_date(lead_client):
    response = lead_client.post(
        reverse("personnel:create"),
        {"first_name": "A", "last_name": "B", "badge_number": "N-78", "is_vip_lead": "on"},
    )
    assert response.status_code == 200
    assert b"designated VIP Law Enforcement Lead" in response.content
    assert not Personnel.objects.filter(badge_number="N-78").exists()


def test_it_refuses_a_stale_edit(lead_client):
    person = PersonnelFactory(unit="Old")
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "badge_number": person.badge_number,
        "unit": "Mine",
        "is_sworn": "on",
        "is_active": "on",
        "version": 1,
    }
    assert lead_client.post(reverse("personnel:edit", args=[person.pk]), data).status_code == 302
    data["unit"] = "Theirs"
    response = lead_client.post(reverse("personnel:edit", args=[person.pk]), data)
    assert response.status_code == 200
    # One stale-edit mechanism for every service (vipcn.concurrency, issue 15 finding 5).
    assert b"Nothing you entered was saved" in response.content
    person.refresh_from_db()
    assert person.unit == "Mine"


def test_it_opens_the_edit_form_with_the_version(lead_client):
    person = PersonnelFactory()
    response = lead_client.get(reverse("personnel:edit", args=[person.pk]))
    assert response.status_code == 200
    assert b'name="version" value="1"' in response.content


def test_it_records_training_attendance(lead_client):
    person = PersonnelFactory()
    training = TrainingFactory()
    response = lead_client.post(
        reverse("personnel:training_add", args=[person.pk]),
        {
            "training": training.pk,
            "attended_on": timezone.localdate().isoformat(),
            "evidence": "Certificate",
        },
    )
    assert response.status_code == 302
    assert TrainingAttendance.objects.filter(personnel=person, training=training).exists()


def test_it_explains_a_future_training_date(lead_client):
    person = PersonnelFactory()
    response = lead_client.post(
        reverse("personnel:training_add", args=[person.pk]),
        {
            "training": TrainingFactory().pk,
            "attended_on": (timezone.localdate() + days(2)).isoformat(),
            "evidence": "Certificate",
        },
    )
    assert response.status_code == 200
    assert b"cannot be in the future" in response.content


def test_it_enters_and_confirms_an_accompaniment(lead_client):
    person = PersonnelFactory()
    lead = PersonnelFactory(is_vip_lead=True)  # designated 365 days ago
    response = lead_client.post(
        reverse("personnel:accompaniment_add", args=[person.pk]),
        {
            # After the Lead's designation: one dated before it does not count (DLV-ACCOMP,
            # test_it_refuses_an_accompaniment_dated_before_the_leads_designation).
            "accompanied_on": (timezone.localdate() - days(300)).isoformat(),
            "lead": lead.pk,
            "evidence": "Memo",
        },
    )
    assert response.status_code == 302
    entry = ManualAccompaniment.objects.get(personnel=person)
    assert entry.confirmed_at is None
    page = lead_client.get(reverse("personnel:detail", args=[person.pk]))
    confirm_url = reverse("personnel:accompaniment_confirm", args=[entry.pk])
    assert f'action="{confirm_url}"'.encode() in page.content
    response = lead_client.post(reverse("personnel:accompaniment_confirm", args=[entry.pk]))
    assert response["Location"] == reverse("personnel:detail", args=[person.pk])
    entry.refresh_from_db()
    assert entry.confirmed_at is not None


def test_it_refuses_an_accompaniment_dated_before_the_leads_designation(lead_client):
    # Issue 15 finding 7: it counted. The form says which rule refused it; nothing is saved.
    person = PersonnelFactory()
    lead = PersonnelFactory(is_vip_lead=True)  # designated 365 days ago
    response = lead_client.post(
        reverse("personnel:accompaniment_add", args=[person.pk]),
        {
            "accompanied_on": (timezone.localdate() - days(400)).isoformat(),
            "lead": lead.pk,
            "evidence": "Memo",
        },
    )
    assert response.status_code == 200
    assert b"Blocked by SOP 2-64-6 A.2 (DLV-ACCOMP)" in response.content
    assert not ManualAccompaniment.objects.filter(personnel=person).exists()


def test_it_explains_a_refused_confirmation(lead_client):
    entry = ManualAccompanimentFactory(confirmed_at=timezone.now())
    response = lead_client.post(
        reverse("personnel:accompaniment_confirm", args=[entry.pk]), follow=True
    )
    assert b"already confirmed" in response.content


def test_it_offers_only_leads_as_the_lead_accompanied(lead_client):
    person = PersonnelFactory()
    lead = PersonnelFactory(is_vip_lead=True)
    other = PersonnelFactory()
    form = lead_client.get(reverse("personnel:accompaniment_add", args=[person.pk])).context["form"]
    choices = set(form.fields["lead"].queryset)
    assert lead in choices and other not in choices and person not in choices


@pytest.mark.parametrize(
    "name,method",
    [
        ("personnel:create", "get"),
        ("personnel:edit", "get"),
        ("personnel:training_add", "post"),
        ("personnel:accompaniment_add", "post"),
        ("personnel:accompaniment_confirm", "post"),
        ("personnel:accompaniment_reject", "post"),
    ],
)
@pytest.mark.parametrize("fixture", ["staff_client", "manager_client"])
def test_it_keeps_edits_to_the_lead(request, fixture, name, method):
    person = PersonnelFactory()
    entry = ManualAccompanimentFactory(personnel=person)
    pk = entry.pk if name.endswith(("confirm", "reject")) else person.pk
    url = reverse(name) if name == "personnel:create" else reverse(name, args=[pk])
    response = getattr(request.getfixturevalue(fixture), method)(url)
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.confirmed_at is None


def test_it_refuses_confirming_by_get(lead_client):
    entry = ManualAccompanimentFactory()
    url = reverse("personnel:accompaniment_confirm", args=[entry.pk])
    assert lead_client.get(url).status_code == 405


# --- command-level share (DLV-CMD)


def test_it_reports_the_command_level_share(manager_client):
    captain = PersonnelFactory(rank=RankFactory(name="Captain", is_command_level=True))
    officer = PersonnelFactory()
    delivered_by(captain)
    delivered_by(officer)
    delivered_by(officer)
    delivered_by(captain, on=timezone.now() - days(800))  # outside the default period
    response = manager_client.get(reverse("personnel:command_share"))
    assert response.status_code == 200
    assert (response.context["with_command"], response.context["total"]) == (1, 3)
    assert response.context["percent"] == 33.3
    assert b"DLV-CMD" in response.content
    rows = {p.pk: p.delivered for p in response.context["deliverers"]}
    assert rows == {captain.pk: 1}


def test_it_reports_a_chosen_period(staff_client):
    captain = PersonnelFactory(rank=RankFactory(name="Captain", is_command_level=True))
    old = timezone.now() - days(800)
    delivered_by(captain, on=old)
    start = (old - days(1)).date().isoformat()
    end = (old + days(1)).date().isoformat()
    response = staff_client.get(
        reverse("personnel:command_share"), {"date_from": start, "date_to": end}
    )
    assert (response.context["with_command"], response.context["total"]) == (1, 1)
    assert response.context["percent"] == 100.0


def test_it_explains_a_reversed_period_and_shows_no_deliveries(staff_client):
    response = staff_client.get(
        reverse("personnel:command_share"),
        {"date_from": "2026-05-01", "date_to": "2026-01-01"},
    )
    assert response.status_code == 200
    assert b"after its end" in response.content
    assert response.context["percent"] is None


def test_it_closes_the_share_page_to_administrators(admin_client):
    assert admin_client.get(reverse("personnel:command_share")).status_code == 403


def test_it_completes_a_period_given_by_one_end(staff_client):
    url = reverse("personnel:command_share")
    response = staff_client.get(url, {"date_to": "2020-03-01"})
    assert (response.context["start"], response.context["end"]) == (
        datetime.date(2019, 3, 2),
        datetime.date(2020, 3, 1),
    )
    response = staff_client.get(url, {"date_from": "2020-03-01"})
    assert response.context["start"] == datetime.date(2020, 3, 1)
    assert response.context["end"] == timezone.localdate()


def test_it_lets_the_lead_reject_an_unconfirmed_accompaniment(lead_client):
    entry = ManualAccompanimentFactory()
    response = lead_client.post(
        reverse("personnel:accompaniment_reject", args=[entry.pk]), follow=True
    )
    assert b"was rejected" in response.content
    assert not ManualAccompaniment.objects.filter(pk=entry.pk).exists()


def test_it_builds_the_person_page_in_a_fixed_number_of_queries(lead_client):
    # Trained, with no accompaniment yet: the checklist runs every one of its queries.
    person = PersonnelFactory()
    TrainingAttendanceFactory(personnel=person)
    url = reverse("personnel:detail", args=[person.pk])
    lead_client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert lead_client.get(url).status_code == 200
        return len(ctx)

    few = count()
    lead = PersonnelFactory(is_vip_lead=True)
    for n in range(6):
        TrainingAttendanceFactory(personnel=person, attended_on=timezone.localdate() - days(n))
        ManualAccompanimentFactory(personnel=person, lead=lead)  # not confirmed
        delivered_by(person, role=Role.ACCOMPANYING)  # no Lead on the team
        delivered_by(person, role=Role.DELIVERER)
        person.unit = f"Unit {n}"
        person.rank = RankFactory(name=f"Rank {n}")
        person.save()
    assert count() == few


def test_it_offers_only_login_accounts_not_linked_to_someone_else(lead_client, lead_user):
    from tests.factories import UserFactory

    free = UserFactory()
    PersonnelFactory(user=lead_user)
    person = PersonnelFactory()
    form = lead_client.get(reverse("personnel:edit", args=[person.pk])).context["form"]
    users = set(form.fields["user"].queryset)
    assert free in users and lead_user not in users
