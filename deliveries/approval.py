"""The approval is of facts (requirements.md, "the approval is of these facts").

``case_approve`` stores, on the case, one digest per group of facts the preparation rules read
(``facts``). Whenever a row any of them reads is saved or deleted, by any path — a form, a
service, the admin, a management command, a shell — the signal handlers below recompute the
digests of the ready cases that row concerns, in the same transaction; a case whose facts
differ goes back to preparation at once, with a transition note naming what changed. The
attempt gate checks the digests again (a bulk UPDATE sends no signal), and sending a case
back after an attempt compares them before the case is ready again.
"""

import contextlib
import hashlib
import json
from contextvars import ContextVar

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vipcn.acting import current_actor
from vipcn.policy import local_date

# The groups of facts, in the order a note names them.
COMPONENTS = {
    "identity": _("the candidate's name or date of birth"),
    "eligibility": _("the identification bases or the eligibility determination"),
    "threat": _("the threat assessment"),
    "background": _("the background check"),
    "letter": _("the letter or the decision that none is warranted"),
    "team": _("the delivery team"),
    "deliverers": _("a team member's deliverer record (status, rank, training, accompaniments)"),
    "social": _("the social services plan"),
    "jpo": _("the Juvenile Probation Office check"),
    "decision": _("the juvenile delivery decision"),
    "guardian": _("the parent or guardian contacts or the parent or guardian planned"),
}


def _digest(value):
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _row(obj, *names):
    if obj is None:
        return None
    return [getattr(obj, name) for name in ("pk", *names)]


def facts(case, approved_at=None):
    """One digest per group of facts the rules read, from the database (not from caches on
    ``case``). Facts dated after the approval's day are not part of what was approved."""
    from candidates.models import Candidate
    from deliveries.models import (
        BackgroundCheck,
        CNCase,
        JPOCheck,
        JuvenileDecision,
        ManualAccompaniment,
        SocialServicesPlan,
        ThreatAssessment,
    )
    from deliveries.policy.personnel import recorded_accompaniments_by

    case = CNCase.objects.select_related("planned_guardian").get(pk=case.pk)
    candidate = Candidate.objects.get(pk=case.candidate_id)
    values = {
        "identity": _row(candidate, "first_name", "middle_name", "last_name", "date_of_birth"),
        "eligibility": [
            list(
                candidate.determinations.order_by("pk").values_list(
                    "pk", "determined_on", "eligible", "created_at"
                )
            ),
            list(
                candidate.bases.order_by("pk").values_list(
                    "pk",
                    "code",
                    "shooting_id",
                    "gvis_meeting_id",
                    "link_analysis",
                    "referral_source",
                    "referred_by",
                    "referral_date",
                    "justification",
                    "withdrawn",
                    "withdrawn_at",
                    "created_at",
                )
            ),
            case.determination_id,
        ],
        "threat": _row(
            ThreatAssessment.objects.filter(case=case).first(),
            "completed_by",
            "completed_on",
            "summary",
            "created_at",
        ),
        "background": _row(
            BackgroundCheck.objects.filter(case=case).first(),
            "completed_by",
            "completed_on",
            "summary",
            "created_at",
        ),
        "letter": [
            [
                [v.pk, v.body, v.language, v.accepted_at]
                + [[p.pk, p.description_en, p.description_es] for p in v.penalties.order_by("pk")]
                for v in case.letter_versions.filter(accepted_at__isnull=False)
            ],
            case.no_letter_reason,
            case.no_letter_by_id,
            case.no_letter_at,
        ],
        "team": list(case.team.order_by("personnel_id").values_list("personnel_id", "role")),
        "social": _row(
            SocialServicesPlan.objects.filter(case=case).first(),
            "organization",
            "contact_person",
            "created_at",
        ),
        "jpo": _row(
            JPOCheck.objects.filter(case=case).first(),
            "contacted_on",
            "jpo_contact",
            "on_probation",
            "probation_officer",
            "created_at",
        ),
        "decision": _row(
            JuvenileDecision.objects.filter(case=case).first(),
            "decision",
            "services_status",
            "probation_relationship",
            "decided_on",
            "created_at",
        ),
        "guardian": [
            list(
                case.guardian_contacts.order_by("pk").values_list(
                    "pk", "guardian_id", "attempted_on", "result", "created_at"
                )
            ),
            _row(case.planned_guardian, "candidate_id", "kind", "name"),
        ],
    }
    people = []
    if approved_at is not None:
        day = local_date(approved_at)
        for member in case.team.select_related("personnel__rank").order_by("personnel_id"):
            person = member.personnel
            people.append(
                [
                    person.pk,
                    person.first_name,
                    person.last_name,
                    person.is_active,
                    person.is_sworn,
                    person.is_vip_lead,
                    person.lead_designated_on,
                    person.rank_id,
                    person.rank.is_command_level if person.rank_id else None,
                    list(
                        person.trainings_attended.filter(attended_on__lte=day)
                        .order_by("pk")
                        .values_list("pk", "attended_on", "created_at")
                    ),
                    list(
                        ManualAccompaniment.objects.filter(
                            personnel=person, accompanied_on__lte=day
                        )
                        .order_by("pk")
                        .values_list("pk", "accompanied_on", "lead_id", "confirmed_at")
                    ),
                    list(
                        recorded_accompaniments_by(approved_at)
                        .filter(personnel=person)
                        .order_by("pk")
                        .values_list("pk", flat=True)
                    ),
                ]
            )
    values["deliverers"] = people
    return {name: _digest(values[name]) for name in COMPONENTS}


def changed_components(case):
    """The groups of facts that differ from what the case's approval approved."""
    if not case.approved_facts:
        return list(COMPONENTS)
    now = facts(case, case.approved_at)
    return [name for name in COMPONENTS if now.get(name) != case.approved_facts.get(name)]


def describe(components):
    return ", ".join(str(COMPONENTS[name]) for name in components)


def lapse_note(components):
    return gettext("Approval lapsed: %(what)s changed after the approval (P-APPROVE).") % {
        "what": describe(components)
    }


# A row saved outside a transaction (a shell, a management command in autocommit) still
# makes the approval lapse: the lock and the move then run in their own transaction.
@transaction.atomic(savepoint=False)
def lapse_if_changed(case_pk):
    """Make the approval of a ready case lapse when what it approved has changed. Returns the
    components that changed (empty when nothing did or the case is not ready)."""
    from deliveries.lifecycle import move
    from deliveries.models import CNCase

    case = CNCase.objects.select_for_update().filter(pk=case_pk).first()
    if case is None or case.state != CNCase.State.READY:
        return []
    changed = changed_components(case)
    if changed:
        case.approved_by = None
        case.approved_at = None
        case.approved_facts = {}
        move(case, CNCase.State.PREPARING, actor=current_actor(), note=lapse_note(changed))
    return changed


# --- which ready cases a saved or deleted row concerns ------------------------------------


def _ready(qs):
    from deliveries.models import CNCase

    return list(qs.filter(state=CNCase.State.READY).values_list("pk", flat=True))


def _cases_of_candidate(candidate_id):
    from deliveries.models import CNCase

    return _ready(CNCase.objects.filter(candidate_id=candidate_id))


def _cases_of_person(personnel_id):
    from deliveries.models import CNCase

    return _ready(CNCase.objects.filter(team__personnel_id=personnel_id).distinct())


def _affected(sender, instance):
    """The ready cases whose approved facts ``instance`` (of model ``sender``) may be part of."""
    from candidates import models as c
    from deliveries import models as d

    name = sender.__name__
    if sender is c.Candidate:
        return _cases_of_candidate(instance.pk)
    if sender in (c.IdentificationBasis, c.EligibilityDetermination, c.Relationship):
        return _cases_of_candidate(instance.candidate_id)
    if sender is d.CNCase:
        return [instance.pk]
    if name in (
        "ThreatAssessment",
        "BackgroundCheck",
        "LetterVersion",
        "TeamAssignment",
        "SocialServicesPlan",
        "JPOCheck",
        "JuvenileDecision",
        "GuardianContact",
    ):
        return [instance.case_id]
    if sender is d.Personnel:
        return _cases_of_person(instance.pk)
    if sender in (d.TrainingAttendance, d.ManualAccompaniment):
        return _cases_of_person(instance.personnel_id)
    if sender is d.AttemptTeamMember and instance.personnel_id:
        return _cases_of_person(instance.personnel_id)
    if sender is d.AfterAction:
        people = d.AttemptTeamMember.objects.filter(
            attempt_id=instance.attempt_id, personnel__isnull=False
        ).values_list("personnel_id", flat=True)
        return _ready(d.CNCase.objects.filter(team__personnel_id__in=list(people)).distinct())
    if sender is d.Rank:
        return _ready(d.CNCase.objects.filter(team__personnel__rank=instance).distinct())
    if sender is d.Penalty:
        return _ready(d.CNCase.objects.filter(letter_versions__penalties=instance).distinct())
    return []


_paused = ContextVar("deliveries_approval_paused", default=False)


@contextlib.contextmanager
def paused():
    """No lapse inside the block: for building test histories row by row (never in a request:
    the attempt gate compares the facts again anyway)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _on_change(sender, instance, raw=False, **kwargs):
    if raw or _paused.get():  # loading fixtures, or building a test history
        return
    for case_pk in _affected(sender, instance):
        lapse_if_changed(case_pk)


def _on_penalties(sender, instance, action, **kwargs):
    if _paused.get():
        return
    if action in ("post_add", "post_remove", "post_clear") and hasattr(instance, "case_id"):
        lapse_if_changed(instance.case_id)


def watched_models():
    from candidates import models as c
    from deliveries import models as d

    return [
        c.Candidate,
        c.IdentificationBasis,
        c.EligibilityDetermination,
        c.Relationship,
        d.CNCase,
        d.ThreatAssessment,
        d.BackgroundCheck,
        d.LetterVersion,
        d.TeamAssignment,
        d.SocialServicesPlan,
        d.JPOCheck,
        d.JuvenileDecision,
        d.GuardianContact,
        d.Personnel,
        d.TrainingAttendance,
        d.ManualAccompaniment,
        d.AttemptTeamMember,
        d.AfterAction,
        d.Rank,
        d.Penalty,
    ]


def connect():
    """Called once from DeliveriesConfig.ready."""
    from deliveries.models import LetterVersion

    for model in watched_models():
        uid = f"deliveries.approval.{model.__name__}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(
        _on_penalties,
        sender=LetterVersion.penalties.through,
        dispatch_uid="deliveries.approval.m2m",
    )


def approve_facts(case, approved_at):
    """What ``case_approve`` stores: the digests as of the approval."""
    return facts(case, approved_at)
