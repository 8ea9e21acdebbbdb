"""Load benchmark: p50 and p95 of the daily pages under 8 concurrent users per role, over HTTP.

Run against a built demo (``retain demo --scale medium|large --no-serve`` first, same
``RETAIN_DATABASE_URL``); it starts ``retain serve --workers 4`` itself (one thread each, the
server's default; ``--threads N`` to compare) or uses ``--url``::

    python bench/load_pages.py [--rounds 6] [--explain] [--readme README.md]

Per role (consultant1, gm1, region1, admin) 8 threads, each its own logged-in session, request
the customer list (first page and a keyset page 40 deep), search by name, by the last four digits
of a mobile, by plate and by VIN, a customer's card, today, prospects and the role's home page,
in a shuffled order, with probes drawn from 20 customers the role can see. Every thread also
requests the login page without a session: the baseline, measured in the same run under the same
load, so a reader can tell a slow page from a busy machine. The load average before and after
is printed with the table; the machine is shared, so read the ratios as much as the milliseconds.

``--explain`` also runs each page once in-process, takes its slowest SQL statement and records
``EXPLAIN (ANALYZE, BUFFERS)`` of it (PostgreSQL): the index it used and its time go into the
README's notes, the whole plans into ``bench/plans-<scale>.txt``.
"""

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from _readme import OtherWork, write_block  # noqa: E402
from retain.cli import THREADS  # noqa: E402
from retain.customers.access import visible_customers  # noqa: E402
from retain.customers.models import Customer, Vehicle  # noqa: E402
from retain.demo.build import PASSWORD  # noqa: E402
from retain.demo.models import DemoBuild  # noqa: E402
from retain.org.models import Staff  # noqa: E402

TARGET_MS = 150
ROLES = ("consultant1", "gm1", "region1", "admin")
USERS_PER_ROLE = 8
PROBES = 20
PAGES = ("list", "list, 40 pages deep", "search: name", "search: last 4 digits", "search: plate", "search: VIN",
         "card", "today", "prospects", "home")
BASELINE = "baseline: login page"


def probes(actor, rng) -> list[dict]:
    """Customers with a vehicle the actor can see, spread over the id range (not just the newest)."""
    visible = visible_customers(actor).filter(vehicles__isnull=False)
    top = visible.order_by("-pk").values_list("pk", flat=True).first()
    found = {}
    for _ in range(PROBES * 3):
        customer = visible.filter(pk__lte=rng.randint(1, top)).order_by("-pk").first()
        if customer and customer.pk not in found:
            vehicle = Vehicle.objects.filter(customer=customer).order_by("pk").first()
            found[customer.pk] = {"id": customer.pk, "name": customer.name, "last4": customer.mobile[-4:],
                                  "plate": vehicle.plate, "vin": vehicle.vin}
        if len(found) == PROBES:
            break
    return list(found.values())


def deep_cursor(actor) -> int:
    """The ``after`` cursor of the customer list's 40th page (25 rows a page)."""
    ids = visible_customers(actor).order_by("-pk").values_list("pk", flat=True)[39 * 25: 39 * 25 + 1]
    return ids[0] if ids else 0


def url_for(page: str, probe: dict, deep: int) -> str:
    q = urllib.parse.quote
    return {
        "list": "/customers/", "list, 40 pages deep": f"/customers/?after={deep}",
        "search: name": f"/customers/?q={q(probe['name'])}", "search: last 4 digits": f"/customers/?q={probe['last4']}",
        "search: plate": f"/customers/?q={q(probe['plate'])}", "search: VIN": f"/customers/?q={probe['vin']}",
        "card": f"/customers/{probe['id']}/", "today": "/sales/today/", "prospects": "/sales/prospects/", "home": "/",
    }[page]


class Session:
    """One browser: its own cookies, logged in through the login form like a person."""

    def __init__(self, base: str, username: str | None = None):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if username:
            form = self.get("/login/")[1]
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                           "csrfmiddlewaretoken": token}).encode()
            request = urllib.request.Request(base + "/login/", data=body, headers={"Referer": base + "/login/"})
            with self.opener.open(request, timeout=60) as response:
                if "/login/" in response.url:
                    raise SystemExit(f"could not log in as {username}")

    def get(self, path: str) -> tuple[float, str]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=60) as response:
            body = response.read().decode()
            status = response.status
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        return elapsed, body


def run_role(base: str, username: str, rounds: int, seed: int) -> dict[str, list[float]]:
    actor = Staff.objects.get(username=username)
    rng = random.Random(seed)
    picks, deep = probes(actor, rng), deep_cursor(actor)
    connection.close()  # the threads below use HTTP only
    samples: dict[str, list[float]] = {page: [] for page in PAGES + (BASELINE,)}
    lock, errors = threading.Lock(), []
    # Logging in hashes a password (PBKDF2, most of a second of CPU): every user logs in before
    # any of them starts, so no timed request queues behind a login.
    logged_in = threading.Barrier(USERS_PER_ROLE)

    def user(k: int):
        try:
            own, anonymous, local = Session(base, username), Session(base), random.Random(seed * 100 + k)
            logged_in.wait(timeout=300)
            for round_ in range(rounds + 1):  # the first round warms up and is not kept
                order = list(PAGES) + [BASELINE]
                local.shuffle(order)
                for page in order:
                    if page == BASELINE:
                        elapsed, _ = anonymous.get("/login/")
                    else:
                        elapsed, _ = own.get(url_for(page, local.choice(picks), deep))
                    if round_:
                        with lock:
                            samples[page].append(elapsed)
        except Exception as exc:  # reported after the run; one failed user must not hang the others
            errors.append(f"{username} user {k}: {exc!r}")

    threads = [threading.Thread(target=user, args=(k,)) for k in range(USERS_PER_ROLE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("\n".join(errors))
    return samples


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def start_server(port: int, workers: int, threads: int | None) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("retain")), "serve", "--port", str(port), "--workers", str(workers),
               *(["--threads", str(threads)] if threads else [])]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("retain serve did not come up in 60 s")


def explain(username: str, rng_seed: int) -> list[tuple[str, float, float, str, str]]:
    """Per page: every SELECT it ran, each under ``EXPLAIN (ANALYZE, BUFFERS)``; the slowest one's
    time and indexes, the page's total SQL time, and the plans in full."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    actor = Staff.objects.get(username=username)
    probe, deep = probes(actor, random.Random(rng_seed))[0], deep_cursor(actor)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(actor)
    rows = []
    for page in PAGES:
        url = url_for(page, probe, deep)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, follow=True)
        assert response.status_code == 200, (username, page, response.status_code)
        statements = list(captured.captured_queries)  # read now: a later reconnect empties the log
        cpu = []
        for _ in range(5):
            started = time.process_time()
            client.get(url, follow=True)
            cpu.append((time.process_time() - started) * 1000)
        plans = []
        for query in statements:
            if not query["sql"].lstrip().upper().startswith("SELECT") or "django_session" in query["sql"]:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append((float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)), query["sql"], plan))
        if not plans:
            raise SystemExit(f"{username} / {page}: no statements captured")
        ms, sql, plan = max(plans)
        used = sorted(set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan(?: Backward)? (?:using|on) (\w+)", plan)))
        seq = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
        summary = ", ".join(used) + ("; seq scan: " + ", ".join(seq) if seq else "")
        full = f"-- {username} / {page} ({ms:.2f} ms, the slowest of {len(plans)} statements)\n{sql}\n{plan}\n"
        rows.append((page, ms, sum(t for t, _, _ in plans), summary, full, statistics.median(cpu)))
    return rows


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def table(scale: str, customers: int, results: dict, rounds: int, before: str, after: str, started: str,
          other: str, server: str) -> str:
    cores = os.cpu_count()
    lines = [
        f"#### {scale.capitalize()}: {customers:,} customers", "",
        f"HTTP against `{server}` on **{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}**, "
        f"demo `--scale {scale}` ({customers:,} customers); {USERS_PER_ROLE} concurrent users per role, "
        f"{rounds} rounds each ({USERS_PER_ROLE * rounds} requests per page and role); started {started} UTC on "
        f"{cores} CPU cores; load average (1/5/15 min) {before} before, {after} after (the run's own load "
        f"included); {other}. Target: p95 < {TARGET_MS} ms.",
        "",
        "| user | page | p50 ms | p95 ms | p50 × login page |",
        "|---|---|---:|---:|---:|",
    ]
    misses = []
    for username, samples in results.items():
        base = statistics.median(samples[BASELINE])
        for page in PAGES + (BASELINE,):
            p50, p95 = statistics.median(samples[page]), percentile(samples[page], 95)
            flag = "" if p95 < TARGET_MS or page == BASELINE else " ⚠"
            if flag:
                misses.append(f"{username} {page}")
            lines.append(f"| {username} | {page} | {p50:.0f} | {p95:.0f}{flag} | {p50 / base:.1f} |")
    lines += ["", f"p95 over {TARGET_MS} ms: {', '.join(misses) if misses else 'none'}."]
    return "\n".join(lines)


def notes(plans: dict) -> str:
    lines = ["", ("Query plans (`--explain`): each page's statements run alone under `EXPLAIN ANALYZE`; the slowest "
                  "one, the indexes it used, and the page's SQL time in all (its plan in full in "
                  "`bench/plans-<scale>.txt`). Sequential scans are of the organisation tables (tens of rows)."), "",
             ("Django CPU is the Python side of one request in-process (`time.process_time`, median of 5), which "
              "contention inflates far less than wall time: with 8 users on 2 cores a page's p95 needs roughly "
              "8 / 2 × (Django CPU + SQL) of a machine to itself."), "",
             "| user | page | slowest statement ms | all statements ms | Django CPU ms | slowest statement's indexes |",
             "|---|---|---:|---:|---:|---|"]
    for username, rows in plans.items():
        lines += [f"| {username} | {page} | {ms:.1f} | {total:.1f} | {cpu:.0f} | {summary} |"
                  for page, ms, total, summary, _, cpu in rows]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, help="threads per server process (default: retain serve's)")
    p.add_argument("--url", help="use this running server instead of starting one")
    p.add_argument("--roles", nargs="*", default=list(ROLES))
    p.add_argument("--explain", action="store_true", help="record the query plans (PostgreSQL)")
    p.add_argument("--readme", type=Path, help="write the table into this README between its bench markers")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-load", action="store_true", help="only the query plans, no HTTP load")
    args = p.parse_args(argv)

    build = DemoBuild.objects.order_by("-pk").first()
    scale = build.scale if build else "unknown"
    customers = Customer.objects.count()
    plans = {}
    if args.explain and connection.vendor == "postgresql":
        plans = {username: explain(username, args.seed) for username in args.roles}
        Path(__file__).with_name(f"plans-{scale}.txt").write_text(
            "\n".join(row[4] for rows in plans.values() for row in rows), encoding="utf-8")
    connection.close()

    if args.no_load:
        print(notes(plans))
        return 0
    server = None if args.url else start_server(args.port, args.workers, args.threads)
    base = args.url or f"http://127.0.0.1:{args.port}"
    started, before, other, clock = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), loadavg(), OtherWork(), time.time()
    try:
        results = {username: run_role(base, username, args.rounds, args.seed + i)
                   for i, username in enumerate(args.roles)}
        _busy, other_note = other.note(time.time() - clock)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    server_command = args.url or f"retain serve --workers {args.workers} --threads {args.threads or THREADS}"
    text = table(scale, customers, results, args.rounds, before, loadavg(), started, other_note, server_command) \
        + (notes(plans) if plans else "")
    print(text)
    if args.readme:
        write_block(args.readme, f"load:{scale}", text, "<!-- bench:load -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
