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
6. each pending account holds exactly its unsettled pending earns, and each hold account its
   unsettled reservations (every settlement happened once, for the whole amount)."""

from dataclasses import dataclass

from django.db import connection

from .models import Account, Lot, Transfer

CHECKS = [
    ("SELECT programme_id, SUM(balance) FROM loyalty_account GROUP BY programme_id HAVING SUM(balance) <> 0 "
     "ORDER BY programme_id LIMIT 1",
     "programme {0}: the balances add up to {1}, not 0"),
    ("SELECT id, kind, customer_id, balance FROM loyalty_account WHERE kind IN ('member', 'pending', 'hold') "
     "AND balance < 0 ORDER BY id LIMIT 1",
     "account {0} ({1} of customer {2}): balance {3} is below zero"),
    ("SELECT a.id, a.kind, a.balance, COALESCE(c.total, 0) - COALESCE(d.total, 0), a.programme_id, "
     "COALESCE(c.low, d.low), COALESCE(c.high, d.high) FROM loyalty_account a "
     "LEFT JOIN (SELECT credit_id AS id, SUM(amount) AS total, MIN(programme_id) AS low, MAX(programme_id) AS high "
     "FROM loyalty_transfer GROUP BY credit_id) c ON c.id = a.id "
     "LEFT JOIN (SELECT debit_id AS id, SUM(amount) AS total, MIN(programme_id) AS low, MAX(programme_id) AS high "
     "FROM loyalty_transfer GROUP BY debit_id) d ON d.id = a.id "
     "WHERE a.balance <> COALESCE(c.total, 0) - COALESCE(d.total, 0) OR a.programme_id <> c.low "
     "OR a.programme_id <> c.high OR a.programme_id <> d.low OR a.programme_id <> d.high ORDER BY a.id LIMIT 1",
     "account {0} ({1}): cached balance {2}, its entries add up to {3} (its programme {4}, its transfers' {5} to {6})"),
    ("SELECT l.id, l.account_id, l.transfer_id FROM loyalty_lot l LEFT JOIN loyalty_transfer t ON t.id = l.transfer_id "
     "WHERE t.id IS NULL OR t.credit_id <> l.account_id ORDER BY l.id LIMIT 1",
     "lot {0}: account {1} is not the account its transfer {2} credited"),
    ("SELECT l.id, l.remaining, l.amount, COALESCE(u.total, 0) FROM loyalty_lot l "
     "LEFT JOIN (SELECT lot_id, SUM(amount) AS total FROM loyalty_lotuse GROUP BY lot_id) u ON u.lot_id = l.id "
     "WHERE l.remaining <> l.amount - COALESCE(u.total, 0) OR l.remaining < 0 OR l.remaining > l.amount "
     "ORDER BY l.id LIMIT 1",
     "lot {0}: {1} points left, but its {2} points minus its uses ({3}) differ"),
    ("SELECT a.id, a.customer_id, a.balance, COALESCE(x.total, 0) FROM loyalty_account a "
     "LEFT JOIN (SELECT account_id, SUM(remaining) AS total FROM loyalty_lot GROUP BY account_id) x "
     "ON x.account_id = a.id WHERE a.kind = 'member' AND a.balance <> COALESCE(x.total, 0) ORDER BY a.id LIMIT 1",
     "account {0} (customer {1}): spendable balance {2}, its lots hold {3}"),
    ("SELECT a.id, a.kind, a.customer_id, a.balance, COALESCE(x.total, 0) FROM loyalty_account a "
     "LEFT JOIN (SELECT t.credit_id, SUM(t.amount) AS total FROM loyalty_transfer t "
     "JOIN loyalty_account h ON h.id = t.credit_id AND h.kind IN ('pending', 'hold') "
     "WHERE NOT EXISTS (SELECT 1 FROM loyalty_transfer s WHERE s.settles_id = t.id) GROUP BY t.credit_id) x "
     "ON x.credit_id = a.id WHERE a.kind IN ('pending', 'hold') AND a.balance <> COALESCE(x.total, 0) "
     "ORDER BY a.id LIMIT 1",
     "account {0} ({1} of customer {2}): balance {3}, its unsettled earns or reservations add up to {4}"),
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
    with connection.cursor() as cursor:
        for sql, message in CHECKS:
            cursor.execute(sql)
            found = cursor.fetchone()
            if found is not None:
                return Result(counts, message.format(*found))
    return Result(counts)
