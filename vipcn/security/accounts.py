"""Account changes that hold whichever path makes them (admin, any page, command, shell).

* Deactivation ends every session of the user at once (CJIS AC-2, AC-12): a reactivated
  account's old cookie does not work again.
* A password set by someone else from the web (an administrator: new account, reset) is marked
  on the profile and logged as its own action naming the account; the user's own change clears
  the mark (vipcn.security.middleware sends a marked user to change it first).
* No one changes their own roles, permissions or staff/superuser flags from the web; a role
  that needs a second administrator is added only through vipcn.security.duties (the command
  line on the server is the other way: no request there).
* Removing an authenticator or the recovery codes is logged as its own action, naming the
  account.

"From the web" means inside a request (simple_history's middleware keeps it for the signals);
management commands and the shell run without one.
"""

import contextvars
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from vipcn.models import AccessLogEntry, UserProfile
from vipcn.roles import SECOND_ADMINISTRATOR_ROLES
from vipcn.security import audit

Action = AccessLogEntry.Action
User = get_user_model()
WATCHED = ("password", "is_active", "is_staff", "is_superuser")
OWN_FLAGS = ("is_staff", "is_superuser")

# Set by vipcn.security.duties while it adds a confirmed role: the only web path for one.
granting_confirmed_role = contextvars.ContextVar("vipcn_granting_confirmed_role", default=False)


def current_request_and_actor():
    """(request, signed-in user) of the request being served, or (None, None) outside one."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        return request, None
    return request, user


# --- sessions -------------------------------------------------------------------------------


def end_sessions(user):
    """Delete every stored session of ``user``; returns how many."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        raise ImproperlyConfigured(
            "SESSION_ENGINE must keep sessions in the database, so that a deactivated "
            "user's sessions can be found and ended."
        )
    model = store_class.get_model_class()
    decoder = store_class()
    wanted = str(user.pk)
    keys = [
        session.session_key
        for session in model.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(decoder.decode(session.session_data).get(SESSION_KEY, "")) == wanted
    ]
    for key in keys:
        store_class(key).delete()  # also clears a cache in front of the database, if any
    return len(keys)


# --- the password mark ----------------------------------------------------------------------


def _set_mark(user, value):
    profile, _created = UserProfile.objects.get_or_create(user=user)
    if profile.password_set_by_admin != value:
        profile.password_set_by_admin = value
        profile.save(update_fields=["password_set_by_admin"])
    user.profile = profile  # the instance may be request.user: keep its cached profile true


def password_set_by_admin(user):
    profile = getattr(user, "profile", None)  # a missing profile reads as None
    return bool(profile and profile.password_set_by_admin)


def _password_set_by(actor, user, request, detail):
    _set_mark(user, True)
    audit.record(
        Action.PASSWORD_SET_BY_ADMIN,
        request=request,
        user=actor,
        object_type="user",
        object_id=user.pk,
        detail=f"{detail}: {user.get_username()}",
    )


# --- signal handlers ------------------------------------------------------------------------


def _before_user_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._vipcn_before = None
    if raw or instance._state.adding or not instance.pk:
        return
    if update_fields is not None and not set(update_fields) & set(WATCHED):
        return
    before = User.objects.filter(pk=instance.pk).values(*WATCHED).first()
    instance._vipcn_before = before
    _request, actor = current_request_and_actor()
    if before and actor is not None and actor.pk == instance.pk:
        changed = [f for f in OWN_FLAGS if before[f] != getattr(instance, f)]
        if changed:
            raise PermissionDenied("No one changes their own %s." % ", ".join(changed))


def _after_user_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before, instance._vipcn_before = getattr(instance, "_vipcn_before", None), None
    request, actor = current_request_and_actor()
    if created:
        if actor is not None and actor.pk != instance.pk and instance.has_usable_password():
            _password_set_by(actor, instance, request, "new account")
        return
    if before is None:
        return
    if before["password"] != instance.password and actor is not None:
        if actor.pk == instance.pk:
            _set_mark(instance, False)
        elif instance.has_usable_password():
            _password_set_by(actor, instance, request, "password reset")
    if before["is_active"] and not instance.is_active:
        end_sessions(instance)


def _affected_users(instance, model, pk_set, reverse, through):
    """Ids of the users whose groups or permissions an m2m change touches."""
    if not reverse:
        return {instance.pk}
    if pk_set is not None:
        return set(pk_set)
    # pre_clear from the group's or permission's side: every user holding it.
    field = "group_id" if isinstance(instance, Group) else "permission_id"
    return set(through.objects.filter(**{field: instance.pk}).values_list("user_id", flat=True))


def _guard_roles(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    request, actor = current_request_and_actor()
    if request is None:
        return  # the command line on the server
    users = _affected_users(instance, model, pk_set, reverse, sender)
    if actor is not None and actor.pk in users:
        raise PermissionDenied("No one changes their own roles or permissions.")
    if action != "pre_add" or sender is not User.groups.through:
        return
    if reverse:
        names = {instance.name}
    else:
        names = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    if names & SECOND_ADMINISTRATOR_ROLES and not granting_confirmed_role.get():
        raise PermissionDenied(
            "This role needs a second administrator's confirmation (vipcn.security.duties)."
        )


def _authenticator_removed(sender, instance, **kwargs):
    if isinstance(instance, TOTPDevice) and not instance.confirmed:
        return  # an enrolment never confirmed is not an authenticator
    request, actor = current_request_and_actor()
    owner = User.objects.filter(pk=instance.user_id).values_list("username", flat=True).first()
    kind = "recovery codes" if isinstance(instance, StaticDevice) else "authenticator app"
    audit.record(
        Action.MFA_REMOVED,
        request=request,
        user=actor,
        object_type="user",
        object_id=instance.user_id,
        detail=f"{kind} of {owner or instance.user_id}",
    )


pre_save.connect(_before_user_save, sender=User, dispatch_uid="vipcn.accounts.before_save")
post_save.connect(_after_user_save, sender=User, dispatch_uid="vipcn.accounts.after_save")
for _through in (User.groups.through, User.user_permissions.through):
    m2m_changed.connect(_guard_roles, sender=_through, dispatch_uid=f"vipcn.accounts.{_through}")
for _device in (TOTPDevice, StaticDevice):
    post_delete.connect(
        _authenticator_removed, sender=_device, dispatch_uid=f"vipcn.accounts.removed.{_device}"
    )
