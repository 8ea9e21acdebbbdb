"""Sections other apps add to a staff member's today page.

The today page belongs to sales (the consultant's follow-ups), but the day's work also holds
what other apps give the same person (care tasks, later survey call-backs and complaint steps).
Sales may not import them, so, as for the customer card (``cards.py``), each app registers a
provider in its ``AppConfig.ready``; a provider returns a section for the actor's day, read
through its own door, or ``None`` when it has nothing for them.
"""

import datetime as dt
from collections.abc import Callable

from .cards import CardSection as Section

_providers: list[Callable[..., Section | None]] = []


def register(provider: Callable[..., Section | None]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections(actor, day: dt.date) -> list[Section]:
    return [section for provider in _providers if (section := provider(actor, day)) is not None]
