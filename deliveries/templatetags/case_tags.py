"""Small display helpers for the CN case pages."""

from django import template

register = template.Library()


@register.filter
def person(user):
    """A user's full name, else their username, else an em dash (no user)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
