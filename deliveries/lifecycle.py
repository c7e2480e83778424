"""The CN case's allowed moves: one table (like django-oscar's order status pipeline).

Only deliveries.services move a case, and only along this table; each move writes a
CaseTransition row (from, to, who, when) besides the field history.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from deliveries.models import CaseTransition, CNCase

S = CNCase.State

ALLOWED = {
    S.PREPARING: {S.READY, S.STOPPED, S.WITHDRAWN},
    # An approval lapses (back to preparing) when a prepared item changes.
    S.READY: {S.ATTEMPTED, S.PREPARING, S.WITHDRAWN},
    # The Lead confirms the after-action: close, or send back for another attempt (back to
    # preparation when the approval no longer holds).
    S.ATTEMPTED: {S.CLOSED, S.READY, S.PREPARING, S.WITHDRAWN},
    S.CLOSED: set(),
    S.STOPPED: set(),
    S.WITHDRAWN: set(),
}


def can_move(from_state, to_state):
    return to_state in ALLOWED.get(from_state, set())


def move(case, to_state, *, actor, note=""):
    """Move a (locked) case to ``to_state`` and record the transition. Call inside the
    service's transaction, after ``select_for_update`` and the policy check."""
    if not can_move(case.state, to_state):
        raise ValidationError(
            _("A case that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(case.state).label, "to": S(to_state).label},
            code="invalid_transition",
        )
    CaseTransition.objects.create(
        case=case, from_state=case.state, to_state=to_state, actor=actor, note=note
    )
    case.state = to_state
    case.version += 1
    case.save()
    return case
