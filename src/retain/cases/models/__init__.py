"""The cases app's records, one module per kind, gathered here for Django."""

from .blacklist import BlacklistEntry, EntryStatus, Reason  # noqa: F401 (blacklist)
from .case import (  # noqa: F401
    Case,
    CaseKind,
    CaseSettings,
    CaseStatus,
    CaseStep,
    Category,
    Channel,
    Department,
    Motive,
    Outcome,
    Severity,
    Step,
)
from .compensation import Compensation, CompensationKind, CompensationStatus  # noqa: F401
from .escalation import CaseEscalation, Deadline, Level  # noqa: F401
from .lost import LostOwner, LostReason, LostSource, LostStatus, WinBackStep, WinBackStepKind  # noqa: F401
