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
- one audit row for the run (``points.earn_bulk``), with its counts.

Points: ``amount_cents // cents_per_point`` (one point per yuan by default) for each transaction
of the given kinds; amounts under one point earn nothing. Earning rules as data (per kind, tier
multipliers, caps, exclusions) come with the programme's next part and will pass their own rate
here."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from retain.org import audit
from retain.org.audit_codes import AuditCode

from ..models import AccountKind
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


def earn_from_transactions(*, actor, dealer_id: int, start: dt.date, end: dt.date, kinds: list[str],
                           as_of: dt.date, cents_per_point: int = 100) -> dict:
    """Earn points for the dealer's transactions dated ``start``..``end`` of ``kinds``; returns
    the counts. Idempotent per transaction."""
    with transaction.atomic():
        programme = ledger.programme_for(dealer_id)
        issuance = ledger.system_account(programme, AccountKind.ISSUANCE)
        zone = ledger.local_zone(programme)
        offset = int(dt.datetime.combine(as_of, dt.time(12), zone).utcoffset().total_seconds() // 3600)
        sql = _sql(connection.vendor, offset)
        params = {
            "programme": programme.pk, "dealer": dealer_id, "start": start, "end": end,
            "cpp": cents_per_point, "max": programme.max_points_per_transfer, "issuance": issuance.pk,
            "actor": getattr(actor, "pk", None), "now": timezone.now(), "zone": str(zone),
            "pending_days": programme.pending_days, "expiry_months": programme.expiry_months,
            "cutoff": as_of - dt.timedelta(days=programme.pending_days),
        }
        chosen = ", ".join(f"%(kind{n})s" for n in range(len(kinds))) or "NULL"
        params.update({f"kind{n}": kind for n, kind in enumerate(kinds)})
        where = (f"WHERE t.dealer_id = %(dealer)s AND t.date BETWEEN %(start)s AND %(end)s AND t.kind IN ({chosen}) "
                 f"AND t.amount_cents / %(cpp)s BETWEEN 1 AND %(max)s")
        kinds3 = "(SELECT %(m)s AS kind UNION ALL SELECT %(p)s UNION ALL SELECT %(h)s) k"
        own = ("loyalty_account a ON a.programme_id = %(programme)s AND a.customer_id = t.customer_id "
               "AND a.kind = CASE WHEN t.date > %(cutoff)s THEN %(p)s ELSE %(m)s END")
        params.update({"m": AccountKind.MEMBER, "p": AccountKind.PENDING, "h": AccountKind.HOLD})
        with connection.cursor() as cursor:
            # 1. the members' accounts, made where missing
            cursor.execute(
                "INSERT INTO loyalty_account (programme_id, kind, customer_id, key, balance, created_at) "
                f"SELECT %(programme)s, k.kind, c.customer_id, '', 0, %(now)s "
                f"FROM (SELECT DISTINCT t.customer_id FROM customers_transaction t {where}) c CROSS JOIN {kinds3} "
                "WHERE NOT EXISTS (SELECT 1 FROM loyalty_account o WHERE o.programme_id = %(programme)s "
                "AND o.customer_id = c.customer_id AND o.kind = k.kind) ON CONFLICT DO NOTHING", params)
            if connection.vendor == "postgresql" and cursor.rowcount > 10_000:
                cursor.execute("ANALYZE loyalty_account")  # so the planner joins the new accounts by hash
            insert = (
                "INSERT INTO loyalty_transfer (programme_id, kind, debit_id, credit_id, amount, memo, actor_id, origin, "
                "created_at, available_on, reverses_id, settles_id, source) "
                f"SELECT %(programme)s, 'earn', %(issuance)s, a.id, t.amount_cents / %(cpp)s, '', %(actor)s, 'job', "
                f"{sql['noon']}, CASE WHEN t.date > %(cutoff)s THEN {sql['plus_days']} END, NULL, NULL, {sql['txn']} "
                f"FROM customers_transaction t JOIN {own} {where} ON CONFLICT DO NOTHING")
            lot = ("INSERT INTO loyalty_lot (account_id, transfer_id, amount, remaining, earned_on, expires_on) "
                   f"SELECT tr.credit_id, tr.id, tr.amount, tr.amount, {sql['earned_on']}, {sql['expires_on']} ")
            if connection.vendor == "postgresql":
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
            cursor.execute("UPDATE loyalty_account SET balance = balance - %(total)s WHERE id = %(issuance)s",
                           {**params, "total": total})
        done = {"transfers": earned, "spendable": lots, "pending": earned - lots, "points": int(total)}
        audit.record(actor=actor, action=AuditCode.POINTS_EARN_BULK, object_type="programme",
                     object_id=programme.pk, dealer_id=dealer_id, after={
                         **done, "start": start, "end": end, "kinds": kinds, "as_of": as_of,
                         "cents_per_point": cents_per_point})
        return done
