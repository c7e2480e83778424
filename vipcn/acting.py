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


def records_actor(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        token = _current_actor.set(kwargs.get("actor"))
        try:
            return func(*args, **kwargs)
        finally:
            _current_actor.reset(token)

    return wrapper


def fill_history_user(sender, history_instance, **kwargs):
    # An empty reason, not NULL: the admin's history table prints NULL as the word "None".
    if history_instance.history_change_reason is None:
        history_instance.history_change_reason = ""
    actor = _current_actor.get()
    if (
        actor is not None
        and getattr(actor, "pk", None)
        and history_instance.history_user_id is None
    ):
        history_instance.history_user = actor


@contextlib.contextmanager
def acting_as(user):
    """Every history row written inside the block without a web user names ``user``."""
    token = _current_actor.set(user)
    try:
        yield user
    finally:
        _current_actor.reset(token)
