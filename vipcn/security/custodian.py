"""Sealed juvenile records (NMSA 32A-2-26): absent for everyone, except that a records
custodian may open one by giving a reason, and that opening is logged."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from candidates.models import Candidate
from vipcn.models import AccessLogEntry
from vipcn.roles import CUSTODIAN, has_role
from vipcn.security import audit

MIN_REASON_LENGTH = 10


def sealed_record_open(*, actor, candidate_pk, reason, request=None):
    """The sealed candidate, for a custodian who gave a reason; Http404 for anyone else.

    Anyone else gets the same answer as for a record that does not exist.
    """
    if not has_role(actor, CUSTODIAN):
        raise Http404
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
