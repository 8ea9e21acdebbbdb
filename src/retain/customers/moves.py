"""What other apps keep about a customer moves with the customer.

Merging a duplicate into its survivor, or handing a consultant's portfolio to colleagues,
must also move the records the apps built on customers keep (a prospect and its contacts, the
register lines, event invitations, scores). The customers app does not import those apps (the
arrow points down); each registers its handlers in its ``AppConfig.ready``, as it does for the
card's sections (``cards.py``), and ``customers.services`` calls them inside its transaction:

- ``merge(actor=, survivor=, duplicate=)`` moves the duplicate's records to the survivor and
  answers ``{what: count}``; it may raise ``ValidationError`` to refuse the merge (then nothing
  is written at all);
- ``reassign(actor=, from_owner_id=, plan={new owner id: [customer ids]})`` hands the departing
  owner's work on those customers to their new owners and answers ``{what: count}``.

The counts go into the customers service's audit row, so one row still tells the whole change.
"""

from collections.abc import Callable

_merge: list[Callable[..., dict[str, int]]] = []
_reassign: list[Callable[..., dict[str, int]]] = []


def register(*, merge: Callable[..., dict[str, int]] | None = None,
             reassign: Callable[..., dict[str, int]] | None = None) -> None:
    for handler, handlers in ((merge, _merge), (reassign, _reassign)):
        if handler is not None and handler not in handlers:
            handlers.append(handler)


def merge(*, actor, survivor, duplicate) -> dict[str, int]:
    moved: dict[str, int] = {}
    for handler in _merge:
        moved.update(handler(actor=actor, survivor=survivor, duplicate=duplicate))
    return moved


def reassign(*, actor, from_owner_id: int, plan: dict[int, list[int]]) -> dict[str, int]:
    moved: dict[str, int] = {}
    for handler in _reassign:
        moved.update(handler(actor=actor, from_owner_id=from_owner_id, plan=plan))
    return moved
