"""Sections other apps add to the customer information card.

The customers app does not import the apps built on it (sales, care, loyalty, ...); each of
them registers a provider in its ``AppConfig.ready`` that returns a section for the card, read
through its own door, or ``None`` when it has nothing the actor may see.

A provider that asks ``customers.access.permitted`` about the customer names those actions when it
registers (``asks``): the card asks them with its own in one query, and the provider's own call
finds the answer kept on the customer.

A provider also names the tables whose rows of the customer it shows (``reads``: model and the
field naming the customer). Most customers have nothing in most of them (no prospect, case,
referral, VIP file, ...), yet each section's query through its door cost 0.5 to 1 ms of Django
CPU to find that out; the card asks every such table in one statement whether it holds any row of
the customer (:func:`holds`), and a section skips its query where none is. The answer only ever
skips a query (a table without the customer's rows has none the door would let through), so it
shows nothing by itself and needs no door.

Rows the card reads for itself (its latest transactions) are kept on the customer for the
sections (``keep``/``kept``): when they are all of the customer's, a section that would ask for
some of them (surveys' latest repair orders) picks them from those instead.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class CardSection:
    template: str
    context: dict


_providers: list[Callable] = []
_asked: list[str] = []
_read: list[tuple[type, str]] = []


def register(provider: Callable, *, asks: tuple[str, ...] = (), reads: tuple[tuple[type, str], ...] = ()) -> None:
    if provider not in _providers:
        _providers.append(provider)
    _asked.extend(action for action in asks if action not in _asked)
    _read.extend(table for table in reads if table not in _read)


def asked() -> tuple[str, ...]:
    """The actions the sections ask ``permitted`` about, for the card to ask at once."""
    return tuple(_asked)


def holds(customer, model: type, field: str = "customer") -> bool:
    """Whether ``model`` has any row whose ``field`` is this customer, as the card found before
    asking its sections; True where it was not asked (a provider called on its own reads as ever)."""
    return customer.__dict__.get("_holds", {}).get((model, field), True)


def keep(customer, model: type, rows: list, *, complete: bool) -> None:
    """Rows of ``model`` the card read for itself (in the model's order, newest first), for a
    section to reuse (:func:`kept`); ``complete`` when they are all of the customer's."""
    customer.__dict__.setdefault("_kept", {})[model] = rows if complete else None


def kept(customer, model: type) -> list | None:
    """All of the customer's rows of ``model`` if the card read them all, else None (a section
    asks the database, as it does when called on its own)."""
    return customer.__dict__.get("_kept", {}).get(model)


def look(customer, *own: tuple[type, str]) -> None:
    """Ask every table the sections read, and the card's ``own`` ones, whether it holds a row of
    the customer, for :func:`holds`."""
    tables = _read + [table for table in own if table not in _read]
    customer.__dict__["_holds"] = rows_exist(tables, customer.pk)


def rows_exist(tables: list[tuple[type, str]], value) -> dict[tuple[type, str], bool]:
    """For each table (model, field), whether it has a row whose ``field`` is ``value``: one
    statement of ``EXISTS`` on the tables' indexes of the field, written out because the ORM's
    compiler costs some 0.2 ms for each subquery, as much as the queries it saves."""
    if not tables:
        return {}
    quote = connection.ops.quote_name
    checks = [f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.get_field(field).column)} = %s)"
              for model, field in tables]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(checks)}", [value] * len(checks))
        found = cursor.fetchone()
    return {table: bool(answer) for table, answer in zip(tables, found, strict=True)}


def sections(actor, customer) -> list[CardSection]:
    if "_holds" not in customer.__dict__:
        look(customer)
    return [section for provider in _providers if (section := provider(actor, customer)) is not None]
