"""Contacts with customers that apps other than sales record, counted where sales counts its own.

The consultant's daily business report counts the owners contacted that day (maintenance
contacts, split by the customer's class). A care task done with an outcome that reached the
customer is such a contact too, but sales may not import care (they stand side by side on one
floor) and care may not import sales. So the app that records the contact registers a counter
here, in its ``AppConfig.ready``, and the report adds what the counters give:

- ``counter(staff, first, last)`` answers ``{(day, classification): count}``: the contacts the
  staff member made with customers between ``first`` and ``last`` (inclusive), by day and by
  the customer's *current* class (the report's own rule), counted in the database.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable

_counters: list[Callable[..., dict[tuple[dt.date, str], int]]] = []


def register(counter: Callable[..., dict[tuple[dt.date, str], int]]) -> None:
    if counter not in _counters:
        _counters.append(counter)


def counts(staff, first: dt.date, last: dt.date) -> Counter:
    """Every registered counter's contacts, added up: ``{(day, classification): count}``."""
    total: Counter = Counter()
    for counter in _counters:
        total.update(counter(staff, first, last))
    return total
