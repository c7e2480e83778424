"""The public transparency report (POL-TRANSPARENCY): aggregate counts only.

No names, dates of birth, addresses or case numbers ever reach this module's output: it
returns labels and counts. Small counts are suppressed:

* primary: every count below ``THRESHOLD`` is shown as "fewer than 5";
* complementary: in a table whose total is published, if the suppressed cells could be
  recovered from the total (one suppressed cell, or suppressed cells summing to less than the
  threshold), the next smallest cells are suppressed too, until they cannot.
"""

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Value, When
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from candidates.juvenile import AgeYears
from candidates.models import IdentificationBasis
from deliveries.models import DeliveryAttempt, Personnel, TrainingAttendance
from deliveries.policy.personnel import annotate_deliverer_states
from deliveries.policy.transparency import THRESHOLD, Transparency
from deliveries.selectors.common import end_of_day
from deliveries.selectors.reports import attempts_in_period

AGE_GROUPS = (
    # J-AGE as the application reads it: 17 or younger when identified or at the attempt.
    ("under_18", _("Juvenile (17 or younger when identified or at the attempt)")),
    ("18_24", _("18 to 24")),
    ("25_34", _("25 to 34")),
    ("35_plus", _("35 or older")),
    ("unknown", _("Not recorded")),
)


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    suppressed: bool

    @property
    def display(self):
        return suppressed_text() if self.suppressed else str(self.count)


def suppressed_text():
    return gettext("fewer than 5")


def suppress(counts, *, with_total):
    """Which of ``counts`` (a list of ints) to suppress, and whether to suppress the total.

    Returns (set of suppressed indexes, total suppressed?).
    """
    hidden = {i for i, n in enumerate(counts) if n < THRESHOLD}
    total = sum(counts)
    if not with_total:
        return hidden, False
    if total < THRESHOLD:
        return set(range(len(counts))), True

    def recoverable():
        # With the total published, the hidden cells' sum is known; a single hidden cell is
        # then known exactly, and a hidden sum below the threshold narrows them too far.
        if not hidden:
            return False
        return len(hidden) == 1 or sum(counts[i] for i in hidden) < THRESHOLD

    while recoverable():
        shown = [i for i in range(len(counts)) if i not in hidden]
        if not shown:
            return set(range(len(counts))), True
        hidden.add(min(shown, key=lambda i: (counts[i], i)))
    return hidden, False


def table(title, rows, *, with_total, note=""):
    """A published table: rows of (label, count) with suppression applied."""
    counts = [n for _label, n in rows]
    hidden, total_hidden = suppress(counts, with_total=with_total)
    figures = [Figure(str(label), n, i in hidden) for i, (label, n) in enumerate(rows)]
    total = None
    if with_total:
        total = Figure(gettext("Total"), sum(counts), total_hidden)
    published = {"title": str(title), "rows": figures, "total": total, "note": str(note)}
    Transparency().validate(published)
    return published


def transparency_report(user, start, end):
    """Tables for the period (attempts whose contact date is in [start, end]). Eight queries."""
    attempts = attempts_in_period(user, start, end)
    by_outcome = dict(attempts.values_list("outcome").annotate(n=Count("pk")).order_by())
    groups = _age_groups(attempts)
    delivered = attempts.filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
    bases = IdentificationBasis.objects.filter(
        withdrawn=False, candidate__cases__attempts__in=delivered.values("pk")
    )
    by_basis = dict(
        bases.values_list("code")
        .annotate(n=Count("candidate__cases__attempts", distinct=True))
        .order_by()
    )
    by_referral = dict(
        bases.filter(code=IdentificationBasis.Code.REFERRAL)
        .exclude(referral_source="")
        .values_list("referral_source")
        .annotate(n=Count("candidate__cases__attempts", distinct=True))
        .order_by()
    )
    sworn = Personnel.objects.filter(is_active=True, is_sworn=True).count()
    eligible = (
        annotate_deliverer_states(Personnel.objects.all(), end_of_day(end))
        .filter(dlv_eligible=True)
        .count()
    )
    trainings = TrainingAttendance.objects.filter(
        attended_on__gte=start, attended_on__lte=end
    ).aggregate(sessions=Count("pk"), people=Count("personnel", distinct=True))

    outcome_rows = [
        (label, by_outcome.get(value, 0)) for value, label in DeliveryAttempt.Outcome.choices
    ]
    return {
        "start": start,
        "end": end,
        "tables": [
            table(_("Custom Notification attempts by outcome"), outcome_rows, with_total=True),
            table(
                _("Custom Notification attempts by age group on the day of the attempt"),
                [(label, groups.get(key, 0)) for key, label in AGE_GROUPS],
                with_total=True,
            ),
            table(
                _("Delivered Custom Notifications by identification basis"),
                [(label, by_basis.get(value, 0)) for value, label in _basis_labels()],
                with_total=False,
                note=_("A person may be identified on more than one basis, so no total."),
            ),
            table(
                _("Delivered Custom Notifications referred, by referral source"),
                [
                    (label, by_referral.get(value, 0))
                    for value, label in IdentificationBasis.ReferralSource.choices
                ],
                with_total=False,
            ),
            table(
                _("Officers and training"),
                [
                    (_("Active sworn personnel on the roster"), sworn),
                    (_("Officers eligible to deliver at the end of the period"), eligible),
                    (_("Training attendances in the period"), trainings["sessions"]),
                    (_("Officers who attended a training in the period"), trainings["people"]),
                ],
                with_total=False,
            ),
        ],
    }


def _age_groups(attempts):
    age = AgeYears(F("contact_date"), F("case__candidate__date_of_birth"))
    return dict(
        attempts.annotate(age_years=age)
        .annotate(
            age_group=Case(
                When(case__candidate__date_of_birth__isnull=True, then=Value("unknown")),
                When(juvenile=True, then=Value("under_18")),
                When(age_years__lte=24, then=Value("18_24")),
                When(age_years__lte=34, then=Value("25_34")),
                default=Value("35_plus"),
                output_field=CharField(),
            )
        )
        .values_list("age_group")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _basis_labels():
    # Public labels: the code and a plain description, without the internal "ID-" prefix text.
    return [
        (IdentificationBasis.Code.VICTIM, pgettext("basis", "Victim of a shooting")),
        (
            IdentificationBasis.Code.ASSOCIATE,
            pgettext("basis", "Associate of someone involved in a shooting"),
        ),
        (
            IdentificationBasis.Code.INFLUENCER,
            pgettext("basis", "Influencer of someone involved in a shooting"),
        ),
        (IdentificationBasis.Code.DRIVER, pgettext("basis", "Driver of gun violence")),
        (
            IdentificationBasis.Code.GVIS,
            pgettext("basis", "Identified in a gun violence information-sharing review"),
        ),
        (IdentificationBasis.Code.REFERRAL, pgettext("basis", "Referred by an allowed source")),
    ]
