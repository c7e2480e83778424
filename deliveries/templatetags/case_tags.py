"""Small display helpers for the CN case pages."""

from django import template

register = template.Library()


@register.filter
def person(user):
    """A user's full name, else their username, else an em dash (no user)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def open_case(candidate):
    """The candidate's open CN case, or None (only one can be open at a time)."""
    from deliveries.models import CNCase

    return candidate.cases.filter(state__in=CNCase.OPEN_STATES).first()
