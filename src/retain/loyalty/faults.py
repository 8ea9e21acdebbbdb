"""Named points inside a ledger write where a test may make it fail (crash injection).

``checkpoint(name)`` does nothing unless a test has set ``hook``; the crash tests raise at each
name in turn and check that the transaction left no trace and that a retry completes once."""

from collections.abc import Callable

POINTS = ("transfer_written", "debit_applied", "credit_applied", "lots_applied", "audited", "key_stored")

hook: Callable[[str], None] | None = None


def checkpoint(name: str) -> None:
    if hook is not None:
        hook(name)
