"""Who a service acts for, so the change history names them outside a web request too.

simple_history takes the user from the web request; a service also runs from the demo
loader, management commands and tests. ``records_actor`` marks the service's ``actor`` as
the current one, ``acting_as`` does the same for a block (the demo loader, commands), and
``fill_history_user`` (connected in VipcnConfig.ready) writes it on any historical row that
would otherwise have no user.
"""

import contextlib
import functools
from contextvars import ContextVar

_current_actor = ContextVar("vipcn_current_actor", default=None)
_current_reason = ContextVar("vipcn_current_reason", default=None)


def records_actor(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        token = _current_actor.set(kwargs.get("actor"))
        try:
            return func(*args, **kwargs)
        finally:
            _current_actor.reset(token)

    wrapper.records_actor = True  # for the guard that every service names its actor
    return wrapper


def fill_history_user(sender, history_instance, **kwargs):
    # An empty reason, not NULL: the admin's history table prints NULL as the word "None".
    if history_instance.history_change_reason is None:
        history_instance.history_change_reason = ""
    reason = _current_reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason
    actor = _current_actor.get()
    if (
        actor is not None
        and getattr(actor, "pk", None)
        and history_instance.history_user_id is None
    ):
        history_instance.history_user = actor


@contextlib.contextmanager
def acting_as(user, *, reason=None):
    """Every history row written inside the block without a web user names ``user``; with
    ``reason``, every such row without a change reason of its own carries it."""
    token = _current_actor.set(user)
    reason_token = _current_reason.set(reason)
    try:
        yield user
    finally:
        _current_reason.reset(reason_token)
        _current_actor.reset(token)


def current_actor():
    """Who is acting now: the service's actor, else the signed-in user of the web request
    (simple_history's middleware keeps it), else None (a shell, a migration)."""
    actor = _current_actor.get()
    if actor is not None and getattr(actor, "pk", None):
        return actor
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None
