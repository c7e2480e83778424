"""Each attempt's judgement by the rules, kept with the attempt (the compliance audit's cells).

The services call ``store`` in the same transaction as the attempt (and refresh the
after-action columns with ``store_after_action``): every cell comes from the one list of rules
(deliveries.policy), judged as of the contact time, so an attempt keeps the judgement of its own
moment even if a record it relied on is replaced later (a case sent back and prepared again).
A field rule the Lead recorded as an exception is not met, with the Lead's explanation.
"""

from django.utils.translation import gettext

from deliveries.models import AttemptCheck, AttemptException
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
    existing = {c.rule_id: c for c in AttemptCheck.objects.filter(attempt=attempt)}
    for rule_id, (status, note) in judged.items():
        check = existing.get(rule_id) or AttemptCheck(attempt=attempt, rule_id=rule_id)
        if check.pk is None or (check.status, check.note) != (status, note):
            check.status, check.note = status, note
            check.save()


def store(attempt, states):
    """Write the attempt's cells from the states ``check_attempt`` returned, and its
    after-action columns as they stand."""
    exceptions = dict(
        AttemptException.objects.filter(attempt=attempt).values_list("rule_id", "explanation")
    )
    judged = cells(states, exceptions)
    judged = {rule_id: judged.get(rule_id, (Status.NA, "")) for rule_id in COLUMNS}
    judged.update(after_action_cells(attempt))
    _write(attempt, judged)


def after_action_cells(attempt):
    subject = AfterActionSubject(after_action=one(attempt, "after_action"), attempt=attempt)
    judged = cells(after_action_states(subject))
    return {rule_id: judged[rule_id] for rule_id in AFTER_ACTION_COLUMNS}


def store_after_action(attempt):
    _write(attempt, after_action_cells(attempt))


def refresh(attempt):
    """Judge a recorded attempt again from its records, as of its contact time, and store the
    cells (``manage.py refresh_attempt_checks``: attempts recorded before the checks were kept).
    It never refuses: it records what the rules find."""
    from deliveries.policy.delivery import attempt_states
    from deliveries.policy.preparation import accepted_letter
    from deliveries.policy.subjects import AttemptSubject, TeamEntry

    subject = AttemptSubject(
        attempt=attempt,
        team=[TeamEntry(m.role, m.personnel, m.name) for m in attempt.team.all()],
        accepted_letter=accepted_letter(attempt.case, attempt.contact_at),
    )
    preparation, at_the_door = attempt_states(subject)
    store(attempt, [*preparation, *at_the_door])
