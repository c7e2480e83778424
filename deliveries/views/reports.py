"""Dashboards and reports: thin views over deliveries.selectors (all counting is there).

Every page filters through visibility (the selectors take the user), answers bad input with
an explanation rather than an error, and runs a fixed number of queries.
"""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import IdentificationBasis
from candidates.visibility import juvenile_q, visibility_key
from deliveries.forms.reports import CandidateFilterForm, CaseFilterForm, PeriodForm
from deliveries.models import DeliveryAttempt, ExportRecord
from deliveries.selectors import after_cn, compliance, transparency
from deliveries.selectors import reports as sel
from deliveries.selectors.lists import candidate_list, case_list
from deliveries.views.report_charts import bar_list_chart, trend_chart
from vipcn.freshness import cached_figures
from vipcn.security.records import note_record

PAGE_SIZE = 50
# Attempts and exceptions per page of the compliance audit (its totals cover the period).
AUDIT_PAGE_SIZE = 50
# Cells a spreadsheet would run as a formula (CSV injection): prefixed with a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_response(filename):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # BOM: spreadsheets then read UTF-8 (Spanish names) correctly
    return response


def _cases_link(**params):
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("reports:cases") + ("?" + query if query else "")


def _period_params(start, end):
    return {"start": start.isoformat(), "end": end.isoformat()}


def _period_form(request):
    default_start, default_end = sel.default_period()
    form = PeriodForm(request.GET or None, initial={"start": default_start, "end": default_end})
    if form.is_bound and not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, error)
    return form, *form.period()


# --- dashboard -----------------------------------------------------------------------------


def _dashboard_figures(user, start, end):
    """Everything the dashboard counts: computed once per state of the data (and clock
    step), then re-used by every user who sees the same records (vipcn/freshness.py).

    The key holds the user's visibility only: each selector here depends on the user through
    visible_cases / visible_attempts and nothing else. A figure about the user themself
    ("my cases") would need the user in the key."""

    def compute(as_of):
        pipeline = sel.pipeline(user, as_of=as_of)
        return {
            "pipeline": pipeline,
            "queues": sel.queues(user, now=as_of, open_counts=pipeline["queue_counts"]),
            "outcomes": sel.outcomes(user, start, end),
            "months": sel.monthly_trend(user, start, end),
            "deliverers": sel.deliverer_summary(user, start, end, as_of=as_of),
        }

    return cached_figures("dashboard", compute, key=[visibility_key(user), start, end])


def dashboard(request):
    """The Lead's and the Program Manager's home: the program at a glance."""
    form, start, end = _period_form(request)
    period = _period_params(start, end)
    figures = _dashboard_figures(request.user, start, end)
    pipeline = figures.value["pipeline"]
    for row in pipeline["states"]:
        row["url"] = _cases_link(state=row["state"])
    for row in pipeline["waiting"]:
        row["url"] = _cases_link(waiting=row["rule_id"])

    queues = figures.value["queues"]
    queue_links = {key: _cases_link(queue=key) for key in queues["counts"]}

    outcomes = figures.value["outcomes"]
    for key, param in (
        ("by_outcome", "outcome"),
        ("by_age", "age"),
        ("by_basis", "basis"),
        ("by_referral", "referral"),
    ):
        for row in outcomes[key]:
            row["url"] = _cases_link(**{param: row["key"]}, **period)
    summary = outcomes["summary"]
    summary_rows = [
        (_("Cases with an attempt in the period"), summary["total"], _cases_link(**period)),
        (
            _("Cases with a CN delivered (to the candidate or an alternate recipient)"),
            summary["delivered"],
            _cases_link(delivered="yes", **period),
        ),
        (
            _("Social services delivered their message on scene"),
            summary["social_yes"],
            _cases_link(social="yes", **period),
        ),
        (
            _("Social services did not deliver on scene"),
            summary["social_no"],
            _cases_link(social="no", **period),
        ),
        (
            _("Social services on scene not recorded"),
            summary["social_unrecorded"],
            _cases_link(social="unrecorded", **period),
        ),
        (
            _("Follow-up services accepted"),
            summary["followup_accepted"],
            _cases_link(followup="accepted", **period),
        ),
    ]
    months = figures.value["months"]

    def month_link(month, delivered):
        # With the period too: the first and last months may be cut by the period's bounds.
        return _cases_link(month=month.strftime("%Y-%m"), delivered=delivered, **period)

    for m in months:
        m["delivered_url"] = month_link(m["month"], "yes")
        m["not_delivered_url"] = month_link(m["month"], "no")
    trend = trend_chart(months, month_link)
    mix = bar_list_chart(outcomes["by_outcome"], lambda key: _cases_link(outcome=key, **period))
    deliverers = figures.value["deliverers"]
    return render(
        request,
        "deliveries/reports/dashboard.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "pipeline": pipeline,
            "queues": queues,
            "queue_links": queue_links,
            "outcomes": outcomes,
            "summary_rows": summary_rows,
            "months": months,
            "trend": trend,
            "mix": mix,
            "deliverers": deliverers,
            "figures": figures,
            "delivered_link": _cases_link(delivered="yes", **period),
        },
    )


# --- case list and exports -----------------------------------------------------------------


def _case_filters(request):
    form = CaseFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, (form.cleaned_data if form.is_bound else {})


def case_list_view(request):
    """The cases behind a dashboard figure (filters in the query string)."""
    form, filters = _case_filters(request)
    page = None
    rows = []
    if filters is not None:
        page = Paginator(case_list(request.user, filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        labels = dict(DeliveryAttempt.Outcome.choices)
        rows = [
            {
                "case": case,
                "unmet": sel.unmet_rules(case),
                "outcome_label": labels.get(case.last_outcome, ""),
            }
            for case in page
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliveries/reports/cases.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filters": form.active_filters() if filters is not None else {},
            "query": query.urlencode(),
        },
    )


def cases_export(request):
    """CSV of the case list with the current filters; the export is recorded."""
    form, filters = _case_filters(request)
    if filters is None:
        messages.error(request, _("The filters are not valid; nothing was exported."))
        return redirect(_cases_link())
    cases = case_list(request.user, filters)
    outcome_labels = dict(DeliveryAttempt.Outcome.choices)
    response = _csv_response(f"cases-{timezone.localdate().isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Case number"),
            _("Candidate"),
            _("Juvenile"),
            _("State"),
            _("Opened on"),
            _("Approved at"),
            _("Last attempt"),
            _("Last outcome"),
            _("Waiting for"),
        ]
    )
    count = 0
    for case in cases.iterator(chunk_size=500):
        count += 1
        writer.writerow(
            [
                _cell(case.number),
                _cell(case.candidate.full_name),
                _("Yes") if case.juvenile else _("No"),
                case.get_state_display(),
                case.opened_on.isoformat(),
                timezone.localtime(case.approved_at).isoformat() if case.approved_at else "",
                timezone.localtime(case.last_contact_at).isoformat()
                if case.last_contact_at
                else "",
                outcome_labels.get(case.last_outcome, ""),
                " ".join(sel.unmet_rules(case)),
            ]
        )
    export = ExportRecord.objects.create(
        user=request.user,
        kind=ExportRecord.Kind.CASES,
        filters=form.active_filters() if form.is_bound else {},
        row_count=count,
    )
    note_record(request, "export", export.pk)  # the access log names it
    return response


def candidates_export(request):
    """CSV of the candidate list with the current filters; the export is recorded."""
    form = CandidateFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("The filters are not valid; nothing was exported."))
        return redirect("home")
    filters = form.cleaned_data if form.is_bound else {}
    candidates = (
        candidate_list(request.user, filters)
        .annotate(juvenile=ExpressionWrapper(juvenile_q(), output_field=BooleanField()))
        .prefetch_related(
            Prefetch(
                "bases",
                queryset=IdentificationBasis.objects.filter(withdrawn=False).order_by("code"),
                to_attr="current_bases",
            )
        )
    )
    response = _csv_response(f"candidates-{timezone.localdate().isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Record"),
            _("Last name"),
            _("First name"),
            _("Middle name"),
            _("Date of birth"),
            _("Juvenile"),
            _("Status"),
            _("Identification bases"),
            _("Assigned to"),
        ]
    )
    count = 0
    for c in candidates:
        count += 1
        writer.writerow(
            [
                c.pk,
                _cell(c.last_name),
                _cell(c.first_name),
                _cell(c.middle_name),
                c.date_of_birth.isoformat() if c.date_of_birth else "",
                _("Yes") if c.juvenile else _("No"),
                c.get_status_display(),
                " ".join(sorted({b.code for b in c.current_bases})),
                _cell(c.assigned_to.get_username()) if c.assigned_to_id else "",
            ]
        )
    export = ExportRecord.objects.create(
        user=request.user,
        kind=ExportRecord.Kind.CANDIDATES,
        filters=form.active_filters() if form.is_bound else {},
        row_count=count,
    )
    note_record(request, "export", export.pk)  # the access log names it
    return response


def export_history(request):
    """Who exported what, when, with which filter and how many rows."""
    page = Paginator(
        ExportRecord.objects.select_related("user").order_by("-at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "deliveries/reports/exports.html", {"page": page})


# --- outcomes after a CN -------------------------------------------------------------------


def outcomes_after_cn(request):
    page = Paginator(after_cn.notified_candidates(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deliveries/reports/outcomes.html",
        {"summary": after_cn.after_cn_summary(request.user), "page": page},
    )


# --- compliance audit ----------------------------------------------------------------------


def compliance_view(request):
    """Totals and exceptions over the whole period (computed once per state of the data),
    the attempts a page at a time."""
    form, start, end = _period_form(request)
    user = request.user
    figures = cached_figures(
        "compliance",
        lambda as_of: compliance.audit_summary(user, start, end),
        key=[visibility_key(user), start, end],
        uses_clock=False,  # nothing in the audit is measured from "now"
    )
    audit = figures.value
    rows_page = Paginator(audit["attempt_ids"], AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    exceptions_page = Paginator(audit["exceptions"], AUDIT_PAGE_SIZE).get_page(
        request.GET.get("exceptions_page")
    )
    period = _period_params(start, end)
    return render(
        request,
        "deliveries/reports/compliance.html",
        {
            "form": form,
            "audit": audit,
            "figures": figures,
            "rows": compliance.audit_rows(user, start, end, list(rows_page)),
            "rows_page": rows_page,
            "rows_query": urlencode({**period, "exceptions_page": exceptions_page.number}),
            "exceptions_page": exceptions_page,
            "exceptions_query": urlencode({**period, "page": rows_page.number}),
            "query": urlencode(period),
        },
    )


def _audit_filters(start, end):
    return {"start": start.isoformat(), "end": end.isoformat()}


def compliance_csv(request):
    _form, start, end = _period_form(request)
    audit = compliance.compliance_audit(request.user, start, end)
    response = _csv_response(f"compliance-{start.isoformat()}-{end.isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow(
        [_("Case number"), _("Attempt"), _("Date"), _("Outcome"), _("Juvenile")]
        + list(compliance.RULE_IDS)
    )
    for row in audit["rows"]:
        a = row.attempt
        writer.writerow(
            [
                _cell(a.case.number),
                a.number,
                a.contact_date.isoformat(),
                a.get_outcome_display(),
                _("Yes") if a.juvenile else _("No"),
            ]
            + [str(row.cells[rule_id].label) for rule_id in compliance.RULE_IDS]
        )
    writer.writerow([])
    writer.writerow([_("Totals"), "", "", "", _("met / not met / not applicable")])
    for total in audit["totals"]:
        writer.writerow(
            [total["rule"].id, "", "", "", f"{total['met']} / {total['not_met']} / {total['na']}"]
        )
    export = ExportRecord.objects.create(
        user=request.user,
        kind=ExportRecord.Kind.COMPLIANCE_CSV,
        filters=_audit_filters(start, end),
        row_count=len(audit["rows"]),
    )
    note_record(request, "export", export.pk)  # the access log names it
    return response


def _no_fetch(url, *args, **kwargs):
    """WeasyPrint may fetch nothing: the PDF is built from the template and one local CSS."""
    raise ValueError(f"Refusing to fetch {url!r} while rendering a report.")


def compliance_pdf(request):
    from weasyprint import CSS, HTML

    _form, start, end = _period_form(request)
    audit = compliance.compliance_audit(request.user, start, end)
    html = render_to_string(
        "deliveries/reports/compliance_pdf.html",
        {"audit": audit, "generated_at": timezone.localtime(), "user": request.user},
        request=request,
    )
    stylesheet = CSS(filename=finders.find("deliveries/css/reports-print.css"))
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf(stylesheets=[stylesheet])
    export = ExportRecord.objects.create(
        user=request.user,
        kind=ExportRecord.Kind.COMPLIANCE_PDF,
        filters=_audit_filters(start, end),
        row_count=len(audit["rows"]),
    )
    note_record(request, "export", export.pk)  # the access log names it
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="compliance-{start.isoformat()}-{end.isoformat()}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- public transparency report (POL-TRANSPARENCY) -----------------------------------------


def transparency_view(request):
    form, start, end = _period_form(request)
    report = transparency.transparency_report(request.user, start, end)
    return render(
        request,
        "deliveries/reports/transparency.html",
        {"form": form, "report": report, "query": urlencode(_period_params(start, end))},
    )


def transparency_csv(request):
    _form, start, end = _period_form(request)
    report = transparency.transparency_report(request.user, start, end)
    response = _csv_response(f"vip-cn-report-{start.isoformat()}-{end.isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow([_("Period"), start.isoformat(), end.isoformat()])
    writer.writerow([_("Table"), _("Category"), _("Count")])
    for table in report["tables"]:
        for figure in table["rows"]:
            writer.writerow([table["title"], figure.label, figure.display])
        if table["total"] is not None:
            writer.writerow([table["title"], table["total"].label, table["total"].display])
    return response
