"""Every change to the candidate registry: one atomic function per step, actor recorded,
stale versions refused. Views call these; nothing else writes candidate data."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import policy
from candidates.acting import records_actor
from candidates.models import (
    Address,
    Alias,
    Candidate,
    EligibilityDetermination,
    GroupMembership,
    IdentificationBasis,
    Relationship,
    ShootingInvolvement,
)
from candidates.text import normalize

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


def _check_version(obj, version):
    if version is not None and int(version) != obj.version:
        raise ValidationError(
            _(
                "Someone else changed this record (“%(record)s”) while you were editing it. "
                "Nothing was saved: reload the page to see their changes, then make yours again."
            )
            % {"record": obj},
            code="stale",
        )


def _bump(obj):
    obj.version += 1


def _lock_candidate(candidate):
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


def _recheck_eligibility(candidate):
    """An eligible candidate whose date of birth or bases changed so that the last
    determination no longer holds goes back to Identified: a new determination (ID-DET) is
    needed before anything relies on it. Call with the candidate locked, before saving."""
    if candidate.status != Candidate.Status.ELIGIBLE:
        return
    latest = candidate.determinations.order_by("-determined_on", "-pk").first()
    if latest is None:
        return
    subject = policy.for_candidate(
        candidate, on_date=latest.determined_on, determined_by=latest.determined_by
    )
    if not policy.is_eligible(subject):
        candidate.status = Candidate.Status.IDENTIFIED


def search_text_for(candidate, alias_names=None):
    if alias_names is None:
        alias_names = list(candidate.aliases.values_list("name", flat=True))
    return normalize(" ".join([candidate.full_name, *alias_names]))


def _refresh_search_text(candidate):
    text = search_text_for(candidate)
    if candidate.search_text != text:
        candidate.search_text = text
        candidate.save()


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
    locked = _lock_candidate(candidate)
    _check_version(locked, version)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["search_text"])
    locked.search_text = search_text_for(locked)
    _recheck_eligibility(locked)
    _bump(locked)
    locked.save()
    return locked


# --- aliases and addresses


@records_actor
@transaction.atomic
def alias_add(*, candidate, name, actor):
    locked = _lock_candidate(candidate)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter the alias.")})
    if locked.aliases.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This alias is already recorded.")})
    alias = Alias.objects.create(candidate=locked, name=name, created_by=actor)
    _bump(locked)
    _refresh_search_text(locked)
    locked.save()
    return alias


@records_actor
@transaction.atomic
def alias_remove(*, alias, actor):
    locked = _lock_candidate(alias.candidate)
    alias.delete()  # the historical record keeps it (and who removed it)
    _bump(locked)
    _refresh_search_text(locked)
    locked.save()


def _clear_other_delivery_addresses(candidate, keep=None):
    others = candidate.addresses.filter(is_delivery_address=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    for other in others:
        other.is_delivery_address = False
        _bump(other)
        other.save()


@records_actor
@transaction.atomic
def address_add(*, candidate, actor, **data):
    locked = _lock_candidate(candidate)
    address = Address(candidate=locked, created_by=actor, **data)
    address.full_clean(exclude=["candidate"], validate_constraints=False)
    if address.is_delivery_address:
        _clear_other_delivery_addresses(locked)
    address.save()
    return address


@records_actor
@transaction.atomic
def address_update(*, address, actor, version, **data):
    _lock_candidate(address.candidate)
    locked = Address.objects.select_for_update().get(pk=address.pk)
    _check_version(locked, version)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["candidate"], validate_constraints=False)
    if locked.is_delivery_address:
        _clear_other_delivery_addresses(locked.candidate, keep=locked)
    _bump(locked)
    locked.save()
    return locked


@records_actor
@transaction.atomic
def address_remove(*, address, actor):
    _lock_candidate(address.candidate)
    address.delete()


# --- identification bases


@records_actor
@transaction.atomic
def basis_add(*, candidate, actor, on_date=None, **data):
    """Claim a basis with its evidence. The policy refuses a basis or referral source the
    candidate's age group may not claim (ID-2I, ID-5) and a basis without its evidence."""
    locked = _lock_candidate(candidate)
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
    _bump(locked)
    locked.save()
    return basis


@records_actor
@transaction.atomic
def basis_withdraw(*, basis, actor, reason, version):
    """Withdraw a basis (kept, marked withdrawn with the reason); it no longer counts. When
    the candidate was eligible on it alone, the status goes back to Identified."""
    candidate = _lock_candidate(basis.candidate)
    locked = IdentificationBasis.objects.select_for_update().get(pk=basis.pk)
    _check_version(locked, version)
    if locked.withdrawn:
        raise ValidationError(_("This basis is already withdrawn."), code="withdrawn")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the basis is withdrawn.")})
    locked.withdrawn = True
    locked.withdrawn_reason = reason
    _bump(locked)
    locked.save()
    _recheck_eligibility(candidate)
    _bump(candidate)
    candidate.save()
    return locked


# --- eligibility determination


@records_actor
@transaction.atomic
def determination_record(*, candidate, actor, determined_on=None, note="", version=None):
    """Record an eligibility determination (ID-DET): who and when, what the policy found on
    that day, and the candidate's status from the result."""
    locked = _lock_candidate(candidate)
    _check_version(locked, version)
    determined_on = determined_on or timezone.localdate()
    if determined_on > timezone.localdate():
        raise ValidationError(
            {"determined_on": _("The date of determination cannot be in the future.")}
        )
    subject = policy.for_candidate(locked, on_date=determined_on, determined_by=actor)
    states = policy.checklist(subject)
    eligible = policy.is_eligible(subject)
    failures = [
        {"rule": s.id, "sop": s.sop, "messages": [str(m) for m in s.messages]}
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
    locked.status = Candidate.Status.ELIGIBLE if eligible else Candidate.Status.NOT_ELIGIBLE
    _bump(locked)
    locked.save()
    return determination


# --- relationships


def _check_not_self(candidate, related):
    if related is not None and related.pk == candidate.pk:
        raise ValidationError(
            {"related_candidate": _("A candidate cannot be related to themselves.")}
        )


@records_actor
@transaction.atomic
def relationship_add(*, candidate, actor, **data):
    locked = _lock_candidate(candidate)
    _check_not_self(locked, data.get("related_candidate"))
    relationship = Relationship(candidate=locked, created_by=actor, **data)
    relationship.full_clean(exclude=["candidate"])
    relationship.save()
    return relationship


@records_actor
@transaction.atomic
def relationship_update(*, relationship, actor, version, **data):
    _lock_candidate(relationship.candidate)
    locked = Relationship.objects.select_for_update().get(pk=relationship.pk)
    _check_version(locked, version)
    _check_not_self(locked.candidate, data.get("related_candidate"))
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["candidate"])
    _bump(locked)
    locked.save()
    return locked


# --- groups and shootings (people in them)


@records_actor
@transaction.atomic
def group_member_add(*, group, candidate, actor, since=None, notes=""):
    locked = _lock_candidate(candidate)
    if GroupMembership.objects.filter(group=group, candidate=locked).exists():
        raise ValidationError(
            {"candidate": _("%(name)s is already a member.") % {"name": locked.full_name}}
        )
    return GroupMembership.objects.create(
        group=group, candidate=locked, since=since, notes=notes, created_by=actor
    )


@records_actor
@transaction.atomic
def group_member_remove(*, membership, actor):
    membership.delete()


@records_actor
@transaction.atomic
def involvement_add(*, shooting, actor, role, candidate=None, person_name=""):
    person_name = (person_name or "").strip()
    if candidate is None and not person_name:
        raise ValidationError(
            _("Name the person involved: a candidate's record number or a name."),
            code="person",
        )
    if candidate is not None:
        candidate = _lock_candidate(candidate)
        if ShootingInvolvement.objects.filter(
            shooting=shooting, candidate=candidate, role=role
        ).exists():
            raise ValidationError(
                _("This person is already recorded in this role."), code="duplicate"
            )
    return ShootingInvolvement.objects.create(
        shooting=shooting,
        candidate=candidate,
        person_name="" if candidate else person_name,
        role=role,
        created_by=actor,
    )


@records_actor
@transaction.atomic
def involvement_remove(*, involvement, actor):
    involvement.delete()


def _save_fields(obj, actor, version, data, fields):
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])
    obj.full_clean()
    if obj.pk:
        _bump(obj)
    else:
        obj.created_by = actor
    obj.save()
    return obj


@records_actor
@transaction.atomic
def shooting_save(*, shooting, actor, version=None, **data):
    """Create (unsaved ``shooting``) or change a shooting."""
    from candidates.models import Shooting

    if shooting.pk:
        shooting = Shooting.objects.select_for_update().get(pk=shooting.pk)
        _check_version(shooting, version)
    return _save_fields(
        shooting, actor, version, data, ("occurred_on", "location", "case_number", "notes")
    )


@records_actor
@transaction.atomic
def group_save(*, group, actor, version=None, **data):
    from candidates.models import Group

    if group.pk:
        group = Group.objects.select_for_update().get(pk=group.pk)
        _check_version(group, version)
    return _save_fields(group, actor, version, data, ("name", "kind", "notes"))


@records_actor
@transaction.atomic
def gvis_meeting_save(
    *, meeting, actor, version=None, shootings=(), groups=(), candidates=(), **data
):
    """Create or change a GVIS meeting with the shootings reviewed and who was identified."""
    from candidates.models import GVISMeeting

    if meeting.pk:
        meeting = GVISMeeting.objects.select_for_update().get(pk=meeting.pk)
        _check_version(meeting, version)
    _save_fields(meeting, actor, version, data, ("held_on", "attendees", "notes"))
    meeting.shootings.set(shootings)
    meeting.groups.set(groups)
    meeting.candidates.set(candidates)
    return meeting


# --- merge


def _move(rows, field, target):
    for row in rows:
        setattr(row, field, target)
        if hasattr(row, "version"):
            _bump(row)
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
    first, second = sorted([source.pk, target.pk])
    locked = {c.pk: c for c in Candidate.objects.select_for_update().filter(pk__in=[first, second])}
    src, tgt = locked[source.pk], locked[target.pk]
    for record in (src, tgt):
        if record.status == Candidate.Status.MERGED:
            raise ValidationError(
                _("Record %(pk)s was already merged into record %(into)s.")
                % {"pk": record.pk, "into": record.merged_into_id},
                code="merged",
            )
    _check_version(src, source_version)
    _check_version(tgt, target_version)

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
    _bump(tgt)
    tgt.save()

    src.status = Candidate.Status.MERGED
    src.merged_into = tgt
    _bump(src)
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
