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
from candidates.policy import Determination, determination_in_force
from deliveries import approval, letters, notifications
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
from deliveries.policy.subjects import CaseSubject
from vipcn.acting import records_actor
from vipcn.concurrency import lock_for_edit
from vipcn.policy import RULES, has_text

SENSITIVE_PERMISSION = "deliveries.view_sensitive"
S = CNCase.State


# --- helpers -------------------------------------------------------------------------------


def refuse_for_state(case):
    """Why a step cannot be taken on a case in this state, naming the rule that ended it."""
    if case.state == S.ATTEMPTED:
        return RULES["A-RMS"].fail(
            _(
                "an attempt on %(number)s awaits its after-action; the Lead confirms it first "
                "(a case sent back for another attempt can be prepared again)."
            ),
            number=case.number,
        )
    if case.state == S.STOPPED:
        return RULES["J-DECIDE"].fail(
            _("the Lead decided the CN shall not be delivered; %(number)s is stopped."),
            number=case.number,
        )
    if case.state == S.CLOSED:
        return RULES["A-RMS"].fail(
            _("the Lead confirmed the delivery and closed %(number)s; nothing more is recorded."),
            number=case.number,
        )
    return RULES["P-APPROVE"].fail(
        _("%(number)s was withdrawn; open a new case if a CN is still warranted."),
        number=case.number,
    )


def _lock(case, version, *, states=(S.PREPARING, S.READY), announce=True):
    """The case row, locked for this transaction, after the version and state checks
    (vipcn.concurrency: a stale form is refused with what changed).

    With ``announce``, the Leads are told (after commit) when this step makes the case ready
    for their approval."""
    locked = lock_for_edit(CNCase.objects.select_related("candidate"), pk=case.pk, version=version)
    if states is not None and locked.state not in states:
        raise refuse_for_state(locked)
    if announce:
        _announce_when_ready(locked)
    return locked


def _fresh(case_pk):
    # A new instance: the rules cache related rows on the instance they read.
    return CNCase.objects.select_related("candidate", "determination").get(pk=case_pk)


def _announce_when_ready(locked):
    """Tell the Leads once per "not ready -> awaiting approval" change, after the commit.

    Idempotent without stored state: a step that leaves an already-waiting case waiting sends
    nothing; a case that lapsed from approval (READY -> PREPARING) and waits again is new work.
    """
    if locked.state == S.PREPARING and policy.ready_for_approval(_fresh(locked.pk), timezone.now()):
        return

    def announce():
        case = _fresh(locked.pk)
        if policy.ready_for_approval(case, timezone.now()):
            notifications.notify_awaiting_approval(case)

    transaction.on_commit(announce, robust=True)


def _save_case(locked):
    """Save the case's own changes and bump its version, keeping the state an approval lapse
    may have written meanwhile (deliveries.approval reacts to every saved fact at once)."""
    current = CNCase.objects.values("state", "approved_by", "approved_at", "approved_facts").get(
        pk=locked.pk
    )
    locked.state = current["state"]
    locked.approved_by_id = current["approved_by"]
    locked.approved_at = current["approved_at"]
    locked.approved_facts = current["approved_facts"]
    locked.version += 1
    locked.save()


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


def _safeguards(case):
    return CaseSubject(case).juvenile


def _within_case(rule_id, case, day, what):
    """A preparation record is dated within the case: not before it was opened, not later
    than today (requirements.md, "preparation in time")."""
    today = timezone.localdate()
    if day < case.opened_on:
        raise RULES[rule_id].fail(
            _(
                "the %(what)s is dated %(date)s, before the case was opened on %(opened)s; only "
                "what was done for this case counts. Check the date."
            ),
            what=what,
            date=day.isoformat(),
            opened=case.opened_on.isoformat(),
        )
    if day > today:
        raise RULES[rule_id].fail(
            _("the %(what)s is dated %(date)s, in the future; check the date."),
            what=what,
            date=day.isoformat(),
        )


def lapse_note_for(case):
    """The transition that made the case's approval lapse, if the case is back in preparation
    because of one (shown on the case page)."""
    if case.state != S.PREPARING:
        return None
    transitions = list(case.transitions.all())
    last = transitions[-1] if transitions else None
    if last and last.from_state in (S.READY, S.ATTEMPTED) and last.to_state == S.PREPARING:
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
    """Open a CN case for a candidate whose determination in force found them eligible and
    still holds (ID-DET); one open case per candidate. The case keeps the determination that
    made it eligible: its day of identification decides the juvenile safeguards (J-AGE)."""
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    now = timezone.now()
    if locked.status == Candidate.Status.MERGED:
        raise RULES["ID-DET"].fail(
            _("this record was merged into record %(pk)s; open a case from that record."),
            pk=locked.merged_into_id,
        )
    if locked.status == Candidate.Status.ARCHIVED:
        raise RULES["ID-DET"].fail(
            _("%(name)s's record is archived; an archived person cannot get a new case."),
            name=locked.full_name,
        )
    Determination().validate(locked, now)
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
        determination=determination_in_force(locked, now),
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
    _within_case(rule_id, locked, fields["completed_on"], label)
    existing = model.objects.filter(case=locked).first()
    if existing is not None and not actor.has_perm(SENSITIVE_PERMISSION):
        raise RULES[rule_id].fail(
            _(
                "the %(item)s is already recorded; only a user who may read it can replace it. "
                "Ask the VIP Law Enforcement Lead."
            ),
            item=label,
        )
    item = _bump(existing or model(case=locked), actor, **fields)
    _save_case(locked)
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
    """Make a new letter version: the drafter's text (``body``, with its placeholders; the
    template's when empty) merged with the candidate and the chosen penalties.

    A letter advises the penalties specific to the candidate (P-LETTER): at least one is
    chosen, and the text keeps ``{{ penalties }}`` where they are listed, so no version has an
    empty penalties section and choosing penalties always changes the text. Placeholders are
    replaced as plain text (deliveries.letters), never rendered as a template.
    """
    locked = _lock(case, version)
    rule = RULES["P-LETTER"]
    accepted = locked.letter_versions.filter(accepted_at__isnull=False).first()
    if accepted is not None:
        raise rule.fail(
            _("letter version %(number)s was accepted by the Lead and is final."),
            number=accepted.number,
        )
    if not template.is_active:
        raise rule.fail(_("the template “%(name)s” is no longer in use."), name=template.name)
    penalties = list(penalties)
    if not penalties:
        raise rule.fail(
            _(
                "a letter advises the penalties specific to the candidate: choose at least one "
                "penalty (or have the Lead record why no letter is warranted)."
            )
        )
    inactive = [p.statute for p in penalties if not p.is_active]
    if inactive:
        raise rule.fail(
            _("these penalties are no longer in use: %(list)s."), list=", ".join(inactive)
        )
    source = body.strip() if has_text(body) else template.body
    if "penalties" not in letters.placeholders_in(source):
        raise rule.fail(
            _(
                "the letter text must keep the {{ penalties }} placeholder where the chosen "
                "penalties are listed; put it back (the template shows where)."
            )
        )
    values = letters.merge_values(
        case=locked,
        language=template.language,
        penalties=penalties,
        lead_name=lead_name_for(locked, actor),
    )
    last = locked.letter_versions.order_by("-number").values_list("number", flat=True).first()
    letter = LetterVersion.objects.create(
        case=locked,
        number=(last or 0) + 1,
        template=template,
        language=template.language,
        source=source,
        body=letters.merge(source, values),
        created_by=actor,
    )
    letter.penalties.set(penalties)
    if locked.no_letter_reason:
        locked.no_letter_reason = ""
        locked.no_letter_by = None
        locked.no_letter_at = None
    _save_case(locked)
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
    rule = RULES["P-LETTER"]
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
    if not policy.letter_names_penalties(letter):
        raise rule.fail(
            _(
                "version %(number)s names no penalty; draft a new version with the penalties "
                "that apply to the candidate, then accept it."
            ),
            number=letter.number,
        )
    letter.accepted_by = actor
    letter.accepted_at = timezone.now()
    letter.version += 1
    letter.save()
    locked.no_letter_reason = ""
    locked.no_letter_by = None
    locked.no_letter_at = None
    _save_case(locked)
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
    rule = RULES["P-LETTER"]
    if not has_text(reason):
        raise rule.fail(_("write why no letter is warranted."))
    accepted = locked.letter_versions.filter(accepted_at__isnull=False).first()
    if accepted is not None:
        raise rule.fail(
            _("letter version %(number)s was accepted and is final."), number=accepted.number
        )
    locked.no_letter_reason = reason.strip()
    locked.no_letter_by = actor
    locked.no_letter_at = timezone.now()
    _save_case(locked)
    _sync(case, locked)
    return locked


# --- P-TEAM ----------------------------------------------------------------------------------


@records_actor
@transaction.atomic
def team_member_add(*, case, version, personnel, role, actor):
    """Put a person on the delivery team; deliverers must be eligible (DLV-*) now."""
    locked = _lock(case, version)
    now = timezone.now()
    on_date = timezone.localdate(now)
    rule = RULES["P-TEAM"]
    if locked.team.filter(personnel=personnel).exists():
        raise rule.fail(_("%(name)s is already on the team."), name=personnel.full_name)
    if role == TeamAssignment.Role.ACCOMPANYING:
        check_accompanying(personnel, now)
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
        check_deliverer(personnel, now)
    member = TeamAssignment.objects.create(
        case=locked, personnel=personnel, role=role, created_by=actor
    )
    _save_case(locked)
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
        raise RULES["P-TEAM"].fail(
            _(
                "an accompanying officer is on the team and may go only with the Lead: remove "
                "the accompanying officer first."
            )
        )
    member.delete()
    _save_case(locked)
    _sync(case, locked)


# --- P-SOCIAL --------------------------------------------------------------------------------


@records_actor
@transaction.atomic
def social_services_record(
    *, case, version, organization, contact_person, actor, phone="", notes=""
):
    locked = _lock(case, version)
    if not (has_text(organization) and has_text(contact_person)):
        raise RULES["P-SOCIAL"].fail(
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
    _save_case(locked)
    _sync(case, locked)
    return plan


# --- juveniles: J-JPO, J-DECIDE, J-GUARDIAN --------------------------------------------------


def _juvenile_only(case, rule_id):
    if not _safeguards(case):
        raise RULES[rule_id].fail(
            _("this step applies to juveniles only (J-AGE); the candidate is an adult.")
        )


@records_actor
@transaction.atomic
def jpo_check_record(
    *, case, version, contacted_on, jpo_contact, on_probation, actor, probation_officer="", notes=""
):
    locked = _lock(case, version)
    _juvenile_only(locked, "J-JPO")
    _within_case("J-JPO", locked, contacted_on, _("Juvenile Probation Office contact"))
    if on_probation and not has_text(probation_officer):
        raise RULES["J-JPO"].fail(
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
    _save_case(locked)
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
    rule = RULES["J-DECIDE"]
    jpo = JPOCheck.objects.filter(case=locked).first()
    decided_on = on_date or timezone.localdate()
    if jpo is None or jpo.contacted_on > decided_on:
        raise rule.fail(
            _(
                "record the Juvenile Probation Office contact (J-JPO) first: the decision "
                "rests on it."
            )
        )
    if not has_text(services_status):
        raise rule.fail(_("describe the status of services to the juvenile."))
    if jpo.on_probation and not has_text(probation_relationship):
        raise rule.fail(
            _(
                "the juvenile is on probation: describe the status of the probation officer's "
                "relationship with the juvenile, on which the decision rests."
            )
        )
    existing = JuvenileDecision.objects.filter(case=locked).first()
    item = _bump(
        existing or JuvenileDecision(case=locked),
        actor,
        decision=decision,
        services_status=services_status.strip(),
        probation_relationship=probation_relationship.strip(),
        decided_by=actor,
        decided_on=decided_on,
    )
    _save_case(locked)
    if decision == JuvenileDecision.Decision.DO_NOT_DELIVER:
        # Saving the decision made a ready case's approval lapse (deliveries.approval).
        locked.refresh_from_db()
        locked.end_reason = _("The Lead decided the CN shall not be delivered: %(why)s") % {
            "why": item.services_status
        }
        move(
            locked,
            S.STOPPED,
            actor=actor,
            note=_("Juvenile: the Lead decided the CN shall not be delivered (J-DECIDE)."),
        )
    _sync(case, locked)
    return item


def _guardian_of(case, guardian):
    if guardian.candidate_id != case.candidate_id or not guardian.is_parent_or_guardian:
        raise RULES["J-GUARDIAN"].fail(
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
    _within_case("J-GUARDIAN", locked, attempted_on, _("contact with the parent or guardian"))
    contact = GuardianContact.objects.create(
        case=locked,
        guardian=guardian,
        attempted_on=attempted_on,
        method=method,
        result=result,
        notes=notes,
        created_by=actor,
    )
    _save_case(locked)
    _sync(case, locked)
    return contact


@records_actor
@transaction.atomic
def planned_guardian_set(*, case, version, guardian, actor):
    locked = _lock(case, version)
    _juvenile_only(locked, "J-GUARDIAN")
    _guardian_of(locked, guardian)
    locked.planned_guardian = guardian
    _save_case(locked)
    _sync(case, locked)
    return locked


def parent_or_guardian_choices(case):
    return Relationship.objects.filter(
        candidate_id=case.candidate_id, kind__in=Relationship.PARENT_OR_GUARDIAN_KINDS
    )


# --- P-APPROVE, withdrawal -------------------------------------------------------------------


@records_actor
@transaction.atomic
def case_approve(*, case, version, actor):
    """The Lead's sign-off (P-APPROVE): every preparation rule must hold now (each deliverer
    re-checked), all failures returned together; the approval records what it approved."""
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
    now = timezone.now()
    policy.check_approval(_fresh(locked.pk), actor, now)
    _approve(locked, actor, now, note=_("Approved for delivery (P-APPROVE)."))
    approved_pk = locked.pk
    transaction.on_commit(lambda: notifications.notify_approved(_fresh(approved_pk)), robust=True)
    _sync(case, locked)
    return locked


def _approve(locked, actor, now, *, note):
    locked.approved_by = actor
    locked.approved_at = now
    locked.approved_facts = approval.approve_facts(locked, now)
    move(locked, S.READY, actor=actor, note=note)


def approval_still_holds(case, actor):
    """After an attempt, may the case go back to "ready" on its approval? The facts approved
    are unchanged and every preparation rule still holds now; else the failures."""
    changed = approval.changed_components(case)
    problems = []
    if changed:
        problems.append(approval.lapse_note(changed))
    subject = _fresh(case.pk)
    now = timezone.now()
    for state in policy.evaluate(policy.PREPARATION_RULES, policy.CaseSubject(subject), now):
        problems += state.messages
    return problems


@records_actor
@transaction.atomic
def case_withdraw(*, case, version, reason, actor):
    if not has_text(reason):
        raise ValidationError(_("Write why the case is withdrawn."), code="reason_required")
    locked = _lock(case, version, states=CNCase.OPEN_STATES, announce=False)
    locked.end_reason = reason.strip()
    locked.closed_at = timezone.now()
    move(locked, S.WITHDRAWN, actor=actor, note=reason.strip())
    _sync(case, locked)
    return locked


def may_read_sensitive(user):
    return user.has_perm(SENSITIVE_PERMISSION)
