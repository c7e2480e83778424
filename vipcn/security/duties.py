"""Separation of duties (CJIS AC-5): the roles that read what administrators may not (the
access log, sealed records) are given by two people, or at the server's command line.

One administrator asks (``role_grant_request``, from the user form in the admin); another
confirms or refuses (``role_grant_confirm``/``role_grant_refuse``, the admin's *Role grants*).
Neither the one who asked nor the user themselves may confirm. An operator with a shell on the
server may grant directly (``manage.py grant_role``, ``role_grant_at_command_line``). Each step
is logged as its own action.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vipcn.models import AccessLogEntry, RoleGrant
from vipcn.roles import ADMINISTRATOR, ROLE_LABELS, SECOND_ADMINISTRATOR_ROLES, has_role
from vipcn.security import audit
from vipcn.security.accounts import granting_confirmed_role

Action = AccessLogEntry.Action


def needs_second_administrator(role):
    return role in SECOND_ADMINISTRATOR_ROLES


def _label(role):
    return str(ROLE_LABELS.get(role, role))


def _add_role(user, role):
    token = granting_confirmed_role.set(True)
    try:
        user.groups.add(Group.objects.get(name=role))
    finally:
        granting_confirmed_role.reset(token)
    user.__dict__.pop("_vipcn_roles", None)


def _log(action, *, grant, actor, request, detail):
    audit.record(
        action,
        request=request,
        user=actor,
        object_type="user",
        object_id=grant.user_id,
        detail=detail[:500],
    )


def role_grant_request(*, user, role, actor, request=None):
    """Record ``actor``'s request to give ``user`` the ``role``; another administrator decides.

    Returns the pending grant (the existing one if the same request is already pending).
    """
    if not needs_second_administrator(role):
        raise ValidationError(_("This role does not need a second administrator."))
    if actor.pk == user.pk:
        raise ValidationError(_("No one may ask for a role for themselves."))
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if user.groups.filter(name=role).exists():
            raise ValidationError(
                _("%(user)s already has the role %(role)s.")
                % {"user": user.get_username(), "role": _label(role)}
            )
        grant = RoleGrant.objects.filter(
            user=user, role=role, status=RoleGrant.Status.PENDING
        ).first()
        if grant is not None:
            return grant
        grant = RoleGrant.objects.create(user=user, role=role, requested_by=actor)
        _log(
            Action.ROLE_GRANT_REQUESTED,
            grant=grant,
            actor=actor,
            request=request,
            detail=f"{role} for {user.get_username()}, requested by {actor.get_username()}; "
            f"grant {grant.pk} awaits a second administrator",
        )
    return grant


def _decide(grant, actor):
    """The grant locked for a decision by ``actor``, or a ValidationError saying why not."""
    locked = RoleGrant.objects.select_for_update().select_related("user", "requested_by")
    grant = locked.get(pk=grant.pk)
    if grant.status != RoleGrant.Status.PENDING:
        raise ValidationError(_("This request was already decided."))
    if not has_role(actor, ADMINISTRATOR):
        raise ValidationError(_("Only an administrator may decide a role request."))
    return grant


def role_grant_confirm(*, grant, actor, request=None):
    """A second administrator (not the one who asked, not the user) confirms: the role is
    given and the confirmation logged with both names."""
    with transaction.atomic():
        grant = _decide(grant, actor)
        if actor.pk in (grant.requested_by_id, grant.user_id):
            raise ValidationError(
                _(
                    "A second administrator must confirm: not the one who asked, and not the "
                    "person who receives the role."
                )
            )
        if not grant.user.is_active:
            raise ValidationError(_("The account is disabled; the role cannot be given."))
        grant.status = RoleGrant.Status.CONFIRMED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "decided_by", "decided_at"])
        _add_role(grant.user, grant.role)
        _log(
            Action.ROLE_GRANT_CONFIRMED,
            grant=grant,
            actor=actor,
            request=request,
            detail=f"{grant.role} for {grant.user.get_username()}, requested by "
            f"{grant.requested_by.get_username()}, confirmed by {actor.get_username()} "
            f"(grant {grant.pk})",
        )
    return grant


def role_grant_refuse(*, grant, actor, request=None):
    """Any administrator refuses (or the one who asked withdraws) a pending request."""
    with transaction.atomic():
        grant = _decide(grant, actor)
        grant.status = RoleGrant.Status.REFUSED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        grant.save(update_fields=["status", "decided_by", "decided_at"])
        _log(
            Action.ROLE_GRANT_REFUSED,
            grant=grant,
            actor=actor,
            request=request,
            detail=f"{grant.role} for {grant.user.get_username()}, requested by "
            f"{grant.requested_by.get_username()}, refused by {actor.get_username()} "
            f"(grant {grant.pk})",
        )
    return grant


def role_grant_at_command_line(*, user, role, operator=""):
    """Give ``user`` the ``role`` from a shell on the server (manage.py grant_role)."""
    with transaction.atomic():
        Group.objects.get(name=role)  # a role that does not exist is a programming error
        already = user.groups.filter(name=role).exists()
        if not already:
            _add_role(user, role)
        audit.record(
            Action.ROLE_GRANT_CONFIRMED,
            username=operator,
            object_type="user",
            object_id=user.pk,
            detail=(
                f"{role} for {user.get_username()}, "
                f"{'already held' if already else 'granted'} at the server's command line"
                + (f" by {operator}" if operator else "")
            ),
        )
    return not already
