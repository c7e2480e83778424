"""Report pages: who may open them, figures that lead to their cases, exports recorded,
bad input explained, and a fixed number of queries per page."""

import csv
import io
import re

import pytest
from django.urls import reverse

from deliveries import models as dm
from tests import factories as f
from tests.conftest import login_as

pytestmark = pytest.mark.django_db
OUTCOME = dm.DeliveryAttempt.Outcome

OVERSIGHT_PAGES = [
    "reports:dashboard",
    "reports:cases",
    "reports:cases_export",
    "reports:exports",
    "reports:outcomes",
    "reports:compliance",
    "reports:compliance_csv",
    "reports:compliance_pdf",
    "reports:transparency",
    "reports:transparency_csv",
]


@pytest.mark.parametrize("name", OVERSIGHT_PAGES)
def test_it_opens_report_pages_to_the_lead_and_manager_only(
    name, client, staff_user, lead_user, manager_user
):
    url = reverse(name)
    login_as(client, staff_user)
    assert client.get(url).status_code == 403
    for user in (lead_user, manager_user):
        login_as(client, user)
        assert client.get(url).status_code == 200, user


def test_it_opens_the_candidate_export_to_case_readers(client, staff_user, admin_user):
    login_as(client, staff_user)
    assert client.get(reverse("reports:candidates_export")).status_code == 200
    login_as(client, admin_user)
    assert client.get(reverse("reports:candidates_export")).status_code == 403


def test_it_sends_the_lead_and_manager_home_to_the_dashboard(client, lead_user, manager_user):
    for user in (lead_user, manager_user):
        login_as(client, user)
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:dashboard")


def test_it_keeps_the_staff_home(staff_client):
    assert staff_client.get("/").status_code == 200


def _links(html, pattern):
    return re.findall(r'href="(/reports/cases/\?[^"]*' + pattern + r'[^"]*)">(\d+)<', html)


def test_it_links_every_outcome_figure_to_exactly_its_cases(lead_client):
    for _ in range(3):
        f.ReportAttemptFactory(outcome=OUTCOME.DELIVERED)
    f.ReportAttemptFactory(outcome=OUTCOME.NOT_LOCATED)
    f.ReportAttemptFactory(
        case=f.CaseFactory(state="attempted", candidate=f.JuvenileCandidateFactory()),
        outcome=OUTCOME.ENDED_BY_CANDIDATE,
    )
    f.report_prepared_case()
    html = lead_client.get(reverse("reports:dashboard")).content.decode()
    links = re.findall(r'href="(/reports/cases/\?[^"]*)">(\d+)</a>', html)
    assert len(links) > 20
    checked = 0
    for url, figure in links:
        page = lead_client.get(url.replace("&amp;", "&"))
        assert page.status_code == 200, url
        assert page.context["page"].paginator.count == int(figure), url
        checked += int(figure) > 0
    assert checked >= 8


def test_the_dashboard_charts_are_accessible_svg(lead_client):
    f.ReportAttemptFactory()
    html = lead_client.get(reverse("reports:dashboard")).content.decode()
    # A labelled group, not role="img": the bars are links (axe: nested-interactive).
    assert html.count('role="group" aria-labelledby="trend-title') == 1
    assert html.count('role="img"') == 0
    assert '<title id="trend-title">' in html and '<desc id="mix-desc">' in html
    assert "style=" not in html and "<script>" not in html


def test_the_case_list_respects_visibility(lead_client):
    visible = f.CaseFactory()
    sealed = f.CaseFactory(candidate=f.CandidateFactory(sealed=True))
    response = lead_client.get(reverse("reports:cases"))
    numbers = {row["case"].number for row in response.context["rows"]}
    assert visible.number in numbers and sealed.number not in numbers


def test_the_case_list_explains_bad_filters(lead_client):
    response = lead_client.get(reverse("reports:cases"), {"state": "nonsense", "month": "2026-13"})
    assert response.status_code == 200
    assert b"The filters are not valid" in response.content


def test_the_dashboard_explains_a_reversed_period(lead_client):
    response = lead_client.get(
        reverse("reports:dashboard"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert response.status_code == 200
    assert b"The start of the period is after its end" in response.content


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_exports_the_filtered_case_list_and_records_it(lead_client, lead_user):
    # Ready = approved by the Lead (a case merely marked "ready" without an approval of its
    # facts lapses back to preparation at once, deliveries.approval).
    ready = f.ReadyCaseFactory()
    f.CaseFactory(state="preparing")
    f.ReadyCaseFactory(candidate=f.EligibleCandidateFactory(sealed=True))
    response = lead_client.get(reverse("reports:cases_export"), {"state": "ready"})
    rows = _csv(response)
    assert response["Content-Type"].startswith("text/csv")
    assert [r[0] for r in rows[1:]] == [ready.number]
    record = dm.ExportRecord.objects.get()
    assert (record.user, record.kind, record.filters, record.row_count) == (
        lead_user,
        "cases",
        {"state": "ready"},
        1,
    )


def test_it_exports_the_candidate_list_and_records_it(staff_client, staff_user):
    shown = f.CandidateFactory(last_name="=HYPERLINK(1)", status="eligible")
    f.CandidateFactory(status="identified")
    f.CandidateFactory(status="eligible", sealed=True)
    f.BasisFactory(candidate=shown)
    rows = _csv(staff_client.get(reverse("reports:candidates_export"), {"status": "eligible"}))
    assert len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(1)"  # never a live formula in a spreadsheet
    assert rows[1][7] == "ID-1"
    record = dm.ExportRecord.objects.get()
    assert (record.user, record.kind, record.row_count) == (staff_user, "candidates", 1)


def test_an_invalid_export_filter_exports_nothing(lead_client):
    response = lead_client.get(reverse("reports:cases_export"), {"state": "bogus"})
    assert response.status_code == 302
    assert not dm.ExportRecord.objects.exists()


def test_export_records_are_append_only(lead_user):
    record = dm.ExportRecord.objects.create(user=lead_user, kind="cases", row_count=1)
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()


def test_it_prints_the_compliance_audit_as_pdf(lead_client):
    attempt = f.report_compliant_attempt()
    response = lead_client.get(reverse("reports:compliance_pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert dm.ExportRecord.objects.get().kind == "compliance_pdf"
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert "SOP 2-64 compliance audit" in text and "A-RMS" in text
    assert attempt.case.number in text


def test_it_exports_the_compliance_audit_as_csv(lead_client):
    attempt = f.report_compliant_attempt()
    dm.AfterAction.objects.filter(attempt=attempt).update(cad_number=None)
    f.judge(attempt)  # the audit reads the cells the rules store for each attempt
    rows = _csv(lead_client.get(reverse("reports:compliance_csv")))
    header = rows[0]
    row = rows[1]
    assert row[0] == attempt.case.number
    assert row[header.index("A-CAD")] == "not met"
    assert row[header.index("A-RMS")] == "met"
    assert row[header.index("J-GUARDIAN")] == "not applicable"


def test_the_compliance_page_lists_exceptions(lead_client):
    attempt = f.report_compliant_attempt()
    dm.AfterAction.objects.filter(attempt=attempt).update(ecc_outcome_advised_at=None)
    f.judge(attempt)  # the audit reads the cells the rules store for each attempt
    html = lead_client.get(reverse("reports:compliance")).content.decode()
    # The rule's own refusal, with its citation (the audit no longer keeps its own texts).
    assert (
        "Blocked by SOP 2-64-4 D.1 (A-ECC): record when the ECC was advised of the outcome" in html
    )


def test_the_public_report_suppresses_and_names_no_one(manager_client):
    attempts = [
        f.ReportAttemptFactory(
            case__candidate__last_name=f"Zyxwq{i}", address=f"{100 + i} Quorvian Lane"
        )
        for i in range(6)
    ]
    f.ReportAttemptFactory(outcome=OUTCOME.NOT_LOCATED)
    response = manager_client.get(reverse("reports:transparency"))
    html = response.content.decode()
    assert "fewer than 5" in html
    for a in attempts:
        assert a.case.number not in html
        assert a.case.candidate.last_name not in html
        assert a.address not in html
    rows = _csv(manager_client.get(reverse("reports:transparency_csv")))
    assert [
        "Custom Notification attempts by outcome",
        "Candidate not located",
        "fewer than 5",
    ] in rows


def test_the_outcomes_page_is_labelled_descriptive(lead_client):
    f.ReportAttemptFactory()
    html = lead_client.get(reverse("reports:outcomes")).content.decode()
    assert "not a causal estimate" in html


def _volume(n):
    for _ in range(n):
        f.report_compliant_attempt()
        f.report_prepared_case(juvenile=True)
        f.CaseFactory(state="ready")
        f.ReportAttemptFactory(outcome=OUTCOME.NOT_LOCATED)


@pytest.mark.parametrize(
    "name",
    [
        "reports:dashboard",
        "reports:cases",
        "reports:compliance",
        "reports:transparency",
        "reports:outcomes",
        "reports:cases_export",
    ],
)
def test_each_page_runs_a_fixed_number_of_queries(name, client, lead_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(client, lead_user)
    counts = []
    for size in (1, 6):
        _volume(size if not counts else size - 1)
        # The session records when it was last seen every 15 s (vipcn.security.middleware):
        # a request elsewhere first, so that building the volume slowly does not add that
        # write to one of the counted requests (nor warm the page's own cached figures).
        client.get("/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_charts_keep_svg_numbers_in_any_language(lead_client, settings):
    f.ReportAttemptFactory()
    f.ReportAttemptFactory(outcome=OUTCOME.NOT_LOCATED)
    lead_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = lead_client.get(reverse("reports:dashboard"))
    assert response.headers["Content-Language"] == "es"
    html = response.content.decode()
    numbers = re.findall(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"', html)
    assert numbers
    for value in (v for rect in numbers for v in rect):
        assert re.fullmatch(r"\d+(\.\d+)?", value), value


def test_figures_match_their_cases_for_a_period_cut_mid_month(lead_client):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    early = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time(9)))
    f.ReportAttemptFactory(contact_at=early)
    f.ReportAttemptFactory(contact_at=timezone.now() - datetime.timedelta(hours=1))
    # The period starts today: the attempt on the 1st of the month is outside it (unless today
    # is the 1st), while a month filter alone would include it.
    html = lead_client.get(
        reverse("reports:dashboard"), {"start": today.isoformat(), "end": today.isoformat()}
    ).content.decode()
    for url, figure in re.findall(r'href="(/reports/cases/\?[^"]*month=[^"]*)">(\d+)</a>', html):
        page = lead_client.get(url.replace("&amp;", "&"))
        assert page.context["page"].paginator.count == int(figure), url
