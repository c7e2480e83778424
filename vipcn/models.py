from django.conf import settings
from django.db import models, router, transaction
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
    # Set when an administrator sets the password (new account, reset); the user's own change
    # clears it. Until then the user changes it before anything else, enrolment included.
    password_set_by_admin = models.BooleanField(
        _("password set by an administrator"), default=False, editable=False
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return str(self.user)


class AccessLogQuerySet(models.QuerySet):
    """Append-only: bulk changes and deletes are refused (CJIS AU-9).

    Only ``prune_older_than`` may delete: the oldest entries, past the retention period.
    """

    def update(self, **kwargs):
        raise PermissionError("The access log is append-only; entries cannot be changed.")

    def delete(self):
        raise PermissionError("The access log is append-only; use prune_access_log.")

    def bulk_create(self, objs, *args, **kwargs):
        # Each entry is linked to the one before it as it is written (vipcn.security.chain).
        raise PermissionError("Access-log entries are written one at a time (audit.record).")

    def prune_older_than(self, cutoff):
        """Delete the oldest entries, written before ``cutoff``; (count, anchor)."""
        from datetime import timedelta

        from django.utils import timezone

        from vipcn.security import chain

        limit = timezone.now() - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
        if cutoff > limit:
            raise PermissionError(
                "Access-log entries younger than %d days are kept (CJIS AU-11)."
                % settings.ACCESS_LOG_RETENTION_DAYS
            )
        return chain.prune(cutoff, using=self.db)


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
        PASSWORD_SET_BY_ADMIN = "password_set_by_admin", _("password set by an administrator")
        MFA_REMOVED = "mfa_removed", _("authenticator removed")
        RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
        RECOVERY_CODES_MADE = "recovery_codes_made", _("new recovery codes made")
        ROLE_GRANT_REQUESTED = "role_grant_requested", _("role grant requested")
        ROLE_GRANT_CONFIRMED = "role_grant_confirmed", _("role grant confirmed")
        ROLE_GRANT_REFUSED = "role_grant_refused", _("role grant refused")

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
    # The hash chain (vipcn/security/chain.py): set when the entry is written, never by hand.
    prev_hash = models.CharField(
        _("hash of the previous entry"), max_length=64, blank=True, editable=False
    )
    entry_hash = models.CharField(
        _("hash of this entry"), max_length=64, blank=True, editable=False
    )

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
        """Write a new entry, linked to the one before it; ``at`` defaults to the database's
        clock at that moment."""
        if not self._state.adding:
            raise PermissionError("The access log is append-only; entries cannot be changed.")
        from vipcn.security import chain

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        kwargs["force_insert"] = True
        with transaction.atomic(using=using):
            chain.link(self, using, lambda: super(AccessLogEntry, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only; entries cannot be deleted.")


class AnchorQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Access-log anchors cannot be changed.")

    def delete(self):
        raise PermissionError("Access-log anchors cannot be deleted.")


class AccessLogAnchor(models.Model):
    """Where the hash chain resumes after ``prune_access_log`` deleted the oldest entries.

    The first entry kept links to ``last_pruned_hash``; ``verify_access_log`` starts there.
    """

    created_at = models.DateTimeField(_("pruned at"))
    cutoff = models.DateTimeField(_("pruned entries written before"))
    last_pruned_id = models.BigIntegerField(_("last pruned entry"))
    last_pruned_at = models.DateTimeField(_("time of the last pruned entry"))
    last_pruned_hash = models.CharField(_("hash of the last pruned entry"), max_length=64)
    pruned_count = models.PositiveBigIntegerField(_("entries pruned"))

    objects = AnchorQuerySet.as_manager()

    class Meta:
        verbose_name = _("access-log anchor")
        verbose_name_plural = _("access-log anchors")
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"#{self.last_pruned_id} {self.last_pruned_hash[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Access-log anchors cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Access-log anchors cannot be deleted.")


class RoleGrant(models.Model):
    """A request to give a user a role that needs a second administrator (Auditor, Records
    Custodian): one administrator asks, another confirms or refuses (vipcn.security.duties).

    Rows are never deleted: with the access log they show who asked and who agreed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting a second administrator")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    role = models.CharField(_("role"), max_length=150)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at", "-pk"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(status="pending"),
                name="rolegrant_one_pending_per_role",
            )
        ]

    def __str__(self):
        return f"{self.role} → {self.user}"
