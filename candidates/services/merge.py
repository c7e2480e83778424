"""Merging a duplicate record into the one kept."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from candidates.models import (
    Alias,
    Candidate,
    Relationship,
)
from candidates.services.common import (
    bump,
    check_version,
    search_text_for,
)
from vipcn.acting import records_actor


def _move(rows, field, target):
    for row in rows:
        setattr(row, field, target)
        if hasattr(row, "version"):
            bump(row)
        row.save()


@records_actor
@transaction.atomic
def candidate_merge(*, source, target, actor, source_version=None, target_version=None):
    """Merge ``source`` (a duplicate) into ``target``. Every basis, determination, relationship,
    alias, address, shooting involvement, group membership, GVIS mention and CN case of the
    source moves to the target, row by row so each move is in the history. The source is kept
    (never deleted) with status Merged and ``merged_into`` set; its own history stays with it."""
    if source.pk == target.pk:
        raise ValidationError(_("A record cannot be merged into itself."), code="self")
    # Lock both rows in a fixed order so two merges cannot deadlock.
    rows = Candidate.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
    locked = {c.pk: c for c in rows.order_by("pk")}
    src, tgt = locked[source.pk], locked[target.pk]
    for record in (src, tgt):
        if record.status == Candidate.Status.MERGED:
            raise ValidationError(
                _("Record %(pk)s was already merged into record %(into)s.")
                % {"pk": record.pk, "into": record.merged_into_id},
                code="merged",
            )
    check_version(src, source_version)
    check_version(tgt, target_version)

    open_states = _open_case_states()
    if open_states and (
        src.cases.filter(state__in=open_states).exists()
        and tgt.cases.filter(state__in=open_states).exists()
    ):
        raise ValidationError(
            _(
                "Both records have an open CN case; a person has one open case at a time. "
                "Withdraw one of the cases, then merge."
            ),
            code="open_cases",
        )

    # Keep the source's name as an alias of the target so searches still find the person.
    known = {a.lower() for a in tgt.aliases.values_list("name", flat=True)}
    known.add(tgt.full_name.lower())
    if src.full_name.lower() not in known:
        Alias.objects.create(candidate=tgt, name=src.full_name, created_by=actor)
        known.add(src.full_name.lower())
    for alias in src.aliases.all():
        if alias.name.lower() in known:
            continue  # the same name is already on the target; the source keeps its row
        known.add(alias.name.lower())
        _move([alias], "candidate", tgt)

    if tgt.addresses.filter(is_delivery_address=True).exists():
        for address in src.addresses.filter(is_delivery_address=True):
            address.is_delivery_address = False
            address.save()
    _move(src.addresses.all(), "candidate", tgt)

    _move(src.bases.all(), "candidate", tgt)
    _move(src.determinations.all(), "candidate", tgt)
    _move(src.relationships.exclude(related_candidate=tgt), "candidate", tgt)
    _move(
        Relationship.objects.filter(related_candidate=src).exclude(candidate=tgt),
        "related_candidate",
        tgt,
    )
    _move(src.shooting_involvements.all(), "candidate", tgt)
    target_groups = set(tgt.group_memberships.values_list("group_id", flat=True))
    _move(src.group_memberships.exclude(group_id__in=target_groups), "candidate", tgt)
    for meeting in src.gvis_meetings.all():
        meeting.candidates.add(tgt)
    if open_states is not None:
        _move(src.cases.all(), "candidate", tgt)
    _move_other_references(src, tgt)

    for name in ("date_of_birth", "phone", "rms_id"):
        if not getattr(tgt, name) and getattr(src, name):
            setattr(tgt, name, getattr(src, name))
    if src.notes:
        tgt.notes = "\n\n".join(
            p
            for p in (
                tgt.notes,
                _("From merged record %(pk)s: %(notes)s") % {"pk": src.pk, "notes": src.notes},
            )
            if p
        )
    tgt.search_text = search_text_for(tgt)
    bump(tgt)
    tgt.save()

    src.status = Candidate.Status.MERGED
    src.merged_into = tgt
    bump(src)
    src.save()
    return tgt


# References to a candidate that candidate_merge moves itself (or, for merged_records, keeps).
_MERGE_HANDLED = {
    "aliases",
    "addresses",
    "bases",
    "determinations",
    "relationships",
    "related_to",
    "shooting_involvements",
    "group_memberships",
    "cases",
    "merged_records",
}


def _move_other_references(src, tgt):
    """Any other record pointing at the source (a model added later by another area) moves
    to the target too, so a merge never leaves a person's record behind."""
    for rel in Candidate._meta.related_objects:
        if not rel.one_to_many or rel.get_accessor_name() in _MERGE_HANDLED:
            continue
        rows = rel.related_model._default_manager.filter(**{rel.field.name: src})
        _move(rows, rel.field.name, tgt)


def _open_case_states():
    """The open CN case states, or None when the deliveries app has no cases."""
    try:
        from deliveries.models import CNCase
    except ImportError:  # pragma: no cover - deliveries is always installed here
        return None
    return list(CNCase.OPEN_STATES)
