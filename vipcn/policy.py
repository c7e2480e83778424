"""The shape every SOP 2-64 rule takes, shared by the apps' policy modules.

Like Django's password validators: one small class per rule ID (../shared/sop/requirements.md)
with

- ``id`` and ``cites``: the rule ID and the one citation its table "Citations" gives it
  (a section of SOP 2-64, or ``PROGRAM_RULE`` for a rule the program adds);
- ``label`` and ``help_text()``: the checklist line and what meeting it takes;
- ``applies(subject, as_of)`` and ``validate(subject, as_of)``: the Python form, judging one
  subject with the facts dated at or before ``as_of`` (an aware datetime) and raising
  ``ValidationError(code=id)`` whose message names the citation, the rule and what to do;
- where a list, count, filter, digest or audit needs it, the database form over ``model``:
  ``applies_q(as_of)`` and ``holds_q(as_of)``, the same truth as a ``Q``. A test holds the
  two forms equal over generated histories on PostgreSQL and on SQLite
  (tests/rules/test_equality.py).

``evaluate`` runs a list of rules for one subject and returns every rule's state, so a user
sees the whole list at once; ``check`` raises one ValidationError with every failure.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The citation of a rule the SOP does not hold and the program adds (requirements.md).
PROGRAM_RULE = "VIP program rule"


class Rule:
    id = ""
    cites = ""
    label = ""
    # The model whose rows ``applies_q`` / ``holds_q`` filter (None: no database form).
    model = None

    def applies(self, subject, as_of):
        """False when the rule has nothing to say about this subject (e.g. adults)."""
        return True

    def validate(self, subject, as_of):
        raise NotImplementedError

    def help_text(self):
        return self.label

    # --- the database form ---------------------------------------------------------------

    def applies_q(self, as_of):
        """Q over ``model``: the rule applies to the row as of ``as_of``."""
        return Q()

    def holds_q(self, as_of):
        """Q over ``model``: the rule holds for the row as of ``as_of`` (where it applies).
        None for a rule without a database form."""
        return None

    def unmet_q(self, as_of):
        """Q over ``model``: the rule applies and does not hold."""
        return self.applies_q(as_of) & ~self.holds_q(as_of)

    # --- messages -------------------------------------------------------------------------

    @property
    def citation(self):
        """The citation as a reader sees it: "SOP 2-64-4 C.1.a" or "VIP program rule"."""
        if self.cites == PROGRAM_RULE:
            return _("VIP program rule")
        return _("SOP %(section)s") % {"section": self.cites}

    def fail(self, message, **params):
        """A ValidationError whose text names the citation and rule ID, then what to do."""
        text = message % params if params else message
        return ValidationError(
            _("Blocked by %(citation)s (%(rule)s): %(message)s")
            % {"citation": self.citation, "rule": self.id, "message": text},
            code=self.id,
        )


def now_or(as_of):
    return as_of if as_of is not None else timezone.now()


def as_of_day(day):
    """The moment a question asked "on this day" is answered at: now, for today; the last
    moment of the day, for another day (a fact recorded later that day still counts)."""
    import datetime

    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    following = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(following) - datetime.timedelta(microseconds=1)


def local_date(as_of):
    """The local calendar day of ``as_of`` (TIME_ZONE), the day date-valued facts compare to."""
    return timezone.localdate(as_of)


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
    def unmet(self):
        return self.applies and not self.ok

    @property
    def id(self):
        return self.rule.id

    @property
    def cites(self):
        return self.rule.cites

    @property
    def citation(self):
        return self.rule.citation

    @property
    def label(self):
        return self.rule.label

    @property
    def help_text(self):
        return self.rule.help_text()

    @property
    def messages(self):
        return [m for e in self.errors for m in e.messages]


def evaluate(rules, subject, as_of=None):
    """Every rule's state for the subject as of ``as_of`` (default now), in order."""
    as_of = now_or(as_of)
    states = []
    for rule in rules:
        if not rule.applies(subject, as_of):
            states.append(RuleState(rule, False, ()))
            continue
        try:
            rule.validate(subject, as_of)
        except ValidationError as exc:
            states.append(RuleState(rule, True, tuple(exc.error_list)))
        else:
            states.append(RuleState(rule, True, ()))
    return states


def check(rules, subject, as_of=None):
    """Raise one ValidationError listing every failure, or return None when all rules hold."""
    errors = [e for state in evaluate(rules, subject, as_of) for e in state.errors]
    if errors:
        raise ValidationError(errors)


def failure_codes(exc):
    """The rule IDs in a ValidationError raised by ``check`` (for tests and the audit)."""
    return [e.code for e in exc.error_list]


class Registry:
    """Every rule class of the project by ID: the one list each reader goes through."""

    def __init__(self):
        self._rules = {}

    def register(self, rule):
        existing = self._rules.get(rule.id)
        if existing is not None and type(existing) is not type(rule):
            raise ValueError(f"Rule {rule.id} is defined twice: {existing!r} and {rule!r}")
        self._rules[rule.id] = rule
        return rule

    def __getitem__(self, rule_id):
        return self._rules[rule_id]

    def __contains__(self, rule_id):
        return rule_id in self._rules

    def all(self):
        return dict(self._rules)


RULES = Registry()


def rule(cls):
    """Class decorator: register one instance of the rule class, by its ID."""
    RULES.register(cls())
    return cls


# --- text that says something --------------------------------------------------------------

# Blank = nothing but ASCII whitespace, read the same way in Python and in both databases
# (PostgreSQL's and SQLite's TRIM strip spaces only; Python's strip() also strips Unicode
# spaces). Services store text stripped; the rules must agree on anything stored.
_NOT_BLANK = r"[^ \t\n\r\f\v]"


def has_text(value):
    import re

    return bool(value) and re.search(_NOT_BLANK, value) is not None


def has_text_q(field):
    """Q: ``field`` holds a character other than ASCII whitespace (``has_text``)."""
    return Q(**{f"{field}__regex": _NOT_BLANK})
