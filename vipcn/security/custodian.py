"""Sealed juvenile records (NMSA 32A-2-26): the Records Custodian's procedure.

A sealed record is absent for everyone (candidates.visibility). Only a Records Custodian
seals one (with the court order's reference and date, and a reason), unseals one (with a
reason), or opens one (with a reason). Each step is a record of its own (``SealingEvent``,
with history) where it changes something, and an entry of its own in the access log; the
auditor reads both. Anyone else gets the same answer as for a record that does not exist.

**Whose record may be sealed.** The statute seals the records of a *juvenile* proceeding, and
courts usually order it years later, when the person is an adult. So a record may be sealed
when the person was 17 or younger on a date the record covers — the earliest of: the record's
creation, a basis's referral, a shooting the person is recorded in, a determination, a case's
opening — or when a determination found them juvenile; not when every date it covers is from
their adulthood (that is not a juvenile record), nor when neither the date of birth nor a
juvenile determination says so (staff record the date of birth first).

**One person, every record.** Records merged into one another are one person: sealing or
unsealing any of them does the same to all of them, each with its own event.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import (
    Candidate,
    EligibilityDetermination,
    IdentificationBasis,
    SealingEvent,
    ShootingInvolvement,
    age_on,
)
from vipcn.acting import records_actor
from vipcn.models import AccessLogEntry
from vipcn.roles import CUSTODIAN, has_role
from vipcn.security import audit

MIN_REASON_LENGTH = 10
# Kept on the candidate's own history row: the order and the reason stay in SealingEvent,
# which only the custodian and the auditor read.
SEALED_HISTORY_NOTE = "sealed by the records custodian"
UNSEALED_HISTORY_NOTE = "unsealed by the records custodian"


def _custodian_only(actor):
    if not has_role(actor, CUSTODIAN):
        raise Http404


def _reason(reason, message):
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": message % {"n": MIN_REASON_LENGTH}}, code="reason")
    return reason


def sealed_record_open(*, actor, candidate_pk, reason, request=None):
    """The sealed candidate, for a custodian who gave a reason; Http404 for anyone else.

    Anyone else gets the same answer as for a record that does not exist.
    """
    _custodian_only(actor)
    try:
        candidate = Candidate.objects.get(pk=candidate_pk, sealed=True)
    except (Candidate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            _("Give the reason for opening this sealed record (at least %(n)d characters).")
            % {"n": MIN_REASON_LENGTH},
            code="reason",
        )
    audit.record(
        AccessLogEntry.Action.SEALED_OPENED,
        request=request,
        user=actor,
        object_type="candidate",
        object_id=candidate.pk,
        object_refs={"candidate": str(candidate.pk)},
        detail=reason,
    )
    return candidate


def sealed_record_exists_for(actor, candidate_pk):
    """Whether to show the reason form: only a custodian learns a sealed record exists."""
    return (
        has_role(actor, CUSTODIAN)
        and Candidate.objects.filter(pk=candidate_pk, sealed=True).exists()
    )


# --- one person's records


def person_records(candidate):
    """The pks of every record of the person: the record kept and all merged into it."""
    seen = {candidate.pk}
    root_pk = candidate.merged_into_id
    while root_pk is not None and root_pk not in seen:
        seen.add(root_pk)
        root_pk = Candidate.objects.filter(pk=root_pk).values_list("merged_into", flat=True).first()
    frontier = set(seen)
    while frontier:
        frontier = set(
            Candidate.objects.filter(merged_into__in=frontier)
            .exclude(pk__in=seen)
            .values_list("pk", flat=True)
        )
        seen |= frontier
    return sorted(seen)


def juvenile_on_record(pks):
    """The date on which the record shows the person at 17 or younger, or None.

    A determination that found them juvenile gives its date; otherwise the earliest date the
    record covers, if the person was then 17 or younger (see the module docstring).
    """
    determined = (
        EligibilityDetermination.objects.filter(candidate__in=pks, juvenile=True)
        .order_by("determined_on")
        .values_list("determined_on", flat=True)
        .first()
    )
    if determined is not None:
        return determined
    people = Candidate.objects.filter(pk__in=pks)
    births = [dob for dob in people.values_list("date_of_birth", flat=True) if dob]
    if not births:
        return None
    dates = [timezone.localdate(at) for at in people.values_list("created_at", flat=True)]
    for value in (
        IdentificationBasis.objects.filter(candidate__in=pks).aggregate(d=Min("referral_date")),
        ShootingInvolvement.objects.filter(candidate__in=pks).aggregate(
            d=Min("shooting__occurred_on")
        ),
        EligibilityDetermination.objects.filter(candidate__in=pks).aggregate(
            d=Min("determined_on")
        ),
        people.aggregate(d=Min("cases__opened_on")),
    ):
        if value["d"] is not None:
            dates.append(value["d"])
    earliest = min(dates)
    # Dates of birth of merged records may differ; the person was a juvenile if any says so.
    if any(age_on(dob, earliest) is not None and age_on(dob, earliest) <= 17 for dob in births):
        return earliest
    return None


def _locked_records(candidate_pk, *, currently_sealed):
    """The person's records, locked; Http404 unless the record asked for is in that state."""
    try:
        candidate = Candidate.objects.get(pk=candidate_pk)
    except (Candidate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    pks = person_records(candidate)
    records = list(Candidate.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    if next(r for r in records if r.pk == candidate.pk).sealed != currently_sealed:
        raise Http404
    return records


def _flip(records, *, sealed, note):
    """Set the flag on each record not already so (each change kept in its history)."""
    flipped = []
    for record in records:
        if record.sealed == sealed:
            continue
        record.sealed = sealed
        record.version += 1
        record._change_reason = note
        record.save(update_fields=["sealed", "version", "updated_at"])
        flipped.append(record)
    return flipped


def _log(action, request, actor, event):
    # The log's own words stay in English, whoever's language: only the reason is theirs.
    detail = event.reason
    if event.order_reference:
        date = event.order_date.isoformat() if event.order_date else "?"
        detail = f"court order {event.order_reference} of {date}: {event.reason}"
    audit.record(
        action,
        request=request,
        user=actor,
        object_type="candidate",
        object_id=event.candidate_id,
        object_refs={"candidate": str(event.candidate_id)},
        detail=detail,
    )


@records_actor
@transaction.atomic
def record_seal(*, actor, candidate_pk, order_reference, order_date, reason, request=None):
    """Seal a person's record by court order. Returns the events written (one per record).

    Raises Http404 unless the actor is a records custodian and the record exists unsealed;
    ValidationError (by field) when the order, its date or the reason is missing, or when
    the record is not a juvenile record (see the module docstring).
    """
    _custodian_only(actor)
    records = _locked_records(candidate_pk, currently_sealed=False)
    errors = {}
    order_reference = (order_reference or "").strip()
    if not order_reference:
        errors["order_reference"] = _("Give the court order's reference (its docket number).")
    if order_date is None:
        errors["order_date"] = _("Give the date of the court order.")
    elif order_date > timezone.localdate():
        errors["order_date"] = _("The court order cannot be dated in the future.")
    try:
        reason = _reason(reason, _("Give the reason for sealing (at least %(n)d characters)."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if juvenile_on_record([r.pk for r in records]) is None:
        raise ValidationError(
            _(
                "This is not a juvenile record: it shows the person at 18 or older on every "
                "date it covers, or it has no date of birth and no determination that found "
                "them a juvenile. NMSA 32A-2-26 seals records of juvenile proceedings. If the "
                "date of birth is missing or wrong, ask VIP staff to correct it first."
            ),
            code="not_juvenile",
        )
    events = []
    for record in _flip(records, sealed=True, note=SEALED_HISTORY_NOTE):
        event = SealingEvent.objects.create(
            candidate=record,
            action=SealingEvent.Action.SEALED,
            order_reference=order_reference,
            order_date=order_date,
            reason=reason,
            acted_by=actor,
        )
        _log(AccessLogEntry.Action.SEALED, request, actor, event)
        events.append(event)
    return events


@records_actor
@transaction.atomic
def record_unseal(
    *, actor, candidate_pk, reason, order_reference="", order_date=None, request=None
):
    """Unseal a person's record, giving the reason (and the order, if a court ordered it).

    Raises Http404 unless the actor is a records custodian and the record is sealed.
    """
    _custodian_only(actor)
    records = _locked_records(candidate_pk, currently_sealed=True)
    errors = {}
    try:
        reason = _reason(reason, _("Give the reason for unsealing (at least %(n)d characters)."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if order_date is not None and order_date > timezone.localdate():
        errors["order_date"] = _("The court order cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    events = []
    for record in _flip(records, sealed=False, note=UNSEALED_HISTORY_NOTE):
        event = SealingEvent.objects.create(
            candidate=record,
            action=SealingEvent.Action.UNSEALED,
            order_reference=(order_reference or "").strip(),
            order_date=order_date,
            reason=reason,
            acted_by=actor,
        )
        _log(AccessLogEntry.Action.UNSEALED, request, actor, event)
        events.append(event)
    return events


def records_to_seal(actor, *, record_number=None, last_name="", date_of_birth=None):
    """Unsealed records matching a court order's person: by record number, or by last name
    and date of birth together (an order names both). For a records custodian only."""
    _custodian_only(actor)
    qs = Candidate.objects.filter(sealed=False)
    if record_number:
        return qs.filter(pk=record_number)
    if last_name and date_of_birth:
        return qs.filter(last_name__iexact=last_name.strip(), date_of_birth=date_of_birth)
    return qs.none()


def sealed_records(actor):
    """Sealed records, by record number, with their latest sealing (no names: opening one
    is a logged step of its own)."""
    _custodian_only(actor)
    latest = {}
    for event in SealingEvent.objects.filter(
        candidate__sealed=True, action=SealingEvent.Action.SEALED
    ).order_by("acted_at", "pk"):
        latest[event.candidate_id] = event
    return [
        {"pk": pk, "event": latest.get(pk)}
        for pk in Candidate.objects.filter(sealed=True).order_by("pk").values_list("pk", flat=True)
    ]
