"""Earning from records in bulk, set-based: one ``INSERT ... SELECT`` per table instead of a
Python loop per record, for a dealer's transactions of a period (a year of a medium dealer group
is 1.5 million rows: ``bench/loyalty_ledger.py``). The worker's daily earning and the demo's two
years of history use it; a single earn at the desk goes through ``points.earn``.

The same guarantees as one earn at a time, in one transaction:

- a record earns once: each transfer's ``source`` is ``txn:<id>``, unique per kind, and the
  inserts skip a record already earned (``ON CONFLICT DO NOTHING``), so a second run, or a run
  beside a single earn of the same record, adds nothing;
- the member and pending accounts are moved by the sum of this run's transfers with
  ``balance = balance + x`` (PostgreSQL takes each row's lock as it updates it and adds to the
  latest committed balance; SQLite holds its one write lock for the transaction), and the
  issuance account by their total last, as every single earn does, so the cache stays exact and
  a single earn beside the run cannot deadlock with it;
- a record whose returns window has not passed on ``as_of`` earns pending points (spendable from
  its day + ``pending_days``); an older one earns spendable points at once, in a lot dated by the
  record's day, expiring ``expiry_months`` after its month;
- one audit row for the run (``points.earn_bulk``), with its counts (one per share: ``earn_in_shares``).

Points follow the programme's rules (``EarningRule``, ``services.rules``), in SQL:
``amount_cents * points_per_100_yuan * multiplier_percent / 1,000,000`` rounded down (the member's
tier multiplier when the run starts), for a transaction of a kind with an active rule, from the
rule's smallest amount up, of a customer not excluded (merged records, the programme's excluded
customer kinds, classifications and tags); then the rule's caps per member: per local day (the
record's date) and per calendar year, counting what the member already earned under the rule
(``Transfer.trigger``) and the run's own earlier records (window sums, by date then id):
``min(cap, before + running) - min(cap, before + running - points)``. A record capped to nothing
earns no transfer (a later run finds it capped again). After the run the members' qualifying
points are recounted and those who reach a higher tier are upgraded at once (``tiers.refresh``,
set-based)."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections, transaction
from django.utils import timezone

from retain.org import audit
from retain.org.audit_codes import AuditCode

from ..models import AccountKind, EarningRule
from . import ledger


def _sql(vendor: str, zone_offset_hours: int) -> dict:
    """The few expressions PostgreSQL and SQLite spell differently: a record's day + the returns
    window, its local noon as the earn's time, and a lot's earned and last day from that time."""
    if vendor == "postgresql":
        return {
            "plus_days": "t.date + %(pending_days)s",
            "noon": "(t.date + time '12:00') AT TIME ZONE %(zone)s",
            "earned_on": "(tr.created_at AT TIME ZONE %(zone)s)::date",
            "expires_on": "(date_trunc('month', (tr.created_at AT TIME ZONE %(zone)s)::date) "
                          "+ make_interval(months => %(expiry_months)s + 1) - interval '1 day')::date",
            "txn": "'txn:' || t.id",
        }
    # SQLite has no time zones: the zone's offset on the ``as_of`` day (stored times are UTC text).
    shift = f"{zone_offset_hours:+d} hours"
    return {
        "plus_days": "date(t.date, '+' || %(pending_days)s || ' days')",
        "noon": f"datetime(t.date || ' 12:00:00', '{-zone_offset_hours:+d} hours')",
        "earned_on": f"date(tr.created_at, '{shift}')",
        "expires_on": f"date(tr.created_at, '{shift}', 'start of month', '+' || (%(expiry_months)s + 1) || ' months', "
                      "'-1 day')",
        "txn": "'txn:' || t.id",
        "update": "UPDATE loyalty_account AS a SET balance = a.balance + d.total FROM ({sums}) AS d "
                  "WHERE a.id = d.account_id",
    }


BATCH = "loyalty_earn_batch"
#: The run's members, once each (keyed): what the tiers' recount is restricted to.
MEMBERS = "loyalty_earn_members"
#: Temporary tables of a run with caps: its records, and what their members earned before.
RAW, BEFORE, BYYEAR = "loyalty_earn_raw", "loyalty_earn_before", "loyalty_earn_byyear"


def _cap_sql(vendor: str) -> dict:
    least = "LEAST" if vendor == "postgresql" else "MIN"
    year = "EXTRACT(YEAR FROM {d})::int" if vendor == "postgresql" else "CAST(strftime('%%Y', {d}) AS INTEGER)"
    return {"least": least, "year": year}


def _batch(cursor, vendor: str, params: dict, kinds: list[str], programme, caps: bool) -> int:
    """The run's records and their points, rules, multiplier, exclusions and caps applied, into a
    temporary table ``loyalty_earn_batch (id, customer_id, date, kind, amount)``."""
    cap = _cap_sql(vendor)
    least = cap["least"]
    chosen = ", ".join(f"%(kind{n})s" for n in range(len(kinds))) or "NULL"
    params.update({f"kind{n}": kind for n, kind in enumerate(kinds)})

    def listed(name: str, values: list) -> str:
        params.update({f"{name}{n}": v for n, v in enumerate(values)})
        return ", ".join(f"%({name}{n})s" for n in range(len(values)))

    excluded = ""
    if programme.excluded_customer_kinds:
        excluded += f" AND c.kind NOT IN ({listed('xkind', programme.excluded_customer_kinds)})"
    if programme.excluded_classifications:
        excluded += f" AND c.classification NOT IN ({listed('xclass', programme.excluded_classifications)})"
    if programme.excluded_tags:
        excluded += (" AND NOT EXISTS (SELECT 1 FROM customers_customer_tags ct JOIN customers_tag g "
                     f"ON g.id = ct.tag_id WHERE ct.customer_id = c.id AND g.name IN ({listed('xtag', programme.excluded_tags)}))")
    # a member's share by a hash of their id (ids made in turn for two dealers would all fall in
    # one share by their remainder); shares run on PostgreSQL only
    share = " AND (hashint8(t.customer_id) & 2147483647) %% %(shares)s = %(share)s" if params.get("shares") else ""
    raw = (
        "SELECT t.id, t.customer_id, t.date, t.kind, r.day_cap, r.year_cap, "
        "t.amount_cents * r.points_per_100_yuan * COALESCE(ti.multiplier_percent, 100) / 1000000 AS raw "
        "FROM customers_transaction t "
        "JOIN loyalty_earningrule r ON r.programme_id = %(programme)s AND r.trigger = t.kind AND r.active "
        "AND r.points_per_100_yuan > 0 "
        "JOIN customers_customer c ON c.id = t.customer_id "
        "LEFT JOIN loyalty_membership m ON m.programme_id = %(programme)s AND m.customer_id = t.customer_id "
        "LEFT JOIN loyalty_tier ti ON ti.id = m.tier_id "
        f"WHERE t.dealer_id = %(dealer)s AND t.date BETWEEN %(start)s AND %(end)s AND t.kind IN ({chosen}){share} "
        f"AND t.amount_cents >= r.min_amount_cents AND c.status = 'active'{excluded} "
        "AND NOT EXISTS (SELECT 1 FROM loyalty_transfer e WHERE e.kind = 'earn' AND NOT (e.source = '') "
        "AND e.source = 'txn:' || t.id)")
    cursor.execute(f"DROP TABLE IF EXISTS {BATCH}")
    if not caps:
        cursor.execute(f"CREATE TEMPORARY TABLE {BATCH} AS SELECT id, customer_id, date, kind, "
                       f"{least}(raw, %(max)s) AS amount FROM ({raw}) x WHERE raw >= 1", params)
        return _rows(cursor)
    year_of = cap["year"]
    # what the run's members already earned under the rule, per local day and per year of the run's dates
    earned_day = (
        f"SELECT a.customer_id, e.trigger, {params['sql_day']} AS day, SUM(e.amount) AS total "
        "FROM loyalty_transfer e JOIN loyalty_account a ON a.id = e.credit_id "
        f"WHERE e.programme_id = %(programme)s AND e.kind = 'earn' AND e.trigger IN ({chosen}) "
        "AND e.created_at >= %(year_start)s AND e.created_at < %(year_end)s "
        f"AND a.customer_id IN (SELECT customer_id FROM {RAW}) "
        f"GROUP BY a.customer_id, e.trigger, {params['sql_day']}")
    # The run's records and what the members earned before, each into a temporary table (the
    # earlier earnings indexed by member, rule and day) before the window sums join them: as
    # common table expressions SQLite re-ran the earlier earnings' grouping for every record.
    for name, select in ((RAW, raw), (BEFORE, earned_day)):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", params)
        if name == RAW:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {RAW})")
            if not cursor.fetchone()[0]:
                return 0  # nothing new (a run again): no earlier earnings to read
            if vendor == "postgresql":
                cursor.execute(f"ANALYZE {RAW}")
    cursor.execute(f"CREATE INDEX {BEFORE}_key ON {BEFORE} (customer_id, trigger, day)", params)
    cursor.execute(f"DROP TABLE IF EXISTS {BYYEAR}")
    cursor.execute(f"CREATE TEMPORARY TABLE {BYYEAR} AS SELECT customer_id, trigger, {year_of.format(d='day')} AS yr, "
                   f"SUM(total) AS total FROM {BEFORE} GROUP BY customer_id, trigger, {year_of.format(d='day')}", params)
    cursor.execute(f"CREATE INDEX {BYYEAR}_key ON {BYYEAR} (customer_id, trigger, yr)", params)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {BATCH} AS "
        f"WITH raw AS (SELECT * FROM {RAW}), before AS (SELECT * FROM {BEFORE}), byyear AS (SELECT * FROM {BYYEAR}), "
        "d1 AS (SELECT raw.*, COALESCE(b.total, 0) AS before_day, SUM(raw) OVER (PARTITION BY raw.customer_id, "
        "raw.kind, raw.date ORDER BY raw.id ROWS UNBOUNDED PRECEDING) AS run_day FROM raw "
        "LEFT JOIN before b ON b.customer_id = raw.customer_id AND b.trigger = raw.kind AND b.day = raw.date "
        "WHERE raw.day_cap IS NOT NULL OR raw.year_cap IS NOT NULL), "
        f"d2 AS (SELECT d1.*, CASE WHEN day_cap IS NULL THEN raw ELSE {least}(day_cap, before_day + run_day) "
        f"- {least}(day_cap, before_day + run_day - raw) END AS day_amount, {year_of.format(d='d1.date')} AS yr FROM d1), "
        "y1 AS (SELECT d2.*, COALESCE(y.total, 0) AS before_year, SUM(day_amount) OVER (PARTITION BY d2.customer_id, "
        "d2.kind, d2.yr ORDER BY d2.date, d2.id ROWS UNBOUNDED PRECEDING) AS run_year FROM d2 "
        "LEFT JOIN byyear y ON y.customer_id = d2.customer_id AND y.trigger = d2.kind AND y.yr = d2.yr), "
        f"y2 AS (SELECT y1.*, CASE WHEN year_cap IS NULL THEN day_amount ELSE {least}(year_cap, before_year + run_year) "
        f"- {least}(year_cap, before_year + run_year - day_amount) END AS amount FROM y1) "
        f"SELECT id, customer_id, date, kind, {least}(amount, %(max)s) AS amount FROM y2 WHERE amount >= 1 "
        # the records of rules without caps need no window sums
        f"UNION ALL SELECT id, customer_id, date, kind, {least}(raw, %(max)s) FROM raw "
        "WHERE raw.day_cap IS NULL AND raw.year_cap IS NULL AND raw >= 1", params)
    return _rows(cursor)


def _rows(cursor) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {BATCH}")
    return cursor.fetchone()[0]


def _moment(value: dt.datetime):
    """A bound for a raw comparison with a stored time: aware on PostgreSQL, naive UTC text's
    equal on SQLite (which stores UTC without an offset)."""
    utc = value.astimezone(dt.UTC)
    return utc if connection.vendor == "postgresql" else utc.replace(tzinfo=None).isoformat(" ")


@ledger.ledger_write  # retried whole if the database refuses it for a lock (a deadlock, SQLite's busy timeout)
def earn_from_transactions(*, actor, dealer_id: int, start: dt.date, end: dt.date, as_of: dt.date,
                           kinds: list[str] | None = None, refresh_tiers: bool = True,
                           share: tuple[int, int] | None = None, analyze: bool = True) -> dict:
    """Earn points under the programme's rules for the dealer's transactions dated
    ``start``..``end`` (of ``kinds`` only, if given; of the members whose id is ``share[0]``
    modulo ``share[1]`` only, if given: ``earn_in_shares``); returns the counts. Idempotent per
    transaction. After a large insert the shared tables are analysed, unless ``analyze`` is False
    or this is a share: ANALYZE holds a lock to the commit that another run's ANALYZE waits for,
    which would make runs side by side (shares, the demo's dealers) wait for each other."""
    from . import tiers  # noqa: PLC0415 (tiers imports ledger too)

    with transaction.atomic():
        programme = ledger.programme_for(dealer_id)
        issuance = ledger.system_account(programme, AccountKind.ISSUANCE)
        zone = ledger.local_zone(programme)
        offset = int(dt.datetime.combine(as_of, dt.time(12), zone).utcoffset().total_seconds() // 3600)
        vendor = connection.vendor
        sql = _sql(vendor, offset)
        rules = {r.trigger: r for r in EarningRule.objects.filter(programme=programme, active=True,
                                                                   points_per_100_yuan__gt=0)}
        kinds = [k for k in (kinds if kinds is not None else list(rules)) if k in rules]
        caps = any(rules[k].day_cap or rules[k].year_cap for k in kinds)
        params = {
            "programme": programme.pk, "dealer": dealer_id, "start": start, "end": end,
            "max": programme.max_points_per_transfer, "issuance": issuance.pk,
            "actor": getattr(actor, "pk", None), "now": timezone.now(), "zone": str(zone),
            "pending_days": programme.pending_days, "expiry_months": programme.expiry_months,
            "cutoff": as_of - dt.timedelta(days=programme.pending_days),
            "year_start": _moment(dt.datetime.combine(dt.date(start.year, 1, 1), dt.time(), zone)),
            "year_end": _moment(dt.datetime.combine(dt.date(end.year + 1, 1, 1), dt.time(), zone)),
            "sql_day": sql["earned_on"].replace("tr.created_at", "e.created_at"),
            "share": share[0] if share else None, "shares": share[1] if share else None,
        }
        shared = {"share": f"{share[0] + 1}/{share[1]}"} if share else {}
        own = ("loyalty_account a ON a.programme_id = %(programme)s AND a.customer_id = t.customer_id "
               "AND a.kind = CASE WHEN t.date > %(cutoff)s THEN %(p)s ELSE %(m)s END")
        params.update({"m": AccountKind.MEMBER, "p": AccountKind.PENDING})
        with connection.cursor() as cursor:
            # 1. the run's records and their points, under the rules
            batched = _batch(cursor, vendor, params, kinds, programme, caps) if kinds else 0
            if not batched:
                cursor.execute(f"DROP TABLE IF EXISTS {BATCH}")
                done = {"transfers": 0, "spendable": 0, "pending": 0, "points": 0}
                audit.record(actor=actor, action=AuditCode.POINTS_EARN_BULK, object_type="programme",
                             object_id=programme.pk, dealer_id=dealer_id, after={
                                 **done, "start": start, "end": end, "kinds": kinds, "as_of": as_of, **shared})
                return {**done, "upgraded": 0}
            cursor.execute(f"DROP TABLE IF EXISTS {MEMBERS}")
            cursor.execute(f"CREATE TEMPORARY TABLE {MEMBERS} (customer_id bigint PRIMARY KEY)")
            cursor.execute(f"INSERT INTO {MEMBERS} SELECT DISTINCT customer_id FROM {BATCH}")
            if vendor == "postgresql":
                cursor.execute(f"ANALYZE {BATCH}")
                cursor.execute(f"ANALYZE {MEMBERS}")
                # the foreign keys checked as each statement ends, not queued to the commit: the
                # same checks, a tenth cheaper for millions of rows (Django declares them
                # DEFERRABLE INITIALLY DEFERRED; set back below)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # 2. the members' accounts, made where missing: the spendable account for every
            # member (it makes them a member: ``tiers.refresh``), the pending one for those
            # with a record inside the returns window; the hold account waits for a first order
            # (``ledger.member_accounts`` makes it)
            cursor.execute(
                "INSERT INTO loyalty_account (programme_id, kind, customer_id, key, balance, created_at) "
                "SELECT %(programme)s, k.kind, k.customer_id, '', 0, %(now)s FROM ("
                f"SELECT customer_id, %(m)s AS kind FROM {MEMBERS} UNION ALL "
                f"SELECT DISTINCT customer_id, %(p)s FROM {BATCH} WHERE date > %(cutoff)s) k "
                "WHERE NOT EXISTS (SELECT 1 FROM loyalty_account o WHERE o.programme_id = %(programme)s "
                "AND o.customer_id = k.customer_id AND o.kind = k.kind) ON CONFLICT DO NOTHING", params)
            alone = analyze and not share  # (see the docstring)
            if vendor == "postgresql" and cursor.rowcount > 10_000 and alone:
                cursor.execute("ANALYZE loyalty_account")  # so the planner joins the new accounts by hash
            insert = (
                "INSERT INTO loyalty_transfer (programme_id, kind, debit_id, credit_id, amount, memo, actor_id, origin, "
                "created_at, available_on, reverses_id, settles_id, source, trigger) "
                f"SELECT %(programme)s, 'earn', %(issuance)s, a.id, t.amount, '', %(actor)s, 'job', "
                f"{sql['noon']}, CASE WHEN t.date > %(cutoff)s THEN {sql['plus_days']} END, NULL, NULL, {sql['txn']}, "
                f"t.kind FROM {BATCH} t JOIN {own} ON CONFLICT DO NOTHING")
            lot = ("INSERT INTO loyalty_lot (account_id, transfer_id, amount, remaining, earned_on, expires_on) "
                   f"SELECT tr.credit_id, tr.id, tr.amount, tr.amount, {sql['earned_on']}, {sql['expires_on']} ")
            if vendor == "postgresql":
                # 3-5 in one statement: the new transfers (pending or spendable by the record's day),
                # a lot for each spendable one, the members' balances moved by their sums; the rows
                # are produced once and handed on, not read back from the table.
                cursor.execute(
                    f"WITH tr AS ({insert} RETURNING id, credit_id, amount, created_at, available_on), "
                    f"lots AS ({lot} FROM tr WHERE tr.available_on IS NULL RETURNING 1), "
                    "moved AS (UPDATE loyalty_account AS a SET balance = a.balance + d.total FROM (SELECT credit_id, "
                    "SUM(amount) AS total FROM tr GROUP BY credit_id) AS d WHERE a.id = d.credit_id RETURNING 1) "
                    "SELECT (SELECT COUNT(*) FROM tr), (SELECT COALESCE(SUM(amount), 0) FROM tr), "
                    "(SELECT COUNT(*) FROM lots), (SELECT COUNT(*) FROM moved)", params)
                earned, total, lots, _moved = cursor.fetchone()
                if earned > 10_000 and alone:  # the recount below plans with the new rows counted
                    cursor.execute("ANALYZE loyalty_transfer")
            else:
                cursor.execute("SELECT COALESCE(MAX(id), 0) FROM loyalty_transfer")
                params["before"] = cursor.fetchone()[0]
                # 3. the transfers, pending or spendable by the record's day
                cursor.execute(insert, params)
                earned = cursor.rowcount
                batch = ("FROM loyalty_transfer tr WHERE tr.id > %(before)s AND tr.programme_id = %(programme)s "
                         "AND tr.kind = 'earn' AND tr.debit_id = %(issuance)s AND tr.source LIKE 'txn:%%'")
                # 4. a lot for each spendable earn, dated by its record's day
                cursor.execute(f"{lot} {batch} AND tr.available_on IS NULL", params)
                lots = cursor.rowcount
                # 5. the cached balances, moved by this run's sums
                sums = f"SELECT tr.credit_id AS account_id, SUM(tr.amount) AS total {batch} GROUP BY tr.credit_id"
                cursor.execute(sql["update"].format(sums=sums), params)
                cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(tr.amount), 0) {batch}", params)
                count, total = cursor.fetchone()
                assert count == earned, (count, earned)
            if vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # 6. the members' tiers: qualifying points recounted, upgrades at once
        # (as of the run's last day: a run over past months upgrades as of their end)
        upgraded = tiers.refresh(programme, min(end, as_of), f"SELECT customer_id FROM {MEMBERS}")["upgraded"] \
            if refresh_tiers else 0
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BATCH}")
            cursor.execute(f"DROP TABLE IF EXISTS {MEMBERS}")
            # the issuance account last: the one row every run writes, held from here to the commit
            # (shares side by side wait for each other only here)
            cursor.execute("UPDATE loyalty_account SET balance = balance - %(total)s WHERE id = %(issuance)s",
                           {**params, "total": total})
        done = {"transfers": earned, "spendable": lots, "pending": earned - lots, "points": int(total)}
        audit.record(actor=actor, action=AuditCode.POINTS_EARN_BULK, object_type="programme",
                     object_id=programme.pk, dealer_id=dealer_id, after={
                         **done, "start": start, "end": end, "kinds": kinds, "as_of": as_of, "upgraded": upgraded,
                         **shared})
        return {**done, "upgraded": upgraded}


#: Shares a large run is split into (``earn_in_shares``): the cores of a small database server.
SHARES = 2


def earn_in_shares(*, actor, dealer_id: int, start: dt.date, end: dt.date, as_of: dt.date,
                   kinds: list[str] | None = None, shares: int = SHARES) -> dict:
    """``earn_from_transactions`` split by member into ``shares`` runs side by side, each on its
    own connection and in its own transaction, so that PostgreSQL uses as many cores (one run is
    one backend, one core: a year of 1.5 million records is mostly its per-row work, the
    transfers' indexes and foreign-key checks). Each share is as idempotent as the whole: a share
    that failed leaves the others' points in place and a second call earns what is missing, once.
    On SQLite (one writer) or inside a transaction (a connection of another thread would not see
    its rows), one run. Returns the summed counts."""
    one = {"actor": actor, "dealer_id": dealer_id, "start": start, "end": end, "as_of": as_of, "kinds": kinds}
    if shares < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return earn_from_transactions(**one)
    programme = ledger.programme_for(dealer_id)  # made once, here, not by two shares at once
    ledger.system_account(programme, AccountKind.ISSUANCE)

    def run(share: int) -> dict:
        try:
            return earn_from_transactions(**one, share=(share, shares))
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=shares) as pool:
        done = list(pool.map(run, range(shares)))
    return {key: sum(part[key] for part in done) for key in done[0]}
