"""``retain manage builddemo``: what ``retain demo`` runs. The demo is reached through Django's
command registry (by name), so no module of the project imports ``retain.demo``."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from retain.demo import build
from retain.demo.generate import SCALES


class Command(BaseCommand):
    help = "Build (or rebuild) the demo dealer group into the configured database and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small", help=f"one of {', '.join(SCALES)}")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale="small", seed=1, **options):
        if scale not in SCALES:
            raise CommandError(f"--scale must be one of {', '.join(SCALES)}, not {scale!r}")
        started = time.perf_counter()
        try:
            build.reset_database()
        except build.NotADemoDatabase as error:
            raise CommandError(str(error)) from error
        call_command("migrate", interactive=False, verbosity=0)
        summary = build.build_demo(scale=scale, seed=int(seed))
        elapsed = time.perf_counter() - started
        self.stdout.write(build.describe(summary, elapsed=elapsed, database=settings.DATABASES["default"]["NAME"]))
