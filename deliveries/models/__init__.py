"""CN cases from preparation to after-action, and the personnel who may deliver them."""

from deliveries.models.attempts import (  # noqa: F401
    AfterAction,
    AttemptCheck,
    AttemptException,
    AttemptTeamMember,
    DeliveryAttempt,
    FollowUp,
)
from deliveries.models.cases import CaseTransition, CNCase  # noqa: F401
from deliveries.models.personnel import (  # noqa: F401
    ManualAccompaniment,
    Personnel,
    Rank,
    Training,
    TrainingAttendance,
)
from deliveries.models.preparation import (  # noqa: F401
    BackgroundCheck,
    GuardianContact,
    JPOCheck,
    JuvenileDecision,
    LetterTemplate,
    LetterVersion,
    Penalty,
    SocialServicesPlan,
    TeamAssignment,
    ThreatAssessment,
)
from deliveries.models.reports import ExportRecord  # noqa: F401
