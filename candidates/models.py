"""The candidate registry: people, their identification bases, and the people around them.

Rules (J-AGE, ID-1 ... ID-5, ID-DET) live in candidates/policy.py, never here; models hold data
and small derived properties only.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from candidates.juvenile import age_on, eighteenth_birthday, is_juvenile_on
from vipcn.history import TimeStamped


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Candidate(TimeStamped):
    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        ELIGIBLE = "eligible", _("Eligible")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        MERGED = "merged", _("Merged into another record")
        ARCHIVED = "archived", _("Archived")

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "X", _("Another sex")
        UNKNOWN = "U", _("Unknown")

    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    rms_id = models.CharField(
        _("Department person/RMS identifier"), max_length=40, blank=True, db_index=True
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned VIP staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_candidates",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.IDENTIFIED,
        db_index=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
    )
    # Juvenile record sealed by court order (NMSA 32A-2-26); see the security rules.
    sealed = models.BooleanField(_("sealed juvenile record"), default=False)
    # Normalised "first middle last aliases" kept by the services, for fuzzy name search.
    search_text = models.TextField(editable=False, blank=True, default="")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["last_name", "first_name", "pk"]
        permissions = [
            ("view_juvenile_records", _("Can see juvenile records (NMSA 32A-2-32)")),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="cand_name_idx"),
            models.Index(fields=["date_of_birth"], name="cand_dob_idx"),
            models.Index(fields=["assigned_to", "status"], name="cand_assigned_idx"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def age_on(self, on_date):
        return age_on(self.date_of_birth, on_date)

    @property
    def age(self):
        return self.age_on(timezone.localdate())

    def is_juvenile_on(self, on_date):
        return is_juvenile_on(self.date_of_birth, on_date)

    @property
    def eighteenth_birthday(self):
        return eighteenth_birthday(self.date_of_birth)


class Alias(TimeStamped):
    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("alias"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Address(TimeStamped):
    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="addresses"
    )
    line1 = models.CharField(_("street address"), max_length=200)
    line2 = models.CharField(_("apartment, unit"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2, default="NM")
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    is_delivery_address = models.BooleanField(_("address to deliver to"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_delivery_address", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=models.Q(is_delivery_address=True),
                name="one_delivery_address_per_candidate",
            )
        ]

    def __str__(self):
        parts = [self.line1, self.line2, self.city, self.state, self.postal_code]
        return ", ".join(p for p in parts if p)


class Group(TimeStamped):
    """A group or gang named in GVIS or link analysis (the SOP's "gang/group")."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Group")
        GANG = "gang", _("Gang")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GROUP)
    notes = models.TextField(_("notes"), blank=True)
    members = models.ManyToManyField(
        Candidate,
        verbose_name=_("members"),
        through="GroupMembership",
        related_name="groups",
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self):
        return self.name


class GroupMembership(TimeStamped):
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="group_memberships",
    )
    since = models.DateField(_("member since"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "candidate"], name="unique_group_member")
        ]

    def __str__(self):
        return f"{self.candidate} – {self.group}"


class Shooting(TimeStamped):
    occurred_on = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=300)
    case_number = models.CharField(_("case/incident number"), max_length=40, unique=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shooting")
        verbose_name_plural = _("shootings")
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["occurred_on"], name="shooting_date_idx")]

    def __str__(self):
        return f"{self.case_number} ({self.occurred_on:%Y-%m-%d})"


class ShootingInvolvement(TimeStamped):
    """A person involved in a shooting; the person need not be a candidate."""

    class Role(models.TextChoices):
        VICTIM = "victim", _("Victim")
        SUSPECT = "suspect", _("Suspect")
        ASSOCIATE = "associate", _("Associate")

    shooting = models.ForeignKey(
        Shooting, verbose_name=_("shooting"), on_delete=models.CASCADE, related_name="involvements"
    )
    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shooting_involvements",
    )
    person_name = models.CharField(_("name (if not a candidate)"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person involved in a shooting")
        verbose_name_plural = _("people involved in shootings")
        indexes = [models.Index(fields=["candidate", "role"], name="involvement_cand_idx")]

    def __str__(self):
        return f"{self.candidate or self.person_name} – {self.get_role_display()}"


class GVISMeeting(TimeStamped):
    """A Gun Violence Information Sharing meeting (2-64-3 C)."""

    held_on = models.DateField(_("date"))
    attendees = models.TextField(_("attendees"), help_text=_("One person or agency per line."))
    notes = models.TextField(_("notes"), blank=True)
    shootings = models.ManyToManyField(
        Shooting, verbose_name=_("shootings reviewed"), related_name="gvis_meetings", blank=True
    )
    candidates = models.ManyToManyField(
        Candidate,
        verbose_name=_("people identified"),
        related_name="gvis_meetings",
        blank=True,
    )
    groups = models.ManyToManyField(
        Group, verbose_name=_("groups identified"), related_name="gvis_meetings", blank=True
    )
    history = HistoricalRecords(m2m_fields=[shootings, candidates, groups])

    class Meta:
        verbose_name = _("GVIS meeting")
        verbose_name_plural = _("GVIS meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return _("GVIS meeting of %(date)s") % {"date": self.held_on.isoformat()}


class IdentificationBasis(TimeStamped):
    """One basis on which a candidate was identified, with its evidence (2-64-4 A, 2-64-5 A)."""

    class Code(models.TextChoices):
        VICTIM = "ID-1", _("ID-1: a victim of a shooting")
        ASSOCIATE = "ID-2", _("ID-2: an associate of an individual involved in a shooting")
        INFLUENCER = "ID-2I", _("ID-2I: an influencer of an individual involved in a shooting")
        DRIVER = "ID-3", _("ID-3: a driver of gun violence")
        GVIS = "ID-4", _("ID-4: identified during GVIS or shooting link analysis")
        REFERRAL = "ID-5", _("ID-5: referred from an allowed source")

    class ReferralSource(models.TextChoices):
        DEPARTMENT = "department", _("Department personnel")
        OUTSIDE_AGENCY = "outside_agency", _("An outside law enforcement agency")
        DISTRICT_ATTORNEY = "district_attorney", _("The District Attorney's Office")
        COMMUNITY = "community", _("Outreach, faith- or community-based coalition team members")

    candidate = models.ForeignKey(
        Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="bases"
    )
    code = models.CharField(_("basis"), max_length=5, choices=Code.choices)
    shooting = models.ForeignKey(
        Shooting,
        verbose_name=_("shooting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bases",
    )
    gvis_meeting = models.ForeignKey(
        GVISMeeting,
        verbose_name=_("GVIS meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bases",
    )
    link_analysis = models.TextField(_("shooting link analysis"), blank=True)
    referral_source = models.CharField(
        _("referral source"), max_length=20, choices=ReferralSource.choices, blank=True
    )
    referred_by = models.CharField(_("referring person or office"), max_length=200, blank=True)
    referral_date = models.DateField(_("referral date"), null=True, blank=True)
    justification = models.TextField(_("written justification"), blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason withdrawn"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("identification basis")
        verbose_name_plural = _("identification bases")
        ordering = ["code", "pk"]
        indexes = [models.Index(fields=["code", "candidate"], name="basis_code_idx")]

    def __str__(self):
        return self.get_code_display()


class EligibilityDetermination(TimeStamped):
    """A recorded determination (ID-DET): who decided, when, and what the policy found.

    Each determination is kept; the latest one decides the candidate's status.
    """

    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="determinations",
    )
    determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("determined by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    determined_on = models.DateField(_("date of determination"))
    eligible = models.BooleanField(_("eligible"))
    juvenile = models.BooleanField(_("juvenile on the date of determination"), default=False)
    failures = models.JSONField(_("rules not met"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("eligibility determination")
        verbose_name_plural = _("eligibility determinations")
        ordering = ["-determined_on", "-pk"]
        get_latest_by = ["determined_on", "pk"]

    def __str__(self):
        return f"{self.candidate} – {self.determined_on}"


class Relationship(TimeStamped):
    """A person close to the candidate; that person need not be a candidate."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("Spouse (influencer)")
        PARENT = "parent", _("Parent (influencer)")
        GRANDPARENT = "grandparent", _("Grandparent (influencer)")
        GUARDIAN = "guardian", _("Guardian (influencer)")
        OTHER_INFLUENCER = "influencer", _("Other influencer")
        FAMILY = "family", _("Family member")
        ASSOCIATE = "associate", _("Associate")
        GROUP_MEMBER = "group_member", _("Fellow group member")

    INFLUENCER_KINDS = (
        Kind.SPOUSE,
        Kind.PARENT,
        Kind.GRANDPARENT,
        Kind.GUARDIAN,
        Kind.OTHER_INFLUENCER,
    )
    PARENT_OR_GUARDIAN_KINDS = (Kind.PARENT, Kind.GUARDIAN)

    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="relationships",
    )
    kind = models.CharField(_("relationship"), max_length=20, choices=Kind.choices)
    related_candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("related candidate"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="related_to",
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_influencer(self):
        return self.kind in self.INFLUENCER_KINDS

    @property
    def is_parent_or_guardian(self):
        return self.kind in self.PARENT_OR_GUARDIAN_KINDS


class SealingEvent(models.Model):
    """A Records Custodian sealed or unsealed a person's record (NMSA 32A-2-26): who, when, by
    which court order, why. Written once by vipcn.security.custodian, never changed; the
    candidate's ``sealed`` flag follows the latest event. Absent, like the record, while sealed.
    """

    class Action(models.TextChoices):
        SEALED = "sealed", _("Sealed")
        UNSEALED = "unsealed", _("Unsealed")

    candidate = models.ForeignKey(
        Candidate,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="sealing_events",
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    order_reference = models.CharField(_("court order reference"), max_length=100, blank=True)
    order_date = models.DateField(_("date of the court order"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("records custodian"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    acted_at = models.DateTimeField(_("time"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sealing or unsealing")
        verbose_name_plural = _("sealings and unsealings")
        ordering = ["-acted_at", "-pk"]
        get_latest_by = ["acted_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} #{self.candidate_id} {self.acted_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Sealing records are written once.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Sealing records are kept.")
