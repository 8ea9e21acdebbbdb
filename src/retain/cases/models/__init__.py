"""The cases app's records, one module per kind, gathered here for Django."""

from .lost import LostOwner, LostReason, LostSource, LostStatus, WinBackStep, WinBackStepKind  # noqa: F401
