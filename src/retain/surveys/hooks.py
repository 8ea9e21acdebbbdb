"""What apps above surveys do when an answer comes to count: a counted, submitted response is
handed to each registered function after its transaction commits (a detractor opens a case in the
cases app; surveys never imports it)::

    from retain.surveys import hooks

    def open_for_detractor(response): ...

    hooks.register(open_for_detractor)

A response counts when it is submitted without a flag, or when a manager's review keeps a
flagged one. The functions run after the commit, so a failure there never loses the answer; a
function must be idempotent (the cases app also sweeps the day's answers in a job, for any the
hook missed).
"""

from collections.abc import Callable

from django.db import transaction

Hook = Callable[[object], None]

_hooks: list[Hook] = []


def register(fn: Hook) -> Hook:
    """Add ``fn(response)`` to what runs when an answer comes to count (once)."""
    if fn not in _hooks:
        _hooks.append(fn)
    return fn


def unregister(fn: Hook) -> None:
    if fn in _hooks:
        _hooks.remove(fn)


def counted(response) -> None:
    """Hand ``response`` to every hook once the current transaction commits."""
    if not _hooks:
        return
    transaction.on_commit(lambda: [fn(response) for fn in list(_hooks)])
