"""Sections other apps add to the customer information card.

The customers app does not import the apps built on it (sales, care, loyalty, ...); each of
them registers a provider in its ``AppConfig.ready`` that returns a section for the card, read
through its own door, or ``None`` when it has nothing the actor may see.

A provider that asks ``customers.access.permitted`` about the customer names those actions when it
registers (``asks``): the card asks them with its own in one query, and the provider's own call
finds the answer kept on the customer.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CardSection:
    template: str
    context: dict


_providers: list[Callable] = []
_asked: list[str] = []


def register(provider: Callable, *, asks: tuple[str, ...] = ()) -> None:
    if provider not in _providers:
        _providers.append(provider)
    _asked.extend(action for action in asks if action not in _asked)


def asked() -> tuple[str, ...]:
    """The actions the sections ask ``permitted`` about, for the card to ask at once."""
    return tuple(_asked)


def sections(actor, customer) -> list[CardSection]:
    return [section for provider in _providers if (section := provider(actor, customer)) is not None]
