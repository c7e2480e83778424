"""A case's timeline: every state transition and every recorded change, who and when.

Changes come from django-simple-history. Only *which* fields changed is shown, never their
values, so the timeline cannot leak a threat assessment or background-check summary.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from deliveries.models import (
    BackgroundCheck,
    CNCase,
    GuardianContact,
    JPOCheck,
    JuvenileDecision,
    LetterVersion,
    SocialServicesPlan,
    TeamAssignment,
    ThreatAssessment,
)

# The state is shown by its transition row; the rest is bookkeeping.
IGNORED_FIELDS = {"version", "updated_at", "created_at", "created_by", "state"}
ITEM_MODELS = (
    ThreatAssessment,
    BackgroundCheck,
    LetterVersion,
    TeamAssignment,
    SocialServicesPlan,
    JPOCheck,
    JuvenileDecision,
    GuardianContact,
)


@dataclass
class Event:
    at: datetime
    who: str
    kind: str  # "transition" or "change"
    text: str
    fields: list = field(default_factory=list)
    note: str = ""


def _who(user):
    if user is None:
        return _("system")
    return user.get_full_name() or user.get_username()


def _changed_fields(model, record, previous):
    if previous is None:
        return []
    try:
        delta = record.diff_against(previous, foreign_keys_are_objs=False)
    except TypeError:  # older simple-history without foreign_keys_are_objs
        delta = record.diff_against(previous)
    names = [c.field for c in delta.changes if c.field not in IGNORED_FIELDS]
    labels = []
    for name in names:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except Exception:  # noqa: BLE001 - a history-only field (e.g. m2m) keeps its name
            labels.append(name)
    return labels


def _history_events(model, records, label):
    events = []
    by_object = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        previous = by_object.get(record.id)
        by_object[record.id] = record
        if record.history_type == "+":
            text = _("%(item)s recorded") % {"item": label}
        elif record.history_type == "-":
            text = _("%(item)s removed") % {"item": label}
        else:
            text = _("%(item)s changed") % {"item": label}
        fields = _changed_fields(model, record, previous) if record.history_type == "~" else []
        if record.history_type == "~" and not fields:
            continue  # only bookkeeping (version) changed
        events.append(
            Event(
                at=record.history_date,
                who=_who(record.history_user),
                kind="change",
                text=text,
                fields=fields,
            )
        )
    return events


def case_timeline(case):
    """Newest first. Values are never shown, so the timeline is safe for every reader."""
    events = [
        Event(
            at=t.at,
            who=_who(t.actor),
            kind="transition",
            text=(
                _("%(from)s → %(to)s")
                % {
                    "from": CNCase.State(t.from_state).label if t.from_state else _("new"),
                    "to": CNCase.State(t.to_state).label,
                }
            ),
            note=t.note,
        )
        for t in case.transitions.select_related("actor")
    ]
    case_records = case.history.select_related("history_user")
    events += _history_events(CNCase, case_records, str(CNCase._meta.verbose_name).capitalize())
    for model in ITEM_MODELS:
        records = model.history.filter(case_id=case.pk).select_related("history_user")
        label = str(model._meta.verbose_name).capitalize()
        events += _history_events(model, records, label)
    events.sort(key=lambda e: e.at, reverse=True)
    return events
