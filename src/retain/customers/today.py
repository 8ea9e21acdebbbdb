"""Sections other apps add to a staff member's today page.

The today page belongs to sales (the consultant's follow-ups), but the day's work also holds
what other apps give the same person (care tasks, later survey call-backs and complaint steps).
Sales may not import them, so, as for the customer card (``cards.py``), each app registers a
provider in its ``AppConfig.ready``; a provider returns a section for the actor's day, read
through its own door, or ``None`` when it has nothing for them.

The day's lists are the actor's own rows (their prospects, tasks, owners), and a manager, a
region's or the group's people open the page owning none: each list's queries (the rows, their
counts) found that out at some 0.5 to 1 ms of Django CPU each. A provider names the tables whose
rows the actor owns (``reads``: model and the field naming the owner), the page asks them all in
one statement whether any row is the actor's (:func:`look`), and a list skips its queries where
none is (:func:`holds`). As on the card, the answer only ever skips a query.
"""

import datetime as dt
from collections.abc import Callable

from .cards import CardSection as Section
from .cards import rows_exist

_providers: list[Callable[..., Section | None]] = []
_read: list[tuple[type, str]] = []


def register(provider: Callable[..., Section | None], *, reads: tuple[tuple[type, str], ...] = ()) -> None:
    if provider not in _providers:
        _providers.append(provider)
    _read.extend(table for table in reads if table not in _read)


def look(actor, *own: tuple[type, str]) -> None:
    """Ask every table the sections read, and the page's ``own`` ones, whether it holds a row the
    actor owns, for :func:`holds` (kept on the actor object, which lives as long as the request)."""
    tables = _read + [table for table in own if table not in _read]
    actor.__dict__["_owns"] = rows_exist(tables, actor.pk)


def holds(actor, model: type, field: str = "owner") -> bool:
    """Whether ``model`` has any row whose ``field`` is the actor, as the page found before asking
    its lists; True where it was not asked (a list read on its own reads as ever)."""
    return actor.__dict__.get("_owns", {}).get((model, field), True)


def sections(actor, day: dt.date) -> list[Section]:
    return [section for provider in _providers if (section := provider(actor, day)) is not None]
