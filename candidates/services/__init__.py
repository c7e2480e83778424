"""Every change to the candidate registry: one atomic function per step, actor recorded,
stale versions refused. Views call these; nothing else writes candidate data."""

from candidates.services.common import (  # noqa: F401
    ADDRESS_FIELDS,
    BASIS_FIELDS,
    CANDIDATE_FIELDS,
    RELATIONSHIP_FIELDS,
    search_text_for,
)
from candidates.services.identification import (  # noqa: F401
    basis_add,
    basis_withdraw,
    determination_record,
)
from candidates.services.merge import candidate_merge  # noqa: F401
from candidates.services.people import (  # noqa: F401
    address_add,
    address_remove,
    address_update,
    alias_add,
    alias_remove,
    candidate_create,
    candidate_update,
    relationship_add,
    relationship_update,
)
from candidates.services.records import (  # noqa: F401
    group_member_add,
    group_member_remove,
    group_save,
    gvis_meeting_save,
    involvement_add,
    involvement_remove,
    shooting_save,
)
