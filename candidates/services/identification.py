"""Identification bases and the eligibility determination (ID-1 ... ID-5, ID-DET)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import policy
from candidates.models import (
    Candidate,
    EligibilityDetermination,
    IdentificationBasis,
    ShootingInvolvement,
)
from candidates.services.common import (
    bump,
    check_version,
    lock_candidate,
    recheck_eligibility,
)
from vipcn.acting import records_actor

# --- identification bases


@records_actor
@transaction.atomic
def basis_add(*, candidate, actor, on_date=None, **data):
    """Claim a basis with its evidence. The policy refuses a basis or referral source the
    candidate's age group may not claim (ID-2I, ID-5) and a basis without its evidence."""
    locked = lock_candidate(candidate)
    basis = IdentificationBasis(candidate=locked, created_by=actor, **data)
    subject = policy.Identification(candidate=locked, on_date=on_date)
    errors = policy.basis_errors(basis, juvenile=subject.juvenile, on_date=subject.on_date)
    if errors:
        raise ValidationError(errors)
    basis.full_clean(exclude=["candidate"])
    basis.save()
    if basis.code == IdentificationBasis.Code.VICTIM and basis.shooting_id:
        # A victim basis puts the candidate on the shooting's list of people involved.
        ShootingInvolvement.objects.get_or_create(
            shooting_id=basis.shooting_id,
            candidate=locked,
            role=ShootingInvolvement.Role.VICTIM,
            defaults={"created_by": actor},
        )
    bump(locked)
    locked.save()
    return basis


@records_actor
@transaction.atomic
def basis_withdraw(*, basis, actor, reason, version):
    """Withdraw a basis (kept, marked withdrawn with the reason); it no longer counts. When
    the candidate was eligible on it alone, the status goes back to Identified."""
    candidate = lock_candidate(basis.candidate)
    locked = IdentificationBasis.objects.select_for_update().get(pk=basis.pk)
    check_version(locked, version)
    if locked.withdrawn:
        raise ValidationError(_("This basis is already withdrawn."), code="withdrawn")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the basis is withdrawn.")})
    locked.withdrawn = True
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_reason = reason
    bump(locked)
    locked.save()
    recheck_eligibility(candidate)
    bump(candidate)
    candidate.save()
    return locked


# --- eligibility determination


@records_actor
@transaction.atomic
def determination_record(*, candidate, actor, determined_on=None, note="", version=None):
    """Record an eligibility determination (ID-DET): who and when, what the policy found on
    that day, and the candidate's status from the result."""
    locked = lock_candidate(candidate)
    check_version(locked, version)
    determined_on = determined_on or timezone.localdate()
    if determined_on > timezone.localdate():
        raise ValidationError(
            {"determined_on": _("The date of determination cannot be in the future.")}
        )
    subject = policy.for_candidate(locked, on_date=determined_on, determined_by=actor)
    states = policy.checklist(subject)
    eligible = policy.is_eligible(subject)
    failures = [
        {"rule": s.id, "sop": s.cites, "messages": [str(m) for m in s.messages]}
        for s in states
        if s.errors
    ]
    determination = EligibilityDetermination.objects.create(
        candidate=locked,
        determined_by=actor,
        determined_on=determined_on,
        eligible=eligible,
        juvenile=subject.juvenile,
        failures=failures,
        note=note,
        created_by=actor,
    )
    # ID-DET: the latest-dated determination is the one in force; one dated before it is kept
    # in the record and changes nothing current.
    in_force = policy.determination_in_force(locked, timezone.now())
    locked.status = (
        Candidate.Status.ELIGIBLE
        if in_force and in_force.eligible
        else Candidate.Status.NOT_ELIGIBLE
    )
    recheck_eligibility(locked)
    bump(locked)
    locked.save()
    return determination
