"""The ``retain`` command: demo, serve, token, manage.

Configuration comes from ``RETAIN_*`` environment variables (see the README); the command only
chooses what to run.
"""

import argparse
import os
import sys


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    import django

    django.setup()


def _migrate():
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_demo(args):
    """Build (or rebuild) the demo dealer group, print what was made, then serve it."""
    import time

    from django.conf import settings

    from retain.demo import build

    started = time.perf_counter()
    build.reset_database()
    _migrate()
    summary = build.build_demo(scale=args.scale, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(build.describe(summary, elapsed=elapsed, database=settings.DATABASES["default"]["NAME"]))
    if not args.no_serve:
        _serve(args.port)


def cmd_serve(args):
    _migrate()
    _serve(args.port, host=args.host, workers=args.workers)


def _serve(port: int, host: str = "127.0.0.1", workers: int = 2):
    """Serve with gunicorn (production WSGI server) and whitenoise for static files."""
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    from retain.wsgi import application

    call_command("collectstatic", interactive=False, verbosity=0)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")

        def load(self):
            return application

    print(f"retain is serving on http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    Server().run()


def cmd_token(args):
    from retain.org.models import ApiToken, Staff

    staff = Staff.objects.filter(username=args.username, is_active=True).first()
    if staff is None:
        sys.exit(f"retain token: no active staff member named {args.username!r}")
    print(ApiToken.issue(staff))


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


def cmd_manage(args):
    from django.core.management import execute_from_command_line

    execute_from_command_line(["retain manage", *args.rest])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="retain", description="Customer-loyalty system for dealer groups.")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the demo dealer group and serve it")
    demo.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--no-serve", action="store_true", help="build only, do not serve")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve the site with gunicorn")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="print a new API token for a staff member")
    token.add_argument("username")
    token.set_defaults(func=cmd_token)

    analyze = sub.add_parser("analyze", help="score customers (RFM, CLV, pyramid) and store the scores")
    analyze.add_argument("analysis", choices=["rfm", "clv", "pyramid", "all"])
    analyze.add_argument("--dealer", help="dealer code (default: the whole group)")
    analyze.add_argument("--as-of", help="YYYY-MM-DD (default: the date of the latest transaction)")
    analyze.add_argument("--kind", default="service",
                         choices=["service", "parts", "vehicle_sale", "insurance", "other", "all"],
                         help="which transactions count as purchases (default: service visits)")
    analyze.add_argument("--classification", action="append",
                         help="only customers of this class (repeatable), e.g. own_sold")
    analyze.set_defaults(func=cmd_analyze)

    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    _setup_django()
    args.func(args)


if __name__ == "__main__":
    main()
