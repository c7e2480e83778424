"""SOP 2-64 rules for CN cases, by step: who may deliver (personnel), preparation, delivery
and after-action. Importing this package registers every rule in ``vipcn.policy.RULES``."""

from deliveries.policy import delivery, personnel, preparation, transparency  # noqa: F401
from vipcn.policy import RULES  # noqa: F401
