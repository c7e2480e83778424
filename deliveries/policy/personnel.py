"""Who may deliver a CN (SOP 2-64-6): DLV-SWORN, DLV-TRAIN, DLV-ACCOMP (and DLV-CMD, reported).

One question, one place: ``deliverer_states(person, on_date)`` answers "may this person deliver
on that date, and if not, what is missing?". The team and attempt steps use it (through
``check_deliverer`` / ``check_accompanying``). ``annotate_deliverer_states`` answers the same
question for a whole queryset in one SQL query (the roster); both are built from the same
querysets below, and a test holds them to the same answer.

Readings taken here (beyond ../shared/sop/requirements.md):

- Dates are inclusive: a training attended, or an accompaniment made, on the day of the
  delivery counts for that day; anything later does not.
- An accompaniment from a recorded delivery counts when the attempt met someone (delivered,
  delivered to an alternate recipient, or ended by the candidate: the officer saw a CN
  encounter with the Lead), the Lead confirmed its after-action (A-RMS: "recorded"), and
  another person was on that attempt's team as VIP Law Enforcement Lead.
- DLV-ACTIVE (2-64-6 A, "any sworn personnel"): personnel no longer active cannot be assigned.
- The Lead's designation meets DLV-ACCOMP only from the recorded designation date on.
"""

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from deliveries.models import (
    AttemptTeamMember,
    DeliveryAttempt,
    ManualAccompaniment,
    TrainingAttendance,
)
from vipcn.policy import Rule, check, evaluate

# Outcomes in which the team met the candidate or someone for them: a CN delivery was made.
ACCOMPANIMENT_OUTCOMES = (
    DeliveryAttempt.Outcome.DELIVERED,
    DeliveryAttempt.Outcome.ALTERNATE,
    DeliveryAttempt.Outcome.ENDED_BY_CANDIDATE,
)
# Roles in which a person delivers a CN (the accompanying officer does not, yet).
DELIVERING_ROLES = (AttemptTeamMember.Role.DELIVERER, AttemptTeamMember.Role.LEAD)


class Subject:
    """A person and the date of the delivery in question."""

    def __init__(self, person, on_date):
        self.person = person
        self.on_date = on_date

    def known(self, name):
        """The rule's answer read for this person and date by ``load_deliverer_states`` (one
        query for a whole team or page), or None: the rule then queries for itself."""
        if getattr(self.person, "dlv_on_date", None) == self.on_date:
            return getattr(self.person, name)
        return None


# --- The records each rule counts, as querysets not yet narrowed to one person. -----------


def trainings_by(on_date):
    """Training attendances that count on ``on_date`` (DLV-TRAIN): attended on or before it."""
    return TrainingAttendance.objects.filter(attended_on__lte=on_date)


def recorded_accompaniments_by(on_date):
    """Attempt team rows that count as accompanying the Lead on ``on_date`` (DLV-ACCOMP)."""
    lead_present = AttemptTeamMember.objects.filter(
        attempt=OuterRef("attempt"),
        role=AttemptTeamMember.Role.LEAD,
        personnel__isnull=False,
    ).exclude(personnel=OuterRef("personnel"))
    return AttemptTeamMember.objects.filter(
        Exists(lead_present),
        role=AttemptTeamMember.Role.ACCOMPANYING,
        attempt__contact_at__date__lte=on_date,
        attempt__outcome__in=ACCOMPANIMENT_OUTCOMES,
        attempt__after_action__confirmed_at__isnull=False,
    )


def confirmed_manual_accompaniments_by(on_date):
    """Hand-entered accompaniments that count on ``on_date``: confirmed by a Lead."""
    return ManualAccompaniment.objects.filter(
        accompanied_on__lte=on_date, confirmed_at__isnull=False
    )


def lead_designation_q(on_date, prefix=""):
    """Q for personnel designated as VIP Law Enforcement Lead on or before ``on_date``."""
    # The explicit IS NOT NULL keeps the SQL answer False, never NULL, for an undated Lead.
    return Q(
        **{
            f"{prefix}is_vip_lead": True,
            f"{prefix}lead_designated_on__isnull": False,
            f"{prefix}lead_designated_on__lte": on_date,
        }
    )


def is_designated_lead(person, on_date):
    return bool(
        person.is_vip_lead
        and person.lead_designated_on is not None
        and person.lead_designated_on <= on_date
    )


def accompaniments(person, on_date):
    """(recorded, hand-entered) accompaniments of the Lead by ``person`` on or before on_date."""
    return (
        recorded_accompaniments_by(on_date).filter(personnel=person),
        confirmed_manual_accompaniments_by(on_date).filter(personnel=person),
    )


# --- The rules. ------------------------------------------------------------------------------


class Active(Rule):
    id, sop = "DLV-ACTIVE", "2-64-6 A"

    def validate(self, subject):
        if not subject.person.is_active:
            raise self.fail(
                _("%(name)s is not active personnel and cannot be assigned to a CN."),
                name=subject.person.full_name,
            )

    def help_text(self):
        return _("The person is active personnel.")


class Sworn(Rule):
    id, sop = "DLV-SWORN", "2-64-6 A"

    def validate(self, subject):
        if not subject.person.is_sworn:
            raise self.fail(
                _("%(name)s is not sworn personnel; only sworn personnel may deliver a CN."),
                name=subject.person.full_name,
            )

    def help_text(self):
        return _("The person is sworn personnel.")


class Trained(Rule):
    id, sop = "DLV-TRAIN", "2-64-6 A.1"

    def validate(self, subject):
        trained = subject.known("dlv_trained")
        if trained is None:
            trained = trainings_by(subject.on_date).filter(personnel=subject.person).exists()
        if not trained:
            raise self.fail(
                _(
                    "%(name)s has no Department-recognized CN training recorded on or before "
                    "%(date)s. Record the training attended on the person's page."
                ),
                name=subject.person.full_name,
                date=subject.on_date.isoformat(),
            )

    def help_text(self):
        return _("The person attended a Department-recognized CN training or workshop.")


class Accompanied(Rule):
    id, sop = "DLV-ACCOMP", "2-64-6 A.2"

    def validate(self, subject):
        person = subject.person
        if is_designated_lead(person, subject.on_date):
            return  # The Lead cannot accompany themselves: the designation meets the rule.
        accompanied = subject.known("dlv_accompanied")
        if accompanied is None:
            from_attempts, by_hand = accompaniments(person, subject.on_date)
            accompanied = from_attempts.exists() or by_hand.exists()
        if not accompanied:
            raise self.fail(
                _(
                    "%(name)s has not yet accompanied the VIP Law Enforcement Lead on a recorded "
                    "CN delivery on or before %(date)s. Until then the person may go only as an "
                    "accompanying officer with the Lead on the team; an earlier accompaniment "
                    "entered by hand counts once a Lead confirms it."
                ),
                name=person.full_name,
                date=subject.on_date.isoformat(),
            )

    def help_text(self):
        return _("The person has accompanied the VIP Law Enforcement Lead on a CN delivery.")


DELIVERER_RULES = [Active(), Sworn(), Trained(), Accompanied()]
# An accompanying officer need not be eligible yet, but must be active sworn personnel.
ACCOMPANYING_RULES = [Active(), Sworn()]


def deliverer_states(person, on_date):
    """The checklist for "may this person deliver on on_date" (every rule, met or not)."""
    return evaluate(DELIVERER_RULES, Subject(person, on_date))


def check_deliverer(person, on_date):
    """Raise ValidationError listing every DLV-* rule the person fails on on_date."""
    check(DELIVERER_RULES, Subject(person, on_date))


def check_accompanying(person, on_date):
    """Raise ValidationError unless the person may go along as an accompanying officer."""
    check(ACCOMPANYING_RULES, Subject(person, on_date))


def may_deliver(person, on_date):
    return all(state.ok for state in deliverer_states(person, on_date))


# --- The same answer for many people at once (the roster). --------------------------------


def annotate_deliverer_states(queryset, on_date):
    """Annotate a Personnel queryset with each rule's state on ``on_date``, in one query.

    Adds booleans ``dlv_active``, ``dlv_sworn``, ``dlv_trained``, ``dlv_accompanied`` and
    ``dlv_eligible`` (all four), plus ``last_training_on``, ``first_accompanied_on`` (the
    earliest counting accompaniment, recorded or confirmed by hand) and ``is_designated_lead``.
    """
    person = OuterRef("pk")
    recorded = recorded_accompaniments_by(on_date).filter(personnel=person)
    by_hand = confirmed_manual_accompaniments_by(on_date).filter(personnel=person)
    trained = trainings_by(on_date).filter(personnel=person)
    designated = lead_designation_q(on_date)
    first_recorded = recorded.order_by("attempt__contact_at").values("attempt__contact_at__date")
    first_by_hand = by_hand.order_by("accompanied_on").values("accompanied_on")
    return queryset.annotate(
        dlv_active=F("is_active"),
        dlv_sworn=F("is_sworn"),
        dlv_trained=Exists(trained),
        is_designated_lead=_boolean(designated),
        dlv_accompanied=_boolean(designated | Q(Exists(recorded)) | Q(Exists(by_hand))),
        last_training_on=Subquery(trained.order_by("-attended_on").values("attended_on")[:1]),
        first_accompanied_on=Coalesce(
            Least(Subquery(first_recorded[:1]), Subquery(first_by_hand[:1])),
            Subquery(first_recorded[:1]),
            Subquery(first_by_hand[:1]),
        ),
    ).annotate(
        dlv_eligible=_boolean(
            Q(dlv_active=True, dlv_sworn=True, dlv_trained=True, dlv_accompanied=True)
        )
    )


def load_deliverer_states(people, on_date):
    """Read DLV-TRAIN and DLV-ACCOMP for ``people`` on ``on_date`` in one query and keep the
    answers on each person, so that the rules answer from them (Subject.known) instead of
    querying once per person: a page's query count then does not grow with its team."""
    from deliveries.models import Personnel

    people = [p for p in people if p is not None]
    if not people:
        return
    rows = annotate_deliverer_states(
        Personnel.objects.filter(pk__in={p.pk for p in people}), on_date
    ).only("pk")
    answers = {row.pk: row for row in rows}
    for person in people:
        row = answers[person.pk]
        person.dlv_trained = row.dlv_trained
        person.dlv_accompanied = row.dlv_accompanied
        person.dlv_on_date = on_date


def _boolean(q):
    return ExpressionWrapper(q, output_field=BooleanField())


def missing_rule_ids(annotated_person):
    """The rule IDs an annotated person (see annotate_deliverer_states) fails, in order."""
    flags = (
        ("DLV-ACTIVE", annotated_person.dlv_active),
        ("DLV-SWORN", annotated_person.dlv_sworn),
        ("DLV-TRAIN", annotated_person.dlv_trained),
        ("DLV-ACCOMP", annotated_person.dlv_accompanied),
    )
    return [rule_id for rule_id, ok in flags if not ok]


def rules_by_id():
    return {rule.id: rule for rule in DELIVERER_RULES}


# --- DLV-CMD: the share of deliveries by command-level personnel. ----------------------------


def command_level_share(attempts):
    """DLV-CMD: (deliveries with a command-level deliverer, all deliveries) over ``attempts``.

    A delivery is an attempt whose message was delivered (to the candidate or an alternate);
    it counts for command level when a person of a command-level rank delivered it, as
    deliverer or as the Lead on the team. Ranks are read as they are now.
    """
    delivered = attempts.filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
    command_member = AttemptTeamMember.objects.filter(
        attempt=OuterRef("pk"),
        role__in=DELIVERING_ROLES,
        personnel__rank__is_command_level=True,
    )
    totals = delivered.aggregate(
        total=Count("pk"), with_command=Count("pk", filter=Q(Exists(command_member)))
    )
    return totals["with_command"], totals["total"]


def command_level_deliverers(attempts):
    """Command-level personnel who delivered among ``attempts``, with their delivery counts."""
    from deliveries.models import Personnel

    delivered = attempts.filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
    return (
        Personnel.objects.filter(rank__is_command_level=True)
        .annotate(
            delivered=Count(
                "attempts_present__attempt",
                filter=Q(
                    attempts_present__role__in=DELIVERING_ROLES,
                    attempts_present__attempt__in=delivered,
                ),
                distinct=True,
            ),
            last_delivered=Max(
                "attempts_present__attempt__contact_at",
                filter=Q(
                    attempts_present__role__in=DELIVERING_ROLES,
                    attempts_present__attempt__in=delivered,
                ),
            ),
        )
        .select_related("rank")
        .order_by("-delivered", "last_name", "first_name")
    )
