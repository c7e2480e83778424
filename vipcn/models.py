from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserProfile(models.Model):
    """Per-user preferences that are not part of authentication."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return str(self.user)


class AccessLogQuerySet(models.QuerySet):
    """Append-only: bulk changes and deletes are refused (CJIS AU-9).

    Only ``prune_older_than`` may delete, and only entries past the retention period.
    """

    def update(self, **kwargs):
        raise PermissionError("The access log is append-only; entries cannot be changed.")

    def delete(self):
        raise PermissionError("The access log is append-only; use prune_access_log.")

    def prune_older_than(self, cutoff):
        from datetime import timedelta

        from django.utils import timezone

        limit = timezone.now() - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
        if cutoff > limit:
            raise PermissionError(
                "Access-log entries younger than %d days are kept (CJIS AU-11)."
                % settings.ACCESS_LOG_RETENTION_DAYS
            )
        return models.QuerySet.delete(self.filter(at__lt=cutoff))


class AccessLogEntry(models.Model):
    """One security-relevant event: who, from where, did what to which object, and how it went.

    Never holds a password, one-time code or secret: callers pass only names and ids.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGOUT = "logout", _("logout")
        LOCKOUT = "lockout", _("account locked out")
        LOCKOUT_RELEASED = "lockout_released", _("lockout released")
        SESSION_EXPIRED = "session_expired", _("session expired")
        MFA_ENROLLED = "mfa_enrolled", _("second factor enrolled")
        MFA_VERIFIED = "mfa_verified", _("second factor verified")
        MFA_FAILED = "mfa_failed", _("second factor refused")
        VIEW = "view", _("viewed a record page")
        SUBMIT = "submit", _("submitted a form on a record page")
        DOWNLOAD = "download", _("downloaded an export or letter")
        DENIED = "denied", _("request denied")
        PERMISSION_CHANGE = "permission_change", _("permission or role change")
        ACCOUNT_DISABLED = "account_disabled", _("account disabled")
        SEALED_OPENED = "sealed_opened", _("sealed record opened")
        SEALED = "sealed", _("record sealed")
        UNSEALED = "unsealed", _("record unsealed")
        AUDIT_READ = "audit_read", _("read the access log")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("denied")

    at = models.DateTimeField(_("time (UTC)"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        # Entries outlive accounts and must never be rewritten: no constraint, no cascade.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_refs = models.JSONField(_("objects referred to"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    method = models.CharField(_("HTTP method"), max_length=8, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    view_name = models.CharField(_("page"), max_length=200, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="accesslog_object_idx"),
            models.Index(fields=["user", "at"], name="accesslog_user_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S.%f} {self.username} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The access log is append-only; entries cannot be changed.")
        if self.at is None:
            from django.utils import timezone

            self.at = timezone.now()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only; entries cannot be deleted.")
