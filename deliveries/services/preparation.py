"""Preparing a CN case, from opening to the Lead's approval (SOP 2-64-4 B, 2-64-5 B).

Every function is one step: keyword-only, atomic, locks the case row (select_for_update),
refuses a stale form (the case ``version`` it was loaded with), runs the policy, writes and
records the actor. Any change to a prepared item bumps the case's version; a change to an
approved case makes the approval lapse (READY -> PREPARING, with a transition note).
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Candidate, Relationship
from deliveries import letters, notifications
from deliveries.lifecycle import move
from deliveries.models import (
    BackgroundCheck,
    CaseTransition,
    CNCase,
    GuardianContact,
    JPOCheck,
    JuvenileDecision,
    LetterVersion,
    Personnel,
    SocialServicesPlan,
    TeamAssignment,
    ThreatAssessment,
)
from deliveries.policy import preparation as policy
from deliveries.policy.personnel import (
    check_accompanying,
    check_deliverer,
    is_designated_lead,
)
from vipcn.acting import records_actor

SENSITIVE_PERMISSION = "deliveries.view_sensitive"
S = CNCase.State


# --- helpers -------------------------------------------------------------------------------


def _lock(case, version, *, states=(S.PREPARING, S.READY), announce=True):
    """The case row, locked for this transaction, after the state and version checks.

    With ``announce``, the Leads are told (after commit) when this step makes the case ready
    for their approval."""
    locked = CNCase.objects.select_for_update().select_related("candidate").get(pk=case.pk)
    if version is not None and locked.version != version:
        raise ValidationError(
            _(
                "This case was changed by someone else since you opened it. Nothing was saved: "
                "reload the page, check the changes, and try again."
            ),
            code="stale",
        )
    if states is not None and locked.state not in states:
        raise ValidationError(
            _("The case is “%(state)s”: its preparation can no longer be changed.")
            % {"state": locked.get_state_display()},
            code="not_preparing",
        )
    if announce:
        _announce_when_ready(locked)
    return locked


def _fresh(case_pk):
    # A new instance: the rules cache related rows on the instance they read.
    return CNCase.objects.select_related("candidate").get(pk=case_pk)


def _announce_when_ready(locked):
    """Tell the Leads once per "not ready -> awaiting approval" change, after the commit.

    Idempotent without stored state: a step that leaves an already-waiting case waiting sends
    nothing; a case that lapsed from approval (READY -> PREPARING) and waits again is new work.
    """
    if locked.state == S.PREPARING and policy.awaiting_approval(_fresh(locked.pk)):
        return

    def announce():
        case = _fresh(locked.pk)
        if policy.awaiting_approval(case):
            notifications.notify_awaiting_approval(case)

    transaction.on_commit(announce, robust=True)


def _touched(case, actor, what):
    """Record that a prepared item changed: bump the version, and lapse an approval."""
    if case.state == S.READY:
        case.approved_by = None
        case.approved_at = None
        move(
            case,
            S.PREPARING,
            actor=actor,
            note=_("Approval lapsed: %(what)s changed after the approval.") % {"what": what},
        )
    else:
        case.version += 1
        case.save()


def _sync(original, locked):
    """Give the caller's instance the saved state (so a second call is not stale)."""
    if original is not locked:
        original.refresh_from_db()


def _bump(item, actor, **fields):
    """Update an item's fields (or set them on a new one) and record who did it."""
    for name, value in fields.items():
        setattr(item, name, value)
    if item.pk is None:
        item.created_by = actor
    else:
        item.version += 1
    item.save()
    return item


def _safeguards(case, on_date=None):
    return policy.Subject(case, on_date).juvenile


def lapse_note_for(case):
    """The transition that made the case's approval lapse, if the case is back in preparation
    because of one (shown on the case page)."""
    if case.state != S.PREPARING:
        return None
    transitions = list(case.transitions.all())
    last = transitions[-1] if transitions else None
    if last and last.from_state == S.READY and last.to_state == S.PREPARING:
        return last
    return None


# --- opening -------------------------------------------------------------------------------


def _next_number(year):
    prefix = f"CN-{year}-"
    if connection.vendor == "postgresql":
        # Serialise numbering per year so two openings never compute the same number.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [640000 + year])
    last = (
        CNCase.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


@records_actor
@transaction.atomic
def case_open(*, candidate, actor, assigned_to=None, on_date=None):
    """Open a CN case for an eligible candidate (one open case per candidate)."""
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != Candidate.Status.ELIGIBLE:
        raise ValidationError(
            _(
                "%(name)s is “%(status)s”: only a candidate determined eligible (ID-DET) can "
                "have a CN case."
            )
            % {"name": locked.full_name, "status": locked.get_status_display()},
            code="ID-DET",
        )
    open_case = CNCase.objects.filter(candidate=locked, state__in=CNCase.OPEN_STATES).first()
    if open_case is not None:
        raise ValidationError(
            _("%(name)s already has an open CN case, %(number)s; close or withdraw it first.")
            % {"name": locked.full_name, "number": open_case.number},
            code="case_open",
        )
    opened_on = on_date or timezone.localdate()
    case = CNCase.objects.create(
        number=_next_number(opened_on.year),
        candidate=locked,
        opened_on=opened_on,
        assigned_to=assigned_to or locked.assigned_to or actor,
        created_by=actor,
    )
    CaseTransition.objects.create(
        case=case, from_state="", to_state=S.PREPARING, actor=actor, note=_("Case opened.")
    )
    return case


# --- P-THREAT, P-BACKGROUND ------------------------------------------------------------------


def _record_check(model, rule_id, label, *, case, version, actor, **fields):
    locked = _lock(case, version)
    existing = model.objects.filter(case=locked).first()
    if existing is not None and not actor.has_perm(SENSITIVE_PERMISSION):
        raise policy.RULES_BY_ID[rule_id].fail(
            _(
                "the %(item)s is already recorded; only a user who may read it can replace it. "
                "Ask the VIP Law Enforcement Lead."
            ),
            item=label,
        )
    item = _bump(existing or model(case=locked), actor, **fields)
    _touched(locked, actor, label)
    _sync(case, locked)
    return item


@records_actor
@transaction.atomic
def threat_assessment_record(*, case, version, completed_by, completed_on, summary, actor):
    """Record (or, with permission to read it, replace) the threat assessment (P-THREAT)."""
    return _record_check(
        ThreatAssessment,
        "P-THREAT",
        _("threat assessment"),
        case=case,
        version=version,
        actor=actor,
        completed_by=completed_by,
        completed_on=completed_on,
        summary=summary,
    )


@records_actor
@transaction.atomic
def background_check_record(*, case, version, completed_by, completed_on, summary, actor):
    """Record (or, with permission to read it, replace) the background check (P-BACKGROUND)."""
    return _record_check(
        BackgroundCheck,
        "P-BACKGROUND",
        _("background check"),
        case=case,
        version=version,
        actor=actor,
        completed_by=completed_by,
        completed_on=completed_on,
        summary=summary,
    )


# --- P-LETTER --------------------------------------------------------------------------------


def lead_name_for(case, actor):
    """Who signs the letter: the Lead on the team, else the recorded VIP Lead, else the user."""
    member = case.team.filter(role=TeamAssignment.Role.LEAD).select_related("personnel").first()
    if member is not None:
        return member.personnel.full_name
    lead = Personnel.objects.filter(is_vip_lead=True, is_active=True).first()
    if lead is not None:
        return lead.full_name
    return actor.get_full_name() or actor.get_username()


@records_actor
@transaction.atomic
def letter_draft(*, case, version, template, penalties, actor, body=""):
    """Make a new letter version from ``template`` merged with the candidate and penalties.

    ``body`` (optional) is the drafter's edited text; without it the template is merged.
    Placeholders are replaced as plain text (deliveries.letters), never rendered as a template.
    """
    locked = _lock(case, version)
    rule = policy.RULES_BY_ID["P-LETTER"]
    accepted = locked.letter_versions.filter(accepted_at__isnull=False).first()
    if accepted is not None:
        raise rule.fail(
            _("letter version %(number)s was accepted by the Lead and is final."),
            number=accepted.number,
        )
    if not template.is_active:
        raise rule.fail(_("the template “%(name)s” is no longer in use."), name=template.name)
    penalties = list(penalties)
    inactive = [p.statute for p in penalties if not p.is_active]
    if inactive:
        raise rule.fail(
            _("these penalties are no longer in use: %(list)s."), list=", ".join(inactive)
        )
    text = body.strip() if body else ""
    if not text:
        values = letters.merge_values(
            case=locked,
            language=template.language,
            penalties=penalties,
            lead_name=lead_name_for(locked, actor),
        )
        text = letters.merge(template.body, values)
    last = locked.letter_versions.order_by("-number").values_list("number", flat=True).first()
    letter = LetterVersion.objects.create(
        case=locked,
        number=(last or 0) + 1,
        template=template,
        language=template.language,
        body=text,
        created_by=actor,
    )
    letter.penalties.set(penalties)
    if locked.no_letter_reason:
        locked.no_letter_reason = ""
        locked.no_letter_by = None
    _touched(locked, actor, _("the letter"))
    _sync(case, locked)
    return letter


@records_actor
@transaction.atomic
def letter_accept(*, case, version, letter, actor):
    """The Lead accepts a letter version; it is then final and is the one presented."""
    policy.require_lead(
        actor, "P-LETTER", _("only the VIP Law Enforcement Lead can accept the letter.")
    )
    locked = _lock(case, version)
    rule = policy.RULES_BY_ID["P-LETTER"]
    letter = LetterVersion.objects.select_for_update().get(pk=letter.pk, case=locked)
    if locked.letter_versions.filter(accepted_at__isnull=False).exists():
        raise rule.fail(_("a letter version has already been accepted for this case."))
    latest = locked.letter_versions.order_by("-number").first()
    if letter.pk != latest.pk:
        raise rule.fail(
            _(
                "version %(number)s is not the latest draft (version %(latest)s); "
                "accept the latest."
            ),
            number=letter.number,
            latest=latest.number,
        )
    letter.accepted_by = actor
    letter.accepted_at = timezone.now()
    letter.version += 1
    letter.save()
    locked.no_letter_reason = ""
    locked.no_letter_by = None
    _touched(locked, actor, _("the letter"))
    _sync(case, locked)
    return letter


@records_actor
@transaction.atomic
def no_letter_record(*, case, version, reason, actor):
    """The Lead records why no letter is warranted (P-LETTER)."""
    policy.require_lead(
        actor,
        "P-LETTER",
        _("only the VIP Law Enforcement Lead can decide that no letter is warranted."),
    )
    locked = _lock(case, version)
    rule = policy.RULES_BY_ID["P-LETTER"]
    if not reason or not reason.strip():
        raise rule.fail(_("write why no letter is warranted."))
    accepted = locked.letter_versions.filter(accepted_at__isnull=False).first()
    if accepted is not None:
        raise rule.fail(
            _("letter version %(number)s was accepted and is final."), number=accepted.number
        )
    locked.no_letter_reason = reason.strip()
    locked.no_letter_by = actor
    _touched(locked, actor, _("the letter decision"))
    _sync(case, locked)
    return locked


# --- P-TEAM ----------------------------------------------------------------------------------


@records_actor
@transaction.atomic
def team_member_add(*, case, version, personnel, role, actor, on_date=None):
    """Put a person on the delivery team; deliverers must be eligible (DLV-*) on the day."""
    locked = _lock(case, version)
    on_date = on_date or timezone.localdate()
    rule = policy.RULES_BY_ID["P-TEAM"]
    if locked.team.filter(personnel=personnel).exists():
        raise rule.fail(_("%(name)s is already on the team."), name=personnel.full_name)
    if role == TeamAssignment.Role.ACCOMPANYING:
        check_accompanying(personnel, on_date)
        if not locked.team.filter(role=TeamAssignment.Role.LEAD).exists():
            raise rule.fail(
                _(
                    "an officer not yet eligible may go only with the VIP Law Enforcement Lead: "
                    "add the Lead to the team first."
                )
            )
    else:
        if role == TeamAssignment.Role.LEAD and not is_designated_lead(personnel, on_date):
            raise rule.fail(
                _(
                    "%(name)s is not recorded as the VIP Law Enforcement Lead or a designee; add "
                    "them as a deliverer."
                ),
                name=personnel.full_name,
            )
        check_deliverer(personnel, on_date)
    member = TeamAssignment.objects.create(
        case=locked, personnel=personnel, role=role, created_by=actor
    )
    _touched(locked, actor, _("the delivery team"))
    _sync(case, locked)
    return member


@records_actor
@transaction.atomic
def team_member_remove(*, case, version, member, actor):
    locked = _lock(case, version)
    member = TeamAssignment.objects.get(pk=member.pk, case=locked)
    if (
        member.role == TeamAssignment.Role.LEAD
        and locked.team.filter(role=TeamAssignment.Role.ACCOMPANYING).exists()
        and locked.team.filter(role=TeamAssignment.Role.LEAD).count() == 1
    ):
        raise policy.RULES_BY_ID["P-TEAM"].fail(
            _(
                "an accompanying officer is on the team and may go only with the Lead: remove "
                "the accompanying officer first."
            )
        )
    member.delete()
    _touched(locked, actor, _("the delivery team"))
    _sync(case, locked)


# --- P-SOCIAL --------------------------------------------------------------------------------


@records_actor
@transaction.atomic
def social_services_record(
    *, case, version, organization, contact_person, actor, phone="", notes=""
):
    locked = _lock(case, version)
    if not (organization.strip() and contact_person.strip()):
        raise policy.RULES_BY_ID["P-SOCIAL"].fail(
            _("name both the provider organisation and the person coordinated with.")
        )
    existing = SocialServicesPlan.objects.filter(case=locked).first()
    plan = _bump(
        existing or SocialServicesPlan(case=locked),
        actor,
        organization=organization.strip(),
        contact_person=contact_person.strip(),
        phone=phone,
        notes=notes,
    )
    _touched(locked, actor, _("the social services plan"))
    _sync(case, locked)
    return plan


# --- juveniles: J-JPO, J-DECIDE, J-GUARDIAN --------------------------------------------------


def _juvenile_only(case, rule_id):
    if not _safeguards(case):
        raise policy.RULES_BY_ID[rule_id].fail(
            _("this step applies to juveniles only (J-AGE); the candidate is an adult.")
        )


@records_actor
@transaction.atomic
def jpo_check_record(
    *, case, version, contacted_on, jpo_contact, on_probation, actor, probation_officer="", notes=""
):
    locked = _lock(case, version)
    _juvenile_only(locked, "J-JPO")
    if on_probation and not probation_officer.strip():
        raise policy.RULES_BY_ID["J-JPO"].fail(
            _("the juvenile is on probation: record the name of the probation officer.")
        )
    existing = JPOCheck.objects.filter(case=locked).first()
    jpo = _bump(
        existing or JPOCheck(case=locked),
        actor,
        contacted_on=contacted_on,
        jpo_contact=jpo_contact,
        on_probation=on_probation,
        probation_officer=probation_officer.strip(),
        notes=notes,
    )
    _touched(locked, actor, _("the Juvenile Probation Office check"))
    _sync(case, locked)
    return jpo


@records_actor
@transaction.atomic
def juvenile_decision_record(
    *, case, version, decision, services_status, actor, probation_relationship="", on_date=None
):
    """The Lead's decision whether the CN shall be delivered (J-DECIDE); "do not deliver"
    stops the case."""
    policy.require_lead(
        actor,
        "J-DECIDE",
        _("only the VIP Law Enforcement Lead decides whether a juvenile's CN is delivered."),
    )
    locked = _lock(case, version)
    _juvenile_only(locked, "J-DECIDE")
    rule = policy.RULES_BY_ID["J-DECIDE"]
    if not JPOCheck.objects.filter(case=locked).exists():
        raise rule.fail(
            _(
                "record the Juvenile Probation Office contact (J-JPO) first: the decision "
                "rests on it."
            )
        )
    if not services_status.strip():
        raise rule.fail(_("describe the status of services to the juvenile."))
    existing = JuvenileDecision.objects.filter(case=locked).first()
    item = _bump(
        existing or JuvenileDecision(case=locked),
        actor,
        decision=decision,
        services_status=services_status.strip(),
        probation_relationship=probation_relationship.strip(),
        decided_by=actor,
        decided_on=on_date or timezone.localdate(),
    )
    if decision == JuvenileDecision.Decision.DO_NOT_DELIVER:
        if locked.state == S.READY:
            _touched(locked, actor, _("the juvenile delivery decision"))
        locked.end_reason = _("The Lead decided the CN shall not be delivered: %(why)s") % {
            "why": item.services_status
        }
        move(
            locked,
            S.STOPPED,
            actor=actor,
            note=_("Juvenile: the Lead decided the CN shall not be delivered (J-DECIDE)."),
        )
    else:
        _touched(locked, actor, _("the juvenile delivery decision"))
    _sync(case, locked)
    return item


def _guardian_of(case, guardian):
    if guardian.candidate_id != case.candidate_id or not guardian.is_parent_or_guardian:
        raise policy.RULES_BY_ID["J-GUARDIAN"].fail(
            _("%(name)s is not recorded as a parent or guardian of the candidate."),
            name=guardian.name,
        )


@records_actor
@transaction.atomic
def guardian_contact_record(
    *, case, version, guardian, attempted_on, method, result, actor, notes=""
):
    locked = _lock(case, version)
    _juvenile_only(locked, "J-GUARDIAN")
    _guardian_of(locked, guardian)
    contact = GuardianContact.objects.create(
        case=locked,
        guardian=guardian,
        attempted_on=attempted_on,
        method=method,
        result=result,
        notes=notes,
        created_by=actor,
    )
    _touched(locked, actor, _("the parent or guardian contacts"))
    _sync(case, locked)
    return contact


@records_actor
@transaction.atomic
def planned_guardian_set(*, case, version, guardian, actor):
    locked = _lock(case, version)
    _juvenile_only(locked, "J-GUARDIAN")
    _guardian_of(locked, guardian)
    locked.planned_guardian = guardian
    _touched(locked, actor, _("the parent or guardian planned to be present"))
    _sync(case, locked)
    return locked


def parent_or_guardian_choices(case):
    return Relationship.objects.filter(
        candidate_id=case.candidate_id, kind__in=Relationship.PARENT_OR_GUARDIAN_KINDS
    )


# --- P-APPROVE, withdrawal -------------------------------------------------------------------


@records_actor
@transaction.atomic
def case_approve(*, case, version, actor, on_date=None):
    """The Lead's sign-off (P-APPROVE): every preparation rule must hold, each deliverer is
    re-checked on the day; all failures are returned together."""
    locked = CNCase.objects.select_for_update().select_related("candidate").get(pk=case.pk)
    if locked.state == S.READY:
        by = locked.approved_by
        raise ValidationError(
            _("%(number)s was already approved by %(who)s at %(when)s; nothing was changed.")
            % {
                "number": locked.number,
                "who": (by.get_full_name() or by.get_username()) if by else "?",
                "when": timezone.localtime(locked.approved_at).strftime("%Y-%m-%d %H:%M")
                if locked.approved_at
                else "?",
            },
            code="already_approved",
        )
    locked = _lock(locked, version, states=(S.PREPARING,), announce=False)
    policy.check_approval(locked, actor, on_date)
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    move(locked, S.READY, actor=actor, note=_("Approved for delivery (P-APPROVE)."))
    approved_pk = locked.pk
    transaction.on_commit(lambda: notifications.notify_approved(_fresh(approved_pk)), robust=True)
    _sync(case, locked)
    return locked


@records_actor
@transaction.atomic
def case_withdraw(*, case, version, reason, actor):
    if not reason or not reason.strip():
        raise ValidationError(_("Write why the case is withdrawn."), code="reason_required")
    locked = _lock(case, version, states=CNCase.OPEN_STATES, announce=False)
    locked.end_reason = reason.strip()
    locked.closed_at = timezone.now()
    move(locked, S.WITHDRAWN, actor=actor, note=reason.strip())
    _sync(case, locked)
    return locked


def may_read_sensitive(user):
    return user.has_perm(SENSITIVE_PERMISSION)
