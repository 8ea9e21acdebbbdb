"""The points ledger at the scale of a year of a medium dealer group: earning for 1.5 million
transactions in bulk, and ``retain loyalty verify`` on the ledger that makes.

Run on PostgreSQL (``RETAIN_DATABASE_URL``, a database of its own: each run adds a dealer)::

    python bench/loyalty_ledger.py [--transactions 1500000] [--customers 150000] [--readme README.md]

It writes a new dealer (``BENCH-LOY-<n>``) with ``--customers`` customers and ``--transactions``
transactions over the year before ``--as-of`` (service, parts, insurance and some vehicle sales,
amounts drawn from a seeded log-normal) through the project's bulk loader (COPY), then times:

- **earning**: ``loyalty.services.bulk.earn_in_shares`` for the whole year, as the daily job
  earns: the members split in two shares run side by side on two connections, each share one
  transaction (``earn_from_transactions``): the accounts, one transfer per transaction (pending
  inside the 14-day returns window, spendable with a lot before it), the cached balances, the
  members' tiers and one audit row; target under 60 s;
- **baseline**: a plain ``INSERT ... SELECT`` of the same rows (the same columns computed from
  the same transactions) into a table with no index, constraint or trigger: what writing the rows
  costs at least on this machine and this load, so a reader can tell the ledger's own cost
  (accounts, uniqueness, lots, balances) from a slow machine;
- **earning again**: the same call a second time: it must add nothing (once per record);
- **verify**: ``verify.run()`` over every programme's ledger in the database; target seconds.

The machine is shared: the table gives the load and the CPU other processes used during the run.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from _readme import OtherWork, machine_note, write_block  # noqa: E402
from retain import bulk  # noqa: E402
from retain.customers.models import Customer, Transaction  # noqa: E402
from retain.loyalty import verify  # noqa: E402
from retain.loyalty.models import Transfer  # noqa: E402
from retain.loyalty.services import bulk as bulk_earning  # noqa: E402
from retain.org.models import Dealer, DealerGroup, Region  # noqa: E402

EARN_TARGET, VERIFY_TARGET = 60.0, 10.0
KINDS = ["service", "parts", "insurance", "vehicle_sale"]
ANCHOR = "### The points ledger at scale"


def make_dealer() -> Dealer:
    group, _ = DealerGroup.objects.get_or_create(name="BENCH-LOYALTY")
    region, _ = Region.objects.get_or_create(group=group, code="BENCH-LOY", defaults={"name": "Bench"})
    n = Dealer.objects.filter(code__startswith="BENCH-LOY-").count() + 1
    return Dealer.objects.create(region=region, code=f"BENCH-LOY-{n}", name=f"Bench loyalty {n}", city="上海")


def load(dealer: Dealer, customers: int, transactions: int, as_of: dt.date, seed: int = 11) -> None:
    """Customers and a year of transactions through the bulk loader (COPY on PostgreSQL)."""
    rng = np.random.default_rng(seed)
    first_id = (Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    ids = np.arange(first_id, first_id + customers)
    now = np.datetime64(timezone.now().replace(tzinfo=None), "us")
    mobiles = np.char.add("+86139", np.char.zfill((ids % 10**8).astype(str), 8))
    blank = np.full(customers, "", dtype=object)
    with transaction.atomic():
        bulk.load({"customers.Customer": {
            "id": ids, "kind": np.full(customers, "person", dtype=object), "name": np.char.add("会员", ids.astype(str)),
            "mobile": mobiles, "mobile_suffix": np.char.zfill((ids % 10**4).astype(str), 4), "gender": blank,
            "birthday_lunar": np.zeros(customers, dtype=bool), "city": np.full(customers, "上海", dtype=object),
            "address": blank, "email": blank, "language": blank, "national_id": blank,
            "classification": np.full(customers, "own_sold", dtype=object), "source": np.full(customers, "other", dtype=object),
            "dealer_id": np.full(customers, dealer.pk), "status": np.full(customers, "active", dtype=object),
            "created_at": np.full(customers, now), "updated_at": np.full(customers, now)}})
        first_txn = (Transaction.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        kinds = rng.choice(KINDS, size=transactions, p=[0.6, 0.2, 0.15, 0.05])
        amounts = np.round(rng.lognormal(mean=np.log(80_000), sigma=1.0, size=transactions)).astype(np.int64)
        amounts[kinds == "vehicle_sale"] *= 100
        days = np.datetime64(as_of) - rng.integers(0, 365, size=transactions).astype("timedelta64[D]")
        bulk.load({"customers.Transaction": {
            "id": np.arange(first_txn, first_txn + transactions), "customer_id": rng.choice(ids, size=transactions),
            "dealer_id": np.full(transactions, dealer.pk), "kind": kinds.astype(object), "date": days,
            "amount_cents": np.minimum(amounts, 10**10 - 1), "reference": np.full(transactions, "", dtype=object)}})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_transaction" if connection.vendor == "postgresql" else "ANALYZE")


def baseline(dealer: Dealer, start: dt.date, end: dt.date) -> tuple[float, int]:
    """The same rows, computed from the same transactions, into a bare table."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_transfer (programme_id bigint, kind varchar(20), debit_id bigint, "
                       "credit_id bigint, amount bigint, memo text, origin varchar(10), created_at timestamptz, "
                       "available_on date, source varchar(100))")
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_transfer SELECT 0, 'earn', 0, t.customer_id, t.amount_cents / 100, '', 'job', "
            "(t.date + time '12:00') AT TIME ZONE 'Asia/Shanghai', NULL, 'txn:' || t.id "
            "FROM customers_transaction t WHERE t.dealer_id = %s AND t.date BETWEEN %s AND %s "
            "AND t.amount_cents / 100 BETWEEN 1 AND 10000000", [dealer.pk, start, end])
        rows = cursor.rowcount
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_transfer")
    return elapsed, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_500_000)
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30))
    parser.add_argument("--readme", type=Path, help="write the table into this file between the bench:loyalty markers")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        print("note: the figures in the README are PostgreSQL's; this is", connection.vendor, file=sys.stderr)
    call_command("migrate", interactive=False, verbosity=0)

    dealer = make_dealer()
    started = time.perf_counter()
    load(dealer, args.customers, args.transactions, args.as_of)
    print(f"loaded {args.customers:,} customers and {args.transactions:,} transactions in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    start, end = args.as_of - dt.timedelta(days=364), args.as_of

    other = OtherWork()
    wall = time.perf_counter()
    base_seconds, base_rows = baseline(dealer, start, end)
    print(f"baseline INSERT ... SELECT: {base_rows:,} rows in {base_seconds:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    done = bulk_earning.earn_in_shares(actor=None, dealer_id=dealer.pk, start=start, end=end, kinds=KINDS,
                                       as_of=args.as_of)
    earn_seconds = time.perf_counter() - started
    print(f"earning: {done} in {earn_seconds:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    again = bulk_earning.earn_in_shares(actor=None, dealer_id=dealer.pk, start=start, end=end, kinds=KINDS,
                                        as_of=args.as_of)
    again_seconds = time.perf_counter() - started
    assert again["transfers"] == 0, again
    started = time.perf_counter()
    result = verify.run()
    verify_seconds = time.perf_counter() - started
    assert result.ok, result.violation
    busy, other_note = other.note(time.perf_counter() - wall)
    ledger_size = Transfer.objects.count()
    print(f"verify: {result.checked} in {verify_seconds:.1f} s", file=sys.stderr)

    rows = [
        ("baseline: plain `INSERT ... SELECT` of the same rows into a bare table", base_rows, base_seconds, "—"),
        (f"earning in bulk (accounts, transfers, lots, balances, tiers, audit; {bulk_earning.SHARES} shares side by side, "
         "each one transaction)", done["transfers"],
         earn_seconds, f"< {EARN_TARGET:.0f} s"),
        ("earning again (nothing new: once per record)", again["transfers"], again_seconds, "—"),
        (f"`retain loyalty verify` (the whole ledger: {ledger_size:,} transfers, "
         f"{result.checked['lots']:,} lots, {result.checked['accounts']:,} accounts)", ledger_size, verify_seconds,
         f"< {VERIFY_TARGET:.0f} s"),
    ]
    lines = [f"Earning for {args.transactions:,} transactions of {args.customers:,} customers over one year "
             f"({done['spendable']:,} spendable at once, {done['pending']:,} pending, {done['points']:,} points) on "
             f"{connection.vendor}; `python bench/loyalty_ledger.py`.", "",
             "| step | rows | seconds | target |", "|---|---:|---:|---|"]
    lines += [f"| {what} | {n:,} | {seconds:.1f} | {target} |" for what, n, seconds, target in rows]
    lines += ["", f"Earning took {earn_seconds / base_seconds:.1f}x the bare insert. {machine_note()} {other_note}."]
    block = "\n".join(lines)
    print(block)
    if args.readme:
        write_block(args.readme, "loyalty", block, ANCHOR)
    if earn_seconds > EARN_TARGET or verify_seconds > VERIFY_TARGET:
        print("warning: a target was missed" + (" (the machine was busy)" if busy else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
