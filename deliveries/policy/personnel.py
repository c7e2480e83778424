"""Who may deliver a CN (SOP 2-64-6): DLV-SWORN, DLV-TRAIN, DLV-ACCOMP (and DLV-CMD, reported).

One question, one place: ``deliverer_states(person, on_date)`` answers "may this person deliver
on that date, and if not, what is missing?". The team and attempt steps use it.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deliveries.models import AttemptTeamMember, DeliveryAttempt, ManualAccompaniment
from vipcn.policy import Rule, check, evaluate

# Outcomes in which the team met the candidate or someone for them: a CN delivery was made.
ACCOMPANIMENT_OUTCOMES = (
    DeliveryAttempt.Outcome.DELIVERED,
    DeliveryAttempt.Outcome.ALTERNATE,
    DeliveryAttempt.Outcome.ENDED_BY_CANDIDATE,
)


class Subject:
    """A person and the date of the delivery in question."""

    def __init__(self, person, on_date):
        self.person = person
        self.on_date = on_date


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
        trained = subject.person.trainings_attended.filter(
            attended_on__lte=subject.on_date
        ).exists()
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


def accompaniments(person, on_date):
    """Recorded deliveries on which the person accompanied the Lead, on or before on_date.

    A delivery counts once it is recorded in this database (the Lead confirmed its
    after-action, A-RMS) and the Lead was on that team; hand-entered ones once a Lead
    confirmed them.
    """
    from_attempts = AttemptTeamMember.objects.filter(
        personnel=person,
        role=AttemptTeamMember.Role.ACCOMPANYING,
        attempt__contact_at__date__lte=on_date,
        attempt__outcome__in=ACCOMPANIMENT_OUTCOMES,
        attempt__after_action__confirmed_at__isnull=False,
        attempt__team__role=AttemptTeamMember.Role.LEAD,
    )
    by_hand = ManualAccompaniment.objects.filter(
        personnel=person, accompanied_on__lte=on_date, confirmed_at__isnull=False
    )
    return from_attempts, by_hand


class Accompanied(Rule):
    id, sop = "DLV-ACCOMP", "2-64-6 A.2"

    def validate(self, subject):
        person = subject.person
        if person.is_vip_lead and (
            person.lead_designated_on is None or person.lead_designated_on <= subject.on_date
        ):
            return  # The Lead cannot accompany themselves: the designation meets the rule.
        from_attempts, by_hand = accompaniments(person, subject.on_date)
        if not (from_attempts.exists() or by_hand.exists()):
            raise self.fail(
                _(
                    "%(name)s has not yet accompanied the VIP Law Enforcement Lead on a recorded "
                    "CN delivery. Until then the person may go only as an accompanying officer "
                    "with the Lead on the team."
                ),
                name=person.full_name,
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
    check(ACCOMPANYING_RULES, Subject(person, on_date))


def may_deliver(person, on_date):
    return all(state.ok for state in deliverer_states(person, on_date))


def command_level_share(attempts):
    """DLV-CMD: (deliveries with a command-level deliverer, all deliveries) over ``attempts``."""
    delivered = attempts.filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)
    with_command = delivered.filter(
        Q(team__role=AttemptTeamMember.Role.DELIVERER) | Q(team__role=AttemptTeamMember.Role.LEAD),
        team__personnel__rank__is_command_level=True,
    ).distinct()
    return with_command.count(), delivered.count()
