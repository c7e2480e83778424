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
    # Reading pages: case readers.
    "candidates:list": CASE_READERS,
    "candidates:detail": CASE_READERS,
    "candidates:duplicates": CASE_READERS,
    "candidates:shootings": CASE_READERS,
    "candidates:shooting_detail": CASE_READERS,
    "candidates:gvis": CASE_READERS,
    "candidates:gvis_detail": CASE_READERS,
    "candidates:groups": CASE_READERS,
    "candidates:group_detail": CASE_READERS,
    "candidates:aliases": CASE_READERS,
    # Changes: casework roles only.
    "candidates:create": CASEWORK,
    "candidates:edit": CASEWORK,
    "candidates:basis_add": CASEWORK,
    "candidates:basis_withdraw": CASEWORK,
    "candidates:determination": CASEWORK,
    "candidates:relationship_add": CASEWORK,
    "candidates:relationship_edit": CASEWORK,
    "candidates:alias_add": CASEWORK,
    "candidates:alias_remove": CASEWORK,
    "candidates:address_add": CASEWORK,
    "candidates:address_edit": CASEWORK,
    "candidates:address_remove": CASEWORK,
    "candidates:merge": CASEWORK,
    "candidates:shooting_create": CASEWORK,
    "candidates:shooting_edit": CASEWORK,
    "candidates:involvement_add": CASEWORK,
    "candidates:involvement_remove": CASEWORK,
    "candidates:gvis_create": CASEWORK,
    "candidates:gvis_edit": CASEWORK,
    "candidates:group_create": CASEWORK,
    "candidates:group_edit": CASEWORK,
    "candidates:group_member_add": CASEWORK,
    "candidates:group_member_remove": CASEWORK,
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
    #
    #
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
