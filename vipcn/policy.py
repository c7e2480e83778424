"""The shape every SOP 2-64 rule takes, shared by the apps' policy modules.

Like Django's password validators: a small class per rule with a stable ``id`` (the ID in
../shared/sop/requirements.md), the ``sop`` section it cites, ``validate(subject)`` raising
ValidationError(code=id), and ``help_text()`` for the on-screen checklist. ``check`` runs every
rule for a step and returns *all* failures, so a user sees the whole list at once.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class Rule:
    id = ""
    sop = ""

    def applies(self, subject):
        """False when the rule has nothing to say about this subject (e.g. adults)."""
        return True

    def validate(self, subject):
        raise NotImplementedError

    def help_text(self):
        raise NotImplementedError

    def fail(self, message, **params):
        """A ValidationError whose text names the SOP section and rule ID, then what to do."""
        text = message % params if params else message
        return ValidationError(
            _("Blocked by SOP %(sop)s (%(rule)s): %(message)s")
            % {"sop": self.sop, "rule": self.id, "message": text},
            code=self.id,
        )


@dataclass(frozen=True)
class RuleState:
    """One line of a checklist: the rule, whether it applies and holds, and why not."""

    rule: Rule
    applies: bool
    errors: tuple

    @property
    def ok(self):
        return not self.errors

    @property
    def id(self):
        return self.rule.id

    @property
    def sop(self):
        return self.rule.sop

    @property
    def help_text(self):
        return self.rule.help_text()

    @property
    def messages(self):
        return [m for e in self.errors for m in e.messages]


def evaluate(rules, subject):
    """Every rule's state for the subject, in order (the checklist a page shows)."""
    states = []
    for rule in rules:
        if not rule.applies(subject):
            states.append(RuleState(rule, False, ()))
            continue
        try:
            rule.validate(subject)
        except ValidationError as exc:
            states.append(RuleState(rule, True, tuple(exc.error_list)))
        else:
            states.append(RuleState(rule, True, ()))
    return states


def check(rules, subject):
    """Raise one ValidationError listing every failure, or return None when all rules hold."""
    errors = [e for state in evaluate(rules, subject) for e in state.errors]
    if errors:
        raise ValidationError(errors)


def failure_codes(exc):
    """The rule IDs in a ValidationError raised by ``check`` (for tests and the audit)."""
    return [e.code for e in exc.error_list]
