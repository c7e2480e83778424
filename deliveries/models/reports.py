"""A record of every export of case data (who, when, what filter, how many rows)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportRecord(models.Model):
    """Append-only: a row is written once and never changed or deleted by the application.

    Not history-tracked (it is itself the history of exports).
    """

    class Kind(models.TextChoices):
        CASES = "cases", _("Case list")
        CANDIDATES = "candidates", _("Candidate list")
        COMPLIANCE_CSV = "compliance_csv", _("Compliance audit (CSV)")
        COMPLIANCE_PDF = "compliance_pdf", _("Compliance audit (PDF)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.user} – {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Export records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Export records are append-only.")
