"""The suppression hook: apps above channels may stop a message for reasons of their own.

The blacklist (cases) registers a function here in its ``AppConfig.ready``; channels never
imports it. The function is asked when a message is queued and again just before it is
delivered::

    from retain.channels import suppression

    def blacklisted(customer, purpose, day):
        if on_blacklist(customer, day):
            return suppression.Reason("blacklist", gettext("On the blacklist"))
        return None

    suppression.register(blacklisted)

``purpose`` is one of ``models.Purpose``; ``day`` the dealer-local date of the check. A
``Reason`` is a typed code (stored on the message, up to 40 characters) and a readable label
(stored beside it, up to 200 characters, in the language the check ran in). The first hook that
answers a reason suppresses the message.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    label: str

    def __post_init__(self):
        if not self.code or len(self.code) > 40:
            raise ValueError(f"a suppression code has 1 to 40 characters, not {self.code!r}")


Hook = Callable[[object, str, dt.date], Reason | None]

_hooks: list[Hook] = []


def register(fn: Hook) -> Hook:
    """Add ``fn(customer, purpose, day) -> Reason | None`` to the checks (once)."""
    if fn not in _hooks:
        _hooks.append(fn)
    return fn


def unregister(fn: Hook) -> None:
    """Remove a hook (an app's tests that registered one)."""
    if fn in _hooks:
        _hooks.remove(fn)


def check(customer, purpose: str, day: dt.date) -> Reason | None:
    """The first reason a hook gives to stop this message, or None."""
    for fn in _hooks:
        reason = fn(customer, purpose, day)
        if reason is not None:
            if not isinstance(reason, Reason):
                raise TypeError(f"suppression hook {fn!r} answered {reason!r}, not a Reason or None")
            return reason
    return None
