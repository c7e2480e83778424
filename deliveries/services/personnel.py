"""Personnel who may deliver (SOP 2-64-6): the roster's writes, and its one bulk read.

Writes: ``personnel_create``, ``personnel_update``, ``training_attendance_record``,
``accompaniment_enter``, ``accompaniment_confirm``. Each is atomic, records the actor and
bumps ``version``; edits refuse a stale version instead of overwriting someone else's save.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from deliveries.models import (
    AttemptTeamMember,
    DeliveryAttempt,
    ManualAccompaniment,
    Personnel,
    TrainingAttendance,
)
from deliveries.policy.personnel import (
    DELIVERING_ROLES,
    annotate_deliverer_states,
    is_designated_lead,
)
from deliveries.selectors.common import visible_attempts
from vipcn.acting import records_actor
from vipcn.concurrency import lock_for_edit
from vipcn.policy import RULES, as_of_day
from vipcn.roles import LEAD, has_role

PERSONNEL_FIELDS = (
    "first_name",
    "last_name",
    "badge_number",
    "rank",
    "unit",
    "is_sworn",
    "is_active",
    "is_vip_lead",
    "lead_designated_on",
    "user",
)


def _check_lead_designation(is_vip_lead, lead_designated_on):
    # DLV-ACCOMP is met by the designation only from its date on: a Lead needs one.
    if is_vip_lead and lead_designated_on is None:
        raise ValidationError(
            {
                "lead_designated_on": RULES["DLV-ACCOMP"].fail(
                    _(
                        "the designation meets this rule only from its date: enter the date "
                        "the person was designated VIP Law Enforcement Lead."
                    )
                )
            }
        )
    if lead_designated_on and lead_designated_on > timezone.localdate():
        raise ValidationError(
            {"lead_designated_on": _("The designation date cannot be in the future.")},
            code="future_date",
        )


@records_actor
@transaction.atomic
def personnel_create(*, actor, **fields):
    """Add a person to the roster."""
    unknown = set(fields) - set(PERSONNEL_FIELDS)
    if unknown:
        raise TypeError(f"unknown personnel fields: {sorted(unknown)}")
    _check_lead_designation(fields.get("is_vip_lead", False), fields.get("lead_designated_on"))
    if not fields.get("is_vip_lead"):
        fields["lead_designated_on"] = None
    person = Personnel(created_by=actor, **fields)
    person.full_clean()
    person.save()
    return person


@records_actor
@transaction.atomic
def personnel_update(*, person, version, actor, **fields):
    """Change a person's record; refused when ``version`` is not the one stored."""
    unknown = set(fields) - set(PERSONNEL_FIELDS)
    if unknown:
        raise TypeError(f"unknown personnel fields: {sorted(unknown)}")
    person = lock_for_edit(Personnel.objects, pk=person.pk, version=version)
    is_lead = fields.get("is_vip_lead", person.is_vip_lead)
    designated = fields.get("lead_designated_on", person.lead_designated_on)
    _check_lead_designation(is_lead, designated)
    if not is_lead:
        fields["lead_designated_on"] = None
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.version += 1
    person.save()
    return person


def _not_in_future(day, field):
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")}, code="future_date")


@records_actor
@transaction.atomic
def training_attendance_record(*, person, training, attended_on, evidence, actor):
    """Record that ``person`` attended a Department-recognized CN training (DLV-TRAIN)."""
    _not_in_future(attended_on, "attended_on")
    if not evidence.strip():
        raise ValidationError(
            {"evidence": RULES["DLV-TRAIN"].fail(_("say what shows the attendance."))}
        )
    duplicate = TrainingAttendance.objects.filter(
        personnel=person, training=training, attended_on=attended_on
    )
    if duplicate.exists():
        raise RULES["DLV-TRAIN"].fail(
            _("this attendance (%(training)s on %(date)s) is already recorded."),
            training=training,
            date=attended_on.isoformat(),
        )
    attendance = TrainingAttendance(
        personnel=person,
        training=training,
        attended_on=attended_on,
        evidence=evidence.strip(),
        created_by=actor,
    )
    attendance.save()
    return attendance


@records_actor
@transaction.atomic
def accompaniment_enter(*, person, accompanied_on, lead, evidence, actor):
    """Enter an accompaniment of the Lead from before this system (DLV-ACCOMP).

    It does not count until a Lead confirms it (``accompaniment_confirm``).
    """
    _not_in_future(accompanied_on, "accompanied_on")
    rule = RULES["DLV-ACCOMP"]
    if lead.pk == person.pk:
        raise ValidationError(
            {
                "lead": rule.fail(
                    _("a person cannot accompany themselves: choose the Lead they went with.")
                )
            }
        )
    if not is_designated_lead(lead, accompanied_on):
        raise ValidationError(
            {
                "lead": rule.fail(
                    _(
                        "%(name)s was not recorded as VIP Law Enforcement Lead or designee on "
                        "%(date)s; only an accompaniment of the Lead counts."
                    ),
                    name=lead.full_name,
                    date=accompanied_on.isoformat(),
                )
            }
        )
    if not evidence.strip():
        raise ValidationError({"evidence": rule.fail(_("say what shows the accompaniment."))})
    accompaniment = ManualAccompaniment(
        personnel=person,
        accompanied_on=accompanied_on,
        lead=lead,
        evidence=evidence.strip(),
        created_by=actor,
    )
    accompaniment.save()
    return accompaniment


@records_actor
@transaction.atomic
def accompaniment_confirm(*, accompaniment, actor):
    """A Lead confirms a hand-entered accompaniment; from then on it counts for DLV-ACCOMP."""
    if not has_role(actor, LEAD):
        raise RULES["DLV-ACCOMP"].fail(
            _("only the VIP Law Enforcement Lead can confirm an accompaniment.")
        )
    accompaniment = ManualAccompaniment.objects.select_for_update().get(pk=accompaniment.pk)
    if accompaniment.confirmed_at is not None:
        raise ValidationError(
            _("This accompaniment was already confirmed on %(date)s.")
            % {"date": timezone.localtime(accompaniment.confirmed_at).date().isoformat()},
            code="already_confirmed",
        )
    if Personnel.objects.filter(user=actor, pk=accompaniment.personnel_id).exists():
        raise RULES["DLV-ACCOMP"].fail(
            _("you cannot confirm your own accompaniment; another Lead must confirm it.")
        )
    accompaniment.confirmed_by = actor
    accompaniment.confirmed_at = timezone.now()
    accompaniment.version += 1
    accompaniment.save()
    return accompaniment


@records_actor
@transaction.atomic
def accompaniment_reject(*, accompaniment, actor):
    """A Lead removes a hand-entered accompaniment not yet confirmed (e.g. entered in error).

    The entry's history keeps what was entered, by whom, and who removed it.
    """
    if not has_role(actor, LEAD):
        raise RULES["DLV-ACCOMP"].fail(
            _("only the VIP Law Enforcement Lead can reject an accompaniment.")
        )
    accompaniment = ManualAccompaniment.objects.select_for_update().get(pk=accompaniment.pk)
    if accompaniment.confirmed_at is not None:
        raise ValidationError(
            _(
                "A confirmed accompaniment cannot be rejected here; an administrator can "
                "correct it, and its history is kept."
            ),
            code="already_confirmed",
        )
    accompaniment.delete()


# --- Reads ------------------------------------------------------------------------------------

ROSTER_FILTERS = (
    "all",
    "eligible",
    "missing_training",
    "missing_accompaniment",
    "command_level",
    "inactive",
    "awaiting_confirmation",
)


def delivered_attempts_visible_to(user):
    """Delivered attempts on cases whose candidate the user may see (counted, never listed)."""
    return visible_attempts(user).filter(outcome__in=DeliveryAttempt.DELIVERED_OUTCOMES)


def roster(*, user, on_date, show="all", search=""):
    """Every person with their DLV-* states on ``on_date``, in one query (no per-row query)."""
    made = (
        AttemptTeamMember.objects.filter(
            personnel=OuterRef("pk"),
            role__in=DELIVERING_ROLES,
            attempt__in=delivered_attempts_visible_to(user),
            attempt__contact_at__date__lte=on_date,
        )
        .order_by()
        .values("personnel")
        .annotate(n=Count("attempt", distinct=True))
        .values("n")
    )
    pending = ManualAccompaniment.objects.filter(
        personnel=OuterRef("pk"), confirmed_at__isnull=True
    )
    as_of = as_of_day(on_date)
    qs = annotate_deliverer_states(Personnel.objects.select_related("rank"), as_of).annotate(
        deliveries_made=Coalesce(Subquery(made, output_field=IntegerField()), 0),
        awaiting_confirmation=Exists(pending),
    )
    if search:
        qs = qs.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(badge_number__icontains=search)
            | Q(unit__icontains=search)
        )
    if show == "eligible":
        qs = qs.filter(dlv_eligible=True)
    elif show == "missing_training":
        qs = qs.filter(dlv_trained=False, is_active=True, is_sworn=True)
    elif show == "missing_accompaniment":
        qs = qs.filter(dlv_accompanied=False, is_active=True, is_sworn=True)
    elif show == "command_level":
        qs = qs.filter(rank__is_command_level=True)
    elif show == "inactive":
        qs = qs.filter(is_active=False)
    elif show == "awaiting_confirmation":
        qs = qs.filter(awaiting_confirmation=True)
    return qs.order_by("last_name", "first_name", "pk")
