"""Where the worker reads a customer's latest P(alive): a hook the insights app fills.

The scores live in ``insights`` (floor 6), above the cases app, which therefore may not import
them. ``insights`` registers, in its ``AppConfig.ready``, a function that, given a reference to a
customer's id (``OuterRef("pk")``), returns a subquery expression of that customer's latest
P(alive). Without a provider the worker proposes nobody (it says so).
"""

from collections.abc import Callable

_provider: list[Callable] = []


def register(provider: Callable) -> None:
    """Set the provider of the latest-P(alive) expression (one: a second replaces the first)."""
    _provider[:] = [provider]


def latest_p_alive(customer_ref):
    """The expression of a customer's latest P(alive), or None if no app provides one."""
    return _provider[0](customer_ref) if _provider else None
