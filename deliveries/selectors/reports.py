"""The Lead's dashboard: pipeline, queues, outcomes over a period, deliverers (DLV-CMD).

Every function takes the user, so that what is counted is what the user may see, and runs a
fixed number of queries (tests/deliveries/test_selectors_reports.py asserts them).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from candidates.models import IdentificationBasis
from deliveries.models import (
    AfterAction,
    BackgroundCheck,
    CNCase,
    DeliveryAttempt,
    FollowUp,
    JPOCheck,
    JuvenileDecision,
    LetterVersion,
    SocialServicesPlan,
    TeamAssignment,
    ThreatAssessment,
)
from deliveries.policy.personnel import command_level_share
from deliveries.selectors.common import (
    attempts_with_age,
    contact_between,
    eligible_now_q,
    juvenile_expression,
    personnel_with_eligibility_dates,
    visible_attempts,
    visible_cases,
)

S = CNCase.State
OUTCOME = DeliveryAttempt.Outcome


@dataclass(frozen=True)
class PrepCheck:
    """One preparation rule a case in preparation may still be waiting for."""

    rule_id: str
    field: str  # boolean annotation: the rule holds
    juvenile_only: bool = False


# The preparation rules, in the order of the SOP (2-64-4 B, 2-64-5 B). P-APPROVE is last:
# a case is waiting for it only when everything before it holds.
PREP_CHECKS = (
    PrepCheck("P-THREAT", "has_threat"),
    PrepCheck("P-BACKGROUND", "has_background"),
    PrepCheck("P-LETTER", "has_letter"),
    PrepCheck("P-TEAM", "has_deliverer"),
    PrepCheck("P-SOCIAL", "has_social"),
    PrepCheck("J-JPO", "has_jpo", juvenile_only=True),
    PrepCheck("J-DECIDE", "has_decision", juvenile_only=True),
    PrepCheck("J-GUARDIAN", "has_guardian", juvenile_only=True),
)
# After approval a case waits for the delivery (C-DELIVER), then for the after-action of its
# unconfirmed attempt: the ECC told of the outcome, the CAD number, the Lead's confirmation.
AFTER_ACTION_CHECKS = (
    ("A-ECC", "aa_ecc_missing"),
    ("A-CAD", "aa_cad_missing"),
)
WAITING_RULE_IDS = tuple(c.rule_id for c in PREP_CHECKS) + (
    "P-APPROVE",
    "C-DELIVER",
    "A-ECC",
    "A-CAD",
    "A-RMS",
)


def preparation_expressions(today=None):
    """One boolean expression per preparation rule (the rule holds), and ``juvenile`` today."""
    today = today or timezone.localdate()
    case = OuterRef("pk")
    return {
        "juvenile": juvenile_expression(on_date=Value(today)),
        "has_threat": Exists(ThreatAssessment.objects.filter(case=case)),
        "has_background": Exists(BackgroundCheck.objects.filter(case=case)),
        "has_letter": Q(Exists(LetterVersion.objects.filter(case=case, accepted_at__isnull=False)))
        | ~Q(no_letter_reason=""),
        "has_deliverer": Exists(
            TeamAssignment.objects.filter(
                case=case,
                role__in=(TeamAssignment.Role.DELIVERER, TeamAssignment.Role.LEAD),
            )
        ),
        "has_social": Exists(SocialServicesPlan.objects.filter(case=case)),
        "has_jpo": Exists(JPOCheck.objects.filter(case=case)),
        "has_decision": Exists(JuvenileDecision.objects.filter(case=case)),
        "has_guardian": Q(planned_guardian__isnull=False),
        **_after_action_expressions(),
    }


def _after_action_expressions():
    """For a case at after-action: is an unconfirmed attempt missing the ECC outcome call, or
    the CAD number? (A-RMS, the confirmation, is missing by definition while it waits.)"""
    confirmed = AfterAction.objects.filter(attempt=OuterRef("pk"), confirmed_at__isnull=False)
    pending = DeliveryAttempt.objects.filter(case=OuterRef("pk")).filter(~Exists(confirmed))
    ecc = AfterAction.objects.filter(attempt=OuterRef("pk"), ecc_outcome_advised_at__isnull=False)
    cad = AfterAction.objects.filter(attempt=OuterRef("pk"), cad_number__gt="")
    return {
        "aa_ecc_missing": Exists(pending.filter(~Exists(ecc))),
        "aa_cad_missing": Exists(pending.filter(~Exists(cad))),
    }


def annotate_preparation(qs, today=None):
    """Cases annotated with one boolean per preparation rule and ``juvenile`` (today)."""
    return qs.annotate(**preparation_expressions(today))


def unmet_rules(case):
    """Rule IDs an open case waits for, from ``annotate_preparation``'s fields."""
    if case.state == S.READY:
        return ["C-DELIVER"]
    if case.state == S.ATTEMPTED:
        return [rule for rule, field in AFTER_ACTION_CHECKS if getattr(case, field)] + ["A-RMS"]
    if case.state != S.PREPARING:
        return []
    unmet = [
        c.rule_id
        for c in PREP_CHECKS
        if (case.juvenile or not c.juvenile_only) and not getattr(case, c.field)
    ]
    return unmet or ["P-APPROVE"]


def _holds(field, exprs):
    """Q "the rule behind ``field`` holds": on the annotation, or on the expression itself
    (aggregates must use the expressions: Django drops annotations it thinks unused when it
    wraps an aggregate in a subquery)."""
    return Q(**{field: True}) if exprs is None else Q(exprs[field])


def _unmet_q(check, exprs=None):
    q = Q(state=S.PREPARING) & ~_holds(check.field, exprs)
    if check.juvenile_only:
        q &= _holds("juvenile", exprs)
    return q


def waiting_for_q(rule_id, exprs=None):
    """Q over cases: open and waiting for ``rule_id``."""
    if rule_id == "P-APPROVE":
        return awaiting_approval_q(exprs)
    if rule_id == "C-DELIVER":
        return Q(state=S.READY)
    if rule_id == "A-RMS":
        return Q(state=S.ATTEMPTED)
    for after_rule, field in AFTER_ACTION_CHECKS:
        if rule_id == after_rule:
            missing = Q(**{field: True}) if exprs is None else Q(exprs[field])
            return Q(state=S.ATTEMPTED) & missing
    check = next(c for c in PREP_CHECKS if c.rule_id == rule_id)
    return _unmet_q(check, exprs)


def awaiting_approval_q(exprs=None):
    q = Q(state=S.PREPARING)
    for check in PREP_CHECKS:
        q &= ~_unmet_q(check, exprs)
    return q


def juvenile_waiting_q(exprs=None):
    return (
        Q(state=S.PREPARING)
        & _holds("juvenile", exprs)
        & (~_holds("has_jpo", exprs) | ~_holds("has_guardian", exprs))
    )


def overdue_cutoff(now=None):
    now = now or timezone.now()
    return now - datetime.timedelta(hours=settings.VIPCN["AFTER_ACTION_OVERDUE_HOURS"])


def awaiting_after_action_q():
    """Q over attempts: the case is at after-action and the Lead has not confirmed it."""
    confirmed = AfterAction.objects.filter(attempt=OuterRef("pk"), confirmed_at__isnull=False)
    return Q(case__state=S.ATTEMPTED) & ~Q(Exists(confirmed))


def overdue_q(now=None):
    return awaiting_after_action_q() & Q(contact_at__lt=overdue_cutoff(now))


# --- pipeline ------------------------------------------------------------------------------


def pipeline(user, *, today=None):
    """Open cases by state, for cases in preparation how many wait for each rule, and the
    three queue counts over open cases (``queue_counts``, for ``queues``).

    One query: a single pass over the open cases counts them all.
    """
    exprs = preparation_expressions(today)
    counts = (
        visible_cases(user)
        .filter(state__in=CNCase.OPEN_STATES)
        .aggregate(
            **{
                f"state:{state}": Count("pk", filter=Q(state=state)) for state in CNCase.OPEN_STATES
            },
            **{
                rule_id: Count("pk", filter=waiting_for_q(rule_id, exprs))
                for rule_id in WAITING_RULE_IDS
            },
            juvenile=Count("pk", filter=juvenile_waiting_q(exprs)),
        )
    )
    states = [
        {"state": state, "label": S(state).label, "count": counts[f"state:{state}"]}
        for state in CNCase.OPEN_STATES
    ]
    return {
        "states": states,
        "waiting": [{"rule_id": r, "count": counts[r]} for r in WAITING_RULE_IDS],
        # The same definitions as queues' own count (awaiting_approval_q is P-APPROVE's,
        # READY is C-DELIVER's).
        "queue_counts": {
            "approval": counts["P-APPROVE"],
            "ready": counts["C-DELIVER"],
            "juvenile": counts["juvenile"],
        },
    }


def waiting_cases(user, *, limit=25, today=None):
    """The oldest open cases with what each waits for (one query)."""
    qs = (
        annotate_preparation(visible_cases(user).filter(state__in=CNCase.OPEN_STATES), today)
        .select_related("candidate")
        .order_by("opened_on", "pk")[:limit]
    )
    return [{"case": case, "unmet": unmet_rules(case)} for case in qs]


# --- queues --------------------------------------------------------------------------------


def queues(user, *, now=None, limit=10, open_counts=None):
    """The work waiting on someone: five queues, each a count and its oldest items.

    Queries: one count aggregate over cases (none when ``open_counts``, pipeline's
    ``queue_counts`` for the same user and day, is given), one over attempts, then one per
    queue list.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    exprs = preparation_expressions(today)
    # Every queue counted here is of open cases: restricting to them first lets PostgreSQL
    # use the partial index on open cases instead of testing every case ever opened.
    counts = (
        dict(open_counts)
        if open_counts is not None
        else visible_cases(user)
        .filter(state__in=CNCase.OPEN_STATES)
        .aggregate(
            approval=Count("pk", filter=awaiting_approval_q(exprs)),
            ready=Count("pk", filter=Q(state=S.READY)),
            juvenile=Count("pk", filter=juvenile_waiting_q(exprs)),
        )
    )
    cases = annotate_preparation(visible_cases(user), today)
    attempts = visible_attempts(user)
    counts.update(
        attempts.aggregate(
            after_action=Count("pk", filter=awaiting_after_action_q()),
            overdue=Count("pk", filter=overdue_q(now)),
        )
    )
    ready = list(
        cases.filter(state=S.READY)
        .select_related("candidate")
        .order_by("approved_at", "pk")[:limit]
    )
    for case in ready:
        case.age_days = (now - case.approved_at).days if case.approved_at else None
    after_action = list(
        attempts.filter(awaiting_after_action_q())
        .select_related("case__candidate", "after_action", "created_by")
        .defer("created_by__password")  # the list is cached (vipcn/freshness.py)
        .order_by("contact_at", "pk")[:limit]
    )
    cutoff = overdue_cutoff(now)
    for attempt in after_action:
        attempt.age_hours = int((now - attempt.contact_at).total_seconds() // 3600)
        attempt.overdue = attempt.contact_at < cutoff
    return {
        "counts": counts,
        "approval": list(
            cases.filter(awaiting_approval_q())
            .select_related("candidate")
            .order_by("opened_on", "pk")[:limit]
        ),
        "ready": ready,
        "after_action": after_action,
        "juvenile": [
            {"case": case, "unmet": [r for r in unmet_rules(case) if r in ("J-JPO", "J-GUARDIAN")]}
            for case in cases.filter(juvenile_waiting_q())
            .select_related("candidate")
            .order_by("opened_on", "pk")[:limit]
        ],
        "overdue_hours": settings.VIPCN["AFTER_ACTION_OVERDUE_HOURS"],
    }


# --- outcomes ------------------------------------------------------------------------------


def default_period(today=None):
    """The last twelve months, from the first day of the month eleven months ago to today."""
    today = today or timezone.localdate()
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return datetime.date(year, month, 1), today


def attempts_in_period(user, start, end):
    """Visible attempts whose contact date falls in [start, end], with ``juvenile``."""
    return attempts_with_age(visible_attempts(user)).filter(contact_between(start, end))


def outcomes(user, start, end):
    """Cases with an attempt in the period, counted by the attempt's features.

    Counts are of distinct cases so that each figure is exactly the length of the case list it
    links to (a case with two attempts of one outcome counts once there). Five queries.
    """
    attempts = attempts_in_period(user, start, end)
    case_ids = attempts.values("case_id")
    by_outcome = dict(
        attempts.values_list("outcome").annotate(n=Count("case", distinct=True)).order_by()
    )
    by_age = dict(
        attempts.values_list("juvenile").annotate(n=Count("case", distinct=True)).order_by()
    )
    summary = attempts.aggregate(
        total=Count("case", distinct=True),
        delivered=Count(
            "case", distinct=True, filter=Q(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
        ),
        social_yes=Count(
            "case",
            distinct=True,
            filter=Q(
                outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES, social_services_delivered=True
            ),
        ),
        social_no=Count(
            "case",
            distinct=True,
            filter=Q(
                outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES, social_services_delivered=False
            ),
        ),
        social_unrecorded=Count(
            "case",
            distinct=True,
            filter=Q(
                outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES,
                social_services_delivered__isnull=True,
            ),
        ),
        followup_accepted=Count(
            "case",
            distinct=True,
            filter=Q(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
            & Q(Exists(FollowUp.objects.filter(case=OuterRef("case"), response="accepted"))),
        ),
    )
    bases = IdentificationBasis.objects.filter(withdrawn=False, candidate__cases__in=case_ids)
    by_basis = dict(
        bases.values_list("code").annotate(n=Count("candidate__cases", distinct=True)).order_by()
    )
    by_referral = dict(
        bases.filter(code=IdentificationBasis.Code.REFERRAL)
        .exclude(referral_source="")
        .values_list("referral_source")
        .annotate(n=Count("candidate__cases", distinct=True))
        .order_by()
    )
    return {
        "start": start,
        "end": end,
        "summary": summary,
        "by_outcome": [
            {"key": value, "label": label, "count": by_outcome.get(value, 0)}
            for value, label in OUTCOME.choices
        ],
        "by_age": [
            {"key": "adult", "label": _label("adult"), "count": by_age.get(False, 0)},
            {"key": "juvenile", "label": _label("juvenile"), "count": by_age.get(True, 0)},
        ],
        "by_basis": [
            {"key": value, "label": label, "count": by_basis.get(value, 0)}
            for value, label in IdentificationBasis.Code.choices
        ],
        "by_referral": [
            {"key": value, "label": label, "count": by_referral.get(value, 0)}
            for value, label in IdentificationBasis.ReferralSource.choices
        ],
    }


def _label(key):
    labels = {
        "adult": gettext("Adult (18 or older)"),
        "juvenile": gettext("Juvenile (17 or younger)"),
    }
    return labels[key]


def monthly_trend(user, start, end):
    """Per month in the period: cases with a delivered CN, cases with attempts not delivered.

    One query; months without attempts are filled with zeros.
    """
    rows = (
        attempts_in_period(user, start, end)
        .annotate(month=TruncMonth("contact_at"))
        .values("month")
        .annotate(
            delivered=Count(
                "case", distinct=True, filter=Q(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
            ),
            not_delivered=Count(
                "case", distinct=True, filter=~Q(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
            ),
        )
        .order_by("month")
    )
    found = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        found[(month.year, month.month)] = row
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        row = found.get((year, month), {})
        months.append(
            {
                "month": datetime.date(year, month, 1),
                "delivered": row.get("delivered", 0),
                "not_delivered": row.get("not_delivered", 0),
            }
        )
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return months


# --- deliverers (DLV-*, DLV-CMD) -----------------------------------------------------------


def deliverer_summary(user, start, end, *, today=None):
    """The roster at a glance and the command-level share of deliveries in the period.

    Three queries: the roster (annotated with the DLV-* dates) and command_level_share's two.
    """
    today = today or timezone.localdate()
    roster = list(
        personnel_with_eligibility_dates()
        .filter(is_active=True)
        .select_related("rank")
        .annotate(
            eligible=eligible_now_q(today),
        )
        .order_by("last_name", "first_name", "pk")
    )
    with_command, delivered = command_level_share(attempts_in_period(user, start, end))
    return {
        "active": len(roster),
        "sworn": sum(1 for p in roster if p.is_sworn),
        "trained": sum(
            1 for p in roster if p.first_trained_on is not None and p.first_trained_on <= today
        ),
        "eligible": sum(1 for p in roster if p.eligible),
        "command_level": sum(1 for p in roster if p.rank_id and p.rank.is_command_level),
        "command_share": {
            "with_command": with_command,
            "delivered": delivered,
            "percent": round(100 * with_command / delivered) if delivered else None,
        },
    }


__all__ = [
    "PREP_CHECKS",
    "WAITING_RULE_IDS",
    "annotate_preparation",
    "attempts_in_period",
    "awaiting_after_action_q",
    "awaiting_approval_q",
    "default_period",
    "deliverer_summary",
    "juvenile_waiting_q",
    "monthly_trend",
    "outcomes",
    "overdue_q",
    "pipeline",
    "queues",
    "unmet_rules",
    "waiting_cases",
    "waiting_for_q",
]
