"""Load benchmark: answers per second through the public answer API, over HTTP, none lost or doubled.

Run on PostgreSQL (``RETAIN_DATABASE_URL``); it starts ``retain serve --workers 4`` itself (or
uses ``--url``)::

    python bench/survey_submit.py [--invitations 3000] [--threads 16] [--readme README.md]

It writes a dealer group of its own (``BENCH-SURVEY``, reused by later runs), an after-sales
survey with the contract's question codes and ``--invitations`` open invitations straight to the
database (the tokens are kept in memory only), then submits every one of them once from a pool of
``--threads`` threads (``POST /api/v1/public/responses/{token}``, a complete after-sales answer
set, each thread its own keep-alive connection). Measured: answers per second over the whole run
(first request to last answer) and each request's latency. Then it checks in the database that
every invitation has exactly one response, submitted, and is marked answered (none lost, none
doubled), and that a second submit of a sample answers 409 and stores nothing. The load average
before and after is printed with the figure: the machine is shared.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import resource
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
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from _readme import OtherWork, write_block  # noqa: E402
from retain.org.models import Dealer, DealerGroup, Region  # noqa: E402
from retain.surveys import tokens  # noqa: E402
from retain.surveys.models import (  # noqa: E402
    Invitation,
    InvitationStatus,
    Question,
    Response,
    Survey,
    SurveyVersion,
    Trigger,
)

TARGET = 100  # answers per second
ITEMS = ["fixed_first_time", "no_rework", "value", "friendliness", "explained_why", "listened",
         "explained_invoice", "returned_clean"]


def survey_for_bench() -> Survey:
    """The bench's group, dealer and after-sales survey (made once, reused)."""
    group, _ = DealerGroup.objects.get_or_create(name="BENCH-SURVEY")
    region, _ = Region.objects.get_or_create(group=group, code="BENCH-SURVEY", defaults={"name": "Bench"})
    dealer, _ = Dealer.objects.get_or_create(code="BENCH-SURVEY", defaults={
        "region": region, "name": "Bench dealer", "city": "上海"})
    survey = Survey.objects.filter(group=group, dealer=dealer, kind="css_after_sales").first()
    if survey is not None:
        return survey
    survey = Survey.objects.create(group=group, dealer=dealer, kind="css_after_sales", preset="css_after_sales",
                                   name={"en": "After-sales satisfaction (bench)", "zh-hans": "售后满意度（压测）"})
    version = SurveyVersion.objects.create(survey=survey, number=1)
    specs = [{"code": code, "kind": "rating", "role": "item", "scale_min": 1, "scale_max": 10} for code in ITEMS]
    specs += [{"code": "overall", "kind": "rating", "role": "outcome", "scale_min": 1, "scale_max": 10},
              {"code": "recommend", "kind": "nps", "role": "outcome"},
              {"code": "comment", "kind": "text", "role": "reason", "required": False}]
    for position, spec in enumerate(specs, start=1):
        Question.objects.create(version=version, position=position, text={"en": spec["code"]}, **spec)
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return survey


def invite(survey: Survey, n: int, run: str) -> tuple[list[str], list[int]]:
    """``n`` open invitations written in bulk; their tokens (in memory only) and ids."""
    now = timezone.now()
    made, rows = [], []
    for k in range(n):
        token, digest = tokens.new_token()
        made.append(token)
        rows.append(Invitation(survey=survey, version=survey.current_version, dealer=survey.dealer,
                               trigger=Trigger.MANUAL, key=f"bench:{run}:{k}", token_hash=digest,
                               created_at=now, expires_at=now + dt.timedelta(days=14)))
    Invitation.objects.bulk_create(rows, batch_size=1000)
    ids = list(Invitation.objects.filter(key__startswith=f"bench:{run}:").values_list("pk", flat=True))
    return made, ids


def answers(rng: random.Random) -> dict:
    chosen = {code: rng.randint(5, 10) for code in ITEMS}
    chosen.update(overall=rng.randint(5, 10), recommend=rng.randint(0, 10), comment="师傅很专业，等待时间有点长。")
    return chosen


class Poster:
    """One thread's keep-alive connection to the server."""

    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def post(self, token: str, body: dict) -> int:
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.connection.request("POST", f"/api/v1/public/responses/{token}", body=data,
                                        headers={"Content-Type": "application/json"})
                response = self.connection.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, ConnectionError):
                if attempt == 2:
                    raise
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        raise AssertionError("unreachable")


def submit_all(base: str, made: list[str], threads: int, seed: int) -> tuple[float, list[float], dict]:
    queue, lock = list(reversed(made)), threading.Lock()
    latencies, statuses, errors = [], {}, []

    def work(k: int):
        poster, rng = Poster(base), random.Random(seed * 1000 + k)
        while True:
            with lock:
                if not queue:
                    return
                token = queue.pop()
            started = time.perf_counter()
            try:
                status = poster.post(token, {"answers": answers(rng)})
            except Exception as exc:  # counted and reported; one failure must not stop the run
                status = f"{type(exc).__name__}"
                errors.append(str(exc))
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def check(ids: list[int], made: list[str], base: str, sample: int, seed: int) -> dict:
    """None lost, none doubled; a second submit of a sample answers 409 and stores nothing."""
    per_invitation = dict(Response.objects.filter(invitation_id__in=ids).values_list("invitation_id")
                          .annotate(n=Count("id")).values_list("invitation_id", "n"))
    lost = [pk for pk in ids if pk not in per_invitation]
    doubled = [pk for pk, n in per_invitation.items() if n > 1]
    unsubmitted = Response.objects.filter(invitation_id__in=ids, submitted_at__isnull=True).count()
    unanswered = Invitation.objects.filter(pk__in=ids).exclude(status=InvitationStatus.ANSWERED).count()
    before = Response.objects.filter(invitation_id__in=ids).count()
    poster, rng = Poster(base), random.Random(seed)
    again = [poster.post(token, {"answers": answers(rng)}) for token in rng.sample(made, min(sample, len(made)))]
    after = Response.objects.filter(invitation_id__in=ids).count()
    return {"invitations": len(ids), "with one response": sum(1 for n in per_invitation.values() if n == 1),
            "lost": len(lost), "doubled": len(doubled), "not submitted": unsubmitted,
            "not marked answered": unanswered, "second submits": len(again),
            "second submits answering 409": again.count(409), "stored by second submits": after - before}


def start_server(port: int, workers: int) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("retain")), "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("retain serve did not come up in 60 s")


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def report(n, threads, workers, wall, latencies, statuses, checked, before, after, started, other: str) -> str:
    rate = statuses.get(201, 0) / wall
    cores = os.cpu_count()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    ok = (checked["lost"] == 0 and checked["doubled"] == 0 and checked["not submitted"] == 0
          and checked["second submits answering 409"] == checked["second submits"]
          and checked["stored by second submits"] == 0)
    lines = [
        f"HTTP against `retain serve --workers {workers}` on **{engine}**: {n:,} open invitations submitted once "
        f"each from {threads} threads (`POST /api/v1/public/responses/{{token}}`, 11 answers and a comment); "
        f"started {started} UTC on {cores} CPU cores; load average (1/5/15 min) {before} before, {after} after "
        f"(the run's own load included); {other}.",
        "",
        "| answers per second | target | wall s | p50 ms | p95 ms | p99 ms | answers |",
        "|---:|---:|---:|---:|---:|---:|---|",
        f"| **{rate:.0f}**{'' if rate >= TARGET else ' ⚠'} | {TARGET} | {wall:.1f} | "
        f"{statistics.median(latencies):.0f} | {percentile(latencies, 95):.0f} | {percentile(latencies, 99):.0f} | "
        + ", ".join(f"{status}: {count:,}" for status, count in sorted(statuses.items(), key=str)) + " |",
        "",
        "Checked in the database afterwards: " + "; ".join(f"{key} {value:,}" for key, value in checked.items())
        + (". None lost, none doubled." if ok else ". **The check failed.**"),
    ]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invitations", type=int, default=3000)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--url", help="use this running server instead of starting one")
    p.add_argument("--sample", type=int, default=200, help="second submits checked for 409")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--readme", type=Path, help="write the figure into this README between its bench markers")
    args = p.parse_args(argv)

    if connection.vendor != "postgresql":
        print("note: the figure the issue asks for is on PostgreSQL (set RETAIN_DATABASE_URL)", file=sys.stderr)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    survey = survey_for_bench()
    run = time.strftime("%Y%m%d%H%M%S") + f"-{random.randrange(10**6)}"
    made, ids = invite(survey, args.invitations, run)
    connection.close()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = None if args.url else start_server(args.port, args.workers)
    base = args.url or f"http://127.0.0.1:{args.port}"
    started, before, other = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), loadavg(), OtherWork()
    try:
        wall, latencies, statuses = submit_all(base, made, args.threads, args.seed)
        after, (_busy, other_note) = loadavg(), other.note(wall)
        checked = check(ids, made, base, args.sample, args.seed)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = (used.ru_utime + used.ru_stime - children_before.ru_utime - children_before.ru_stime) if server else None
    text = report(len(made), args.threads, args.workers, wall, latencies, statuses, checked, before, after, started,
                  other_note)
    if server_cpu is not None:
        # The server's processes (gunicorn's master and workers, reaped at shutdown), start-up included;
        # PostgreSQL's backends are not in it.
        text += (f"\n\nCPU of the server's processes over the whole run (start-up, the submits and the check): "
                 f"{server_cpu:.1f} s, {server_cpu / len(made) * 1000:.1f} ms per answer; PostgreSQL's not included.")
    print(text)
    if args.readme:
        write_block(args.readme, "survey-submit", text, "### Answering surveys under load")
    return 0 if checked["lost"] == 0 and checked["doubled"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
