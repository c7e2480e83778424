"""The access matrix: which roles may open which page, in one place.

Every named URL of the project must appear here. The middleware denies any view that is
neither listed nor marked ``login_not_required``, so a page added without a rule is closed
by default, and tests/vipcn/test_access.py fails until the rule is written.
Object-level limits (e.g. juvenile records) are applied by each app's access helpers.
"""

from vipcn.roles import ADMINISTRATOR, AUDITOR, CUSTODIAN, LEAD, MANAGER, STAFF, user_roles

EVERYONE = frozenset({STAFF, LEAD, MANAGER, ADMINISTRATOR})
# Account pages (home, password, second factor) open to every role, audit roles included.
ANY_ROLE = EVERYONE | {AUDITOR, CUSTODIAN}
AUDITORS = frozenset({AUDITOR})
CUSTODIANS = frozenset({CUSTODIAN})
CASEWORK = frozenset({STAFF, LEAD})
CASE_READERS = frozenset({STAFF, LEAD, MANAGER})
LEAD_ONLY = frozenset({LEAD})
OVERSIGHT = frozenset({LEAD, MANAGER})

# URL name (with namespace) -> roles allowed. Django admin and admindocs keep their own
# permission checks (is_staff plus model permissions), so they are delegated, not listed.
MATRIX = {
    # --- accounts and base pages
    "home": ANY_ROLE,
    "logout": ANY_ROLE,
    "password_change": ANY_ROLE,
    "password_change_done": ANY_ROLE,
    "set_language": ANY_ROLE,
    # --- security and audit (vipcn)
    "mfa_setup": ANY_ROLE,
    "mfa_verify": ANY_ROLE,
    "mfa_qr": ANY_ROLE,
    "mfa_recovery": ANY_ROLE,
    "mfa_manage": ANY_ROLE,
    "audit:log": AUDITORS,
    "audit:object": AUDITORS,
    # Open to every role so that anyone but a custodian gets the same 404 as for a record
    # that does not exist (the view decides, vipcn.security.custodian).
    "audit:sealed_record": ANY_ROLE,
    # Sealing and unsealing: the custodian's procedure; the auditor reads what was done.
    "audit:sealing": CUSTODIANS,
    "audit:seal": CUSTODIANS,
    "audit:unseal": CUSTODIANS,
    "audit:sealing_events": AUDITORS,
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
    "personnel:roster": CASE_READERS,
    "personnel:detail": CASE_READERS,
    "personnel:command_share": CASE_READERS,
    "personnel:create": LEAD_ONLY,
    "personnel:edit": LEAD_ONLY,
    "personnel:training_add": LEAD_ONLY,
    "personnel:accompaniment_add": LEAD_ONLY,
    "personnel:accompaniment_confirm": LEAD_ONLY,
    "personnel:accompaniment_reject": LEAD_ONLY,
    #
    # --- cases: preparation, letters, approval
    "cases:list": CASE_READERS,
    "cases:detail": CASE_READERS,
    "cases:letter_preview": CASE_READERS,
    "cases:letter_pdf": CASE_READERS,
    "cases:my_work": CASEWORK,
    "cases:open": CASEWORK,
    "cases:withdraw": CASEWORK,
    "cases:threat": CASEWORK,
    "cases:background": CASEWORK,
    "cases:letter_draft": CASEWORK,
    "cases:team_add": CASEWORK,
    "cases:team_remove": CASEWORK,
    "cases:social": CASEWORK,
    "cases:jpo": CASEWORK,
    "cases:guardian_contact": CASEWORK,
    "cases:planned_guardian": CASEWORK,
    # The Lead's own steps (the services refuse anyone else too).
    "cases:approval_queue": LEAD_ONLY,
    "cases:approve": LEAD_ONLY,
    "cases:letter_accept": LEAD_ONLY,
    "cases:no_letter": LEAD_ONLY,
    "cases:juvenile_decision": LEAD_ONLY,
    #
    # --- attempts: delivery attempts, after-action, follow-up
    "attempts:ready": CASE_READERS,
    "attempts:detail": CASE_READERS,
    "attempts:record": CASEWORK,
    "attempts:edit": CASEWORK,
    "attempts:after_action": CASEWORK,
    "attempts:follow_up": CASEWORK,
    "attempts:confirm": LEAD_ONLY,
    "attempts:queue": OVERSIGHT,
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
