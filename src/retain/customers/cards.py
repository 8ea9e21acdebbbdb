"""Sections other apps add to the customer information card.

The customers app does not import the apps built on it (sales, care, loyalty, ...); each of
them registers a provider in its ``AppConfig.ready`` that returns a section for the card, read
through its own door, or ``None`` when it has nothing the actor may see.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CardSection:
    template: str
    context: dict


_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections(actor, customer) -> list[CardSection]:
    return [section for provider in _providers if (section := provider(actor, customer)) is not None]
