"""SOP compliance audit: one row per delivery attempt, one column per rule ID.

Each cell is computed from the records (never typed in): met, not met, or not applicable, with
a short reason when not met. Three queries whatever the number of attempts: the attempts with
their case records, the deliverers present, and those deliverers' DLV-* dates.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from candidates.models import Relationship
from deliveries.models import (
    AttemptTeamMember,
    CaseTransition,
    CNCase,
    DeliveryAttempt,
    LetterVersion,
)
from deliveries.policy.delivery import message_reached
from deliveries.selectors.common import (
    DELIVERING_ROLES,
    attempts_with_age,
    contact_between,
    personnel_with_eligibility_dates,
    rule_states_on,
    visible_attempts,
)

MET, NOT_MET, NA = "met", "not_met", "na"
STATUS_LABELS = {MET: _("met"), NOT_MET: _("not met"), NA: _("not applicable")}


@dataclass(frozen=True)
class AuditRule:
    id: str
    sop: str
    label: str


# The columns, in the order of a delivery: preparation, the deliverers, contact, after-action.
RULES = (
    AuditRule("P-THREAT", "2-64-4 B.1", _("Threat assessment completed before the attempt")),
    AuditRule("P-BACKGROUND", "2-64-4 B.2", _("Background check completed before the attempt")),
    AuditRule("P-LETTER", "2-64-4 B.3", _("Letter accepted, or why none is warranted")),
    AuditRule("P-SOCIAL", "2-64-4 B.5", _("Social services component on the plan")),
    AuditRule("J-JPO", "2-64-5 B.1.d", _("Juvenile Probation Office contacted")),
    AuditRule("J-DECIDE", "2-64-5 B.1.e", _("Decision to deliver recorded")),
    AuditRule("P-APPROVE", "2-64-4 B", _("Approved by the Lead before the attempt")),
    AuditRule("DLV-SWORN", "2-64-6 A", _("Every deliverer sworn")),
    AuditRule("DLV-TRAIN", "2-64-6 A.1", _("Every deliverer trained by the attempt date")),
    AuditRule("DLV-ACCOMP", "2-64-6 A.2", _("Every deliverer had accompanied the Lead")),
    AuditRule("C-ECC", "2-64-4 C.1", _("ECC advised before contact")),
    AuditRule("C-DELIVER", "2-64-4 C.2", _("Message delivered, accepted letter presented")),
    AuditRule("C-ALT", "2-64-4 C.5", _("Alternate recipient and reason recorded")),
    AuditRule("C-LEAVE", "2-64-4 C.4", _("Team left at once when the candidate ended it")),
    AuditRule("C-SOCIAL", "2-64-4 C.3", _("Social services on scene recorded")),
    AuditRule("J-GUARDIAN", "2-64-5 B.1.f", _("Parent or guardian present (juvenile)")),
    AuditRule("C-GUARD", "2-64-5 C", _("Guardian present named with relationship")),
    AuditRule("A-ECC", "2-64-4 D.1", _("ECC advised of the outcome")),
    AuditRule("A-CAD", "2-64-4 D.2", _("CAD report number recorded")),
    AuditRule("A-RMS", "2-64-4 D.3", _("Lead confirmed the record")),
)
RULE_IDS = tuple(r.id for r in RULES)


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
        return [(rule, self.cells[rule.id]) for rule in RULES]

    @property
    def exceptions(self):
        return [(rule, cell) for rule, cell in self.ordered_cells() if cell.status == NOT_MET]


def _met(ok, note):
    """``note`` is lazy (gettext_lazy): translated only for a cell that is not met. Translating
    every cell's note eagerly was a third of the audit's time at a few hundred attempts."""
    return Cell(MET) if ok else Cell(NOT_MET, str(note))


def _one_to_one(obj, name):
    """A reverse one-to-one that may be missing (select_related caches the absence)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def audit_queryset(user, start, end):
    approved_before = CaseTransition.objects.filter(
        case=OuterRef("case_id"), to_state=CNCase.State.READY, at__lte=OuterRef("contact_at")
    )
    accepted = LetterVersion.objects.filter(
        case=OuterRef("case_id"), accepted_at__isnull=False
    ).order_by("-accepted_at")
    deliverers = AttemptTeamMember.objects.filter(
        role__in=DELIVERING_ROLES, personnel__isnull=False
    ).order_by("pk")
    return (
        attempts_with_age(visible_attempts(user))
        .filter(contact_between(start, end))
        .select_related(
            "case__candidate",
            "case__threat_assessment",
            "case__background_check",
            "case__social_services",
            "case__jpo_check",
            "case__juvenile_decision",
            "after_action",
            "guardian_present",
            "alternate_recipient",
        )
        .annotate(
            approved_before=Exists(approved_before),
            accepted_letter_id=Subquery(accepted.values("pk")[:1]),
            accepted_letter_at=Subquery(accepted.values("accepted_at")[:1]),
        )
        .prefetch_related(Prefetch("team", queryset=deliverers, to_attr="deliverers"))
        .order_by("contact_at", "pk")
    )


def _preparation_cells(a, case, day):
    cells = {}
    threat = _one_to_one(case, "threat_assessment")
    cells["P-THREAT"] = _met(
        threat is not None and threat.completed_on <= day,
        _("No threat assessment completed on or before the attempt date."),
    )
    background = _one_to_one(case, "background_check")
    cells["P-BACKGROUND"] = _met(
        background is not None and background.completed_on <= day,
        _("No background check completed on or before the attempt date."),
    )
    letter_ok = bool(case.no_letter_reason.strip()) or (
        a.accepted_letter_at is not None and a.accepted_letter_at <= a.contact_at
    )
    cells["P-LETTER"] = _met(
        letter_ok,
        _("No letter accepted before the attempt and no reason recorded why none."),
    )
    cells["P-SOCIAL"] = _met(
        _one_to_one(case, "social_services") is not None,
        _("No social services component on the delivery plan."),
    )
    if a.juvenile:
        jpo = _one_to_one(case, "jpo_check")
        cells["J-JPO"] = _met(
            jpo is not None and jpo.contacted_on <= day,
            _("No Juvenile Probation Office contact recorded before the attempt."),
        )
        decision = _one_to_one(case, "juvenile_decision")
        cells["J-DECIDE"] = _met(
            decision is not None and decision.decision == "deliver" and decision.decided_on <= day,
            _("No decision to deliver recorded before the attempt."),
        )
    else:
        cells["J-JPO"] = cells["J-DECIDE"] = Cell(NA)
    cells["P-APPROVE"] = _met(
        a.approved_before, _("The case had not been approved by the Lead before the attempt.")
    )
    return cells


def _deliverer_cells(a, day, people):
    present = [people[m.personnel_id] for m in a.deliverers if m.personnel_id in people]
    if not present:
        note = gettext("No deliverer recorded as present.")
        return {rule: Cell(NOT_MET, note) for rule in ("DLV-SWORN", "DLV-TRAIN", "DLV-ACCOMP")}
    cells = {}
    for rule in ("DLV-SWORN", "DLV-TRAIN", "DLV-ACCOMP"):
        failing = [p.full_name for p in present if not rule_states_on(p, day)[rule]]
        cells[rule] = (
            Cell(NOT_MET, _("Not met by: %(names)s") % {"names": ", ".join(failing)})
            if failing
            else Cell(MET)
        )
    return cells


def _contact_cells(a, case):
    outcome = DeliveryAttempt.Outcome
    delivered = a.outcome in DeliveryAttempt.DELIVERED_OUTCOMES
    cells = {}
    ecc_ok = (
        a.ecc_advised_at is not None
        and a.ecc_advised_at <= a.contact_at
        and a.ecc_told_location
        and a.ecc_told_team
        and a.ecc_told_identity
    )
    cells["C-ECC"] = _met(
        ecc_ok,
        _(
            "The ECC was not advised before contact of the location, the team and the "
            "candidate's identity."
        ),
    )
    # The same applicability as deliveries.policy.delivery (Delivered, SocialServices).
    if delivered:
        letter_ok = a.accepted_letter_id is None or a.letter_presented_id == a.accepted_letter_id
        cells["C-DELIVER"] = _met(
            a.message_delivered and letter_ok,
            _("The message is not recorded as delivered with the accepted letter."),
        )
    else:
        cells["C-DELIVER"] = Cell(NA)
    if a.outcome == outcome.ALTERNATE:
        cells["C-ALT"] = _met(
            a.alternate_recipient_id is not None and bool(a.alternate_reason.strip()),
            _("The alternate recipient or the reason is not recorded."),
        )
    else:
        cells["C-ALT"] = Cell(NA)
    if a.outcome == outcome.ENDED_BY_CANDIDATE:
        cells["C-LEAVE"] = _met(
            a.team_left_immediately,
            _("The team is not recorded as leaving at once."),
        )
    else:
        cells["C-LEAVE"] = Cell(NA)
    if a.outcome in DeliveryAttempt.CONTACT_OUTCOMES:
        social_ok = a.social_services_delivered is True or (
            a.social_services_delivered is False and bool(a.social_services_reason.strip())
        )
        cells["C-SOCIAL"] = _met(
            social_ok,
            _("Whether social services delivered their message (and why not) is missing."),
        )
    else:
        cells["C-SOCIAL"] = Cell(NA)
    if a.juvenile and message_reached(a):
        guardian = a.guardian_present
        cells["J-GUARDIAN"] = _met(
            guardian is not None,
            _("No parent or guardian recorded as present."),
        )
        cells["C-GUARD"] = _met(
            guardian is not None
            and guardian.candidate_id == case.candidate_id
            and guardian.kind in Relationship.PARENT_OR_GUARDIAN_KINDS
            and bool(guardian.name.strip()),
            _("The person present is not recorded as the juvenile's parent or guardian."),
        )
    else:
        cells["J-GUARDIAN"] = cells["C-GUARD"] = Cell(NA)
    return cells


def _after_action_cells(a):
    after = _one_to_one(a, "after_action")
    return {
        "A-ECC": _met(
            after is not None and after.ecc_outcome_advised_at is not None,
            _("The ECC is not recorded as advised of the outcome."),
        ),
        "A-CAD": _met(
            after is not None and bool((after.cad_number or "").strip()),
            _("No CAD report number recorded."),
        ),
        "A-RMS": _met(
            after is not None and after.confirmed_at is not None,
            _("The Lead has not confirmed the after-action."),
        ),
    }


def _audit_rows(attempts):
    attempts = list(attempts)
    person_ids = {m.personnel_id for a in attempts for m in a.deliverers}
    people = {p.pk: p for p in personnel_with_eligibility_dates().filter(pk__in=person_ids)}
    rows = []
    for a in attempts:
        case = a.case
        day = a.contact_date
        cells = {}
        cells.update(_preparation_cells(a, case, day))
        cells.update(_deliverer_cells(a, day, people))
        cells.update(_contact_cells(a, case))
        cells.update(_after_action_cells(a))
        rows.append(AuditRow(attempt=a, cells=cells))
    return rows


def compliance_audit(user, start, end):
    """The audit over attempts whose contact date is in [start, end], visible to the user."""
    rows = _audit_rows(audit_queryset(user, start, end))
    totals = []
    for rule in RULES:
        counts = {MET: 0, NOT_MET: 0, NA: 0}
        for row in rows:
            counts[row.cells[rule.id].status] += 1
        totals.append({"rule": rule, **counts})
    exceptions = [
        {"attempt": row.attempt, "rule": rule, "note": cell.note}
        for row in rows
        for rule, cell in row.exceptions
    ]
    return {
        "start": start,
        "end": end,
        "rules": RULES,
        "rows": rows,
        "totals": totals,
        "exceptions": exceptions,
    }


def audit_summary(user, start, end):
    """The audit's totals and exceptions over the whole period, and the attempts in order,
    as plain values (the page caches them and shows the attempts a page at a time)."""
    audit = compliance_audit(user, start, end)
    return {
        "start": start,
        "end": end,
        "rules": RULES,
        "totals": audit["totals"],
        "exceptions": [
            {
                "case_number": e["attempt"].case.number,
                "attempt_number": e["attempt"].number,
                "date": e["attempt"].contact_date,
                "rule": e["rule"],
                "note": e["note"],
            }
            for e in audit["exceptions"]
        ],
        "attempt_ids": [row.attempt.pk for row in audit["rows"]],
    }


def audit_rows(user, start, end, attempt_ids):
    """The audit rows of the attempts ``attempt_ids`` (one page), in the audit's order."""
    return _audit_rows(audit_queryset(user, start, end).filter(pk__in=attempt_ids))
