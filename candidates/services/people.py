"""The candidate, aliases, addresses and relationships."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from candidates.models import (
    Address,
    Alias,
    Candidate,
    Relationship,
)
from candidates.services.common import (
    CANDIDATE_FIELDS,
    bump,
    check_version,
    lock_candidate,
    recheck_eligibility,
    refresh_search_text,
    search_text_for,
)
from vipcn.acting import records_actor

# --- candidates


@records_actor
@transaction.atomic
def candidate_create(*, actor, aliases=(), **data):
    """Register a candidate (and any aliases). Age and juvenile status derive from the date of
    birth; the status starts as Identified until a determination is recorded (ID-DET)."""
    unknown = set(data) - set(CANDIDATE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    candidate = Candidate(**data, created_by=actor)
    candidate.full_clean(exclude=["search_text"])
    candidate.search_text = search_text_for(candidate, list(aliases))
    candidate.save()
    for name in aliases:
        if name.strip():
            Alias.objects.create(candidate=candidate, name=name.strip(), created_by=actor)
    return candidate


@records_actor
@transaction.atomic
def candidate_update(*, candidate, actor, version, **data):
    """Change a candidate's identity fields; refused when the form's version is stale."""
    unknown = set(data) - set(CANDIDATE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    locked = lock_candidate(candidate)
    check_version(locked, version)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["search_text"])
    locked.search_text = search_text_for(locked)
    recheck_eligibility(locked)
    bump(locked)
    locked.save()
    return locked


# --- aliases and addresses


@records_actor
@transaction.atomic
def alias_add(*, candidate, name, actor):
    locked = lock_candidate(candidate)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter the alias.")})
    if locked.aliases.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This alias is already recorded.")})
    alias = Alias.objects.create(candidate=locked, name=name, created_by=actor)
    bump(locked)
    refresh_search_text(locked)
    locked.save()
    return alias


@records_actor
@transaction.atomic
def alias_remove(*, alias, actor):
    locked = lock_candidate(alias.candidate)
    alias.delete()  # the historical record keeps it (and who removed it)
    bump(locked)
    refresh_search_text(locked)
    locked.save()


def _clear_other_delivery_addresses(candidate, keep=None):
    others = candidate.addresses.filter(is_delivery_address=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    for other in others:
        other.is_delivery_address = False
        bump(other)
        other.save()


@records_actor
@transaction.atomic
def address_add(*, candidate, actor, **data):
    locked = lock_candidate(candidate)
    address = Address(candidate=locked, created_by=actor, **data)
    address.full_clean(exclude=["candidate"], validate_constraints=False)
    if address.is_delivery_address:
        _clear_other_delivery_addresses(locked)
    address.save()
    return address


@records_actor
@transaction.atomic
def address_update(*, address, actor, version, **data):
    lock_candidate(address.candidate)
    locked = Address.objects.select_for_update().get(pk=address.pk)
    check_version(locked, version)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["candidate"], validate_constraints=False)
    if locked.is_delivery_address:
        _clear_other_delivery_addresses(locked.candidate, keep=locked)
    bump(locked)
    locked.save()
    return locked


@records_actor
@transaction.atomic
def address_remove(*, address, actor):
    lock_candidate(address.candidate)
    address.delete()


# --- relationships


def _check_not_self(candidate, related):
    if related is not None and related.pk == candidate.pk:
        raise ValidationError(
            {"related_candidate": _("A candidate cannot be related to themselves.")}
        )


@records_actor
@transaction.atomic
def relationship_add(*, candidate, actor, **data):
    locked = lock_candidate(candidate)
    _check_not_self(locked, data.get("related_candidate"))
    relationship = Relationship(candidate=locked, created_by=actor, **data)
    relationship.full_clean(exclude=["candidate"])
    relationship.save()
    return relationship


@records_actor
@transaction.atomic
def relationship_update(*, relationship, actor, version, **data):
    lock_candidate(relationship.candidate)
    locked = Relationship.objects.select_for_update().get(pk=relationship.pk)
    check_version(locked, version)
    _check_not_self(locked.candidate, data.get("related_candidate"))
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["candidate"])
    bump(locked)
    locked.save()
    return locked
