"""Case pages: forms, refusals explained, permissions, no query per row, the PDF."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from candidates.models import Candidate
from deliveries.models import CNCase
from deliveries.services import preparation as services
from tests import factories as f

pytestmark = pytest.mark.django_db
S = CNCase.State


@pytest.fixture
def case(staff_user):
    candidate = f.EligibleCandidateFactory(
        first_name="José", last_name="Muñoz", assigned_to=staff_user
    )
    return services.case_open(candidate=candidate, actor=staff_user)


def detail(case):
    return reverse("cases:detail", args=[case.pk])


def test_it_opens_a_case_for_an_eligible_candidate(staff_client):
    candidate = f.EligibleCandidateFactory()
    response = staff_client.post(reverse("cases:open", args=[candidate.pk]), {})
    case = CNCase.objects.get(candidate=candidate)
    assert response.status_code == 302 and response["Location"] == detail(case)


def test_it_explains_why_a_candidate_not_eligible_gets_no_case(staff_client):
    candidate = f.CandidateFactory(status=Candidate.Status.IDENTIFIED)
    response = staff_client.post(reverse("cases:open", args=[candidate.pk]), {}, follow=True)
    assert b"ID-DET" in response.content
    assert not CNCase.objects.filter(candidate=candidate).exists()


def test_it_shows_the_checklist_with_rule_ids_and_sop(staff_client, case):
    html = staff_client.get(detail(case)).content.decode()
    for rule_id in ("P-THREAT", "P-BACKGROUND", "P-LETTER", "P-TEAM", "P-SOCIAL", "P-APPROVE"):
        assert rule_id in html
    assert "2-64-4 B.1.c" in html
    assert "Not applicable" in html  # J-* for an adult
    assert "deliveries/attempts" not in html  # the attempts snippet is included, not named


def test_it_records_a_threat_assessment(staff_client, case):
    response = staff_client.post(
        reverse("cases:threat", args=[case.pk]),
        {
            "version": case.version,
            "completed_by": "Det. Ortiz",
            "completed_on": timezone.localdate().isoformat(),
            "summary": "Dog at the address; low risk.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.threat_assessment.completed_by == "Det. Ortiz"


def test_it_refuses_a_stale_form_and_says_so(staff_client, case):
    data = {
        "version": case.version,
        "organization": "Org",
        "contact_person": "Kim",
    }
    assert staff_client.post(reverse("cases:social", args=[case.pk]), data).status_code == 302
    response = staff_client.post(reverse("cases:social", args=[case.pk]), data, follow=True)
    assert b"changed by someone else" in response.content


def test_it_shows_a_refusal_with_its_rule_in_the_form(staff_client, case):
    response = staff_client.post(
        reverse("cases:team_add", args=[case.pk]),
        {"version": case.version, "personnel": f.PersonnelFactory().pk, "role": "deliverer"},
    )
    assert response.status_code == 400
    assert b"DLV-TRAIN" in response.content


def test_it_rejects_a_bad_date_without_a_500(staff_client, case):
    response = staff_client.post(
        reverse("cases:background", args=[case.pk]),
        {"version": case.version, "completed_by": "x", "completed_on": "soon", "summary": "y"},
    )
    assert response.status_code == 400


def test_it_hides_sensitive_summaries_from_staff(staff_client, lead_user, case):
    services.threat_assessment_record(
        case=case,
        version=case.version,
        completed_by="Det. Ortiz",
        completed_on=timezone.localdate(),
        summary="SECRET-THREAT-DETAIL",
        actor=lead_user,
    )
    staff_html = staff_client.get(detail(case)).content.decode()
    assert "Det. Ortiz" in staff_html
    assert "SECRET-THREAT-DETAIL" not in staff_html
    from django.test import Client

    from tests.conftest import login_as

    lead_client = login_as(Client(), lead_user)
    assert "SECRET-THREAT-DETAIL" in lead_client.get(detail(case)).content.decode()


def test_it_refuses_staff_the_approval(staff_client, lead_user):
    case = f.prepared_case(lead_user=lead_user)
    response = staff_client.post(reverse("cases:approve", args=[case.pk]), {"version": 1})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == S.PREPARING


def test_it_lets_the_lead_approve_and_lists_failures_otherwise(lead_client, lead_user, case):
    response = lead_client.post(
        reverse("cases:approve", args=[case.pk]), {"version": case.version}, follow=True
    )
    html = response.content.decode()
    # The one citation requirements.md's "Citations" table gives P-THREAT (issue 15, finding 8).
    assert "Blocked by SOP 2-64-4 B.1.a (P-THREAT)" in html
    assert "(P-SOCIAL)" in html
    ready = f.prepared_case(lead_user=lead_user)
    lead_client.post(reverse("cases:approve", args=[ready.pk]), {"version": ready.version})
    ready.refresh_from_db()
    assert ready.state == S.READY


def test_it_shows_a_lapsed_approval(lead_client, lead_user, staff_user):
    case = f.prepared_case(lead_user=lead_user)
    services.case_approve(case=case, version=case.version, actor=lead_user)
    services.social_services_record(
        case=case,
        version=case.version,
        organization="New Org",
        contact_person="Pat",
        actor=staff_user,
    )
    html = lead_client.get(detail(case)).content.decode()
    assert "The approval lapsed." in html


def test_it_keeps_the_leads_steps_from_staff(staff_client, case):
    for name in ("letter_accept", "no_letter", "juvenile_decision", "approval_queue"):
        args = [] if name == "approval_queue" else [case.pk]
        assert staff_client.post(reverse(f"cases:{name}", args=args), {}).status_code == 403


def test_it_lets_a_manager_read_but_not_write(manager_client, case):
    assert manager_client.get(detail(case)).status_code == 200
    response = manager_client.post(
        reverse("cases:social", args=[case.pk]),
        {"version": case.version, "organization": "X", "contact_person": "Y"},
    )
    assert response.status_code == 403


def test_it_hides_juvenile_cases_from_users_without_the_permission(client, lead_user):
    from tests.conftest import login_as

    case = f.prepared_case(lead_user=lead_user, juvenile=True)
    nobody = f.UserFactory()
    from django.contrib.auth.models import Group

    nobody.groups.add(Group.objects.get(name="VIP Program Manager"))
    nobody.groups.get().permissions.remove(
        *nobody.groups.get().permissions.filter(codename="view_juvenile_records")
    )
    login_as(client, nobody)
    assert client.get(detail(case)).status_code == 404
    assert case.number not in client.get(reverse("cases:list")).content.decode()


def test_it_lists_my_work_without_a_query_per_row(staff_client, staff_user, lead_user):
    # Teams draw on a small roster: each officer's eligibility is checked once per page.
    officer = f.eligible_deliverer()

    def make():
        return f.prepared_case(
            lead_user=lead_user, juvenile=True, assigned_to=staff_user, deliverer=officer
        )

    make()
    with CaptureQueriesContext(connection) as one:
        response = staff_client.get(reverse("cases:my_work"))
    assert response.status_code == 200
    for _ in range(4):
        make()
    with CaptureQueriesContext(connection) as five:
        response = staff_client.get(reverse("cases:my_work"))
    assert response.content.decode().count("P-APPROVE") == 5
    assert len(five.captured_queries) <= len(one.captured_queries) + 2, [
        q["sql"] for q in five.captured_queries
    ]


def test_it_shows_the_lead_the_queue_with_ready_cases_first(lead_client, lead_user, case):
    ready = f.prepared_case(lead_user=lead_user)
    html = lead_client.get(reverse("cases:approval_queue")).content.decode()
    assert html.index(ready.number) < html.index(case.number)
    assert "Ready for your approval" in html


def test_it_drafts_and_previews_a_letter_in_the_candidates_language(staff_client, case):
    case.candidate.preferred_language = "es"
    case.candidate.save()
    f.LetterTemplateFactory(name="Standard", language="en", body="Dear {{ candidate_name }}")
    spanish = f.LetterTemplateFactory(
        name="Estándar", language="es", body="Estimado/a {{ candidate_name }}: {{ penalties }}"
    )
    page = staff_client.get(detail(case)).content.decode()
    assert page.index("Estándar") < page.index("Standard (")
    penalty = f.PenaltyFactory(description_es="Posesión de arma por un delincuente.")
    response = staff_client.post(
        reverse("cases:letter_draft", args=[case.pk]),
        {"version": case.version, "template": spanish.pk, "penalties": [penalty.pk], "body": ""},
    )
    assert response.status_code == 302
    preview = staff_client.get(reverse("cases:letter_preview", args=[case.pk]))
    assert "Estimado/a José Muñoz" in preview.content.decode()
    assert "Posesión de arma" in preview.content.decode()


def test_it_refuses_the_preselected_template_saved_with_no_penalty(staff_client, case):
    """P-LETTER (issue 15, finding 7): the preselected template plus Save made a letter whose
    penalties section was empty."""
    template = f.LetterTemplateFactory()
    f.PenaltyFactory()
    response = staff_client.post(
        reverse("cases:letter_draft", args=[case.pk]),
        {"version": case.version, "template": template.pk, "body": ""},
    )
    assert response.status_code == 400
    assert "(P-LETTER)" in response.content.decode()
    assert not case.letter_versions.exists()


def test_it_prints_the_letter_as_a_pdf_with_accents(staff_client, lead_user, case):
    # P-LETTER (issue 15, finding 7): a letter names at least one penalty, listed where the
    # text says {{ penalties }}.
    template = f.LetterTemplateFactory(
        name="Carta",
        language="es",
        body="Estimado/a {{ candidate_name }}:\n\nSeñor, atención.\n\n{{ penalties }}",
    )
    penalty = f.PenaltyFactory(description_es="Disparar contra una vivienda habitada.")
    letter = services.letter_draft(
        case=case, version=case.version, template=template, penalties=[penalty], actor=lead_user
    )
    response = staff_client.get(reverse("cases:letter_pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "draft" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "José Muñoz" in text and "atención" in text
    assert "DRAFT" in text or "BORRADOR" in text
    services.letter_accept(case=case, version=case.version, letter=letter, actor=lead_user)
    response = staff_client.get(reverse("cases:letter_pdf", args=[case.pk]) + "?download=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "draft" not in response["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "José Muñoz" in text and "DRAFT" not in text


def test_it_answers_404_for_a_case_without_a_letter(staff_client, case):
    assert staff_client.get(reverse("cases:letter_pdf", args=[case.pk])).status_code == 404


def test_it_records_the_juvenile_steps_through_the_forms(staff_user, lead_user):
    from django.test import Client

    from candidates.models import Relationship
    from tests.conftest import login_as

    staff_client = login_as(Client(), staff_user)
    lead_client = login_as(Client(), lead_user)

    case = f.prepared_case(lead_user=lead_user, juvenile=True)
    case.juvenile_decision.delete()
    case.refresh_from_db()
    mother = f.RelationshipFactory(candidate=case.candidate, kind=Relationship.Kind.GUARDIAN)
    response = staff_client.post(
        reverse("cases:guardian_contact", args=[case.pk]),
        {
            "version": case.version,
            "guardian": mother.pk,
            "attempted_on": timezone.localdate().isoformat(),
            "method": "phone",
            "result": "will_attend",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    response = lead_client.post(
        reverse("cases:juvenile_decision", args=[case.pk]),
        {"version": case.version, "decision": "do_not_deliver", "services_status": "In care"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.STOPPED


def test_it_withdraws_with_a_reason(staff_client, case):
    response = staff_client.post(
        reverse("cases:withdraw", args=[case.pk]), {"version": case.version, "reason": "Moved"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.WITHDRAWN


def test_it_renders_the_candidate_snippet(rf, staff_user, case):
    from django.template.loader import render_to_string

    html = render_to_string(
        "deliveries/cases/snippets/candidate_cases.html",
        {"candidate": case.candidate, "user_roles": {"VIP Staff"}},
    )
    assert case.number in html and reverse("cases:detail", args=[case.pk]) in html
    assert reverse("cases:open", args=[case.candidate.pk]) not in html  # one is open
    other = f.EligibleCandidateFactory()
    html = render_to_string(
        "deliveries/cases/snippets/candidate_cases.html",
        {"candidate": other, "user_roles": {"VIP Staff"}},
    )
    assert reverse("cases:open", args=[other.pk]) in html


@pytest.mark.parametrize("number", ["²", "٣", "9" * 30])
def test_it_answers_an_odd_letter_version_number_without_an_error(staff_client, case, number):
    f.LetterVersionFactory(case=case, number=1)
    url = reverse("cases:letter_preview", args=[case.pk])
    response = staff_client.get(url, {"v": number})
    assert response.status_code in (200, 404)
