"""The case and candidate lists behind the report figures and the CSV exports.

``case_list`` applies the same definitions as the dashboard's figures (reports.py), so that a
figure and the list it links to always agree. Everything goes through visibility.
"""

import datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from candidates.models import IdentificationBasis
from candidates.visibility import candidates_visible_to, juvenile_q
from deliveries.models import DeliveryAttempt, FollowUp
from deliveries.selectors.common import (
    attempts_with_age,
    contact_between,
    contact_on_or_after,
    contact_on_or_before,
    visible_attempts,
    visible_cases,
)
from deliveries.selectors.reports import (
    annotate_waiting,
    awaiting_after_action_q,
    awaiting_approval_q,
    juvenile_waiting_q,
    overdue_q,
    waiting_for_q,
)

DELIVERED = DeliveryAttempt.DELIVERED_OUTCOMES


def _matching_attempts(user, f):
    """Attempts matching the attempt-level filters, or None when none is in use."""
    used = any(
        f.get(k)
        for k in ("start", "end", "month", "outcome", "delivered", "age", "social", "followup")
    )
    if not used:
        return None
    attempts = attempts_with_age(visible_attempts(user))
    if f.get("start"):
        attempts = attempts.filter(contact_on_or_after(f["start"]))
    if f.get("end"):
        attempts = attempts.filter(contact_on_or_before(f["end"]))
    if f.get("month"):
        month = f["month"]
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        last_day = following - datetime.timedelta(days=1)
        attempts = attempts.filter(contact_between(month, last_day))
    if f.get("outcome"):
        attempts = attempts.filter(outcome=f["outcome"])
    if f.get("delivered") == "yes":
        attempts = attempts.filter(outcome__in=DELIVERED)
    elif f.get("delivered") == "no":
        attempts = attempts.exclude(outcome__in=DELIVERED)
    if f.get("age"):
        attempts = attempts.filter(juvenile=f["age"] == "juvenile")
    if f.get("social"):
        attempts = attempts.filter(outcome__in=DELIVERED)
        if f["social"] == "unrecorded":
            attempts = attempts.filter(social_services_delivered__isnull=True)
        else:
            attempts = attempts.filter(social_services_delivered=f["social"] == "yes")
    if f.get("followup") == "accepted":
        accepted = FollowUp.objects.filter(case=OuterRef("case"), response="accepted")
        attempts = attempts.filter(Exists(accepted), outcome__in=DELIVERED)
    return attempts


def case_list(user, f, *, now=None):
    """Visible cases matching the cleaned filters ``f`` (CaseFilterForm), annotated with the
    preparation checks and the latest attempt, newest first."""
    now = now or timezone.now()
    cases = annotate_waiting(visible_cases(user), now)
    if f.get("number"):
        cases = cases.filter(number__icontains=f["number"])
    if f.get("state"):
        cases = cases.filter(state=f["state"])
    if f.get("waiting"):
        cases = cases.filter(waiting_for_q(f["waiting"], now))
    queue = f.get("queue")
    if queue == "approval":
        cases = cases.filter(awaiting_approval_q(now))
    elif queue == "ready":
        cases = cases.filter(state="ready")
    elif queue == "juvenile":
        cases = cases.filter(juvenile_waiting_q(now))
    elif queue == "after_action":
        cases = cases.filter(
            pk__in=visible_attempts(user).filter(awaiting_after_action_q()).values("case_id")
        )
    elif queue == "overdue":
        cases = cases.filter(pk__in=visible_attempts(user).filter(overdue_q(now)).values("case_id"))
    attempts = _matching_attempts(user, f)
    if attempts is not None:
        cases = cases.filter(pk__in=attempts.values("case_id"))
    if f.get("basis"):
        cases = cases.filter(
            Exists(
                IdentificationBasis.objects.filter(
                    candidate=OuterRef("candidate_id"), code=f["basis"], withdrawn=False
                )
            )
        )
    if f.get("referral"):
        cases = cases.filter(
            Exists(
                IdentificationBasis.objects.filter(
                    candidate=OuterRef("candidate_id"),
                    code=IdentificationBasis.Code.REFERRAL,
                    referral_source=f["referral"],
                    withdrawn=False,
                )
            )
        )
    latest = DeliveryAttempt.objects.filter(case=OuterRef("pk")).order_by("-contact_at", "-pk")
    return (
        cases.select_related("candidate", "assigned_to")
        .annotate(
            last_contact_at=Subquery(latest.values("contact_at")[:1]),
            last_outcome=Subquery(latest.values("outcome")[:1]),
        )
        .order_by("-opened_on", "-pk")
    )


def candidate_list(user, f):
    """Visible candidates matching the cleaned filters ``f`` (CandidateFilterForm)."""
    candidates = candidates_visible_to(user)
    if f.get("q"):
        for word in f["q"].split():
            candidates = candidates.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(search_text__icontains=word)
            )
    if f.get("status"):
        candidates = candidates.filter(status=f["status"])
    if f.get("basis"):
        candidates = candidates.filter(
            Exists(
                IdentificationBasis.objects.filter(
                    candidate=OuterRef("pk"), code=f["basis"], withdrawn=False
                )
            )
        )
    if f.get("juvenile") == "yes":
        candidates = candidates.filter(juvenile_q())
    elif f.get("juvenile") == "no":
        candidates = candidates.exclude(juvenile_q())
    if f.get("mine"):
        candidates = candidates.filter(assigned_to=user)
    return candidates.select_related("assigned_to").order_by("last_name", "first_name", "pk")
