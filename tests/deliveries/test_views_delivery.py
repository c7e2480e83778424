"""Delivery pages: forms, refusals explained, permissions, no query per row."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates.models import Relationship
from deliveries.models import (
    AfterAction,
    AttemptCheck,
    AttemptException,
    CNCase,
    DeliveryAttempt,
    FollowUp,
    TeamAssignment,
)
from tests.conftest import login_as
from tests.factories import (
    AfterActionFactory,
    AttemptFactory,
    EligibleDelivererFactory,
    EligibleJuvenileFactory,
    JuvenileCandidateFactory,
    PersonnelFactory,
    ReadyCaseFactory,
    RelationshipFactory,
    TeamAssignmentFactory,
    VipLeadPersonnelFactory,
    approve,
    days_ago,
    opened_case,
    prepare,
)

pytestmark = pytest.mark.django_db

S = CNCase.State
FMT = "%Y-%m-%dT%H:%M"


def local(dt):
    return timezone.localtime(dt).strftime(FMT)


def post_data(case, **fields):
    """What the attempt form posts, consistent for the outcome: the approved team present (as
    the form offers it, P-TEAM), a social services member when they delivered their message,
    the accepted letter presented on a delivery."""
    now = timezone.now()
    outcome = fields.get("outcome", "delivered")
    met = outcome in DeliveryAttempt.CONTACT_OUTCOMES
    planned = list(case.team.all())
    values = {
        "contact_at": local(now - datetime.timedelta(hours=1)),
        "address": "1 Test St",
        "ecc_advised_at": local(now - datetime.timedelta(hours=1, minutes=10)),
        "ecc_advised_by": "Ofc. Test",
        "ecc_told_location": "on",
        "ecc_told_team": "on",
        "ecc_told_identity": "on",
        "lead": next((m.personnel_id for m in planned if m.role == "lead"), None),
        "deliverers": [m.personnel_id for m in planned if m.role == "deliverer"],
        "accompanying": [m.personnel_id for m in planned if m.role == "accompanying"],
        "outcome": outcome,
        "message_delivered": "yes" if met else None,
        "letter_presented": "on" if outcome in DeliveryAttempt.DELIVERED_OUTCOMES else None,
        "social_services_delivered": "yes" if met else None,
        "social_services_names": "R. Provider" if met else None,
        "version": "0",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def case_with_team(*members):
    """A case prepared in order whose approved team is ``members`` ((role, person) pairs)."""
    case = opened_case()
    prepare(case)
    case.team.all().delete()  # the default deliverer ``prepare`` plans
    for role, person in members:
        TeamAssignmentFactory(case=case, personnel=person, role=role, recorded=days_ago(2))
    return approve(case)


def test_it_shows_the_attempt_form_with_the_planned_address(staff_client):
    case = ReadyCaseFactory()
    case.candidate.addresses.create(
        line1="9 Planned Rd", city="Albuquerque", is_delivery_address=True
    )
    response = staff_client.get(reverse("attempts:record", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "9 Planned Rd" in html
    assert 'data-outcomes="alternate"' in html
    assert "deliveries/js/attempt_form.js" in html
    assert "<script>" not in html and " onclick=" not in html and 'style="' not in html


def test_it_records_an_attempt_and_moves_the_case(staff_client, staff_user):
    case = ReadyCaseFactory()
    response = staff_client.post(
        reverse("attempts:record", args=[case.pk]),
        post_data(case, social_services_names="R. Provider\n\nP. Partner"),
    )
    attempt = DeliveryAttempt.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("attempts:detail", args=[attempt.pk])
    assert attempt.created_by == staff_user
    assert sorted(attempt.team.values_list("name", flat=True)) == ["", "P. Partner", "R. Provider"]
    case.refresh_from_db()
    assert case.state == S.ATTEMPTED


def test_it_refuses_contact_before_the_ecc_advisement_with_the_rule(staff_client):
    case = ReadyCaseFactory()
    now = timezone.now()
    response = staff_client.post(
        reverse("attempts:record", args=[case.pk]),
        post_data(
            case,
            contact_at=local(now - datetime.timedelta(hours=2)),
            ecc_advised_at=local(now - datetime.timedelta(hours=1)),
        ),
    )
    assert response.status_code == 200
    assert "Blocked by SOP 2-64-4 C.1.a" in response.content.decode()
    assert "(C-ECC)" in response.content.decode()
    assert not DeliveryAttempt.objects.exists()
    case.refresh_from_db()
    assert case.state == S.READY


def test_it_refuses_an_ineligible_deliverer(staff_client):
    # The approved team is judged again as of the contact time (P-TEAM, each DLV-*).
    case = case_with_team((TeamAssignment.Role.DELIVERER, PersonnelFactory()))
    response = staff_client.post(reverse("attempts:record", args=[case.pk]), post_data(case))
    assert response.status_code == 200
    assert "(DLV-TRAIN)" in response.content.decode()
    assert not DeliveryAttempt.objects.exists()


def test_it_refuses_a_team_other_than_the_approved_one_naming_who_differs(staff_client):
    # Issue 15: an attempt by a team different from the approved one was accepted.
    case = ReadyCaseFactory()
    planned = case.team.get().personnel
    stranger = EligibleDelivererFactory()
    response = staff_client.post(
        reverse("attempts:record", args=[case.pk]), post_data(case, deliverers=[stranger.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Blocked by SOP 2-64-4 B.1.c (P-TEAM)" in html
    assert planned.full_name in html and stranger.full_name in html
    assert not DeliveryAttempt.objects.exists()
    case.refresh_from_db()
    assert case.state == S.READY


def test_it_refuses_a_juvenile_delivered_without_a_guardian(staff_client):
    candidate = EligibleJuvenileFactory()
    case = ReadyCaseFactory(candidate=candidate)
    url = reverse("attempts:record", args=[case.pk])
    response = staff_client.post(url, post_data(case))
    assert "(J-GUARDIAN)" in response.content.decode()
    assert not DeliveryAttempt.objects.exists()
    response = staff_client.post(
        url,
        post_data(
            case,
            new_guardian_name="Mother Demo",
            new_guardian_kind=Relationship.Kind.PARENT,
        ),
    )
    assert response.status_code == 302
    attempt = DeliveryAttempt.objects.get(case=case)
    assert attempt.guardian_present.name == "Mother Demo"


def test_it_keeps_the_guardian_of_a_juvenile_who_ended_it_after_the_message(staff_client):
    candidate = EligibleJuvenileFactory()
    case = ReadyCaseFactory(candidate=candidate)
    url = reverse("attempts:record", args=[case.pk])
    ended = {
        "outcome": "ended",
        "message_delivered": "yes",
        "ended_how": "asked_to_leave",
        "team_left_immediately": "on",
    }
    response = staff_client.post(url, post_data(case, **ended))
    assert "(J-GUARDIAN)" in response.content.decode()
    assert not DeliveryAttempt.objects.exists()
    father = RelationshipFactory(candidate=candidate, kind=Relationship.Kind.PARENT)
    response = staff_client.post(url, post_data(case, guardian_present=father.pk, **ended))
    assert response.status_code == 302
    attempt = DeliveryAttempt.objects.get(case=case)
    assert attempt.outcome == "ended" and attempt.guardian_present == father


def test_it_records_ended_by_the_candidate_never_as_delivered(staff_client):
    case = ReadyCaseFactory()
    response = staff_client.post(
        reverse("attempts:record", args=[case.pk]),
        post_data(
            case,
            outcome="ended",
            message_delivered="yes",
            ended_how="asked_to_leave",
            team_left_immediately="on",
            social_services_delivered="no",
            social_services_reason="The team left at once.",
        ),
    )
    assert response.status_code == 302
    attempt = DeliveryAttempt.objects.get(case=case)
    assert attempt.outcome == "ended" and not attempt.is_delivered
    assert attempt.message_delivered and attempt.team_left_immediately


@pytest.mark.parametrize(
    "ended",
    [{"ended_how": "asked_to_leave"}, {"team_left_immediately": "on"}],
    ids=["asked-us-to-leave", "team-left"],
)
def test_it_refuses_delivered_when_the_person_ended_it(ended, staff_client):
    # Issue 15: "delivered" posted with "asked us to leave / team left" was saved as delivered
    # and the leave data dropped; the page now reaches C-CONSENT, and nothing is saved.
    case = ReadyCaseFactory()
    response = staff_client.post(
        reverse("attempts:record", args=[case.pk]), post_data(case, **ended)
    )
    assert response.status_code == 200
    assert "Blocked by SOP 2-64-3 E (C-CONSENT)" in response.content.decode()
    assert not DeliveryAttempt.objects.exists()
    case.refresh_from_db()
    assert case.state == S.READY


def test_it_refuses_fields_that_do_not_belong_to_the_outcome(staff_client):
    # Formerly the page dropped them silently; issue 15: nothing posted is discarded, a record
    # that contradicts itself is refused with the rule (C-ALT, C-DELIVER) and nothing saved.
    case = ReadyCaseFactory()
    aunt = RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.FAMILY)
    response = staff_client.post(
        reverse("attempts:record", args=[case.pk]),
        post_data(
            case,
            outcome="not_located",
            alternate_recipient=aunt.pk,
            abort_reason="left over",
            message_delivered="yes",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "(C-ALT)" in html and "(C-DELIVER)" in html
    assert not DeliveryAttempt.objects.exists()


EXPLANATION = "Dispatch was down; the ECC was advised by radio on arrival."


def test_it_lets_the_lead_record_a_field_rule_exception_with_why(
    lead_client, manager_user, django_capture_on_commit_callbacks
):
    case = ReadyCaseFactory()
    url = reverse("attempts:record", args=[case.pk])
    assert 'name="exception_c_ecc"' in lead_client.get(url).content.decode()
    moment = local(timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            url,
            post_data(case, contact_at=moment, ecc_advised_at=moment, exception_c_ecc=EXPLANATION),
        )
    assert response.status_code == 302
    attempt = DeliveryAttempt.objects.get(case=case)
    assert AttemptException.objects.get(attempt=attempt).explanation == EXPLANATION
    cell = AttemptCheck.objects.get(attempt=attempt, rule_id="C-ECC")
    assert cell.status == "not_met" and EXPLANATION in cell.note
    assert [m.to for m in mail.outbox] == [[manager_user.email]]
    assert EXPLANATION in lead_client.get(response["Location"]).content.decode()
    # The compliance audit shows the rule not met, with the Lead's explanation.
    audit = lead_client.get(reverse("reports:compliance")).content.decode()
    assert EXPLANATION in audit


def test_it_offers_staff_no_exception_and_refuses_the_broken_field_rule(
    staff_client, manager_user, django_capture_on_commit_callbacks
):
    case = ReadyCaseFactory()
    url = reverse("attempts:record", args=[case.pk])
    assert "exception_c_ecc" not in staff_client.get(url).content.decode()
    moment = local(timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            post_data(case, contact_at=moment, ecc_advised_at=moment, exception_c_ecc=EXPLANATION),
        )
    assert response.status_code == 200
    assert "(C-ECC)" in response.content.decode()
    assert not DeliveryAttempt.objects.exists() and not AttemptException.objects.exists()
    assert not mail.outbox


def test_it_refuses_a_stale_edit_without_overwriting(client, staff_user, lead_user):
    case = ReadyCaseFactory()
    login_as(client, staff_user)
    client.post(reverse("attempts:record", args=[case.pk]), post_data(case))
    attempt = DeliveryAttempt.objects.get(case=case)
    url = reverse("attempts:edit", args=[attempt.pk])
    first = client.post(url, post_data(case, notes="officer one", version=attempt.version))
    assert first.status_code == 302
    login_as(client, lead_user)
    second = client.post(url, post_data(case, notes="officer two", version=attempt.version))
    assert second.status_code == 200
    # The one stale-edit mechanism (vipcn.concurrency.lock_for_edit) and its message.
    assert "while you were editing it. Nothing you entered was saved" in second.content.decode()
    attempt.refresh_from_db()
    assert attempt.notes == "officer one"


def test_it_records_the_after_action_and_the_lead_closes_the_case(client, staff_user, lead_user):
    attempt = AttemptFactory(outcome="delivered", message_delivered=True)
    login_as(client, staff_user)
    url = reverse("attempts:after_action", args=[attempt.pk])
    response = client.post(
        url,
        {
            "ecc_outcome_advised_at": local(attempt.contact_at + datetime.timedelta(minutes=5)),
            "ecc_outcome_advised_by": "Ofc. Test",
            "cad_number": "bad",
            "version": "0",
        },
    )
    assert "(A-CAD)" in response.content.decode()
    response = client.post(
        url,
        {
            "ecc_outcome_advised_at": local(attempt.contact_at + datetime.timedelta(minutes=5)),
            "ecc_outcome_advised_by": "Ofc. Test",
            "cad_number": "26-7654321",
            "version": "0",
        },
    )
    assert response.status_code == 302
    assert (
        client.post(
            reverse("attempts:confirm", args=[attempt.pk]), {"decision": "close"}
        ).status_code
        == 403
    )
    login_as(client, lead_user)
    page = client.get(reverse("attempts:confirm", args=[attempt.pk]))
    assert "A-CAD" in page.content.decode()
    response = client.post(
        reverse("attempts:confirm", args=[attempt.pk]),
        {"decision": "close", "version": AfterAction.objects.get().version},
    )
    assert response.status_code == 302
    attempt.case.refresh_from_db()
    assert attempt.case.state == S.CLOSED


def test_it_explains_why_the_lead_cannot_close_without_the_cad_number(lead_client):
    attempt = AttemptFactory(outcome="delivered", message_delivered=True)
    response = lead_client.post(
        reverse("attempts:confirm", args=[attempt.pk]), {"decision": "close", "version": "0"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "(A-CAD)" in html and "(A-ECC)" in html
    attempt.case.refresh_from_db()
    assert attempt.case.state == S.ATTEMPTED


def test_it_sends_the_case_back_for_another_attempt(lead_client):
    after_action = AfterActionFactory(attempt__outcome="not_located")
    response = lead_client.post(
        reverse("attempts:confirm", args=[after_action.attempt.pk]),
        {"decision": "retry", "version": after_action.version},
    )
    assert response.status_code == 302
    case = after_action.attempt.case
    case.refresh_from_db()
    assert case.state == S.READY


def test_it_lists_overdue_after_actions_in_the_queue(lead_client):
    overdue = AttemptFactory(contact_at=timezone.now() - datetime.timedelta(hours=30))
    recent = AttemptFactory()
    AfterActionFactory(attempt=recent)
    response = lead_client.get(reverse("attempts:queue") + "?list=overdue")
    html = response.content.decode()
    assert overdue.case.number in html and recent.case.number not in html
    response = lead_client.get(reverse("attempts:queue"))
    html = response.content.decode()
    assert recent.case.number in html and overdue.case.number not in html


def test_it_makes_no_query_per_row_in_the_queue(lead_client):
    for _ in range(3):
        AfterActionFactory()
    lead_client.get(reverse("attempts:queue") + "?list=open")
    with CaptureQueriesContext(connection) as few:
        lead_client.get(reverse("attempts:queue") + "?list=open")
    for _ in range(5):
        AfterActionFactory()
    with CaptureQueriesContext(connection) as many:
        response = lead_client.get(reverse("attempts:queue") + "?list=open")
    assert response.status_code == 200
    assert len(many) == len(few)


def test_it_makes_no_query_per_attempt_in_the_case_snippet(rf, staff_user):
    case = ReadyCaseFactory(state=S.ATTEMPTED)
    template = Template(
        "{% include 'deliveries/attempts/snippets/case_attempts.html' with case=case %}"
    )
    request = rf.get("/")
    request.user = staff_user

    def render():
        with CaptureQueriesContext(connection) as ctx:
            html = template.render(Context({"case": case, "request": request}))
        return html, len(ctx)

    AfterActionFactory(attempt__case=case, attempt__number=1)
    render()  # the user's roles are cached after the first look
    html, one = render()
    for number in (2, 3, 4):
        attempt = AttemptFactory(case=case, number=number, outcome="delivered")
        attempt.team.create(role="deliverer", personnel=EligibleDelivererFactory())
        AfterActionFactory(attempt=attempt)
    html, four = render()
    assert one == four
    assert "Attempt 4" in html


def test_it_hides_juvenile_cases_from_users_without_the_permission(client, staff_user):
    from django.contrib.auth.models import Permission

    candidate = JuvenileCandidateFactory()
    attempt = AttemptFactory(case__candidate=candidate)
    perm = Permission.objects.get(codename="view_juvenile_records")
    staff_user.groups.first().permissions.remove(perm)
    login_as(client, staff_user)
    assert client.get(reverse("attempts:detail", args=[attempt.pk])).status_code == 404


def test_it_refuses_a_manager_recording_an_attempt(manager_client):
    case = ReadyCaseFactory()
    url = reverse("attempts:record", args=[case.pk])
    assert manager_client.get(url).status_code == 403
    assert manager_client.post(url, post_data(case)).status_code == 403
    assert not DeliveryAttempt.objects.exists()


def test_it_lets_the_manager_read_the_queue_but_not_confirm(manager_client):
    after_action = AfterActionFactory()
    assert manager_client.get(reverse("attempts:queue")).status_code == 200
    url = reverse("attempts:confirm", args=[after_action.attempt.pk])
    assert manager_client.post(url, {"decision": "close"}).status_code == 403


def test_it_refuses_staff_the_confirmation_page(staff_client):
    after_action = AfterActionFactory()
    url = reverse("attempts:confirm", args=[after_action.attempt.pk])
    assert staff_client.get(url).status_code == 403


def test_it_records_a_follow_up_after_a_delivered_cn(staff_client):
    attempt = AttemptFactory(outcome="delivered", message_delivered=True)
    url = reverse("attempts:follow_up", args=[attempt.case.pk])
    response = staff_client.post(
        url,
        {
            "followed_up_on": timezone.localdate().isoformat(),
            "services_offered": "Job training",
            "response": "accepted",
            "referral_made": "Workforce center",
        },
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().case == attempt.case


def test_it_explains_a_follow_up_refused_before_delivery(staff_client):
    attempt = AttemptFactory(outcome="not_located")
    response = staff_client.post(
        reverse("attempts:follow_up", args=[attempt.case.pk]),
        {
            "followed_up_on": timezone.localdate().isoformat(),
            "services_offered": "Job training",
            "response": "accepted",
        },
    )
    assert response.status_code == 200
    assert "after a delivered CN" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_it_lists_ready_cases_with_a_record_button(staff_client):
    case = ReadyCaseFactory()
    html = staff_client.get(reverse("attempts:ready")).content.decode()
    assert reverse("attempts:record", args=[case.pk]) in html


def test_it_shows_an_attempt_with_actions_by_role(client, staff_user, lead_user):
    after_action = AfterActionFactory(attempt__outcome="not_located")
    url = reverse("attempts:detail", args=[after_action.attempt.pk])
    login_as(client, staff_user)
    html = client.get(url).content.decode()
    assert reverse("attempts:after_action", args=[after_action.attempt.pk]) in html
    assert reverse("attempts:confirm", args=[after_action.attempt.pk]) not in html
    login_as(client, lead_user)
    html = client.get(url).content.decode()
    assert reverse("attempts:confirm", args=[after_action.attempt.pk]) in html
    assert after_action.cad_number in html


def test_it_offers_the_lead_on_the_team(staff_client):
    lead = VipLeadPersonnelFactory()
    case = ReadyCaseFactory()
    html = staff_client.get(reverse("attempts:record", args=[case.pk])).content.decode()
    assert lead.full_name in html


def test_it_reads_the_overdue_delay_from_the_settings(lead_client, settings):
    attempt = AttemptFactory(contact_at=timezone.now() - datetime.timedelta(hours=30))
    settings.VIPCN = {**settings.VIPCN, "AFTER_ACTION_OVERDUE_HOURS": 48}
    html = lead_client.get(reverse("attempts:queue") + "?list=overdue").content.decode()
    assert attempt.case.number not in html
    settings.VIPCN = {**settings.VIPCN, "AFTER_ACTION_OVERDUE_HOURS": 24}
    html = lead_client.get(reverse("attempts:queue") + "?list=overdue").content.decode()
    assert attempt.case.number in html


def test_it_shows_the_case_page_in_a_fixed_number_of_queries(lead_client):
    """Issue 9: the case page's query count does not grow with its attempts, team, letters."""
    case = ReadyCaseFactory(state=S.ATTEMPTED)
    url = reverse("cases:detail", args=[case.pk])

    def count():
        lead_client.get(url)  # roles and session cached, as on a warm page
        with CaptureQueriesContext(connection) as ctx:
            response = lead_client.get(url)
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    AfterActionFactory(attempt__case=case, attempt__number=1)
    few, _html = count()
    for number in (2, 3, 4, 5):
        attempt = AttemptFactory(case=case, number=number, outcome="not_located")
        attempt.team.create(role="deliverer", personnel=EligibleDelivererFactory())
        AfterActionFactory(attempt=attempt)
    many, html = count()
    assert many == few
    assert case.number in html


def test_the_case_page_reads_its_teams_rules_in_one_query(lead_client):
    """Issue 9: each officer's DLV-* rules and rank come with the page, not one query each."""
    from tests.factories import CaseFactory, TeamAssignmentFactory

    case = CaseFactory()
    url = reverse("cases:detail", args=[case.pk])

    def count():
        lead_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert lead_client.get(url).status_code == 200
        return len(ctx)

    TeamAssignmentFactory(case=case, personnel=EligibleDelivererFactory())
    one = count()
    for _ in range(3):
        TeamAssignmentFactory(case=case, personnel=EligibleDelivererFactory())
    assert count() == one
