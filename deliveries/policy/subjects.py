"""What the CN rules judge: a case, an attempt (as it would be saved) and an after-action.

Each subject reads its facts from the objects it is given, using prefetches when a list loaded
them, so a page of cases runs a fixed number of queries.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from django.db.models.functions import Coalesce

from candidates.juvenile import safeguards_apply, safeguards_q


def one(obj, attribute):
    """The object's one-to-one item, or None when it has not been recorded."""
    try:
        return getattr(obj, attribute)
    except ObjectDoesNotExist:
        return None


def identified_on(case):
    """The case's day of identification: the date of the determination that made it
    eligible (cases opened before that was recorded: the day they were opened)."""
    if case.determination_id is not None:
        return case.determination.determined_on
    return case.opened_on


def identified_on_expression(prefix=""):
    p = f"{prefix}__" if prefix else ""
    return Coalesce(F(f"{p}determination__determined_on"), F(f"{p}opened_on"))


def case_juvenile(case):
    """J-AGE for the case (candidates.juvenile.safeguards_apply)."""
    return safeguards_apply(case.candidate.date_of_birth, identified_on(case))


def case_juvenile_q(prefix=""):
    """``case_juvenile`` over cases (or a model whose ``prefix`` leads to the case)."""
    p = f"{prefix}__" if prefix else ""
    return safeguards_q(
        dob_field=f"{p}candidate__date_of_birth",
        identified_on_field=identified_on_expression(prefix),
    )


class CaseSubject:
    """A case, and (for the approval) who approves."""

    def __init__(self, case, *, actor=None):
        self.case = case
        self.actor = actor

    @property
    def candidate(self):
        return self.case.candidate

    @cached_property
    def juvenile(self):
        return case_juvenile(self.case)

    def one(self, attribute):
        return one(self.case, attribute)

    def team(self, as_of):
        return [m for m in self.case.team.all() if m.created_at <= as_of]


@dataclass
class TeamEntry:
    """One member of the team present: an officer from Personnel, or a named non-officer."""

    role: str
    personnel: object = None
    name: str = ""

    @property
    def label(self):
        return self.personnel.full_name if self.personnel is not None else self.name


@dataclass
class AttemptSubject:
    """An attempt as it would be saved (not yet written), with the team present, and the
    exceptions the Lead records for field rules broken in the encounter."""

    attempt: object
    team: list = field(default_factory=list)
    accepted_letter: object = None
    exceptions: dict = field(default_factory=dict)

    @property
    def case(self):
        return self.attempt.case

    @property
    def candidate(self):
        return self.case.candidate

    @cached_property
    def juvenile(self):
        return case_juvenile(self.case)

    def members(self, *roles):
        return [m for m in self.team if m.role in roles]


@dataclass
class AfterActionSubject:
    after_action: object
    attempt: object
    actor: object = None
    decision: str = ""
