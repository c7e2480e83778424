"""Each attempt's judgement by the rules, kept with the attempt (the compliance audit's cells).

The services call ``store`` in the same transaction as the attempt (and refresh the
after-action columns with ``store_after_action``): every cell comes from the one list of rules
(deliveries.policy), judged as of the contact time, so an attempt keeps the judgement of its own
moment even if a record it relied on is replaced later (a case sent back and prepared again).
A field rule the Lead recorded as an exception is not met, with the Lead's explanation.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from deliveries.models import AttemptCheck, AttemptException, DeliveryAttempt
from deliveries.policy.delivery import after_action_states
from deliveries.policy.subjects import AfterActionSubject, one

# The audit's columns, in the order of a delivery: eligibility and preparation, the deliverers,
# contact, after-action.
COLUMNS = (
    "ID-DET",
    "P-THREAT",
    "P-BACKGROUND",
    "P-LETTER",
    "P-TEAM",
    "P-SOCIAL",
    "J-JPO",
    "J-DECIDE",
    "P-APPROVE",
    "DLV-ACTIVE",
    "DLV-SWORN",
    "DLV-TRAIN",
    "DLV-ACCOMP",
    "C-ECC",
    "C-DELIVER",
    "C-ALT",
    "C-LEAVE",
    "C-CONSENT",
    "C-SOCIAL",
    "J-GUARDIAN",
    "C-GUARD",
    "A-ECC",
    "A-CAD",
    "A-RMS",
)
AFTER_ACTION_COLUMNS = ("A-ECC", "A-CAD", "A-RMS")
DLV_COLUMNS = ("DLV-ACTIVE", "DLV-SWORN", "DLV-TRAIN", "DLV-ACCOMP")
Status = AttemptCheck.Status


def cells(states, exceptions=None):
    """{rule ID: (status, note)} from rule states: a rule is not met when any error carries
    its ID (a deliverer's DLV refusals come through P-TEAM), met when it applied without one,
    not applicable otherwise. ``exceptions`` maps a rule ID to the Lead's explanation."""
    exceptions = exceptions or {}
    applied = {s.id for s in states if s.applies}
    if "P-TEAM" in applied:
        applied.update(DLV_COLUMNS)
    messages = {}
    for state in states:
        for error in state.errors:
            messages.setdefault(error.code, []).extend(str(m) for m in error.messages)
    result = {}
    for rule_id in {s.id for s in states} | set(messages) | (applied & set(DLV_COLUMNS)):
        if rule_id in messages:
            note = " ".join(messages[rule_id])
            if rule_id in exceptions:
                note = gettext("Exception recorded by the Lead: %(why)s") % {
                    "why": exceptions[rule_id]
                } + (" " + note if note else "")
            result[rule_id] = (Status.NOT_MET, note)
        elif rule_id in applied:
            result[rule_id] = (Status.MET, "")
        else:
            result[rule_id] = (Status.NA, "")
    return result


def _write(attempt, judged):
    """``judged``: {rule ID: (status, {language: note})}."""
    existing = {c.rule_id: c for c in AttemptCheck.objects.filter(attempt=attempt)}
    for rule_id, (status, notes) in judged.items():
        check = existing.get(rule_id) or AttemptCheck(attempt=attempt, rule_id=rule_id)
        if check.pk is None or (check.status, check.notes) != (status, notes):
            check.status, check.notes = status, notes
            check.save()


def _in_every_language(judge):
    """{rule ID: (status, {language: note})} from ``judge()`` ({rule ID: (status, note)}) run
    in each language of the application: the statuses do not depend on it, the notes do."""
    result = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for rule_id, (status, note) in judge().items():
                result.setdefault(rule_id, (status, {}))[1][code] = note
    return result


def _subject(attempt):
    from deliveries.policy.preparation import accepted_letter
    from deliveries.policy.subjects import AttemptSubject, TeamEntry

    return AttemptSubject(
        attempt=attempt,
        team=[TeamEntry(m.role, m.personnel, m.name) for m in attempt.team.all()],
        accepted_letter=accepted_letter(attempt.case, attempt.contact_at),
    )


def store(attempt):
    """Judge the recorded attempt from its records, as of its contact time, and write its
    cells (the audit's columns) with the after-action's as they stand. The services call it
    in the transaction that records the attempt; it never refuses: it records what the rules
    find (``manage.py refresh_attempt_checks`` runs it for attempts recorded without cells)."""
    from deliveries.policy.delivery import attempt_states

    attempt = DeliveryAttempt.objects.select_related("case__candidate", "case__determination").get(
        pk=attempt.pk
    )
    exceptions = dict(
        AttemptException.objects.filter(attempt=attempt).values_list("rule_id", "explanation")
    )

    def judge():
        preparation, at_the_door = attempt_states(_subject(attempt))
        judged = cells([*preparation, *at_the_door], exceptions)
        judged = {rule_id: judged.get(rule_id, (Status.NA, "")) for rule_id in COLUMNS}
        judged.update(after_action_cells(attempt))
        return judged

    _write(attempt, _in_every_language(judge))


refresh = store


def after_action_cells(attempt):
    subject = AfterActionSubject(after_action=one(attempt, "after_action"), attempt=attempt)
    judged = cells(after_action_states(subject))
    return {rule_id: judged[rule_id] for rule_id in AFTER_ACTION_COLUMNS}


def store_after_action(attempt):
    attempt = DeliveryAttempt.objects.select_related("after_action").get(pk=attempt.pk)
    _write(attempt, _in_every_language(lambda: after_action_cells(attempt)))
