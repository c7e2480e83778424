"""Helpers every registry service shares: version checks, locking, search text, and the
re-check of an eligible candidate after a change."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import policy
from candidates.models import (
    Candidate,
)
from candidates.text import normalize
from vipcn.concurrency import ensure_current

CANDIDATE_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "rms_id",
    "preferred_language",
    "assigned_to",
    "notes",
)
BASIS_FIELDS = (
    "code",
    "shooting",
    "gvis_meeting",
    "link_analysis",
    "referral_source",
    "referred_by",
    "referral_date",
    "justification",
)
RELATIONSHIP_FIELDS = (
    "kind",
    "related_candidate",
    "name",
    "phone",
    "address",
    "preferred_language",
    "notes",
)
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "is_delivery_address", "notes")


def check_version(obj, version):
    """Refuse a stale form (vipcn.concurrency, the one mechanism)."""
    ensure_current(obj, version)


def bump(obj):
    obj.version += 1


def lock_candidate(candidate):
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status == Candidate.Status.MERGED:
        raise ValidationError(
            _(
                "This record was merged into record %(pk)s and can no longer be changed; "
                "open that record instead."
            )
            % {"pk": locked.merged_into_id},
            code="merged",
        )
    return locked


def recheck_eligibility(candidate):
    """An eligible candidate whose date of birth or bases changed so that the determination in
    force no longer holds goes back to Identified: a new determination (ID-DET) is needed
    before anything relies on it. Call with the candidate locked, before saving."""
    if candidate.status != Candidate.Status.ELIGIBLE:
        return
    try:
        policy.Determination().validate(candidate, timezone.now())
    except ValidationError:
        candidate.status = Candidate.Status.IDENTIFIED


def search_text_for(candidate, alias_names=None):
    if alias_names is None:
        alias_names = list(candidate.aliases.values_list("name", flat=True))
    return normalize(" ".join([candidate.full_name, *alias_names]))


def refresh_search_text(candidate):
    text = search_text_for(candidate)
    if candidate.search_text != text:
        candidate.search_text = text
        candidate.save()
