"""Who may deliver a CN (SOP 2-64-6): DLV-ACTIVE, DLV-SWORN, DLV-TRAIN, DLV-ACCOMP, DLV-CMD.

One question, one place: "may this person deliver as of a moment, and if not, what is
missing?". Each rule answers it in Python (``validate(person, as_of)``) and in the database
(``holds_q(as_of, path)`` over Personnel, or over any model whose ``path`` leads to the
person: the team of a case, the team present at an attempt). The roster, the dashboard, the
team and attempt steps and the case lists all read these; a test holds the two forms equal
(tests/rules/test_equality.py).

Readings (requirements.md, beyond the table):

- Dates are inclusive: a training attended, or an accompaniment made, on the day of the
  delivery counts for that day; a fact recorded after the moment in question does not.
- Which delivery counts toward DLV-ACCOMP: an attempt in which the message was delivered (to
  the candidate, an alternate recipient, or the candidate before they ended it), with a Lead
  designated on that date present as Lead (another person), recorded without a field-rule
  exception, and confirmed by the Lead (A-RMS) by the moment in question.
- An accompaniment entered from before the application counts once a Lead other than the
  person confirms it, and only if the Lead named was designated on that date.
- The Lead's designation meets DLV-ACCOMP from the recorded designation date on.
- DLV-ACTIVE (program rule): only a person active on the roster may be planned or recorded.
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
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from deliveries.models import (
    AttemptException,
    AttemptTeamMember,
    DeliveryAttempt,
    ManualAccompaniment,
    Personnel,
    TrainingAttendance,
)
from vipcn.policy import PROGRAM_RULE, Rule, check, evaluate, local_date, rule

# Roles in which a person delivers a CN (the accompanying officer does not, yet).
DELIVERING_ROLES = (AttemptTeamMember.Role.DELIVERER, AttemptTeamMember.Role.LEAD)
Outcome = DeliveryAttempt.Outcome


def _ref(path, name=""):
    """OuterRef to the person (``path`` from the outer model, "" for Personnel itself)."""
    if not path:
        return OuterRef(name or "pk")
    return OuterRef(f"{path}__{name}" if name else path)


def _field(path, name):
    return f"{path}__{name}" if path else name


# --- the facts each rule counts ------------------------------------------------------------


def trainings_by(as_of):
    """Training attendances that count at ``as_of``: attended on or before its day, recorded
    by then."""
    return TrainingAttendance.objects.filter(
        attended_on__lte=local_date(as_of), created_at__lte=as_of
    )


def message_reached_q(prefix=""):
    """Q over attempts: the GVI message reached someone (see ``message_reached``)."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}outcome__in": DeliveryAttempt.DELIVERED_OUTCOMES}) | Q(
        **{f"{p}outcome": Outcome.ENDED_BY_CANDIDATE, f"{p}message_delivered": True}
    )


def message_reached(attempt):
    """The message was delivered on this attempt: a delivered outcome, or an encounter the
    person ended after the message had been delivered (C-LEAVE: recorded as "ended by the
    candidate", never as delivered, but the message was given all the same)."""
    return attempt.outcome in DeliveryAttempt.DELIVERED_OUTCOMES or (
        attempt.outcome == Outcome.ENDED_BY_CANDIDATE and bool(attempt.message_delivered)
    )


def designated_q(on_date, path=""):
    """Q over personnel: designated as VIP Law Enforcement Lead on or before ``on_date`` (a
    date or a date expression)."""
    # The explicit IS NOT NULL keeps the SQL answer False, never NULL, for an undated Lead.
    return Q(
        **{
            _field(path, "is_vip_lead"): True,
            _field(path, "lead_designated_on__isnull"): False,
            _field(path, "lead_designated_on__lte"): on_date,
        }
    )


def is_designated_lead(person, on_date):
    return bool(
        person.is_vip_lead
        and person.lead_designated_on is not None
        and person.lead_designated_on <= on_date
    )


def recorded_accompaniments_by(as_of):
    """Attempt team rows that count as accompanying the Lead at ``as_of`` (DLV-ACCOMP)."""
    # The Lead's row is on the same attempt: its own attempt's contact date is the date.
    lead_present = AttemptTeamMember.objects.filter(
        designated_q(TruncDate("attempt__contact_at"), path="personnel"),
        attempt=OuterRef("attempt"),
        role=AttemptTeamMember.Role.LEAD,
        personnel__isnull=False,
    ).exclude(personnel=OuterRef("personnel"))
    excepted = AttemptException.objects.filter(attempt=OuterRef("attempt"))
    return AttemptTeamMember.objects.filter(
        message_reached_q("attempt"),
        Exists(lead_present),
        ~Exists(excepted),
        role=AttemptTeamMember.Role.ACCOMPANYING,
        attempt__contact_at__lte=as_of,
        attempt__after_action__confirmed_at__lte=as_of,
    )


def confirmed_manual_accompaniments_by(as_of):
    """Hand-entered accompaniments that count at ``as_of``: confirmed by then by someone other
    than the person, with a Lead (another person) designated on that date."""
    return ManualAccompaniment.objects.filter(
        designated_q(F("accompanied_on"), path="lead"),
        Q(personnel__user__isnull=True) | ~Q(confirmed_by=F("personnel__user")),
        accompanied_on__lte=local_date(as_of),
        confirmed_at__lte=as_of,
        confirmed_by__isnull=False,
    ).exclude(lead=F("personnel"))


# --- the rules -----------------------------------------------------------------------------


class PersonRule(Rule):
    """A DLV rule: the subject is a Personnel row, judged as of a moment."""

    model = Personnel

    def holds_q(self, as_of, path=""):
        raise NotImplementedError


@rule
class Active(PersonRule):
    id, cites = "DLV-ACTIVE", PROGRAM_RULE
    label = _("Active on the roster")

    def validate(self, person, as_of):
        if not person.is_active:
            raise self.fail(
                _(
                    "%(name)s is not active personnel and cannot be planned or recorded as a "
                    "deliverer. Choose someone active, or have the Lead reactivate them on "
                    "the personnel page."
                ),
                name=person.full_name,
            )

    def holds_q(self, as_of, path=""):
        return Q(**{_field(path, "is_active"): True})

    def help_text(self):
        return _("The person is active personnel.")


@rule
class Sworn(PersonRule):
    id, cites = "DLV-SWORN", "2-64-6 A"
    label = _("Sworn personnel")

    def validate(self, person, as_of):
        if not person.is_sworn:
            raise self.fail(
                _(
                    "%(name)s is not sworn personnel; only sworn personnel may deliver a CN. "
                    "Plan a sworn officer instead."
                ),
                name=person.full_name,
            )

    def holds_q(self, as_of, path=""):
        return Q(**{_field(path, "is_sworn"): True})

    def help_text(self):
        return _("The person is sworn personnel.")


@rule
class Trained(PersonRule):
    id, cites = "DLV-TRAIN", "2-64-6 A.1"
    label = _("Attended a CN training")

    def validate(self, person, as_of):
        trained = _known(person, as_of, "dlv_trained")
        if trained is None:
            trained = trainings_by(as_of).filter(personnel=person).exists()
        if not trained:
            raise self.fail(
                _(
                    "%(name)s has no Department-recognized CN training recorded on or before "
                    "%(date)s. Record the training attended on the person's page."
                ),
                name=person.full_name,
                date=local_date(as_of).isoformat(),
            )

    def holds_q(self, as_of, path=""):
        return Q(Exists(trainings_by(as_of).filter(personnel=_ref(path))))

    def help_text(self):
        return _("The person attended a Department-recognized CN training or workshop.")


@rule
class Accompanied(PersonRule):
    id, cites = "DLV-ACCOMP", "2-64-6 A.2"
    label = _("Accompanied the Lead on a CN")

    def validate(self, person, as_of):
        if is_designated_lead(person, local_date(as_of)):
            return  # The Lead cannot accompany themselves: the designation meets the rule.
        accompanied = _known(person, as_of, "dlv_accompanied")
        if accompanied is None:
            accompanied = (
                recorded_accompaniments_by(as_of).filter(personnel=person).exists()
                or confirmed_manual_accompaniments_by(as_of).filter(personnel=person).exists()
            )
        if not accompanied:
            raise self.fail(
                _(
                    "%(name)s has not yet accompanied the VIP Law Enforcement Lead on a recorded "
                    "CN delivery on or before %(date)s. Until then the person may go only as an "
                    "accompanying officer with the Lead on the team; an earlier accompaniment "
                    "entered by hand counts once a Lead confirms it."
                ),
                name=person.full_name,
                date=local_date(as_of).isoformat(),
            )

    def holds_q(self, as_of, path=""):
        person = _ref(path)
        return (
            designated_q(local_date(as_of), path=path)
            | Q(Exists(recorded_accompaniments_by(as_of).filter(personnel=person)))
            | Q(Exists(confirmed_manual_accompaniments_by(as_of).filter(personnel=person)))
        )

    def help_text(self):
        return _("The person has accompanied the VIP Law Enforcement Lead on a CN delivery.")


DELIVERER_RULES = [Active(), Sworn(), Trained(), Accompanied()]
# An accompanying officer need not be eligible yet, but must be active sworn personnel.
ACCOMPANYING_RULES = [Active(), Sworn()]


def deliverer_states(person, as_of):
    """The checklist for "may this person deliver at as_of" (every rule, met or not)."""
    return evaluate(DELIVERER_RULES, person, as_of)


def check_deliverer(person, as_of):
    """Raise ValidationError listing every DLV-* rule the person fails at ``as_of``."""
    check(DELIVERER_RULES, person, as_of)


def check_accompanying(person, as_of):
    """Raise ValidationError unless the person may go along as an accompanying officer."""
    check(ACCOMPANYING_RULES, person, as_of)


def may_deliver(person, as_of):
    return all(state.ok for state in deliverer_states(person, as_of))


def deliverer_q(as_of, path=""):
    """Q: every DLV rule holds for the person (over Personnel, or along ``path``)."""
    q = Q()
    for dlv in DELIVERER_RULES:
        q &= dlv.holds_q(as_of, path)
    return q


def accompanying_q(as_of, path=""):
    q = Q()
    for dlv in ACCOMPANYING_RULES:
        q &= dlv.holds_q(as_of, path)
    return q


# --- the same answers for many people at once (the roster) --------------------------------


def _boolean(q):
    return ExpressionWrapper(q, output_field=BooleanField())


FLAGS = (
    ("DLV-ACTIVE", "dlv_active"),
    ("DLV-SWORN", "dlv_sworn"),
    ("DLV-TRAIN", "dlv_trained"),
    ("DLV-ACCOMP", "dlv_accompanied"),
)


def annotate_deliverer_states(queryset, as_of):
    """Annotate a Personnel queryset with each DLV rule's answer at ``as_of`` (one query):
    ``dlv_active``, ``dlv_sworn``, ``dlv_trained``, ``dlv_accompanied`` and ``dlv_eligible``
    (all four) from the rules' own database forms, plus ``is_designated_lead``,
    ``last_training_on`` and ``first_accompanied_on`` (the earliest counting accompaniment)."""
    by_id = rules_by_id()
    person = OuterRef("pk")
    day = local_date(as_of)
    flags = {name: _boolean(by_id[rule_id].holds_q(as_of)) for rule_id, name in FLAGS}
    first_recorded = (
        recorded_accompaniments_by(as_of)
        .filter(personnel=person)
        .annotate(on=TruncDate("attempt__contact_at"))
        .order_by("on")
        .values("on")[:1]
    )
    first_by_hand = (
        confirmed_manual_accompaniments_by(as_of)
        .filter(personnel=person)
        .order_by("accompanied_on")
        .values("accompanied_on")[:1]
    )
    last_training = trainings_by(as_of).filter(personnel=person).order_by("-attended_on")

    return queryset.annotate(
        **flags,
        is_designated_lead=_boolean(designated_q(day)),
        last_training_on=Subquery(last_training.values("attended_on")[:1]),
        first_recorded_on=Subquery(first_recorded),
        first_by_hand_on=Subquery(first_by_hand),
    ).annotate(
        dlv_eligible=_boolean(
            Q(dlv_active=True, dlv_sworn=True, dlv_trained=True, dlv_accompanied=True)
        )
    )


def first_accompanied_on(person):
    """The earlier of the two first accompaniment dates an annotated person carries."""
    dates = [d for d in (person.first_recorded_on, person.first_by_hand_on) if d is not None]
    return min(dates) if dates else None


def load_deliverer_states(people, as_of):
    """Read DLV-TRAIN and DLV-ACCOMP for ``people`` at ``as_of`` in one query and keep the
    answers on each person, so that the rules answer from them instead of querying once per
    person: a page's query count then does not grow with its team."""
    people = [p for p in people if p is not None]
    if not people:
        return
    rows = annotate_deliverer_states(
        Personnel.objects.filter(pk__in={p.pk for p in people}), as_of
    ).values("pk", "dlv_trained", "dlv_accompanied")
    answers = {row["pk"]: row for row in rows}
    for person in people:
        row = answers[person.pk]
        person.dlv_answers = (as_of, row["dlv_trained"], row["dlv_accompanied"])


def _known(person, as_of, name):
    """The answer ``load_deliverer_states`` read for this person at this moment, or None."""
    answers = getattr(person, "dlv_answers", None)
    if answers is None or answers[0] != as_of:
        return None
    return answers[1] if name == "dlv_trained" else answers[2]


def missing_rule_ids(annotated_person):
    """The rule IDs an annotated person (see annotate_deliverer_states) fails, in order."""
    return [rule_id for rule_id, name in FLAGS if not getattr(annotated_person, name)]


def rules_by_id():
    return {dlv.id: dlv for dlv in DELIVERER_RULES}


# --- DLV-CMD: the share of deliveries by command-level personnel -----------------------------


@rule
class CommandLevel(Rule):
    """DLV-CMD: command-level personnel are encouraged to deliver; their share of deliveries is
    reported, by each deliverer's rank as it is recorded. It never blocks (it encourages):
    ``validate`` says whether a team would count toward the share."""

    id, cites = "DLV-CMD", "2-64-6 A"
    label = _("Command-level personnel encouraged to deliver")

    def validate(self, team, as_of=None):
        if not any(
            m.personnel is not None and m.personnel.rank_id and m.personnel.rank.is_command_level
            for m in team
            if m.role in DELIVERING_ROLES
        ):
            raise self.fail(_("no command-level officer is on this team."))

    def help_text(self):
        return _("The share of deliveries with a command-level deliverer is reported.")


def command_level_share(attempts):
    """DLV-CMD: (deliveries with a command-level deliverer, all deliveries) over ``attempts``.

    A delivery is an attempt whose message was delivered (to the candidate or an alternate);
    it counts for command level when a person of a command-level rank delivered it, as
    deliverer or as the Lead on the team.
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
