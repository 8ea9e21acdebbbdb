"""Finding customers by what a person at the counter has in hand: a name, a mobile number (or
its last digits, "尾号"), a plate or a VIN. Always applied to a queryset from the access door.

Each kind of key uses an index, so a search costs the same for a consultant's 300 customers and
a group administrator's million:

- a full mobile matches the normalised column exactly;
- four to ten digits (尾号, or a longer tail) probe the stored ``mobile_suffix`` (last four
  digits, indexed with the dealer); a longer tail is then checked on those few rows only;
- a VIN or plate goes through the vehicles table's unique/plain index;
- a name matches from its start (family name first: 周 finds every 周, 周新 narrows it), which
  the name index serves. A substring (``%新志%``) could use no index and would scan every row
  the actor may see, which at a million rows is seconds, not milliseconds. The matches are
  first read as they come, at most ``NAME_CANDIDATES`` (the name index: a table scan would have
  to find that many among a sample-sized guess of them, which the finer statistics of the
  names, migration 0009, keep far above any guess they make); if that is all of them the list
  is those rows. Asked at once for the newest matches, the planner walked the customers newest
  first whenever it guessed a name common: on a large demo a whole group's million rows for a
  company's 25 (200 ms; the statistics took the name for 828).

Only a plate tail without its province (``A12345``) still scans the vehicles table.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q

from .models import Vehicle
from .validators import VIN_PATTERN, normalise_mobile, normalise_plate

#: Name matches read through the name index before the list is made of them (see the docstring).
NAME_CANDIDATES = 500
_DIGITS = re.compile(r"^\+?[\d\s\-]{4,20}$")
_PLATE_TAIL = re.compile(r"^[A-Z0-9]{5,7}$")


def _owners_of(**vehicle_filter):
    return Q(pk__in=Vehicle.objects.filter(**vehicle_filter).values("customer_id"))


def search(customers, q: str):
    q = (q or "").strip()
    if not q:
        return customers
    upper = q.upper().replace(" ", "")
    if VIN_PATTERN.match(upper):
        return customers.filter(_owners_of(vin=upper))
    if _DIGITS.match(q):
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 11:
            try:
                return customers.filter(mobile=normalise_mobile(q))
            except ValidationError:
                pass
        found = customers.filter(mobile_suffix=digits[-4:])
        return found.filter(mobile__endswith=digits) if len(digits) > 4 else found
    try:
        return customers.filter(_owners_of(plate=normalise_plate(q)))
    except ValidationError:
        pass
    if _PLATE_TAIL.match(upper) and any(c.isdigit() for c in upper):
        return customers.filter(_owners_of(plate__endswith=upper))
    named = customers.filter(name__startswith=q)
    candidates = list(named.order_by().values_list("pk", flat=True)[:NAME_CANDIDATES + 1])
    return customers.filter(pk__in=candidates) if len(candidates) <= NAME_CANDIDATES else named


def filter_customers(customers, *, q: str = "", classification: str = "", owner=None, dealer=None, tag=None):
    """Search plus the list's filters. ``owner="none"`` selects unassigned customers."""
    customers = search(customers, q)
    if classification:
        customers = customers.filter(classification=classification)
    if owner == "none":
        customers = customers.filter(owner__isnull=True)
    elif owner:
        customers = customers.filter(owner_id=owner)
    if dealer:
        customers = customers.filter(dealer_id=dealer)
    if tag:
        customers = customers.filter(tags__name=tag)
    return customers
