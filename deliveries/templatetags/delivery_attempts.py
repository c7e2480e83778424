"""Template helpers for the delivery step (the case page includes the attempts snippet)."""

from django import template
from django.urls import NoReverseMatch, reverse

from deliveries import overdue
from vipcn import access

register = template.Library()


@register.simple_tag
def case_attempts(case):
    """The case's attempts with team and after-action, without a query per attempt."""
    from deliveries.views.attempts import case_attempts as load

    return load(case)


@register.simple_tag
def case_follow_ups(case):
    return list(case.follow_ups.select_related("created_by"))


@register.simple_tag
def case_url(case):
    """The case page's URL, or "" where that page does not exist (yet)."""
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return ""


@register.filter
def after_action_of(attempt):
    try:
        return attempt.after_action
    except attempt.__class__.after_action.RelatedObjectDoesNotExist:
        return None


@register.filter
def is_overdue(attempt):
    """An attempt whose after-action is still open past the set number of hours."""
    return overdue.is_overdue(attempt)


@register.simple_tag(takes_context=True)
def may_open(context, view_name):
    """Whether the access matrix opens the named page to the current user."""
    request = context.get("request")
    return request is not None and access.can_open(request.user, view_name)


@register.filter
def any_delivered(attempts):
    return any(attempt.is_delivered for attempt in attempts)
