"""``retain loyalty verify``: the ledger's invariants, each checked by one set-based query in the
database (grouped sums joined to the accounts and lots; no Python loop over entries), stopping at
the first violation. Seconds on a ledger of millions of transfers (``bench/loyalty_ledger.py``).

1. the balances of all accounts add up to zero, in each programme (double entry);
2. no member account (spendable, pending, reserved) is below zero;
3. each account's cached balance equals its credits minus its debits, and every transfer in or
   out of it is of its programme;
4. each lot belongs to the account its transfer credited, and its remaining points equal its
   points minus its uses, within 0 and its points;
5. each member's spendable balance equals the points left in their lots;
6. points leave a pending or reserved account only by settling, whole, one transfer into it
   (with 3 and the unique ``settles``: each such account holds exactly its unsettled earns or
   reservations, and each was settled at most once)."""

from dataclasses import dataclass

from django.db import connection, transaction

from .models import Account, Lot, Transfer

# Each check is one pass: the rows to compare are stacked (UNION ALL) and grouped, or joined by
# primary key, never an aggregate joined back to a table, whose plan can go quadratic on a table
# the planner has no statistics of yet (a ledger just written, before autovacuum's ANALYZE).
CHECKS = [
    ("SELECT programme_id, SUM(balance) FROM loyalty_account GROUP BY programme_id HAVING SUM(balance) <> 0 "
     "ORDER BY programme_id LIMIT 1",
     "programme {0}: the balances add up to {1}, not 0"),
    ("SELECT id, kind, customer_id, balance FROM loyalty_account WHERE kind IN ('member', 'pending', 'hold') "
     "AND balance < 0 ORDER BY id LIMIT 1",
     "account {0} ({1} of customer {2}): balance {3} is below zero"),
    ("SELECT account_id, SUM(cached), SUM(entries), MIN(own), MIN(theirs), MAX(theirs) FROM ("
     "SELECT id AS account_id, balance AS cached, 0 AS entries, programme_id AS own, NULL AS theirs "
     "FROM loyalty_account "
     "UNION ALL SELECT credit_id, 0, amount, NULL, programme_id FROM loyalty_transfer "
     "UNION ALL SELECT debit_id, 0, -amount, NULL, programme_id FROM loyalty_transfer) AS stacked "
     "GROUP BY account_id HAVING SUM(cached) <> SUM(entries) OR MIN(own) IS NULL OR MIN(theirs) <> MIN(own) "
     "OR MAX(theirs) <> MIN(own) ORDER BY account_id LIMIT 1",
     "account {0}: cached balance {1}, its entries add up to {2} (its programme {3}, its transfers' {4} to {5})"),
    ("SELECT l.id, l.account_id, l.transfer_id FROM loyalty_lot l LEFT JOIN loyalty_transfer t ON t.id = l.transfer_id "
     "WHERE t.id IS NULL OR t.credit_id <> l.account_id ORDER BY l.id LIMIT 1",
     "lot {0}: account {1} is not the account its transfer {2} credited"),
    ("SELECT lot_id, SUM(left_over), SUM(made), SUM(used) FROM ("
     "SELECT id AS lot_id, remaining AS left_over, amount AS made, 0 AS used FROM loyalty_lot "
     "UNION ALL SELECT lot_id, 0, 0, amount FROM loyalty_lotuse) AS stacked GROUP BY lot_id "
     "HAVING SUM(left_over) <> SUM(made) - SUM(used) OR SUM(left_over) < 0 OR SUM(left_over) > SUM(made) "
     "ORDER BY lot_id LIMIT 1",
     "lot {0}: {1} points left, but its {2} points minus its uses ({3}) differ"),
    ("SELECT account_id, SUM(balance), SUM(in_lots) FROM ("
     "SELECT id AS account_id, balance, 0 AS in_lots FROM loyalty_account WHERE kind = 'member' "
     "UNION ALL SELECT account_id, 0, remaining FROM loyalty_lot) AS stacked "
     "GROUP BY account_id HAVING SUM(balance) <> SUM(in_lots) ORDER BY account_id LIMIT 1",
     "account {0}: spendable balance {1}, its lots hold {2}"),
    ("SELECT s.id, s.debit_id, s.settles_id FROM loyalty_transfer s JOIN loyalty_account h ON h.id = s.debit_id "
     "AND h.kind IN ('pending', 'hold') LEFT JOIN loyalty_transfer t ON t.id = s.settles_id "
     "WHERE t.id IS NULL OR t.credit_id <> s.debit_id OR t.amount <> s.amount ORDER BY s.id LIMIT 1",
     "transfer {0} takes points out of pending or reserved account {1} without settling, whole, a transfer "
     "into it ({2})"),
]


@dataclass(frozen=True)
class Result:
    checked: dict
    violation: str | None = None

    @property
    def ok(self) -> bool:
        return self.violation is None


def run() -> Result:
    counts = {"accounts": Account.objects.count(), "transfers": Transfer.objects.count(), "lots": Lot.objects.count()}
    with transaction.atomic(), connection.cursor() as cursor:
        # On PostgreSQL every join is a hash or merge join, linear in the ledger whatever the
        # planner's statistics say: a ledger loaded in the same transaction (the demo, a test) has
        # none, and a nested loop over two unanalysed tables of 100,000 rows ran for minutes.
        # (SET LOCAL would outlive a savepoint, so the previous value is put back.)
        if connection.vendor == "postgresql":
            cursor.execute("SHOW enable_nestloop")
            before = cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_nestloop = off")
        try:
            for sql, message in CHECKS:
                cursor.execute(sql)
                found = cursor.fetchone()
                if found is not None:
                    return Result(counts, message.format(*found))
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [before])
    return Result(counts)
