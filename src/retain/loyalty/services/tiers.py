"""Members' tiers, set-based (one statement per step for a whole programme, or the members a run
earned for; no Python loop per member except the rows of the members whose tier changes).

Qualifying points are the points EARNED (``TransferKind.EARN``: purchases and events, pending or
spendable; not goodwill, adjustments or transfers) credited in the 12 months up to the end of a
day (the dealer's local day; 365 days), less those voided or reversed. They are counted into
``Membership.qualifying_points`` and never touch the redeemable balance.

- ``refresh``: makes the memberships missing (a member is whoever holds a points account;
  ``joined_on`` is their first purchase at the dealer, or the day) at the tier their qualifying
  points reach, recounts the others' and upgrades at once every member whose points reach a
  higher tier (a ``TierChange`` each).
- ``lower_at_anniversary``: the daily job's downgrade. A member is lowered only on the day that is
  ``downgrade_grace_days`` after a membership anniversary (a year or more after joining), to the
  tier their qualifying points of that day reach; never on any other day.
Both are idempotent: run twice, the second finds nothing to change."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from ..models import AccountKind, Membership, Programme, Tier, TransferKind
from . import ledger


def window(programme: Programme, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The qualifying window's bounds: the local midnight 364 days before ``day``, the one after it."""
    until = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ledger.local_zone(programme))
    return until - dt.timedelta(days=365), until


def qualifying(programme: Programme, day: dt.date, customer_id: int) -> int:
    """One member's qualifying points on ``day``, live (the card, the API): the recount's own
    statement (``_earned``) for one member, by their accounts' index. Written through the ORM,
    with its two ``NOT EXISTS`` as subquery expressions, compiling it cost 2 ms of the card's CPU;
    the ORM's version stays in the tests as the second implementation both are checked against."""
    earned, ids = _earned(programme, day, [customer_id])
    with connection.cursor() as cursor:
        cursor.execute(earned, ids)
        found = cursor.fetchone()
    return int(found[1]) if found else 0


#: The tier a membership's counted points reach, that tier's threshold, and the current tier's.
TARGET = ("(SELECT t.id FROM loyalty_tier t WHERE t.programme_id = m.programme_id "
          "AND t.threshold <= m.qualifying_points ORDER BY t.threshold DESC LIMIT 1)")
REACHED = ("(SELECT t.threshold FROM loyalty_tier t WHERE t.programme_id = m.programme_id "
           "AND t.threshold <= m.qualifying_points ORDER BY t.threshold DESC LIMIT 1)")
CURRENT = "COALESCE((SELECT t.threshold FROM loyalty_tier t WHERE t.id = m.tier_id), -1)"


def _change(programme, customers, day, reason: str, *, up_to: int | None = None) -> int:
    """Move the members (``customers``, see ``_among``; memberships up to the id ``up_to`` only,
    if given) whose counted points reach a higher tier (``upgrade``) or only a lower one
    (``downgrade``) to it: a ``TierChange`` each, then the memberships, two statements."""
    among, ids = _among(customers, "m", up_to)
    moved = f"{REACHED} IS NOT NULL AND {REACHED} {'>' if reason == 'upgrade' else '<'} {CURRENT}"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO loyalty_tierchange (membership_id, from_tier_id, to_tier_id, day, qualifying_points, reason, "
            f"created_at) SELECT m.id, m.tier_id, {TARGET}, %s, m.qualifying_points, %s, %s FROM loyalty_membership m "
            f"WHERE m.programme_id = %s{among} AND {moved}", [day, reason, timezone.now(), programme.pk, *ids])
        changed = cursor.rowcount
        if changed:
            cursor.execute(f"UPDATE loyalty_membership AS m SET tier_id = {TARGET}, tier_since = %s "
                           f"WHERE m.programme_id = %s{among} AND {moved}", [day, programme.pk, *ids])
    return changed


def _among(customers, alias: str = "a", up_to: int | None = None) -> tuple[str, list]:
    """SQL restricting ``<alias>.customer_id`` to ``customers``: None (all), ids, or raw SQL;
    and the membership ``<alias>.id`` to ``up_to`` at most, if given."""
    bound, params = (f" AND {alias}.id <= %s", [up_to]) if up_to is not None else ("", [])
    if customers is None:
        return bound, params
    if isinstance(customers, str):
        return f" AND {alias}.customer_id IN ({customers}){bound}", params
    ids = [int(c) for c in customers]
    if not ids:
        return " AND 1 = 0", []
    return f" AND {alias}.customer_id IN ({', '.join(['%s'] * len(ids))}){bound}", ids + params


def _earned(programme: Programme, day: dt.date, customers) -> tuple[str, list]:
    """SQL of the members' (``customers``) qualifying points on ``day``, ``(customer_id, total)``:
    the window's earnings summed per member in one pass (the planner reads the ledger by the
    members' accounts for a few, by a scan for many), where a sum per member as a subquery read
    it member by member (15 s for 150,000). The tests count the same through the ORM, apart."""
    since, until = window(programme, day)
    among, ids = _among(customers)
    moment = connection.ops.adapt_datetimefield_value
    return ("SELECT a.customer_id, SUM(e.amount) AS total FROM loyalty_transfer e "
            "JOIN loyalty_account a ON a.id = e.credit_id "
            f"WHERE a.programme_id = %s AND a.kind IN (%s, %s){among} AND e.kind = %s "
            "AND e.created_at >= %s AND e.created_at < %s "
            "AND NOT EXISTS (SELECT 1 FROM loyalty_transfer v WHERE v.settles_id = e.id AND v.kind = %s) "
            "AND NOT EXISTS (SELECT 1 FROM loyalty_transfer r WHERE r.reverses_id = e.id) GROUP BY a.customer_id",
            [programme.pk, AccountKind.MEMBER.value, AccountKind.PENDING.value, *ids, TransferKind.EARN.value,
             moment(since), moment(until), TransferKind.VOID_EARN.value])


#: A recount's members' qualifying points (``_counted``) and first purchase days (``_join``), each in
#: a temporary table keyed by member, so the statements that read them find a member's row by
#: that key whatever the planner estimates. As grouped subqueries joined to the accounts, a new
#: programme's accounts (no statistics yet: a dealer's first run, as in the demo) were estimated
#: at one row and the sums re-read for every member: members x earnings, 20 s for a dealer of
#: 10,000 members. Counted once, ``refresh`` reads them twice.
QUALIFYING, FIRST_DAYS = "loyalty_qualifying", "loyalty_first_days"


def _keyed(cursor, name: str, column: str, select: str, params: list) -> None:
    """The rows ``(customer_id, value)`` of ``select`` into the temporary table ``name``, keyed by
    member. The table is made once per connection and emptied for each use: made and dropped per
    use, a transaction of many single earns (the events job's birthdays) held locks on every table
    it had made until its commit, beyond PostgreSQL's lock table. Emptied by DELETE, and on
    PostgreSQL after a large fill by TRUNCATE too, which gives the space back (autovacuum never
    visits a temporary table, and a worker's connection lives for days); TRUNCATE alone costs a
    new file each time, most of a single earn's recount (the events job's thousands of birthdays)."""
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} (customer_id bigint PRIMARY KEY, {column})")
    cursor.execute(f"DELETE FROM {name}")
    if connection.vendor == "postgresql" and cursor.rowcount > 1_000:
        cursor.execute(f"TRUNCATE {name}")
    cursor.execute(f"INSERT INTO {name} {select}", params)
    if connection.vendor == "postgresql" and cursor.rowcount > 1_000:
        cursor.execute(f"ANALYZE {name}")


def _counted(programme: Programme, day: dt.date, customers) -> None:
    """The members' (``customers``) qualifying points on ``day`` into ``QUALIFYING``."""
    earned, ids = _earned(programme, day, customers)
    with connection.cursor() as cursor:
        _keyed(cursor, QUALIFYING, "total bigint NOT NULL", earned, ids)


def _join(programme: Programme, day: dt.date, customers) -> tuple[int, int, int]:
    """Memberships for the programme's account holders that have none, each written once and
    complete: joined on their first purchase at the dealer (or ``day``), their qualifying points
    (``QUALIFYING``), at the tier those reach, and an upgrade row from the lowest tier for those
    above it (as if made at the lowest and upgraded at once). Inserting at the lowest and then
    updating made PostgreSQL check each new row's foreign keys again at every update (150,000
    members: seconds). Returns how many were made, how many of them above the lowest tier, and
    the highest membership id before them."""
    base = Tier.objects.filter(programme=programme, threshold=0).values_list("pk", flat=True).first()
    among, ids = _among(customers)
    first_among, first_ids = _among(customers, "t")
    with connection.cursor() as cursor:
        _keyed(cursor, FIRST_DAYS, "first_day date NOT NULL",
               "SELECT t.customer_id, MIN(t.date) FROM customers_transaction t "
               f"WHERE t.dealer_id = %s AND t.date <= %s{first_among} GROUP BY t.customer_id",
               [programme.dealer_id, day, *first_ids])
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM loyalty_membership")
        before = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO loyalty_membership (programme_id, customer_id, tier_id, tier_since, joined_on, "
            "qualifying_points, counted_on) "
            "SELECT %s, a.customer_id, (SELECT t.id FROM loyalty_tier t WHERE t.programme_id = %s "
            "AND t.threshold <= COALESCE(q.total, 0) ORDER BY t.threshold DESC LIMIT 1), %s, "
            "COALESCE(f.first_day, %s), COALESCE(q.total, 0), %s FROM loyalty_account a "
            f"LEFT JOIN {FIRST_DAYS} f ON f.customer_id = a.customer_id "
            f"LEFT JOIN {QUALIFYING} q ON q.customer_id = a.customer_id "
            # (those who have one are skipped by its unique key: a NOT EXISTS here was planned, on
            # a new programme's statistics, as a scan of the programme's memberships per member,
            # the rows this statement inserts among them: members squared)
            "WHERE a.programme_id = %s AND a.kind = %s" + among + " ON CONFLICT DO NOTHING",
            [programme.pk, programme.pk, day, day, day, programme.pk, AccountKind.MEMBER.value, *ids])
        made, upgraded = cursor.rowcount, 0
        if made:
            cursor.execute(
                "INSERT INTO loyalty_tierchange (membership_id, from_tier_id, to_tier_id, day, qualifying_points, "
                "reason, created_at) SELECT m.id, %s, m.tier_id, %s, m.qualifying_points, 'upgrade', %s "
                "FROM loyalty_membership m WHERE m.programme_id = %s AND m.id > %s AND m.tier_id IS NOT NULL "
                "AND (%s IS NULL OR m.tier_id <> %s) "
                "AND NOT EXISTS (SELECT 1 FROM loyalty_tierchange c WHERE c.membership_id = m.id)",
                [base, day, timezone.now(), programme.pk, before, base, base])
            upgraded = cursor.rowcount
    return made, upgraded, before


def _recount(programme: Programme, day: dt.date, customers, *, up_to: int | None = None) -> None:
    """The members' (``customers``; memberships up to the id ``up_to`` only, if given) qualifying
    points set to ``QUALIFYING``'s, in one statement (a member's row found by its key)."""
    among, ids = _among(customers, "m", up_to)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loyalty_membership AS m SET qualifying_points = COALESCE((SELECT q.total FROM "
            f"{QUALIFYING} q WHERE q.customer_id = m.customer_id), 0), counted_on = %s "
            f"WHERE m.programme_id = %s{among}", [day, programme.pk, *ids])


def count(programme: Programme, day: dt.date, customers=None, *, up_to: int | None = None) -> None:
    """Recount the members' (``customers``; memberships up to the id ``up_to`` only, if given)
    qualifying points on ``day``."""
    _counted(programme, day, customers)
    _recount(programme, day, customers, up_to=up_to)


def refresh(programme: Programme, day: dt.date, customers=None) -> dict:
    """Memberships made (complete: ``_join``), the others' qualifying points recounted and their
    upgrades at once (for ``customers``: ids or a subquery of them; all the programme's members
    if None). The members just made count as upgraded when above the lowest tier."""
    _counted(programme, day, customers)
    made, upgraded, before = _join(programme, day, customers)
    _recount(programme, day, customers, up_to=before)
    return {"members": made, "upgraded": upgraded + _change(programme, customers, day, "upgrade", up_to=before)}


def lower_at_anniversary(programme: Programme, day: dt.date) -> dict:
    """Recount and lower the members whose anniversary's grace ends on ``day`` (idempotent)."""
    anniversary = day - dt.timedelta(days=programme.downgrade_grace_days)
    # the days members joined whose anniversary this is (a year or more before), as a list the
    # index on (programme, joined_on) finds: 29 February joiners' anniversary is the 28th in
    # other years
    joined = []
    for year in range(1900, anniversary.year):
        if (anniversary.month, anniversary.day) == (2, 28) and _leap(year) and not _leap(anniversary.year):
            joined.append(dt.date(year, 2, 29))
        try:
            joined.append(anniversary.replace(year=year))
        except ValueError:  # 29 February of a year without one
            continue
    due = Membership.objects.filter(programme=programme, joined_on__in=joined)
    ids = list(due.values_list("customer_id", flat=True))
    if not ids:
        return {"counted": 0, "lowered": 0}
    lowered = 0
    for start in range(0, len(ids), 2_000):
        chunk = ids[start:start + 2_000]
        count(programme, day, chunk)
        lowered += _change(programme, chunk, day, "downgrade")
    return {"counted": len(ids), "lowered": lowered}


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
