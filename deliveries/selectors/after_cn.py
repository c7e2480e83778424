"""Outcomes after a CN: involvement in a shooting recorded after the CN date (the measure GVI
programs report). Descriptive only: notified and not-notified people differ in many ways, so
the comparison is not an estimate of what the CN caused.
"""

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate

from candidates.models import EligibilityDetermination, ShootingInvolvement
from candidates.visibility import candidates_visible_to
from deliveries.models import DeliveryAttempt

INVOLVED_ROLES = (ShootingInvolvement.Role.VICTIM, ShootingInvolvement.Role.SUSPECT)


def _first_involvement_after(date_ref, value):
    return Subquery(
        ShootingInvolvement.objects.filter(
            candidate=OuterRef("pk"),
            role__in=INVOLVED_ROLES,
            shooting__occurred_on__gt=OuterRef(date_ref),
        )
        .order_by("shooting__occurred_on", "pk")
        .values(value)[:1]
    )


def _delivered_attempts():
    return DeliveryAttempt.objects.filter(
        case__candidate=OuterRef("pk"), outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES
    )


def notified_candidates(user):
    """Visible candidates who received a CN (delivered, or to an alternate recipient), with
    ``cn_date`` (first delivery), ``next_on`` / ``next_role`` (first involvement after it)."""
    first_cn = (
        _delivered_attempts().order_by("contact_at").annotate(d=TruncDate("contact_at")).values("d")
    )
    return (
        candidates_visible_to(user)
        .filter(Exists(_delivered_attempts()))
        .annotate(cn_date=Subquery(first_cn[:1]))
        .annotate(
            next_on=_first_involvement_after("cn_date", "shooting__occurred_on"),
            next_role=_first_involvement_after("cn_date", "role"),
        )
        .annotate(days_to=F("next_on") - F("cn_date"))
        .order_by("cn_date", "pk")
    )


def identified_not_notified(user):
    """Visible candidates found eligible who never received a CN, with ``identified_on`` (the
    first eligible determination) and the first involvement after it."""
    first_det = (
        EligibilityDetermination.objects.filter(candidate=OuterRef("pk"), eligible=True)
        .order_by("determined_on")
        .values("determined_on")
    )
    return (
        candidates_visible_to(user)
        .filter(determinations__eligible=True)
        .exclude(Exists(_delivered_attempts()))
        .distinct()
        .annotate(identified_on=Subquery(first_det[:1]))
        .annotate(
            next_on=_first_involvement_after("identified_on", "shooting__occurred_on"),
            next_role=_first_involvement_after("identified_on", "role"),
        )
        .annotate(days_to=F("next_on") - F("identified_on"))
    )


def _summary(qs):
    row = qs.order_by().aggregate(
        people=Count("pk", distinct=True),
        involved=Count("pk", distinct=True, filter=Q(next_on__isnull=False)),
        victims=Count("pk", distinct=True, filter=Q(next_role=ShootingInvolvement.Role.VICTIM)),
        suspects=Count("pk", distinct=True, filter=Q(next_role=ShootingInvolvement.Role.SUSPECT)),
        mean_days=Avg("days_to"),
    )
    mean = row.pop("mean_days")
    row["mean_days"] = round(mean.days if hasattr(mean, "days") else mean) if mean else None
    row["percent"] = round(100 * row["involved"] / row["people"]) if row["people"] else None
    return row


def after_cn_summary(user):
    """Two aggregate rows (two queries): notified, and identified but not notified."""
    return {
        "notified": _summary(notified_candidates(user)),
        "not_notified": _summary(identified_not_notified(user)),
    }
