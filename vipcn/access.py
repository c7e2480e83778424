"""The access matrix: which roles may open which page, in one place.

Every named URL of the project must appear here. The middleware denies any view that is
neither listed nor marked ``login_not_required``, so a page added without a rule is closed
by default, and tests/vipcn/test_access.py fails until the rule is written.
Object-level limits (e.g. juvenile records) are applied by each app's access helpers.
"""

from vipcn.roles import ADMINISTRATOR, LEAD, MANAGER, STAFF, user_roles

EVERYONE = frozenset({STAFF, LEAD, MANAGER, ADMINISTRATOR})
CASEWORK = frozenset({STAFF, LEAD})
CASE_READERS = frozenset({STAFF, LEAD, MANAGER})
LEAD_ONLY = frozenset({LEAD})
OVERSIGHT = frozenset({LEAD, MANAGER})

# URL name (with namespace) -> roles allowed. Django admin and admindocs keep their own
# permission checks (is_staff plus model permissions), so they are delegated, not listed.
MATRIX = {
    # --- accounts and base pages
    "home": EVERYONE,
    "logout": EVERYONE,
    "password_change": EVERYONE,
    "password_change_done": EVERYONE,
    "set_language": EVERYONE,
    # --- security and audit (vipcn)
    #
    #
    # --- candidates: registry, shootings, GVIS meetings, groups
    #
    #
    # --- personnel: deliverer roster, training, accompaniment
    #
    #
    # --- cases: preparation, letters, approval
    #
    #
    # --- attempts: delivery attempts, after-action, follow-up
    #
    #
    # --- reports: dashboards, compliance audit, exports, transparency report
    "reports:dashboard": OVERSIGHT,
    "reports:cases": OVERSIGHT,
    "reports:cases_export": OVERSIGHT,
    # The candidate list is open to everyone who reads cases; so is its export.
    "reports:candidates_export": CASE_READERS,
    "reports:exports": OVERSIGHT,
    "reports:outcomes": OVERSIGHT,
    "reports:compliance": OVERSIGHT,
    "reports:compliance_csv": OVERSIGHT,
    "reports:compliance_pdf": OVERSIGHT,
    "reports:transparency": OVERSIGHT,
    "reports:transparency_csv": OVERSIGHT,
}

DELEGATED_PREFIXES = ("admin:", "django-admindocs-")


def is_delegated(view_name):
    return view_name.startswith(DELEGATED_PREFIXES)


def roles_for(view_name):
    """Roles allowed on the named view, or None when the matrix has no rule for it."""
    return MATRIX.get(view_name)


def can_open(user, view_name):
    allowed = roles_for(view_name)
    return allowed is not None and bool(user_roles(user) & allowed)
