"""The Lead's dashboard: pipeline, queues, outcomes over a period, deliverers (DLV-CMD).

Every figure about what a case waits for reads the one list of rules (deliveries.policy:
``CASE_RULES``' database forms, the after-action rules', deliveries.overdue), so a figure, the
list it links to, the case page's checklist and the gates agree. Every function takes the user,
so that what is counted is what the user may see, and runs a fixed number of queries
(tests/deliveries/test_selectors_reports.py asserts them).
"""

import datetime

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from candidates.models import IdentificationBasis
from deliveries import overdue
from deliveries.models import CNCase, DeliveryAttempt, FollowUp, Personnel
from deliveries.policy.delivery import AFTER_ACTION_RULES
from deliveries.policy.personnel import annotate_deliverer_states, command_level_share
from deliveries.policy.preparation import (
    PREPARATION_RULES,
    RULES_BY_ID,
    ready_for_approval_q,
    unmet_q,
)
from deliveries.policy.subjects import case_juvenile_q
from deliveries.selectors.common import (
    attempts_with_age,
    contact_between,
    end_of_day,
    visible_attempts,
    visible_cases,
)
from vipcn.policy import RULES

S = CNCase.State
OUTCOME = DeliveryAttempt.Outcome

# What an open case can be waiting for, in the order of its life: the preparation rules, the
# approval, the delivery, then its unconfirmed attempt's after-action.
PREPARATION_RULE_IDS = tuple(r.id for r in PREPARATION_RULES)
AFTER_ACTION_RULE_IDS = tuple(r.id for r in AFTER_ACTION_RULES)
WAITING_RULE_IDS = (
    *PREPARATION_RULE_IDS,
    "P-APPROVE",
    "C-DELIVER",
    *AFTER_ACTION_RULE_IDS,
    "A-RMS",
)
JUVENILE_QUEUE_RULES = ("J-JPO", "J-GUARDIAN")


def _now(as_of):
    return as_of or timezone.now()


def waiting_for_q(rule_id, as_of=None):
    """Q over cases: open and waiting for ``rule_id`` (as of ``as_of``, default now)."""
    as_of = _now(as_of)
    if rule_id == "P-APPROVE":
        return ready_for_approval_q(as_of)
    if rule_id == "C-DELIVER":
        return Q(state=S.READY)
    if rule_id == "A-RMS":
        return Q(state=S.ATTEMPTED)
    if rule_id in AFTER_ACTION_RULE_IDS:
        rule = next(r for r in AFTER_ACTION_RULES if r.id == rule_id)
        pending = DeliveryAttempt.objects.filter(overdue.awaiting_q(), case=OuterRef("pk"))
        return Q(state=S.ATTEMPTED) & Q(Exists(pending.filter(~rule.holds_q(as_of))))
    return Q(state=S.PREPARING) & unmet_q(RULES_BY_ID[rule_id], as_of)


def awaiting_approval_q(as_of=None):
    return waiting_for_q("P-APPROVE", as_of)


def juvenile_waiting_q(as_of=None):
    """Q over cases: a juvenile's case in preparation waiting on the JPO or the guardian."""
    q = Q()
    for rule_id in JUVENILE_QUEUE_RULES:
        q |= waiting_for_q(rule_id, as_of)
    return q


def _slug(rule_id):
    return "waiting_" + rule_id.replace("-", "_").lower()


def annotate_waiting(qs, as_of=None):
    """Cases annotated with one boolean per rule they may wait for (``waiting_<id>``) and
    ``juvenile`` (the case's safeguards), for ``unmet_rules``."""
    as_of = _now(as_of)
    flags = {
        _slug(rule_id): ExpressionWrapper(
            waiting_for_q(rule_id, as_of), output_field=BooleanField()
        )
        for rule_id in WAITING_RULE_IDS
    }
    return qs.annotate(
        juvenile=ExpressionWrapper(case_juvenile_q(), output_field=BooleanField()), **flags
    )


def unmet_rules(case):
    """Rule IDs an open case waits for, from ``annotate_waiting``'s fields."""
    return [rule_id for rule_id in WAITING_RULE_IDS if getattr(case, _slug(rule_id))]


def awaiting_after_action_q():
    """Q over attempts: awaiting the Lead's confirmation (deliveries.overdue)."""
    return overdue.awaiting_q()


def overdue_q(now=None):
    return overdue.overdue_q(now)


# --- pipeline ------------------------------------------------------------------------------


def pipeline(user, *, as_of=None):
    """Open cases by state, how many wait for each rule, and the three queue counts over open
    cases (``queue_counts``, for ``queues``). One query: a single pass over the open cases."""
    as_of = _now(as_of)
    counts = (
        visible_cases(user)
        .filter(state__in=CNCase.OPEN_STATES)
        .aggregate(
            **{
                f"state:{state}": Count("pk", filter=Q(state=state)) for state in CNCase.OPEN_STATES
            },
            **{
                rule_id: Count("pk", filter=waiting_for_q(rule_id, as_of))
                for rule_id in WAITING_RULE_IDS
            },
            juvenile=Count("pk", filter=juvenile_waiting_q(as_of)),
        )
    )
    states = [
        {"state": state, "label": S(state).label, "count": counts[f"state:{state}"]}
        for state in CNCase.OPEN_STATES
    ]
    return {
        "states": states,
        "waiting": [
            {
                "rule_id": r,
                "label": RULES[r].label,
                "count": counts[r],
            }
            for r in WAITING_RULE_IDS
        ],
        # The same definitions as queues' own count (P-APPROVE's and C-DELIVER's).
        "queue_counts": {
            "approval": counts["P-APPROVE"],
            "ready": counts["C-DELIVER"],
            "juvenile": counts["juvenile"],
        },
    }


def waiting_cases(user, *, limit=25, as_of=None):
    """The oldest open cases with what each waits for (one query)."""
    qs = (
        annotate_waiting(visible_cases(user).filter(state__in=CNCase.OPEN_STATES), as_of)
        .select_related("candidate")
        .order_by("opened_on", "pk")[:limit]
    )
    return [{"case": case, "unmet": unmet_rules(case)} for case in qs]


# --- queues --------------------------------------------------------------------------------


def queues(user, *, now=None, limit=10, open_counts=None):
    """The work waiting on someone: five queues, each a count and its oldest items.

    Queries: one count aggregate over cases (none when ``open_counts``, pipeline's
    ``queue_counts`` for the same user and moment, is given), one over attempts, then one per
    queue list.
    """
    now = _now(now)
    counts = (
        dict(open_counts)
        if open_counts is not None
        else visible_cases(user)
        .filter(state__in=CNCase.OPEN_STATES)
        .aggregate(
            approval=Count("pk", filter=awaiting_approval_q(now)),
            ready=Count("pk", filter=Q(state=S.READY)),
            juvenile=Count("pk", filter=juvenile_waiting_q(now)),
        )
    )
    cases = visible_cases(user)
    attempts = visible_attempts(user)
    counts.update(
        attempts.aggregate(
            after_action=Count("pk", filter=overdue.awaiting_q()),
            overdue=Count("pk", filter=overdue.overdue_q(now)),
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
        attempts.filter(overdue.awaiting_q())
        .select_related("case__candidate", "after_action", "created_by")
        .defer("created_by__password")  # the list is cached (vipcn/freshness.py)
        .order_by("contact_at", "pk")[:limit]
    )
    for attempt in after_action:
        attempt.age_hours = int((now - attempt.contact_at).total_seconds() // 3600)
        attempt.overdue = overdue.is_overdue(attempt, now)
    juvenile = (
        annotate_waiting(cases.filter(juvenile_waiting_q(now)), now)
        .select_related("candidate")
        .order_by("opened_on", "pk")[:limit]
    )
    return {
        "counts": counts,
        "approval": list(
            cases.filter(awaiting_approval_q(now))
            .select_related("candidate")
            .order_by("opened_on", "pk")[:limit]
        ),
        "ready": ready,
        "after_action": after_action,
        "juvenile": [
            {"case": case, "unmet": [r for r in unmet_rules(case) if r in JUVENILE_QUEUE_RULES]}
            for case in juvenile
        ],
        "overdue_hours": overdue.hours(),
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


def deliverer_summary(user, start, end, *, as_of=None):
    """The roster at a glance (the DLV rules' own answers now, as on the roster page) and the
    command-level share of deliveries in the period. Three queries."""
    as_of = _now(as_of)
    roster = list(
        annotate_deliverer_states(
            Personnel.objects.filter(is_active=True).select_related("rank"), as_of
        ).order_by("last_name", "first_name", "pk")
    )
    with_command, delivered = command_level_share(attempts_in_period(user, start, end))
    return {
        "active": len(roster),
        "sworn": sum(1 for p in roster if p.dlv_sworn),
        "trained": sum(1 for p in roster if p.dlv_trained),
        "eligible": sum(1 for p in roster if p.dlv_eligible),
        "command_level": sum(1 for p in roster if p.rank_id and p.rank.is_command_level),
        "command_share": {
            "with_command": with_command,
            "delivered": delivered,
            "percent": round(100 * with_command / delivered) if delivered else None,
        },
    }


__all__ = [
    "WAITING_RULE_IDS",
    "annotate_waiting",
    "attempts_in_period",
    "awaiting_after_action_q",
    "awaiting_approval_q",
    "default_period",
    "deliverer_summary",
    "end_of_day",
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
