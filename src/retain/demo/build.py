"""Build the demo dealer group: wipe the demo database, generate, bulk-load, summarise.

``retain demo`` calls ``reset_database``, migrates, then ``build_demo``. Reset refuses to touch
a database that holds records but no ``DemoBuild`` row: pointing ``RETAIN_DATABASE_URL`` at a
real database and typing ``retain demo`` must not destroy it.
"""

import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import numpy as np
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from retain.bulk import check_deferred, foreign_keys_checked_after, load, reset_sequences_of
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import DealerGroup
from retain.surveys import presets

from . import messages
from .care import add_care
from .cases import add_cases
from .clubs import add_referrals_and_clubs
from .escalations import add_escalations, notify_open
from .generate import SCALES, Scale, generate
from .loyalty_events import add_events
from .models import DemoBuild
from .partners import add_partners
from .points import add_points
from .rewards import add_rewards
from .surveys import add_surveys, catalogue

PASSWORD = "retain-demo"


class NotADemoDatabase(Exception):
    """The configured database holds real data; the demo will not overwrite it."""


def reset_database() -> None:
    """Remove every table of the configured database (or its SQLite file) if it is a demo."""
    tables = connection.introspection.table_names()
    if "org_staff" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM org_staff")
            has_staff = cursor.fetchone()[0] > 0
            has_demo = False
            if "demo_demobuild" in tables:
                cursor.execute("SELECT COUNT(*) FROM demo_demobuild")
                has_demo = cursor.fetchone()[0] > 0
        if has_staff and not has_demo:
            raise NotADemoDatabase(
                f"{connection.settings_dict['NAME']} holds staff records and was not built by `retain demo`; "
                "refusing to overwrite it. Point RETAIN_DATA_DIR or RETAIN_DATABASE_URL elsewhere."
            )
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")


@contextmanager
def _timed(phases: dict, name: str):
    """Add the wall time of the ``with`` block to ``phases[name]`` (the build's own account of
    where its time goes, printed with the summary)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - started


def build_demo(scale: str | Scale = "small", seed: int = 1, today: date | None = None) -> dict:
    """Generate and load the demo into the (empty, migrated) database; return a summary.

    Everything ends on ``today`` (default: the local date): the service history, the showroom's
    year and the scores, which are computed as of that day."""
    sizes = SCALES[scale] if isinstance(scale, str) else scale
    today = today or timezone.localdate()
    started, phases = time.perf_counter(), {}
    data = generate(sizes, seed, make_password(PASSWORD), today=today)
    messages.add_messages(data, np.random.default_rng(np.random.SeedSequence(seed).spawn(9)[8]), today)
    add_care(data, np.random.default_rng(np.random.SeedSequence(seed).spawn(10)[9]), today)  # care's year
    generated = time.perf_counter()
    with _timed(phases, "records"), transaction.atomic():
        load(data.tables, into_empty=True, reset_sequences=False)
        # The surveys point at the group's preset questions, which the surveys app makes.
        group = DealerGroup.objects.get(pk=1)
        surveys_catalogue = catalogue(presets.install(group))
        survey_tables = add_surveys(data, np.random.default_rng(np.random.SeedSequence(seed).spawn(11)[10]), today,
                                    surveys_catalogue)
        # The cases name their survey answers, so they are drawn before those are loaded; the
        # re-surveys after closed cases are loaded after the survey tables.
        case_tables, resurveys = add_cases(data, np.random.default_rng(np.random.SeedSequence(seed).spawn(12)[11]), today,
                                survey_tables, surveys_catalogue)
        case_tables.update(add_escalations(data, case_tables["cases.Case"], today))
        check_deferred()  # the presets' foreign keys, so the loader may drop and remake the survey tables' own
        load(survey_tables, into_empty=True, reset_sequences=False)
        load(resurveys, reset_sequences=False)
        check_deferred()  # the re-surveys' foreign keys, so the loader may remake the cases' (to the responses)
        load(case_tables, into_empty=True, reset_sequences=False)
        data.tables.update(survey_tables)
        data.tables.update(case_tables)
        reset_sequences_of(list(data.tables))
        notify_open()  # the managers' notices of the escalations still standing
        # The row that marks this database as the demo's, committed with the records: the points
        # are earned after this commit (each dealer in its own transaction, two side by side), and
        # a build that fails in them leaves a database the next ``retain demo`` may wipe.
        build = DemoBuild.objects.create(scale=str(scale if isinstance(scale, str) else "custom"), seed=seed,
                                         counts={})
    counts = {label: data.count(label) + (len(resurveys[label]["id"]) if label in resurveys else 0)
              for label in data.tables}
    # The drawn columns (10 GB at large) are let go before the points, which read what was loaded
    # from the database, whose cache needs the memory.
    data.tables.clear()
    del survey_tables, case_tables, resurveys
    # The points programme's history is millions of rows written by statements over many rows
    # (earnings) or in bulk (orders): its tables' foreign keys are checked once at the end.
    with foreign_keys_checked_after(apps.get_app_config("loyalty").get_models()):
        influence_centres = _loyalty(counts, build, seed, today, phases)
    loaded = time.perf_counter()
    # Score the base as of the build date (the end of its history), so the cards show value
    # and loyalty scores of today.
    from retain.insights.services import score_customers

    with _timed(phases, "score"):
        scores = score_customers(as_of=today, job_day=today)  # counts as the day's insights.score run
    if connection.vendor == "postgresql" and not connection.in_atomic_block:  # VACUUM cannot run in one
        # Mark every freshly written page all-visible and give the planner its statistics, so the
        # capped counts and the managers' per-dealer figures are index-only scans from the first
        # request, not after autovacuum gets round to it (6 s at large).
        with _timed(phases, "vacuum"), connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return {
        "scale": build.scale, "seed": seed, "today": today, "counts": counts, "logins": data.logins,
        "generate_seconds": generated - started, "load_seconds": loaded - generated,
        "score_seconds": time.perf_counter() - loaded, "scored": scores.run.customers,
        "visits_model": scores.run.summary.get("visits_model", ""), "influence_centres": influence_centres,
        "phases": phases,
    }


def _loyalty(counts: dict, build: DemoBuild, seed: int, today: date, phases: dict) -> int:
    """The points programme's two years (earnings, goodwill, events, orders, referrals and clubs,
    partners), then the build's counts (``counts``, the loaded tables', completed here) and its
    audit row; the influence centres planted among the referrers. Each part's time goes into
    ``phases``."""
    with _timed(phases, "points"):
        points = add_points(today)
    with transaction.atomic():
        with _timed(phases, "events"):
            points["events"] = sum(add_events(today).values())
        with _timed(phases, "rewards"):
            rewards = add_rewards(today, np.random.default_rng(np.random.SeedSequence(seed).spawn(13)[12]))
        with _timed(phases, "referrals and clubs"):
            clubs = add_referrals_and_clubs(np.random.default_rng(np.random.SeedSequence(seed).spawn(14)[13]), today)
        counts["loyalty.Transfer"], counts["loyalty.goodwill"] = (points["transfers"] + points["goodwill"]
                                                                  + points["events"]), points["goodwill"]
        counts["loyalty.Reward"], counts["loyalty.Voucher"] = rewards["rewards"], rewards["vouchers"]
        counts["loyalty.Referral"], counts["loyalty.ClubMembership"] = clubs["referrals"], clubs["members"]
        with _timed(phases, "partners"):
            coalition = add_partners(today, seed)
        counts["loyalty.Transfer"] += coalition["issues"] + coalition["accepts"] + coalition["expired_lots"]
        counts["loyalty.Settlement"] = coalition["settlements"]
        build.counts = counts
        build.save(update_fields=["counts"])
        audit.record(actor=None, action=AuditCode.DEMO_BUILD, obj=build,
                     after={"scale": build.scale, "seed": seed, "today": today.isoformat()})
    return clubs["planted"]


def describe(summary: dict, *, elapsed: float, database: str) -> str:
    """What was built and how to log in, for the terminal."""
    counts = summary["counts"]
    lines = [
        f"retain demo ({summary['scale']}, seed {summary['seed']}) built in {elapsed:.1f} s "
        f"(generate {summary['generate_seconds']:.1f} s, load {summary['load_seconds']:.1f} s, "
        f"score {summary['score_seconds']:.1f} s) into {database}",
        "  parts: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in summary.get("phases", {}).items()),
        f"  {counts['org.Region']} regions, {counts['org.Dealer']} dealers, {counts['org.Staff']} staff",
        f"  {counts['customers.Customer']:,} customers, {counts['customers.Vehicle']:,} vehicles, "
        f"{counts['customers.Transaction']:,} transactions",
        f"  {counts['sales.ShowroomVisit']:,} showroom visits, {counts['sales.Prospect']:,} prospects, "
        f"{counts['sales.Contact']:,} contacts, {counts['sales.DailyReport']:,} daily reports",
        f"  {counts['channels.Message']:,} messages to customers (outbox, e-mail, gateway)",
        f"  {counts['care.Task']:,} care tasks, {counts['care.VipFile']:,} VIP files",
        f"  {counts['surveys.Invitation']:,} survey invitations, {counts['surveys.Response']:,} responses, "
        f"{counts['surveys.Answer']:,} answers",
        f"  {counts['cases.Case']:,} complaint and suggestion cases ({counts['cases.CaseStep']:,} steps), "
        f"{counts['cases.BlacklistEntry']:,} blacklist entries, {counts['cases.LostOwner']:,} lost owners",
        f"  {counts['loyalty.Transfer']:,} points movements (two years of earning, "
        f"{counts['loyalty.goodwill']:,} goodwill credits from cases)",
        f"  {counts['loyalty.Reward']:,} rewards in the dealers' catalogues, {counts['loyalty.Voucher']:,} vouchers "
        "ordered (handed over, open, cancelled, expired)",
        f"  {counts.get('loyalty.Settlement', 0):,} closed partner settlements (two coalition partners at each of the first ten dealers)",
        f"  {summary['scored']:,} customers scored (RFM, {summary['visits_model']} + Gamma-Gamma CLV, pyramid) "
        f"as of {summary['today']}",
        "",
        f"Logins (password: {PASSWORD}):",
    ]
    width = max(len(username) for username, _, _ in summary["logins"])
    lines += [f"  {username:<{width}}  {role:<17} {where}" for username, role, where in summary["logins"]]
    return "\n".join(lines)
