from django import template

from vipcn import access

register = template.Library()


@register.simple_tag(takes_context=True)
def can_open(context, view_name):
    """Whether the signed-in user's role opens the named page (to show or hide a button)."""
    request = context.get("request")
    return bool(request and access.can_open(request.user, view_name))


@register.filter
def rule_class(state):
    if not state.applies:
        return "text-body-secondary"
    return "rule-ok" if state.ok else "rule-missing"
