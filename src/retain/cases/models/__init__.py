"""The cases app's records, one module per kind, gathered here for Django."""

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
