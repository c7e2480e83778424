"""SOP compliance audit: one row per delivery attempt, one column per rule ID.

Every cell is the rules' own judgement of the attempt as of its contact time (deliveries.checks,
written by the services with the attempt from the one list of rules), never typed in and never
re-derived here: met, not met (with why, and the Lead's explanation for an exception), or not
applicable. The totals are one aggregate over those cells.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries.checks import COLUMNS
from deliveries.models import AttemptCheck, DeliveryAttempt
from deliveries.selectors.common import attempts_with_age, contact_between, visible_attempts
from vipcn.policy import RULES as REGISTRY

Status = AttemptCheck.Status
MET, NOT_MET, NA = Status.MET, Status.NOT_MET, Status.NA
STATUS_LABELS = {MET: _("met"), NOT_MET: _("not met"), NA: _("not applicable")}
RULE_IDS = COLUMNS


def audit_rules():
    """The columns: the rule objects themselves (ID, citation, label)."""
    return [REGISTRY[rule_id] for rule_id in COLUMNS]


@dataclass
class Cell:
    status: str
    note: str = ""

    @property
    def label(self):
        return STATUS_LABELS[self.status]


@dataclass
class AuditRow:
    attempt: DeliveryAttempt
    cells: dict = field(default_factory=dict)

    def ordered_cells(self):
        return [(rule, self.cells[rule.id]) for rule in audit_rules()]

    @property
    def exceptions(self):
        return [(rule, cell) for rule, cell in self.ordered_cells() if cell.status == NOT_MET]


def audit_queryset(user, start, end):
    return (
        attempts_with_age(visible_attempts(user))
        .filter(contact_between(start, end))
        .select_related("case__candidate")
        .prefetch_related(Prefetch("checks", to_attr="stored_checks"))
        .order_by("contact_at", "pk")
    )


def _row(attempt):
    stored = {c.rule_id: Cell(c.status, c.note) for c in attempt.stored_checks}
    return AuditRow(
        attempt=attempt,
        cells={rule_id: stored.get(rule_id, Cell(NA)) for rule_id in COLUMNS},
    )


def _totals(attempts):
    counts = dict.fromkeys(COLUMNS)
    for rule_id in COLUMNS:
        counts[rule_id] = {MET: 0, NOT_MET: 0, NA: 0}
    rows = (
        AttemptCheck.objects.filter(attempt__in=attempts.values("pk"), rule_id__in=COLUMNS)
        .values_list("rule_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for rule_id, status, n in rows:
        counts[rule_id][status] = n
    return [{"rule": REGISTRY[rule_id], **counts[rule_id]} for rule_id in COLUMNS]


def compliance_audit(user, start, end):
    """The audit over attempts whose contact date is in [start, end], visible to the user."""
    attempts = audit_queryset(user, start, end)
    rows = [_row(a) for a in attempts]
    exceptions = [
        {"attempt": row.attempt, "rule": rule, "note": cell.note}
        for row in rows
        for rule, cell in row.exceptions
    ]
    return {
        "start": start,
        "end": end,
        "rules": audit_rules(),
        "rows": rows,
        "totals": _totals(visible_attempts(user).filter(contact_between(start, end))),
        "exceptions": exceptions,
    }


def audit_summary(user, start, end):
    """The audit's totals and exceptions over the whole period, and the attempts in order,
    as plain values (the page caches them and shows the attempts a page at a time)."""
    attempts = visible_attempts(user).filter(contact_between(start, end))
    not_met = (
        AttemptCheck.objects.filter(attempt__in=attempts.values("pk"), status=NOT_MET)
        .select_related("attempt__case")
        .order_by("attempt__contact_at", "attempt__pk", "rule_id")
    )
    order = {rule_id: i for i, rule_id in enumerate(COLUMNS)}
    ordered = sorted(
        (c for c in not_met if c.rule_id in order),
        key=lambda c: (c.attempt.contact_at, c.attempt.pk, order[c.rule_id]),
    )
    exceptions = [
        {
            "case_number": c.attempt.case.number,
            "attempt_number": c.attempt.number,
            "date": timezone.localdate(c.attempt.contact_at),
            "rule": REGISTRY[c.rule_id],
            "note": c.note,
        }
        for c in ordered
    ]
    return {
        "start": start,
        "end": end,
        "rules": audit_rules(),
        "totals": _totals(attempts),
        "exceptions": exceptions,
        "attempt_ids": list(attempts.order_by("contact_at", "pk").values_list("pk", flat=True)),
    }


def audit_rows(user, start, end, attempt_ids):
    """The audit rows of the attempts ``attempt_ids`` (one page), in the audit's order."""
    return [_row(a) for a in audit_queryset(user, start, end).filter(pk__in=attempt_ids)]
