from django.conf import settings

from vipcn.navigation import menu_for
from vipcn.roles import ROLE_LABELS, user_roles


def vipcn(request):
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    roles = user_roles(user) if user is not None else frozenset()
    return {
        "demo_mode": settings.DEMO_MODE,
        "user_roles": roles,
        "user_role_labels": [ROLE_LABELS[r] for r in sorted(roles) if r in ROLE_LABELS],
        "nav_items": menu_for(user, match.view_name if match else "") if roles else [],
    }
