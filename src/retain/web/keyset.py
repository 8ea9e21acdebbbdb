"""Keyset ("seek") pagination and a capped count, for lists that grow with the customer base.

``Paginator`` answers page N with ``OFFSET 25*N`` and the page count with ``COUNT(*)`` over the
whole filtered scope: both read every earlier row, so a group administrator's list of a million
customers costs the same scan on every click. A keyset page instead asks for the rows after the
last one shown (``WHERE (date, id) > (last date, last id) ORDER BY date, id LIMIT 26``), which the
list's index answers by reading 26 entries at any depth; and the count stops at ``COUNT_CAP``
rows ("10,000+"), which is all a reader of a list can use.

The cursor is the ordering key of the row at the edge of the page (``after`` for the next page,
``before`` for the previous one), written as text in the query string; a cursor that does not
parse is ignored (the first page), never a server error.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from retain.bounds import MAX_DATE, MAX_ID, MIN_DATE

COUNT_CAP = 10_000
SEPARATOR = "~"


@dataclass
class KeysetPage:
    items: list
    count: int  # exact up to COUNT_CAP, else COUNT_CAP
    capped: bool  # more than COUNT_CAP rows
    next_cursor: str | None  # pass as ``after`` for the next page
    previous_cursor: str | None  # pass as ``before`` for the previous page
    first: bool  # this is the first page (no cursor was used)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """``(count, capped)``: ``SELECT COUNT(*) FROM (... LIMIT cap + 1)`` reads at most cap + 1 rows."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def _ordering(queryset, ordering):
    fields = list(ordering or queryset.query.order_by or queryset.model._meta.ordering)
    if not fields or fields[-1].lstrip("-") not in ("id", "pk"):
        raise ValueError("a keyset ordering must end in the primary key, so every row has one place")
    return [(f.lstrip("-"), f.startswith("-")) for f in fields]


def _parse(model, ordering, cursor: str | None):
    """The cursor's values, converted by each field's own ``to_python``; None if it does not parse."""
    if not cursor:
        return None
    parts = str(cursor).split(SEPARATOR)
    if len(parts) != len(ordering):
        return None
    values = []
    for (name, _descending), text in zip(ordering, parts):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        try:
            value = field.to_python(text)
        except (ValidationError, ValueError, TypeError, OverflowError):
            return None
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            return None
        day = value.date() if isinstance(value, dt.datetime) else value
        if isinstance(day, dt.date) and not MIN_DATE <= day <= MAX_DATE:
            return None
        values.append(value)
    return values


def _beyond(ordering, values, *, forward: bool) -> Q:
    """Rows strictly beyond ``values`` in the ordering (or before them, if not ``forward``):
    (a > x) or (a = x and b > y) ..., with > turned to < for descending fields."""
    def lookup(descending, strict=True):
        smaller = descending == forward  # descending and forward: smaller values come next
        return ("lt" if smaller else "gt") + ("" if strict else "e")

    condition = Q(pk__in=[])
    for i, (name, descending) in enumerate(ordering):
        step = Q(**{f"{name}__{lookup(descending)}": values[i]})
        for prior, value in zip(ordering[:i], values[:i]):
            step &= Q(**{prior[0]: value})
        condition |= step
    # The same bound on the leading key alone, which an index range scan can start from (the
    # planner does not derive it from the OR).
    name, descending = ordering[0]
    return Q(**{f"{name}__{lookup(descending, strict=False)}": values[0]}) & condition


def _cursor(row, ordering) -> str:
    return SEPARATOR.join(str(getattr(row, "pk" if name == "pk" else name)) for name, _ in ordering)


def keyset_page(queryset, *, after: str | None = None, before: str | None = None, size: int = 25,
                ordering=None, count: bool = True) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (default: the queryset's), after or before a cursor."""
    keys = _ordering(queryset, ordering)
    order = [f"{'-' if d else ''}{n}" for n, d in keys]
    reverse = [f"{'' if d else '-'}{n}" for n, d in keys]
    after_values = _parse(queryset.model, keys, after)
    before_values = None if after_values else _parse(queryset.model, keys, before)
    if before_values:
        rows = list(queryset.filter(_beyond(keys, before_values, forward=False)).order_by(*reverse)[: size + 1])
        more_before = len(rows) > size
        items = rows[:size][::-1]
        has_previous, has_next = more_before, True
    else:
        page = queryset.filter(_beyond(keys, after_values, forward=True)) if after_values else queryset
        rows = list(page.order_by(*order)[: size + 1])
        items = rows[:size]
        has_previous, has_next = after_values is not None, len(rows) > size
    total, capped = capped_count(queryset) if count else (0, False)
    return KeysetPage(
        items=items, count=total, capped=capped,
        next_cursor=_cursor(items[-1], keys) if has_next and items else None,
        previous_cursor=_cursor(items[0], keys) if has_previous and items else None,
        first=not (after_values or before_values),
    )
