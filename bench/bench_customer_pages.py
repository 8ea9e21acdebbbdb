"""How fast the customer and sales pages answer on a built demo database.

Run against an existing demo (``retain demo --scale medium --no-serve`` first, with the same
``RETAIN_DATA_DIR`` / ``RETAIN_DATABASE_URL``)::

    python bench/bench_customer_pages.py [--repeat 15] [--readme README.md]

Each request goes through the whole Django stack in-process (middleware, session, door, query,
template), as gunicorn would run it, minus the network. The baseline, measured in the same run,
is the login page: the cheapest page of the same stack. Ratios to it are what to compare across
machines; the absolute milliseconds are what the 300 ms target is about.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from _readme import write_block  # noqa: E402
from retain.customers.models import Customer, Vehicle  # noqa: E402
from retain.org.models import Staff  # noqa: E402

TARGET_MS = 300
ACTORS = ("consultant1", "gm1", "region1", "admin")


def _time(client, url, repeat):
    client.get(url)  # warm caches and the connection
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return statistics.median(samples), max(samples), len(captured)


def _probe(actor):
    """A customer the actor can see, with a vehicle, and a name fragment to search by."""
    from retain.customers.access import visible_customers

    customer = visible_customers(actor).filter(vehicles__isnull=False).order_by("id").first()
    vehicle = Vehicle.objects.filter(customer=customer).first()
    busiest = visible_customers(actor).annotate(n=Count("transactions")).order_by("-n").first()
    return customer, vehicle, busiest


def scenarios(actor):
    customer, vehicle, busiest = _probe(actor)
    digits = customer.mobile.removeprefix("+86")
    return _customer_pages(customer, vehicle, busiest, digits) + _sales_pages(actor)


def _sales_pages(actor):
    """The showroom's daily pages; the contact-status table is read for one consultant, as it is kept."""
    from retain.sales.access import visible_prospects

    prospect = visible_prospects(actor).order_by("id").first()
    consultant = Staff.objects.filter(dealer=actor.dealer or prospect.dealer, role="consultant").order_by("id").first()
    return [
        ("sales: today", "/sales/today/"),
        ("sales: prospects", "/sales/prospects/"),
        ("sales: prospect page", f"/sales/prospects/{prospect.pk}/"),
        ("sales: daily report", "/sales/reports/daily/"),
        ("sales: showroom traffic, month", "/sales/showroom/traffic/"),
        ("sales: contact-status table", f"/sales/prospects/contact-status/?consultant={consultant.pk}"),
        ("sales: lost-sale analysis", "/sales/lost-sales/"),
        ("sales: targets vs actual", "/sales/targets/"),
        ("sales: funnel", "/sales/funnel/"),
        ("API: today", "/api/v1/today"),
    ]


def _customer_pages(customer, vehicle, busiest, digits):
    return [
        ("list, page 1", "/customers/"),
        ("list, page 40", "/customers/?page=40"),
        ("search: full mobile", f"/customers/?q={digits}"),
        ("search: last 4 digits", f"/customers/?q={digits[-4:]}"),
        ("search: plate", f"/customers/?q={vehicle.plate}"),
        ("search: VIN", f"/customers/?q={vehicle.vin}"),
        ("search: name", f"/customers/?q={customer.name}"),
        ("information card", f"/customers/{customer.pk}/"),
        ("information card: most transactions", f"/customers/{busiest.pk}/"),
        ("API list", "/api/v1/customers?limit=25"),
        ("API search: mobile", f"/api/v1/customers?q={digits}"),
    ]


def run(repeat: int):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    customers = Customer.objects.count()
    rows = []
    for username in ACTORS:
        actor = Staff.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(actor)
        baseline, _, _ = _time(Client(HTTP_HOST="127.0.0.1"), "/login/", repeat)
        for name, url in scenarios(actor):
            median, worst, queries = _time(client, url, repeat)
            rows.append((username, name, median, worst, median / baseline, queries))
        rows.append((username, "baseline: login page", baseline, baseline, 1.0, 0))
    return engine, customers, rows


def table(engine, customers, rows, repeat):
    lines = [
        f"Customer and sales pages on **{engine}**, {customers:,} customers (demo `--scale medium`), "
        f"median of {repeat} requests; target < {TARGET_MS} ms.",
        "",
        "| user | request | median ms | max ms | × login page | SQL queries |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for username, name, median, worst, ratio, queries in rows:
        flag = "" if median < TARGET_MS else " ⚠"
        lines.append(f"| {username} | {name} | {median:.1f}{flag} | {worst:.1f} | {ratio:.1f} | {queries} |")
    slowest = max(r[2] for r in rows)
    lines += ["", f"Slowest median: {slowest:.1f} ms ({'meets' if slowest < TARGET_MS else 'MISSES'} the target)."]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--readme", type=Path, help="write the table into this README between its bench markers")
    args = p.parse_args(argv)
    engine, customers, rows = run(args.repeat)
    text = table(engine, customers, rows, args.repeat)
    print(text)
    if args.readme:
        write_block(args.readme, f"pages:{engine}", text, "<!-- bench:pages -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
