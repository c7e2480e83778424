"""Preparation items of a CN case (2-64-4 B, 2-64-5 B)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from candidates.models import Language
from vipcn.history import TimeStamped


class _Completed(TimeStamped):
    """A check completed by someone on a date, with a summary (P-THREAT, P-BACKGROUND)."""

    completed_by = models.CharField(_("completed by"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    summary = models.TextField(_("summary"))

    class Meta:
        abstract = True


class ThreatAssessment(_Completed):
    case = models.OneToOneField(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="threat_assessment",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("threat assessment")
        verbose_name_plural = _("threat assessments")
        permissions = [("view_sensitive", _("Can read threat assessments and background checks"))]

    def __str__(self):
        return _("Threat assessment for %(case)s") % {"case": self.case}


class BackgroundCheck(_Completed):
    case = models.OneToOneField(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="background_check",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("background check")
        verbose_name_plural = _("background checks")

    def __str__(self):
        return _("Background check for %(case)s") % {"case": self.case}


class Penalty(TimeStamped):
    """A penalty that may apply to a candidate, kept by administrators."""

    statute = models.CharField(_("statute"), max_length=100)
    description_en = models.TextField(_("plain-words description (English)"))
    description_es = models.TextField(_("plain-words description (Spanish)"))
    maximum_penalty = models.CharField(_("maximum penalty"), max_length=200)
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["statute"]

    def __str__(self):
        return self.statute

    def description_in(self, language):
        return self.description_es if language == Language.SPANISH else self.description_en


class LetterTemplate(TimeStamped):
    """A letter template per language; placeholders are filled from the candidate."""

    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Placeholders: {{ candidate_name }}, {{ date }}, {{ penalties }}, {{ lead_name }}."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["language", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="unique_template_lang")
        ]

    def __str__(self):
        return f"{self.name} ({self.get_language_display()})"


class LetterVersion(TimeStamped):
    """One version of a case's personalized letter (P-LETTER). Versions are never edited: each
    edit makes a new one; the version the Lead accepts is frozen and is the one presented."""

    case = models.ForeignKey(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="letter_versions",
    )
    number = models.PositiveIntegerField(_("version"))
    template = models.ForeignKey(
        LetterTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    body = models.TextField(_("letter text"))
    # The drafter's text with its placeholders ({{ penalties }} ...), from which ``body`` is
    # merged: a later version starts from it, so chosen penalties always reach the letter.
    source = models.TextField(_("letter source"), blank=True)
    penalties = models.ManyToManyField(Penalty, verbose_name=_("penalties"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[penalties])

    class Meta:
        verbose_name = _("letter version")
        verbose_name_plural = _("letter versions")
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="unique_letter_number"),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(accepted_at__isnull=False),
                name="one_accepted_letter_per_case",
            ),
        ]

    def __str__(self):
        return _("Letter v%(number)s for %(case)s") % {"number": self.number, "case": self.case}


class TeamAssignment(TimeStamped):
    """Planned delivery team (P-TEAM); every deliverer must pass the DLV-* check."""

    class Role(models.TextChoices):
        DELIVERER = "deliverer", _("Deliverer")
        LEAD = "lead", _("VIP Law Enforcement Lead")
        ACCOMPANYING = "accompanying", _("Accompanying officer")

    case = models.ForeignKey(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="team",
    )
    personnel = models.ForeignKey(
        "deliveries.Personnel",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="team_assignments",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery team member")
        verbose_name_plural = _("delivery team")
        constraints = [
            models.UniqueConstraint(fields=["case", "personnel"], name="unique_team_member")
        ]

    def __str__(self):
        return f"{self.personnel} – {self.get_role_display()}"


class SocialServicesPlan(TimeStamped):
    """The social services component coordinated with (P-SOCIAL)."""

    case = models.OneToOneField(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="social_services",
    )
    organization = models.CharField(_("provider organisation"), max_length=200)
    contact_person = models.CharField(_("contact person"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("social services plan")
        verbose_name_plural = _("social services plans")

    def __str__(self):
        return f"{self.organization} – {self.contact_person}"


class JPOCheck(TimeStamped):
    """Juvenile Probation Office contact (J-JPO)."""

    case = models.OneToOneField(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="jpo_check",
    )
    contacted_on = models.DateField(_("date contacted"))
    jpo_contact = models.CharField(_("JPO contact"), max_length=200)
    on_probation = models.BooleanField(_("on probation"))
    probation_officer = models.CharField(_("probation officer"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Juvenile Probation Office check")
        verbose_name_plural = _("Juvenile Probation Office checks")

    def __str__(self):
        return _("JPO check for %(case)s") % {"case": self.case}


class JuvenileDecision(TimeStamped):
    """The Lead's decision whether the CN shall be delivered to a juvenile (J-DECIDE)."""

    class Decision(models.TextChoices):
        DELIVER = "deliver", _("Deliver the CN")
        DO_NOT_DELIVER = "do_not_deliver", _("Do not deliver the CN")

    case = models.OneToOneField(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="juvenile_decision",
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    services_status = models.TextField(_("status of services to the juvenile"))
    probation_relationship = models.TextField(
        _("status of the probation officer's relationship with the juvenile"), blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField(_("decided on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("juvenile delivery decision")
        verbose_name_plural = _("juvenile delivery decisions")

    def __str__(self):
        return self.get_decision_display()


class GuardianContact(TimeStamped):
    """An attempt to contact a juvenile's parent or guardian before delivery (J-GUARDIAN)."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        IN_PERSON = "in_person", _("In person")
        LETTER = "letter", _("Letter")
        OTHER = "other", _("Other")

    class Result(models.TextChoices):
        REACHED_WILL_ATTEND = "will_attend", _("Reached; will be present")
        REACHED_WILL_NOT_ATTEND = "will_not_attend", _("Reached; will not be present")
        NOT_REACHED = "not_reached", _("Not reached")

    case = models.ForeignKey(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="guardian_contacts",
    )
    guardian = models.ForeignKey(
        "candidates.Relationship",
        verbose_name=_("parent or guardian"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempted_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parent/guardian contact attempt")
        verbose_name_plural = _("parent/guardian contact attempts")
        ordering = ["-attempted_on", "-pk"]

    def __str__(self):
        return f"{self.guardian} – {self.attempted_on}"
