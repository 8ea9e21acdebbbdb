"""The points liability and breakage, by dealer and month-end (reads only).

For each month in the period and each dealer (its programme, its local months):

- **outstanding**: the points members hold at the month's end, spendable plus pending (reserved
  shown apart: promised to a reward already), and their value at the programme's
  ``point_value_cents``. A balance at a month's end is the sum of the transfers into and out of
  members' accounts up to it: one grouped query per programme sums the ledger by local month and
  pair of account kinds, and the month-ends are the running total of those monthly sums (a loop
  over months, never over transfers);
- **issued**: points given to members by the programme, goodwill, adjustments and partners, less
  what went back the same way (a void, a reversal, a negative adjustment, a partner's issue
  reversed);
- **redeemed**: points spent on rewards or at a partner, less reversed redemptions and reversed
  acceptances at a partner;
- **expired** (breakage): points that reached their end unspent;
- **breakage rate** and **redemption rate**: expired / issued and redeemed / issued over the
  trailing 12 months ending with the month (None when nothing was issued).

The latest month-end equals the members' current cached balances when no transfer came after it
(``tests/loyalty/test_liability.py`` checks it, and ``verify`` checks those balances against the
entries)."""

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from . import months
from .models import AccountKind, Programme, Transfer, TransferKind
from .services.ledger import local_zone

HELD = (AccountKind.MEMBER, AccountKind.PENDING, AccountKind.HOLD)
GIVERS = (AccountKind.ISSUANCE, AccountKind.GOODWILL, AccountKind.ADJUSTMENT, AccountKind.PARTNER)
SPENT = (AccountKind.REDEMPTION, AccountKind.PARTNER)
TRAILING = 12


def _key(value, zone) -> dt.date:
    return value.astimezone(zone).date().replace(day=1) if isinstance(value, dt.datetime) else value.replace(day=1)


def monthly_flows(programme: Programme, before: dt.datetime) -> dict[dt.date, dict[tuple[str, str, bool], int]]:
    """Points moved in each local month before ``before``, by (debit kind, credit kind, whether a
    reversal): one query. (A reversal between a member and a partner undoes an issue or an
    acceptance: the same pair of accounts as an acceptance or an issue, told apart by its kind.)"""
    zone = local_zone(programme)
    rows = (Transfer.objects.filter(programme_id=programme.pk, created_at__lt=before)
            .annotate(m=TruncMonth("created_at", tzinfo=zone))
            .values_list("m", "debit__kind", "credit__kind", "kind").annotate(n=Sum("amount")).order_by())
    flows: dict = defaultdict(lambda: defaultdict(int))
    for month, debit, credit, kind, amount in rows:
        flows[_key(month, zone)][(debit, credit, kind == TransferKind.REVERSE)] += amount
    return flows


def _month(flows: dict[tuple[str, str, bool], int]) -> dict:
    change = dict.fromkeys(HELD, 0)
    issued = redeemed = expired = 0
    for (debit, credit, reversal), amount in flows.items():
        if credit in change:
            change[credit] += amount
        if debit in change:
            change[debit] -= amount
        if reversal and AccountKind.PARTNER in (debit, credit):  # a partner's issue or acceptance undone
            if credit == AccountKind.PARTNER:
                issued -= amount
            else:
                redeemed -= amount
            continue
        if debit in GIVERS and credit in (AccountKind.MEMBER, AccountKind.PENDING):
            issued += amount
        elif debit in (AccountKind.MEMBER, AccountKind.PENDING) and credit in GIVERS and credit != AccountKind.PARTNER:
            issued -= amount
        if debit in (AccountKind.MEMBER, AccountKind.HOLD) and credit in SPENT:
            redeemed += amount
        elif debit == AccountKind.REDEMPTION and credit in HELD:
            redeemed -= amount
        if credit == AccountKind.EXPIRY:
            expired += amount
    return {"change": change, "issued": issued, "redeemed": redeemed, "expired": expired}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def for_programme(programme: Programme, start: dt.date, end: dt.date) -> list[dict]:
    """The month-end rows of one programme for the months from ``start`` to ``end`` (first days)."""
    zone = local_zone(programme)
    start, end = months.first_of(start), months.first_of(end)
    _from, before = months.bounds(zone, end)
    flows = monthly_flows(programme, before)
    held = dict.fromkeys(HELD, 0)
    window: list[dict] = []
    out = []
    first = min([start, *flows]) if flows else start
    for month in months.span(first, end):
        figures = _month(flows.get(month, {}))
        for kind in HELD:
            held[kind] += figures["change"][kind]
        window = [*window, figures][-TRAILING:]
        if month < start:
            continue
        issued_12 = sum(f["issued"] for f in window)
        outstanding = held[AccountKind.MEMBER] + held[AccountKind.PENDING]
        out.append({
            "dealer_id": programme.dealer_id, "dealer": programme.dealer.name, "month": month,
            "spendable": held[AccountKind.MEMBER], "pending": held[AccountKind.PENDING],
            "reserved": held[AccountKind.HOLD], "outstanding": outstanding,
            "value_cents": outstanding * programme.point_value_cents,
            "issued": figures["issued"], "redeemed": figures["redeemed"], "expired": figures["expired"],
            "issued_12": issued_12, "redeemed_12": sum(f["redeemed"] for f in window),
            "expired_12": sum(f["expired"] for f in window),
            "breakage_rate": _rate(sum(f["expired"] for f in window), issued_12),
            "redemption_rate": _rate(sum(f["redeemed"] for f in window), issued_12),
        })
    return out


def report(dealers, start: dt.date, end: dt.date) -> dict:
    """Rows for every dealer (of ``dealers``, a queryset) with a programme, and the totals per
    month across them (rates recomputed from the summed points)."""
    rows = []
    for programme in Programme.objects.filter(dealer__in=dealers).select_related("dealer").order_by("dealer__name"):
        rows.extend(for_programme(programme, start, end))
    totals = {}
    for row in rows:
        total = totals.setdefault(row["month"], {"month": row["month"], **{k: 0 for k in (
            "spendable", "pending", "reserved", "outstanding", "value_cents", "issued", "redeemed", "expired",
            "issued_12", "redeemed_12", "expired_12")}})
        for key in total:
            if key != "month":
                total[key] += row[key]
    for total in totals.values():
        total["breakage_rate"] = _rate(total["expired_12"], total["issued_12"])
        total["redemption_rate"] = _rate(total["redeemed_12"], total["issued_12"])
    return {"start": months.first_of(start), "end": months.first_of(end), "rows": rows,
            "totals": [totals[m] for m in sorted(totals)]}


MAX_MONTHS = 120


def for_actor(actor, *, dealer_id=None, start=None, end=None) -> dict:
    """The report in the actor's sight (``view_liability``): one dealer of their scope (404 out of
    it), or all of them; the months from ``start`` to ``end`` (default: the last twelve to this
    month), at most ``MAX_MONTHS``."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from retain.org.policy import Action, dealer_in_scope, dealers_in_scope, require

    require(actor, Action.VIEW_LIABILITY)
    dealers = dealers_in_scope(actor, Action.VIEW_LIABILITY)
    if dealer_id not in (None, ""):
        dealers = dealers.filter(pk=dealer_in_scope(actor, Action.VIEW_LIABILITY, dealer_id))
    end = months.parse(end, "end") if end else months.first_of(timezone.localdate())
    start = months.parse(start, "start") if start else months.add_months(end, -11)
    if start > end:
        raise ValidationError({"end": _("The end is before the start.")})
    if len(months.span(start, end)) > MAX_MONTHS:
        raise ValidationError({"start": _("Ask for at most %(n)d months.") % {"n": MAX_MONTHS}})
    return report(dealers, start, end)
