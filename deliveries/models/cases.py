"""The CN case and its lifecycle. Allowed moves are in deliveries/lifecycle.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from vipcn.history import TimeStamped


class CNCase(TimeStamped):
    class State(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        READY = "ready", _("Approved, ready to deliver")
        ATTEMPTED = "attempted", _("Delivery attempt recorded")
        CLOSED = "closed", _("Closed")
        STOPPED = "stopped", _("Stopped (do not deliver)")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.PREPARING, State.READY, State.ATTEMPTED)

    number = models.CharField(_("case number"), max_length=20, unique=True)
    candidate = models.ForeignKey(
        "candidates.Candidate",
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PREPARING, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned VIP staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    opened_on = models.DateField(_("opened on"))
    # The determination that made the case eligible when it was opened: the case's day of
    # identification, which decides its juvenile safeguards (J-AGE, candidates.juvenile).
    determination = models.ForeignKey(
        "candidates.EligibilityDetermination",
        verbose_name=_("determination that made the case eligible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # P-LETTER: when no letter is warranted, the Lead says why.
    no_letter_reason = models.TextField(_("why no letter is warranted"), blank=True)
    no_letter_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("no letter decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    no_letter_at = models.DateTimeField(_("no letter decided at"), null=True, blank=True)
    planned_guardian = models.ForeignKey(
        "candidates.Relationship",
        verbose_name=_("parent or guardian planned to be present"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # What the approval approved: one digest per group of facts its rules read
    # (deliveries/approval.py); a change to any of them makes the approval lapse.
    approved_facts = models.JSONField(_("facts approved"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    end_reason = models.TextField(_("reason stopped or withdrawn"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CN case")
        verbose_name_plural = _("CN cases")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            # Only one open case per candidate at a time.
            models.UniqueConstraint(
                fields=["candidate"],
                condition=models.Q(state__in=["preparing", "ready", "attempted"]),
                name="one_open_case_per_candidate",
            )
        ]
        indexes = [models.Index(fields=["state", "opened_on"], name="case_state_idx")]

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


class CaseTransition(models.Model):
    """One row per state change: from, to, who, when (append-only)."""

    case = models.ForeignKey(
        CNCase, verbose_name=_("CN case"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(
        _("from"), max_length=12, choices=CNCase.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=12, choices=CNCase.State.choices)
    # None: a change made outside the application's pages and services (a shell) that made
    # an approval lapse (deliveries.approval).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case}: {self.from_state} → {self.to_state}"
