"""Django CPU and query count of one request to the card, today and home pages, in-process.

Against a built demo (same ``RETAIN_DATABASE_URL``); the probes are the load benchmark's
(``load_pages.probes``, customers with a vehicle the role can see). Per role and page: two
warm-up requests, then ``--repeat`` requests cycling over the probes; the median and the spread of
``time.process_time`` (the Python side of the request; SQL runs in the database server, so its
own time is not in it except for the driver's work) and the number of queries::

    python bench/page_cpu.py [--roles consultant1 gm1] [--pages card today] [--repeat 9]
    python bench/page_cpu.py --profile card --roles admin   # cProfile of that page, top 40 by own time
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from load_pages import ROLES, deep_cursor, probes, url_for  # noqa: E402  (sets Django up)
from retain.org.models import Staff  # noqa: E402

PAGES = ("card", "today", "home")


def measure(username: str, pages, repeat: int, seed: int, profile: str | None):
    actor = Staff.objects.get(username=username)
    picks, deep = probes(actor, random.Random(seed))[:5], deep_cursor(actor)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(actor)
    rows = []
    for page in pages:
        urls = [url_for(page, probe, deep) for probe in picks]
        for url in urls[:2]:
            assert client.get(url, follow=True).status_code == 200, (username, page)
        captured = []

        def count(execute, sql, params, many, context, captured=captured):
            captured.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):  # (CaptureQueriesContext saw none here)
            client.get(urls[0], follow=True)
        cpu = []
        profiler = cProfile.Profile() if page == profile else None
        for k in range(repeat):
            started = time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(urls[k % len(urls)], follow=True)
            if profiler:
                profiler.disable()
            cpu.append((time.process_time() - started) * 1000)
            assert response.status_code == 200
        rows.append((username, page, statistics.median(cpu), min(cpu), max(cpu), len(captured),
                     len(response.content)))
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
            print(out.getvalue())
            if os.environ.get("SHOW_SQL"):
                for sql in captured:
                    print(sql[:300])
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--roles", nargs="*", default=list(ROLES))
    p.add_argument("--pages", nargs="*", default=list(PAGES))
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", choices=PAGES)
    args = p.parse_args(argv)
    print(f"load average {open('/proc/loadavg').read().split()[:3]}")
    print("| user | page | Django CPU ms (median) | min | max | queries | kB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for username in args.roles:
        for row in measure(username, args.pages, args.repeat, args.seed, args.profile):
            print("| {} | {} | {:.1f} | {:.1f} | {:.1f} | {} | {:.0f} |".format(*row[:6], row[6] / 1024), flush=True)
    print(f"load average {open('/proc/loadavg').read().split()[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
