"""The main navigation: each entry shows only to users whose role opens its page."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from vipcn import access

# (URL name, label). Order is the order in the menu; add a page's entry with its page.
ENTRIES = [
    ("home", _("Home")),
    # --- reports
    ("reports:dashboard", _("Dashboard")),
    ("reports:compliance", _("Compliance audit")),
    ("reports:outcomes", _("Outcomes after a CN")),
    ("reports:transparency", _("Public report")),
    # --- candidates
    ("candidates:list", _("Candidates")),
    ("candidates:shootings", _("Shootings")),
    ("candidates:gvis", _("GVIS meetings")),
    ("candidates:groups", _("Groups")),
    #
    # --- cases
    ("cases:my_work", _("My work")),
    ("cases:approval_queue", _("Approval queue")),
    ("cases:list", _("CN cases")),
    #
    # --- attempts
    ("attempts:ready", _("Deliveries")),
    ("attempts:queue", _("After-action queue")),
    #
    # --- personnel
    ("personnel:roster", _("Deliverers")),
    ("personnel:command_share", _("Command-level share")),
    #
    # --- security and audit
    ("audit:log", _("Access log")),
    ("audit:sealing_events", _("Sealings")),
    ("audit:sealing", _("Sealed records")),
    #
]


def menu_for(user, current_view_name=""):
    items = []
    for view_name, label in ENTRIES:
        if not access.can_open(user, view_name):
            continue
        try:
            url = reverse(view_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": view_name == current_view_name})
    return items
