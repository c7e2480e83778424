"""Delivery attempts, the after-action record and follow-up (2-64-4 C-D, 2-64-5 C-D)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from vipcn.history import TimeStamped


class DeliveryAttempt(TimeStamped):
    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Message delivered to the candidate")
        ALTERNATE = "alternate", _("Delivered to an alternate recipient")
        ENDED_BY_CANDIDATE = "ended", _("Ended by the candidate (refused or asked us to leave)")
        NOT_LOCATED = "not_located", _("Candidate not located")
        ABORTED = "aborted", _("Aborted")

    class EndedHow(models.TextChoices):
        REFUSED = "refused", _("Refused to communicate")
        ASKED_TO_LEAVE = "asked_to_leave", _("Asked the team to leave")

    DELIVERED_OUTCOMES = (Outcome.DELIVERED, Outcome.ALTERNATE)
    # Outcomes in which the team met the candidate or someone for them.
    CONTACT_OUTCOMES = (Outcome.DELIVERED, Outcome.ALTERNATE, Outcome.ENDED_BY_CANDIDATE)

    case = models.ForeignKey(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    number = models.PositiveIntegerField(_("attempt"))
    contact_at = models.DateTimeField(_("time of contact (or of the attempt)"))
    address = models.CharField(_("address"), max_length=300)
    # C-ECC: the ECC advised before contact.
    ecc_advised_at = models.DateTimeField(_("ECC advised at"), null=True, blank=True)
    ecc_advised_by = models.CharField(_("ECC advised by"), max_length=200, blank=True)
    ecc_told_location = models.BooleanField(_("ECC given the location"), default=False)
    ecc_told_team = models.BooleanField(_("ECC given the team members"), default=False)
    ecc_told_identity = models.BooleanField(_("ECC given the candidate's identity"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    # C-DELIVER: the letter version presented (the accepted one) and the message delivered.
    letter_presented = models.ForeignKey(
        "deliveries.LetterVersion",
        verbose_name=_("letter presented"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    message_delivered = models.BooleanField(_("GVI message delivered"), default=False)
    # C-LEAVE / C-CONSENT
    team_left_immediately = models.BooleanField(_("team left at once"), default=False)
    ended_how = models.CharField(
        _("how the person ended the encounter"),
        max_length=16,
        choices=EndedHow.choices,
        blank=True,
    )
    abort_reason = models.TextField(_("reason aborted"), blank=True)
    # C-ALT
    alternate_recipient = models.ForeignKey(
        "candidates.Relationship",
        verbose_name=_("alternate recipient"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    alternate_reason = models.TextField(_("why delivering to them was warranted"), blank=True)
    # C-GUARD / J-GUARDIAN
    guardian_present = models.ForeignKey(
        "candidates.Relationship",
        verbose_name=_("parent or guardian present"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # C-SOCIAL
    social_services_delivered = models.BooleanField(
        _("social services delivered their message and resources"), null=True, blank=True
    )
    social_services_reason = models.TextField(_("why not"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="unique_attempt_number")
        ]
        indexes = [models.Index(fields=["contact_at"], name="attempt_contact_idx")]

    def __str__(self):
        return _("%(case)s attempt %(number)s") % {"case": self.case, "number": self.number}

    @property
    def is_delivered(self):
        return self.outcome in self.DELIVERED_OUTCOMES

    @property
    def after_action_due_at(self):
        """When an after-action still open becomes overdue (deliveries.overdue)."""
        from deliveries.overdue import due_at

        return due_at(self)


class AttemptTeamMember(TimeStamped):
    """Who was actually present at an attempt, with their role."""

    class Role(models.TextChoices):
        DELIVERER = "deliverer", _("Deliverer")
        LEAD = "lead", _("VIP Law Enforcement Lead")
        ACCOMPANYING = "accompanying", _("Accompanying officer")
        SOCIAL_SERVICES = "social_services", _("Social services")
        MESSENGER = "messenger", _("Community or faith messenger")

    PERSONNEL_ROLES = (Role.DELIVERER, Role.LEAD, Role.ACCOMPANYING)

    attempt = models.ForeignKey(
        DeliveryAttempt,
        verbose_name=_("delivery attempt"),
        on_delete=models.CASCADE,
        related_name="team",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    personnel = models.ForeignKey(
        "deliveries.Personnel",
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts_present",
    )
    name = models.CharField(_("name (social services, messenger)"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team member present")
        verbose_name_plural = _("team members present")
        indexes = [models.Index(fields=["personnel", "role"], name="attempt_team_idx")]

    def __str__(self):
        return f"{self.personnel or self.name} – {self.get_role_display()}"


class AfterAction(TimeStamped):
    """After-action for one attempt (A-ECC, A-CAD, A-RMS)."""

    class Decision(models.TextChoices):
        CLOSE = "close", _("Close the case")
        RETRY = "retry", _("Send back for another attempt")

    attempt = models.OneToOneField(
        DeliveryAttempt,
        verbose_name=_("delivery attempt"),
        on_delete=models.CASCADE,
        related_name="after_action",
    )
    ecc_outcome_advised_at = models.DateTimeField(
        _("ECC advised of the outcome at"), null=True, blank=True
    )
    ecc_outcome_advised_by = models.CharField(_("ECC advised by"), max_length=200, blank=True)
    # The outcome the ECC was told of: when the attempt's outcome is corrected later, the ECC
    # must be advised again (A-ECC).
    ecc_advised_outcome = models.CharField(
        _("outcome the ECC was advised of"),
        max_length=12,
        choices=DeliveryAttempt.Outcome.choices,
        blank=True,
    )
    cad_number = models.CharField(
        _("CAD report number"), max_length=40, null=True, blank=True, unique=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("after-action")
        verbose_name_plural = _("after-actions")

    def __str__(self):
        return _("After-action for %(attempt)s") % {"attempt": self.attempt}


class AttemptException(TimeStamped):
    """A field rule broken in the encounter, recorded truthfully by the Lead with why
    (requirements.md, "record what happened"): the attempt is kept, the rule shows as not met
    in the compliance audit with this explanation, and it never counts as compliant."""

    attempt = models.ForeignKey(
        DeliveryAttempt,
        verbose_name=_("delivery attempt"),
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    rule_id = models.CharField(_("rule"), max_length=16)
    explanation = models.TextField(_("explanation"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("field-rule exception")
        verbose_name_plural = _("field-rule exceptions")
        ordering = ["attempt", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "rule_id"], name="one_exception_per_rule")
        ]

    def __str__(self):
        return f"{self.attempt} – {self.rule_id}"


class AttemptCheck(models.Model):
    """One rule's judgement of one attempt, as of its contact time, written by the services in
    the same transaction as the attempt (and its after-action) from the one list of rules:
    the compliance audit reads these, so an attempt keeps the judgement of its own moment."""

    class Status(models.TextChoices):
        MET = "met", _("met")
        NOT_MET = "not_met", _("not met")
        NA = "na", _("not applicable")

    attempt = models.ForeignKey(
        DeliveryAttempt,
        verbose_name=_("delivery attempt"),
        on_delete=models.CASCADE,
        related_name="checks",
    )
    rule_id = models.CharField(_("rule"), max_length=16)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    # Why not met, in each language of the application (the rules' messages are written when
    # the attempt is, and read later by people in either language): {"en": ..., "es": ...}.
    notes = models.JSONField(_("why not met, per language"), default=dict, blank=True)

    class Meta:
        verbose_name = _("rule check of an attempt")
        verbose_name_plural = _("rule checks of attempts")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "rule_id"], name="one_check_per_rule")
        ]
        indexes = [models.Index(fields=["rule_id", "status"], name="attempt_check_idx")]

    def __str__(self):
        return f"{self.attempt_id} {self.rule_id}: {self.status}"

    @property
    def note(self):
        """Why not met, in the active language (English when it has no text of its own)."""
        from django.utils.translation import get_language

        language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return self.notes.get(language) or self.notes.get("en", "")


class FollowUp(TimeStamped):
    """The social services component's follow-up after a delivered CN."""

    class Response(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        PENDING = "pending", _("No answer yet")

    case = models.ForeignKey(
        "deliveries.CNCase",
        verbose_name=_("CN case"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    followed_up_on = models.DateField(_("date"))
    services_offered = models.TextField(_("services offered"))
    response = models.CharField(_("response"), max_length=10, choices=Response.choices)
    referral_made = models.CharField(_("referral made"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-followed_up_on"]

    def __str__(self):
        return f"{self.case} – {self.followed_up_on}"
