"""Personnel who may deliver a CN (2-64-6): rank, sworn status, training, accompaniment."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from vipcn.history import TimeStamped


class Rank(TimeStamped):
    """A rank, maintained by administrators; command-level ranks count toward DLV-CMD."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_command_level = models.BooleanField(_("command level"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Personnel(TimeStamped):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    badge_number = models.CharField(_("badge/employee number"), max_length=20, unique=True)
    rank = models.ForeignKey(
        Rank, verbose_name=_("rank"), on_delete=models.PROTECT, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    is_sworn = models.BooleanField(_("sworn"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The Deputy Chief of the Investigative Bureau or a recorded designee (2-64-3 F).
    is_vip_lead = models.BooleanField(_("VIP Law Enforcement Lead or designee"), default=False)
    lead_designated_on = models.DateField(_("designated as Lead on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="personnel",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person (personnel)")
        verbose_name_plural = _("personnel")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        rank = f"{self.rank} " if self.rank_id else ""
        return f"{rank}{self.first_name} {self.last_name} ({self.badge_number})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class Training(TimeStamped):
    """A Department-recognized CN training or workshop (catalogue kept by administrators)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CN training")
        verbose_name_plural = _("CN trainings")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TrainingAttendance(TimeStamped):
    personnel = models.ForeignKey(
        Personnel,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="trainings_attended",
    )
    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.PROTECT, related_name="attendances"
    )
    attended_on = models.DateField(_("date attended"))
    evidence = models.CharField(_("evidence"), max_length=300)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        ordering = ["-attended_on"]
        indexes = [models.Index(fields=["personnel", "attended_on"], name="training_att_idx")]

    def __str__(self):
        return f"{self.personnel} – {self.training} ({self.attended_on})"


class ManualAccompaniment(TimeStamped):
    """An accompaniment of the Lead on a CN from before this system (DLV-ACCOMP).

    Counts only once a Lead has confirmed it.
    """

    personnel = models.ForeignKey(
        Personnel,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="manual_accompaniments",
    )
    accompanied_on = models.DateField(_("date of the CN delivery"))
    lead = models.ForeignKey(
        Personnel,
        verbose_name=_("VIP Law Enforcement Lead accompanied"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence = models.CharField(_("evidence"), max_length=300)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("accompaniment entered by hand")
        verbose_name_plural = _("accompaniments entered by hand")
        ordering = ["-accompanied_on"]

    def __str__(self):
        return f"{self.personnel} – {self.accompanied_on}"
