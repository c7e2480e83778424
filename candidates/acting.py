"""Who a service acts for, so the change history names them outside a web request too.

simple_history takes the user from the web request; a service also runs from the demo
loader, management commands and tests. ``records_actor`` marks the service's ``actor`` as
the current one, and ``fill_history_user`` (connected in CandidatesConfig.ready) writes it
on any historical row that would otherwise have no user.
"""

import functools
from contextvars import ContextVar

_current_actor = ContextVar("candidates_current_actor", default=None)


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
    actor = _current_actor.get()
    if (
        actor is not None
        and getattr(actor, "pk", None)
        and history_instance.history_user_id is None
    ):
        history_instance.history_user = actor
