"""The ``retain`` command: demo, serve, worker, jobs, token, audit, loyalty, analyze, import, manage.

Configuration comes from ``RETAIN_*`` environment variables (see the README); the command only
chooses what to run.
"""

import argparse
import datetime as dt
import os
import re
import sys


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    import django

    django.setup()


def _migrate():
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_demo(args):
    """Build (or rebuild) the demo dealer group, print what was made, then serve it with a
    worker beside the server (a child process, stopped with it), so the demo's jobs run. The
    demo app's own command does the building (nothing imports ``retain.demo``)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from retain.jobs import worker

    try:
        call_command("builddemo", scale=args.scale, seed=args.seed)
    except CommandError as error:
        sys.exit(f"retain demo: {error}")
    if not args.no_serve:
        with worker.beside(WORKER_COMMAND):
            _serve(args.port)


def cmd_serve(args):
    _migrate()
    _serve(args.port, host=args.host, workers=args.workers, threads=args.threads)


#: Threads per server process. One makes gunicorn's sync workers: a process takes a connection
#: only when it is free, so the kernel's queue hands each request to the next free process. With
#: threads (gunicorn's gthread worker) a busy process keeps accepting connections and queues them
#: behind its own, while its threads take turns on one interpreter lock: under 8 concurrent users
#: on 2 cores the card's p95 was 215 to 290 ms with 4 threads and 122 to 147 ms with 1
#: (``bench/load_pages.py``, README "Pages under load at group scale"). Sync workers want a
#: buffering proxy (nginx) in front for slow clients, as a deployment over HTTPS has anyway.
THREADS = 1


def _serve(port: int, host: str = "127.0.0.1", workers: int = 2, threads: int = THREADS):
    """Serve with gunicorn (production WSGI server) and whitenoise for static files."""
    from django.core.management import call_command
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from retain.wsgi import application

    call_command("collectstatic", interactive=False, verbosity=0)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")

        def load(self):
            return application

    # The migrations and collectstatic opened a database connection in this process: close it, or
    # every forked worker would inherit the same socket and their queries would interleave on it.
    connections.close_all()
    print(f"retain is serving on http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    Server().run()


# -- background work ------------------------------------------------------------------------------
#: How ``retain demo`` starts the worker beside its server: this same program, in a child process.
WORKER_COMMAND = (sys.executable, "-m", "retain.cli", "worker")


def cmd_worker(args):
    """Run the task worker and the periodic jobs' scheduler until SIGTERM or Ctrl+C."""
    from retain.jobs import worker

    worker.run(interval=args.interval, every=args.tick)


def cmd_jobs(args):
    """``retain jobs``: the periodic jobs and their last runs; ``retain jobs run NAME [--date D]
    [--hour H]`` runs one now, for that day (default today; an hourly job for that hour, default
    the current one), records it and prints its summary."""
    from django.utils import timezone

    from retain.jobs import report, runner
    from retain.jobs.models import Trigger

    if args.jobs_command != "run":
        print(report.describe())
        return
    now = timezone.localtime()
    hour = now.hour if args.hour is None else args.hour
    try:
        print(runner.execute(args.name, args.date or now.date(), hour, trigger=Trigger.HAND))
    except runner.JobFailed as failure:
        print(f"retain jobs run: {failure}", file=sys.stderr)
        sys.exit(1)


def _day(text: str) -> dt.date:
    """A ``--date``: YYYY-MM-DD, a real day between 1900 and 2100."""
    from retain.bounds import MAX_DATE, MIN_DATE

    try:
        day = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None or not MIN_DATE <= day <= MAX_DATE:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD between {MIN_DATE} and {MAX_DATE}")
    return day


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def cmd_token(args):
    """Issue (default), list or revoke a staff member's API tokens; issuing and revoking are audited."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from retain.org import services
    from retain.org.models import Staff

    staff = Staff.objects.filter(username=args.username).first()
    if staff is None:
        sys.exit(f"retain token: no staff member named {args.username!r}")
    if args.list:
        now = timezone.now()
        print(f"{'id':>6}  {'created':16}  {'expires':16}  {'last used':16}  state")
        for token in services.tokens_of(staff):
            state = ("revoked" if token.revoked_at else "expired" if token.expires_at <= now else "active")
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-"
            print(f"{token.pk:>6}  {token.created_at:%Y-%m-%d %H:%M}  {token.expires_at:%Y-%m-%d %H:%M}  "
                  f"{used:16}  {state}")
        return
    try:
        if args.revoke is not None:
            token = services.revoke_token(actor=None, token_id=args.revoke, staff=staff)
            print(f"token {token.pk} of {staff.username} revoked")
            return
        token, raw = services.issue_token(actor=None, staff=staff, days=args.days)
    except ValidationError as error:
        sys.exit(f"retain token: {' '.join(error.messages)}")
    print(raw)
    print(f"(token {token.pk}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC; shown once, store it now)",
          file=sys.stderr)


def cmd_audit(args):
    """``retain audit verify``: walk the audit log's hash chain; exit 1 at the first broken link."""
    from retain.org import audit

    result = audit.verify()
    if result.ok:
        print(f"audit log intact: {result.checked} rows, head {result.head}")
        print("keep the head and row count elsewhere: removing the newest rows leaves a shorter valid chain")
        return
    what = ("its link to the previous row does not match (a row before it was removed or inserted)"
            if result.reason == "link" else "its content does not match its hash (the row was changed)")
    print(f"audit log BROKEN at row id {result.broken_id}: {what}; {result.checked} rows before it are intact")
    sys.exit(1)


def cmd_loyalty(args):
    """``retain loyalty verify``: the points ledger's invariants; exit 1 naming the first violation."""
    from retain.loyalty import verify

    result = verify.run()
    counts = ", ".join(f"{n} {what}" for what, n in result.checked.items())
    if result.ok:
        print(f"points ledger consistent: {counts}; every balance adds up, none below zero, lots agree")
        return
    print(f"points ledger VIOLATION: {result.violation} ({counts})")
    sys.exit(1)


def cmd_analyze(args):
    """Score the customer base and print what was found."""
    from datetime import date

    from retain.insights import report, services

    analyses = services.ANALYSES if args.analysis == "all" else (args.analysis,)
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
        scores = services.score_customers(
            analyses=analyses, as_of=as_of, dealer_code=args.dealer,
            kinds=None if args.kind == "all" else (args.kind,), classifications=args.classification or None,
        )
    except ValueError as error:
        sys.exit(f"retain analyze: {error}")
    print(report.describe(scores))


# -- retain import (customers/imports) --------------------------------------------------------------

def cmd_import(args):
    """``retain import customers FILE --dealer CODE ...`` and ``retain import undo BATCH_ID``: run as
    the machine's operator (no staff member), audited as such."""
    from pathlib import Path

    from django.core.exceptions import ValidationError

    from retain.customers.imports import services
    from retain.org.models import Dealer, Staff

    try:
        if args.what == "undo":
            batch = services.undo_import(actor=None, batch_id=args.batch_id)
            print(f"import {batch.pk} ({batch.file_name}) undone")
            return
        dealer = Dealer.objects.filter(code=args.dealer).first()
        if dealer is None:
            sys.exit(f"retain import: no dealer with code {args.dealer!r}")
        owner = None
        if args.owner:
            owner = Staff.objects.filter(username=args.owner).first()
            if owner is None:
                sys.exit(f"retain import: no staff member named {args.owner!r}")
        path = Path(args.file)
        report = services.run_import(actor=None, dealer_id=dealer.pk, file_name=path.name, data=path.read_bytes(),
                                     mode=args.mode, owner_id=owner.pk if owner else None, strict=args.strict,
                                     dry_run=args.dry_run)
    except OSError as error:
        sys.exit(f"retain import: {error}")
    except ValidationError as error:
        sys.exit(f"retain import: {' '.join(error.messages)}")
    print(report.summary())
    for problem in report.problems[:args.show]:
        print(f"  row {problem.row}, {problem.column or '-'}: {problem.reason}")
    if len(report.problems) > args.show:
        print(f"  ... and {len(report.problems) - args.show} more (--errors FILE writes them all)")
    if args.errors and report.problems:
        from retain.customers.imports.report import error_file

        export = error_file(actor=None, problems=report.problems, file_format=report.file_format,
                            file_name=report.file_name, dealer_id=dealer.pk)
        content = export.content if isinstance(export.content, bytes) else "".join(export.content).encode("utf-8")
        Path(args.errors).write_bytes(content)
        print(f"refused rows written to {args.errors}")
    if report.refused_by_strict:
        sys.exit(1)


def cmd_manage(args):
    from django.core.management import execute_from_command_line

    execute_from_command_line(["retain manage", *args.rest])


def parser() -> argparse.ArgumentParser:
    """The command line; choices come from the project's enums (Django must be set up first)."""
    from retain.customers.models import Classification, TransactionKind
    from retain.insights.models import ANALYSES
    from retain.jobs import registry

    p = argparse.ArgumentParser(prog="retain", description="Customer-loyalty system for dealer groups.")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the demo dealer group and serve it")
    demo.add_argument("--scale", default="small", help="small (default), medium or large: see docs/demo.md")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--no-serve", action="store_true", help="build only, do not serve")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve the site with gunicorn")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=THREADS,
                       help="threads per worker process (default 1: gunicorn's sync workers)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background worker and the periodic jobs' scheduler")
    worker.add_argument("--interval", type=_positive, default=1.0, help="seconds between looks at an empty queue")
    worker.add_argument("--tick", type=_positive, default=30.0, help="seconds between the scheduler's looks")
    worker.set_defaults(func=cmd_worker)

    jobs = sub.add_parser("jobs", help="list the periodic jobs and their last runs, or run one now")
    jobs_sub = jobs.add_subparsers(dest="jobs_command")
    run = jobs_sub.add_parser("run", help="run one job now, for a day (default today), and record it")
    run.add_argument("name", choices=[job.name for job in registry.jobs()])
    run.add_argument("--date", type=_day, help="YYYY-MM-DD: the day the job works for (default today)")
    run.add_argument("--hour", type=int, choices=range(24), metavar="0-23",
                     help="an hourly job: the local hour it works for (default the current hour)")
    jobs.set_defaults(func=cmd_jobs)

    token = sub.add_parser("token", help="issue (default), list or revoke a staff member's API tokens")
    token.add_argument("username")
    token_action = token.add_mutually_exclusive_group()
    token_action.add_argument("--list", action="store_true", help="list the member's tokens and their state")
    token_action.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")
    token.add_argument("--days", type=int, help="lifetime of a new token (default RETAIN_TOKEN_DAYS, 90)")
    token.set_defaults(func=cmd_token)

    audit = sub.add_parser("audit", help="check the audit log")
    audit.add_argument("check", choices=["verify"], help="verify: walk the hash chain, exit 1 if it is broken")
    audit.set_defaults(func=cmd_audit)

    loyalty = sub.add_parser("loyalty", help="check the points ledger")
    loyalty.add_argument("check", choices=["verify"],
                         help="verify: zero sum, no negative member balance, cached balances and lots agree; exit 1 if not")
    loyalty.set_defaults(func=cmd_loyalty)

    analyze = sub.add_parser("analyze", help="score customers (RFM, CLV, pyramid) and store the scores")
    analyze.add_argument("analysis", choices=[*ANALYSES, "all"])
    analyze.add_argument("--dealer", help="dealer code (default: the whole group)")
    analyze.add_argument("--as-of", help="YYYY-MM-DD (default: the date of the latest transaction)")
    analyze.add_argument("--kind", default=TransactionKind.SERVICE.value, choices=[*TransactionKind.values, "all"],
                         help="which transactions count as purchases (default: service visits)")
    analyze.add_argument("--classification", action="append", choices=Classification.values,
                         help="only customers of this class (repeatable), e.g. own_sold")
    analyze.set_defaults(func=cmd_analyze)

    imports = sub.add_parser("import", help="import customers from a CSV or XLSX file, or undo an import")
    import_what = imports.add_subparsers(dest="what", required=True)
    customers = import_what.add_parser("customers", help="import customers (with their vehicles) into a dealer")
    customers.add_argument("file", help="a .csv (UTF-8, GBK or GB18030) or .xlsx file")
    customers.add_argument("--dealer", required=True, help="code of the dealer to import into")
    customers.add_argument("--mode", default="create", choices=["create", "update", "upsert"],
                           help="create new customers only (default), update those on record, or both")
    customers.add_argument("--owner", help="username of the consultant who owns the new customers")
    customers.add_argument("--strict", action="store_true", help="all or nothing: import nothing if a row is refused")
    customers.add_argument("--dry-run", action="store_true", help="report what would happen, write nothing")
    customers.add_argument("--errors", metavar="PATH", help="write the refused rows (row, column, reason) to PATH")
    customers.add_argument("--show", type=int, default=50, help="refused rows to print (default 50)")
    undo = import_what.add_parser("undo", help="undo an import while nothing else has touched its records")
    undo.add_argument("batch_id", type=int)
    imports.set_defaults(func=cmd_import)

    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return p


def main(argv=None):
    _setup_django()
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
