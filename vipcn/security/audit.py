"""Writing the access log (CJIS AU-2, AU-3). Callers pass names and ids only, never a
password, code or secret; request parameters are never copied into an entry."""

import logging

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DatabaseError, transaction
from django.db.models.signals import m2m_changed, post_delete, pre_save
from django.dispatch import receiver

from vipcn.models import AccessLogEntry
from vipcn.security.client_ip import client_ip

Action = AccessLogEntry.Action
Outcome = AccessLogEntry.Outcome
logger = logging.getLogger("vipcn.audit")


def _current_request():
    # simple_history's HistoryRequestMiddleware keeps the request for the signal handlers.
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def record(
    action,
    outcome=Outcome.SUCCESS,
    *,
    request=None,
    user=None,
    username="",
    object_type="",
    object_id="",
    object_refs=None,
    detail="",
    status_code=None,
):
    """Append one entry. The request supplies user, IP, method, path and page when given."""
    if request is not None:
        request_user = getattr(request, "user", None)
        if user is None and request_user is not None and request_user.is_authenticated:
            user = request_user
        match = getattr(request, "resolver_match", None)
        entry_request = {
            "ip_address": client_ip(request),
            "method": request.method or "",
            "path": request.path[:500],
            "view_name": (match.view_name if match else "")[:200],
        }
    else:
        entry_request = {}
    if user is not None and not username:
        username = user.get_username()
    entry = AccessLogEntry(
        action=action,
        outcome=outcome,
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_refs=object_refs or {},
        detail=detail[:500],
        status_code=status_code,
        **entry_request,
    )
    try:
        # A savepoint, so a failure here never poisons the caller's transaction.
        with transaction.atomic():
            entry.save()
    except DatabaseError:
        logger.exception("Could not write the access log entry %s", entry)
        raise
    return entry


@receiver(user_logged_in, dispatch_uid="vipcn.audit.login")
def _logged_in(sender, request, user, **kwargs):
    record(Action.LOGIN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="vipcn.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # credentials are already scrubbed by Django; only the username is kept.
    username = str(credentials.get("username", ""))
    locked = bool(getattr(request, "axes_locked_out", False))
    record(
        Action.LOGIN_FAILED,
        Outcome.DENIED if locked else Outcome.FAILURE,
        request=request,
        username=username,
        detail="account locked" if locked else "",
    )


@receiver(user_logged_out, dispatch_uid="vipcn.audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Action.LOGOUT, request=request, user=user)


@receiver(post_delete, sender=AccessAttempt, dispatch_uid="vipcn.audit.lockout_released")
def _lockout_released(sender, instance, **kwargs):
    from django.conf import settings

    # Axes also deletes attempts on a successful login and when old failures are forgotten;
    # only deleting a locked username's attempts is a release.
    if instance.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        request, actor = _actor()
        record(
            Action.LOCKOUT_RELEASED,
            request=request,
            user=actor,
            username=actor.get_username() if actor else "",
            object_type="username",
            object_id=instance.username or "",
        )


@receiver(user_locked_out, dispatch_uid="vipcn.audit.lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(Action.LOCKOUT, Outcome.DENIED, request=request, username=username or "")


def _actor():
    request = _current_request()
    user = getattr(request, "user", None) if request is not None else None
    return request, user if user is not None and user.is_authenticated else None


def _describe_pks(model, pk_set):
    if not pk_set:
        return ""
    field = {Group: "name", Permission: "codename"}.get(model, "username")
    names = model.objects.filter(pk__in=pk_set).values_list(field, flat=True)
    return ", ".join(sorted(names))


def _m2m_changed(sender, instance, action, model, pk_set, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    request, actor = _actor()
    what = {"post_add": "added", "post_remove": "removed", "pre_clear": "cleared"}[action]
    if action == "pre_clear":
        fks = {f.related_model: f.attname for f in sender._meta.fields if f.is_relation}
        pk_set = set(
            sender.objects.filter(**{fks[type(instance)]: instance.pk}).values_list(
                fks[model], flat=True
            )
        )
    detail = f"{sender._meta.object_name}: {what} {_describe_pks(model, pk_set)}".strip()
    object_type = instance._meta.model_name
    record(
        Action.PERMISSION_CHANGE,
        request=request,
        user=actor,
        object_type=object_type,
        object_id=instance.pk,
        detail=detail,
    )


User = get_user_model()
for _through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(_m2m_changed, sender=_through, dispatch_uid=f"vipcn.audit.{_through}")


@receiver(pre_save, sender=User, dispatch_uid="vipcn.audit.user_flags")
def _user_flags_changed(sender, instance, **kwargs):
    if instance._state.adding or not instance.pk:
        return
    before = (
        User.objects.filter(pk=instance.pk).values("is_active", "is_staff", "is_superuser").first()
    )
    if before is None:
        return
    changes = [
        f"{flag}: {before[flag]} -> {getattr(instance, flag)}"
        for flag in ("is_active", "is_staff", "is_superuser")
        if before[flag] != getattr(instance, flag)
    ]
    if changes:
        request, actor = _actor()
        record(
            Action.PERMISSION_CHANGE,
            request=request,
            user=actor,
            object_type="user",
            object_id=instance.pk,
            detail="; ".join(changes),
        )
